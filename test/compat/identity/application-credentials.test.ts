import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { hashPassword } from '../../../src/identity/passwords.ts';
import { hexId } from '../../../src/platform/ids.ts';

describe('identity: application credentials and access rules', () => {
  let cloud: TestCloud;
  let projectId: string;
  let memberRoleId: string;
  let readerRoleId: string;
  let extraRoleId: string;
  const users: Record<string, { id: string; token: string }> = {};
  const r = (method: string, path: string, body?: unknown, token?: string | null) =>
    cloud.request(method, `/identity/v3${path}`, { body, ...(token !== undefined ? { token } : {}) });
  const appCredAuth = (application_credential: unknown) =>
    cloud.request('POST', '/identity/v3/auth/tokens', { token: null, body: { auth: { identity: { methods: ['application_credential'], application_credential } } } });

  before(async () => {
    cloud = await startCloud();
    const db = cloud.runtime.identity.db;
    projectId = (await db.projects.insert({ id: hexId(), name: 'p-appcred', domain_id: 'default', parent_id: 'default', is_domain: false, enabled: true, description: '', tags: [], options: {}, extra: {} })).id;
    memberRoleId = (await db.roles.findOne({ name: 'member', domain_id: null }))!.id;
    readerRoleId = (await db.roles.findOne({ name: 'reader', domain_id: null }))!.id;
    extraRoleId = (await db.roles.insert({ id: hexId(), name: 'observer', domain_id: null, description: '', options: {}, extra: {} })).id;
    for (const name of ['carol', 'dave']) {
      const id = hexId();
      await db.users.insert({ id, name, domain_id: 'default', enabled: true, default_project_id: null, password_hash: await hashPassword(`pw-${name}`), password_created_at: 0, password_expires_at: null, options: {}, extra: {}, failed_auth_count: 0, failed_auth_at: null, created_at: 0, last_active_at: null });
      await db.assignments.insert({ id: hexId(), actor_type: 'user', actor_id: id, target_type: 'project', target_id: projectId, role_id: memberRoleId, inherited: false });
      users[name] = { id, token: '' };
    }
    await db.assignments.insert({ id: hexId(), actor_type: 'user', actor_id: users.carol.id, target_type: 'project', target_id: projectId, role_id: extraRoleId, inherited: false });
    await cloud.runtime.identity.changed();
    for (const name of ['carol', 'dave']) users[name].token = await cloud.token({ id: users[name].id }, `pw-${name}`, { project: { id: projectId } });
  });
  after(() => cloud.stop());

  it('creates one, authenticates with id+secret and name+user, delegating only its roles, and delete invalidates its tokens', async () => {
    const base = `/users/${users.carol.id}/application_credentials`;
    const created = await r('POST', base, { application_credential: { name: 'ci', description: 'for CI', roles: [{ name: 'reader' }] } }, users.carol.token);
    assert.equal(created.status, 201);
    const ac = created.body.application_credential;
    assert.ok(ac.secret.length >= 64);
    assert.equal(ac.project_id, projectId);
    assert.equal(ac.unrestricted, false);
    assert.equal(ac.expires_at, null);
    assert.deepEqual(ac.roles.map((x: any) => x.id), [readerRoleId]);
    const shown = await r('GET', `${base}/${ac.id}`, undefined, users.carol.token);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.application_credential.secret, undefined);
    const stored = await cloud.runtime.identity.db.applicationCredentials.get(ac.id);
    assert.ok(stored && !JSON.stringify(stored).includes(ac.secret));

    const byId = await appCredAuth({ id: ac.id, secret: ac.secret });
    assert.equal(byId.status, 201);
    assert.equal(byId.body.token.project.id, projectId);
    assert.deepEqual(byId.body.token.roles.map((x: any) => x.id), [readerRoleId]);
    assert.deepEqual(byId.body.token.methods, ['application_credential']);
    const byName = await appCredAuth({ name: 'ci', user: { name: 'carol', domain: { id: 'default' } }, secret: ac.secret });
    assert.equal(byName.status, 201);
    assert.equal((await appCredAuth({ id: ac.id, secret: 'wrong' })).status, 401);
    const appToken = byId.headers.get('x-subject-token')!;

    // a token from a restricted application credential may not manage application credentials
    const nested = await r('POST', base, { application_credential: { name: 'nested' } }, appToken);
    assert.equal(nested.status, 403);
    assert.match(nested.body.error.message, /not allowed for managing additional application credentials/);

    assert.equal((await cloud.request('GET', '/identity/v3/auth/tokens', { headers: { 'X-Subject-Token': appToken } })).status, 200);
    assert.equal((await r('DELETE', `${base}/${ac.id}`, undefined, users.carol.token)).status, 204);
    assert.equal((await cloud.request('GET', '/identity/v3/auth/tokens', { headers: { 'X-Subject-Token': appToken } })).status, 404);
    assert.equal((await appCredAuth({ id: ac.id, secret: ac.secret })).status, 401);
    assert.equal((await r('GET', `${base}/${ac.id}`, undefined, users.carol.token)).status, 404);
  });

  it('defaults to every role of the token, accepts a given secret and an unrestricted flag', async () => {
    const base = `/users/${users.carol.id}/application_credentials`;
    const created = await r('POST', base, { application_credential: { name: 'all', secret: 'my-own-secret', unrestricted: true } }, users.carol.token);
    assert.equal(created.status, 201);
    assert.equal(created.body.application_credential.secret, 'my-own-secret');
    assert.deepEqual(created.body.application_credential.roles.map((x: any) => x.id).sort(), [memberRoleId, readerRoleId, extraRoleId].sort());
    const auth = await appCredAuth({ id: created.body.application_credential.id, secret: 'my-own-secret' });
    assert.equal(auth.status, 201);
    // unrestricted: its tokens may create further application credentials
    const nested = await r('POST', base, { application_credential: { name: 'child', roles: [{ id: readerRoleId }] } }, auth.headers.get('x-subject-token')!);
    assert.equal(nested.status, 201);
    const list = await r('GET', base, undefined, users.carol.token);
    assert.deepEqual(list.body.application_credentials.map((x: any) => x.name).sort(), ['all', 'child']);
    const filtered = await r('GET', `${base}?name=child`, undefined, users.carol.token);
    assert.deepEqual(filtered.body.application_credentials.map((x: any) => x.name), ['child']);
    const dup = await r('POST', base, { application_credential: { name: 'child' } }, users.carol.token);
    assert.equal(dup.status, 409);
  });

  it('honours expires_at and refuses a past or malformed one', async () => {
    const base = `/users/${users.carol.id}/application_credentials`;
    const future = new Date(Date.now() + 3600_000).toISOString().replace('Z', '').slice(0, 19) + '.123456';
    const created = await r('POST', base, { application_credential: { name: 'expiring', expires_at: future } }, users.carol.token);
    assert.equal(created.status, 201);
    assert.equal(created.body.application_credential.expires_at, future);
    const auth = await appCredAuth({ id: created.body.application_credential.id, secret: created.body.application_credential.secret });
    assert.equal(auth.status, 201);
    assert.ok(Date.parse(auth.body.token.expires_at) <= Date.parse(future + 'Z') + 1000);
    const past = await r('POST', base, { application_credential: { name: 'old', expires_at: '2001-01-01T00:00:00' } }, users.carol.token);
    assert.equal(past.status, 400);
    assert.match(past.body.error.message, /must not be before now/);
    assert.equal((await r('POST', base, { application_credential: { name: 'bad', expires_at: 'tomorrow' } }, users.carol.token)).status, 400);
  });

  it('refuses roles the caller does not have, other users and non-project tokens', async () => {
    const base = `/users/${users.dave.id}/application_credentials`;
    const unassigned = await r('POST', base, { application_credential: { name: 'x', roles: [{ id: extraRoleId }] } }, users.dave.token);
    assert.equal(unassigned.status, 400);
    assert.equal(unassigned.body.error.message, 'Invalid application credential: Cannot create an application credential with unassigned role');
    assert.equal((await r('POST', base, { application_credential: {} }, users.dave.token)).status, 400);
    assert.equal((await r('POST', `/users/${users.carol.id}/application_credentials`, { application_credential: { name: 'y' } }, users.dave.token)).status, 403);
    assert.equal((await r('GET', `/users/${users.carol.id}/application_credentials`, undefined, users.dave.token)).status, 403);
    const carols = (await r('GET', `/users/${users.carol.id}/application_credentials`, undefined, users.carol.token)).body.application_credentials;
    // naming one's own user id in the path does not reach someone else's credential
    assert.equal((await r('GET', `${base}/${carols[0].id}`, undefined, users.dave.token)).status, 403);
    assert.equal((await r('DELETE', `${base}/${carols[0].id}`, undefined, users.dave.token)).status, 403);
    const unscoped = await cloud.token({ id: users.dave.id }, 'pw-dave');
    assert.notEqual((await r('POST', base, { application_credential: { name: 'z' } }, unscoped)).status, 201);
  });

  it('keeps access rules, shared between credentials and deletable once unused', async () => {
    const base = `/users/${users.dave.id}`;
    const rules = [{ path: '/v2.1/servers/*/ips', method: 'GET', service: 'compute' }];
    const one = await r('POST', `${base}/application_credentials`, { application_credential: { name: 'ar1', access_rules: rules } }, users.dave.token);
    assert.equal(one.status, 201);
    const rule = one.body.application_credential.access_rules[0];
    assert.deepEqual({ ...rule, id: undefined }, { ...rules[0], id: undefined });
    const two = await r('POST', `${base}/application_credentials`, { application_credential: { name: 'ar2', access_rules: rules } }, users.dave.token);
    assert.equal(two.body.application_credential.access_rules[0].id, rule.id);
    const bad = await r('POST', `${base}/application_credentials`, { application_credential: { name: 'ar3', access_rules: [{ path: 'x', method: 'GET', service: 'compute' }] } }, users.dave.token);
    assert.equal(bad.status, 400);
    const list = await r('GET', `${base}/access_rules`, undefined, users.dave.token);
    assert.equal(list.body.access_rules.length, 1);
    assert.equal((await r('GET', `${base}/access_rules/${rule.id}`, undefined, users.dave.token)).status, 200);
    assert.equal((await r('GET', `${base}/access_rules`, undefined, users.carol.token)).status, 403);
    const inUse = await r('DELETE', `${base}/access_rules/${rule.id}`, undefined, users.dave.token);
    assert.equal(inUse.status, 403);
    await r('DELETE', `${base}/application_credentials/${one.body.application_credential.id}`, undefined, users.dave.token);
    await r('DELETE', `${base}/application_credentials/${two.body.application_credential.id}`, undefined, users.dave.token);
    assert.equal((await r('GET', `${base}/access_rules`, undefined, users.dave.token)).body.access_rules.length, 1);
    assert.equal((await r('DELETE', `${base}/access_rules/${rule.id}`, undefined, users.dave.token)).status, 204);
    assert.equal((await r('GET', `${base}/access_rules/${rule.id}`, undefined, users.dave.token)).status, 404);
  });
});
