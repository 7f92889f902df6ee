import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { fixtures, PASSWORD } from './role-fixtures.ts';

describe('identity: /v3/OS-TRUST/trusts and trust-scoped tokens', () => {
  let cloud: TestCloud;
  let f: ReturnType<typeof fixtures>;
  let projectId: string;
  let trustorId: string;
  let trusteeId: string;
  let outsiderId: string;
  let trustorToken: string;
  let trusteeToken: string;
  let outsiderToken: string;
  let delegated: { id: string; name: string };
  let kept: { id: string; name: string };
  const r = (method: string, path: string, body?: unknown, token?: string) =>
    cloud.request(method, `/identity/v3${path}`, { body, ...(token ? { token } : {}) });
  const grant = (projectId: string, userId: string, roleId: string) => r('PUT', `/projects/${projectId}/users/${userId}/roles/${roleId}`);
  const trustBody = (extra: Record<string, unknown> = {}) => ({
    trust: { trustor_user_id: trustorId, trustee_user_id: trusteeId, project_id: projectId, impersonation: true, roles: [{ name: delegated.name }], ...extra },
  });
  const trustToken = (trustId: string, userId = trusteeId) =>
    cloud.request('POST', '/identity/v3/auth/tokens', {
      token: null,
      body: { auth: { identity: { methods: ['password'], password: { user: { id: userId, password: PASSWORD } } }, scope: { 'OS-TRUST:trust': { id: trustId } } } },
    });

  before(async () => {
    cloud = await startCloud();
    f = fixtures(cloud);
    projectId = (await f.project()).id;
    const otherProject = (await f.project()).id;
    trustorId = (await f.user()).id;
    trusteeId = (await f.user()).id;
    outsiderId = (await f.user()).id;
    delegated = await f.role();
    kept = await f.role();
    const member = await f.roleByName('member');
    await grant(projectId, trustorId, delegated.id);
    await grant(projectId, trustorId, kept.id);
    await grant(otherProject, trusteeId, member.id);
    await grant(otherProject, outsiderId, member.id);
    trustorToken = await cloud.token({ id: trustorId }, PASSWORD, { project: { id: projectId } });
    trusteeToken = await cloud.token({ id: trusteeId }, PASSWORD, { project: { id: otherProject } });
    outsiderToken = await cloud.token({ id: outsiderId }, PASSWORD, { project: { id: otherProject } });
  });
  after(() => cloud.stop());

  it('creates a trust of the trustor, showing its roles, and lists it', async () => {
    const expires = new Date(Date.now() + 3600_000);
    expires.setMilliseconds(0);
    const created = await r('POST', '/OS-TRUST/trusts', trustBody({ expires_at: expires.toISOString().replace('.000Z', 'Z') }), trustorToken);
    assert.equal(created.status, 201, created.text);
    const t = created.body.trust;
    assert.equal(t.trustor_user_id, trustorId);
    assert.equal(t.trustee_user_id, trusteeId);
    assert.equal(t.project_id, projectId);
    assert.equal(t.impersonation, true);
    assert.equal(t.remaining_uses, null);
    assert.equal(t.expires_at.replace(/\.\d{6}/, ''), expires.toISOString().replace('.000Z', 'Z'));
    assert.deepEqual(t.roles.map((x: any) => x.id), [delegated.id]);
    assert.match(t.roles[0].links.self, new RegExp(`/v3/roles/${delegated.id}$`));
    assert.match(t.links.self, new RegExp(`/v3/OS-TRUST/trusts/${t.id}$`));

    const shown = await r('GET', `/OS-TRUST/trusts/${t.id}`, undefined, trusteeToken);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.trust.roles[0].name, delegated.name);
    const roles = await r('GET', `/OS-TRUST/trusts/${t.id}/roles`, undefined, trustorToken);
    assert.deepEqual(roles.body.roles.map((x: any) => x.id), [delegated.id]);
    assert.equal((await r('GET', `/OS-TRUST/trusts/${t.id}/roles/${delegated.id}`, undefined, trustorToken)).status, 200);
    assert.equal((await r('HEAD', `/OS-TRUST/trusts/${t.id}/roles/${delegated.id}`, undefined, trustorToken)).status, 200);
    const notDelegated = await r('GET', `/OS-TRUST/trusts/${t.id}/roles/${kept.id}`, undefined, trustorToken);
    assert.equal(notDelegated.status, 404);
    assert.equal(notDelegated.body.error.message, `Could not find role: ${kept.id}.`);

    const mine = await r('GET', `/OS-TRUST/trusts?trustor_user_id=${trustorId}`, undefined, trustorToken);
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.trusts.map((x: any) => x.id), [t.id]);
    assert.equal(mine.body.trusts[0].roles, undefined);
    const theirs = await r('GET', `/OS-TRUST/trusts?trustee_user_id=${trusteeId}`, undefined, trusteeToken);
    assert.deepEqual(theirs.body.trusts.map((x: any) => x.id), [t.id]);
    const all = await r('GET', '/OS-TRUST/trusts');
    assert.ok(all.body.trusts.some((x: any) => x.id === t.id));
    await r('DELETE', `/OS-TRUST/trusts/${t.id}`, undefined, trustorToken);
  });

  it('enforces who may create, see, list and delete', async () => {
    const notTrustor = await r('POST', '/OS-TRUST/trusts', trustBody(), outsiderToken);
    assert.equal(notTrustor.status, 403);
    const t = (await r('POST', '/OS-TRUST/trusts', trustBody(), trustorToken)).body.trust;
    assert.equal((await r('GET', `/OS-TRUST/trusts/${t.id}`, undefined, outsiderToken)).status, 403);
    assert.equal((await r('GET', `/OS-TRUST/trusts/${t.id}/roles`, undefined, outsiderToken)).status, 403);
    assert.equal((await r('GET', `/OS-TRUST/trusts?trustor_user_id=${trustorId}`, undefined, outsiderToken)).status, 403);
    assert.equal((await r('GET', '/OS-TRUST/trusts', undefined, outsiderToken)).status, 403);
    assert.equal((await r('DELETE', `/OS-TRUST/trusts/${t.id}`, undefined, outsiderToken)).status, 403);
    assert.equal((await r('DELETE', `/OS-TRUST/trusts/${t.id}`, undefined, trusteeToken)).status, 403);
    assert.equal((await r('DELETE', `/OS-TRUST/trusts/${t.id}`, undefined, trustorToken)).status, 204);
    const gone = await r('GET', `/OS-TRUST/trusts/${t.id}`, undefined, trustorToken);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.message, `Could not find trust: ${t.id}.`);
  });

  it('refuses invalid trusts with Keystone errors', async () => {
    const badExpiry = await r('POST', '/OS-TRUST/trusts', trustBody({ expires_at: 'bad.123Z' }), trustorToken);
    assert.equal(badExpiry.status, 400);
    assert.match(badExpiry.body.error.message, /^Timestamp not in expected format/);
    const past = await r('POST', '/OS-TRUST/trusts', trustBody({ expires_at: '2001-01-01T00:00:00Z' }), trustorToken);
    assert.equal(past.status, 400);
    const noImpersonation = await r('POST', '/OS-TRUST/trusts', { trust: { trustor_user_id: trustorId, trustee_user_id: trusteeId } }, trustorToken);
    assert.equal(noImpersonation.status, 400);
    assert.equal(noImpersonation.body.error.message, "'impersonation' is a required property");
    const noRoles = await r('POST', '/OS-TRUST/trusts', trustBody({ roles: [] }), trustorToken);
    assert.equal(noRoles.status, 403);
    assert.match(noRoles.body.error.message, /At least one role should be specified/);
    const notHeld = await r('POST', '/OS-TRUST/trusts', trustBody({ roles: [{ name: 'admin' }] }), trustorToken);
    assert.equal(notHeld.status, 404);
    const noTrustee = await r('POST', '/OS-TRUST/trusts', trustBody({ trustee_user_id: 'nobody' }), trustorToken);
    assert.equal(noTrustee.status, 404);
    assert.equal(noTrustee.body.error.message, 'Could not find user: nobody.');
    const both = await r('POST', '/OS-TRUST/trusts', trustBody({ allow_redelegation: true, remaining_uses: 2 }), trustorToken);
    assert.equal(both.status, 400);
    const badUses = await r('POST', '/OS-TRUST/trusts', trustBody({ remaining_uses: 0 }), trustorToken);
    assert.equal(badUses.status, 400);
  });

  it('gives the trustee a trust-scoped token with the delegated roles, impersonating the trustor', async () => {
    const t = (await r('POST', '/OS-TRUST/trusts', trustBody(), trustorToken)).body.trust;
    const res = await trustToken(t.id);
    assert.equal(res.status, 201, res.text);
    const token = res.body.token;
    assert.deepEqual(token['OS-TRUST:trust'], { id: t.id, impersonation: true, trustee_user: { id: trusteeId }, trustor_user: { id: trustorId } });
    assert.equal(token.user.id, trustorId);
    assert.equal(token.project.id, projectId);
    assert.deepEqual(token.roles.map((x: any) => x.id), [delegated.id]);
    // the token validates, and stops validating once the trust is deleted
    const subject = res.headers.get('x-subject-token')!;
    assert.equal((await cloud.request('GET', '/identity/v3/auth/tokens', { headers: { 'X-Subject-Token': subject } })).status, 200);
    assert.equal((await r('DELETE', `/OS-TRUST/trusts/${t.id}`, undefined, trustorToken)).status, 204);
    assert.equal((await cloud.request('GET', '/identity/v3/auth/tokens', { headers: { 'X-Subject-Token': subject } })).status, 404);
  });

  it('keeps the trustee as the user without impersonation, and only the trustee may use the trust', async () => {
    const t = (await r('POST', '/OS-TRUST/trusts', trustBody({ impersonation: false }), trustorToken)).body.trust;
    const res = await trustToken(t.id);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.token.user.id, trusteeId);
    assert.equal(res.body.token['OS-TRUST:trust'].impersonation, false);
    assert.equal((await trustToken(t.id, outsiderId)).status, 403);
    assert.equal((await trustToken('no-such-trust')).status, 404);
  });

  it('counts down remaining uses', async () => {
    const t = (await r('POST', '/OS-TRUST/trusts', trustBody({ remaining_uses: 2 }), trustorToken)).body.trust;
    assert.equal((await trustToken(t.id)).status, 201);
    assert.equal((await r('GET', `/OS-TRUST/trusts/${t.id}`, undefined, trustorToken)).body.trust.remaining_uses, 1);
    const last = await trustToken(t.id);
    assert.equal(last.status, 201);
    assert.equal((await trustToken(t.id)).status, 404);
    // the token issued with the last use stays valid
    const subject = last.headers.get('x-subject-token')!;
    assert.equal((await cloud.request('GET', '/identity/v3/auth/tokens', { headers: { 'X-Subject-Token': subject } })).status, 200);
  });
});
