import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { hashPassword } from '../../../src/identity/passwords.ts';
import { hexId } from '../../../src/platform/ids.ts';

describe('identity: /v3/credentials and OS-EC2', () => {
  let cloud: TestCloud;
  let projectId: string;
  const users: Record<string, { id: string; token: string }> = {};
  const r = (method: string, path: string, body?: unknown, token?: string) =>
    cloud.request(method, `/identity/v3${path}`, { body, ...(token ? { token } : {}) });

  before(async () => {
    cloud = await startCloud();
    const db = cloud.runtime.identity.db;
    projectId = (await db.projects.insert({ id: hexId(), name: 'p-creds', domain_id: 'default', parent_id: 'default', is_domain: false, enabled: true, description: '', tags: [], options: {}, extra: {} })).id;
    const member = (await db.roles.findOne({ name: 'member', domain_id: null }))!;
    for (const name of ['alice', 'bob']) {
      const id = hexId();
      await db.users.insert({ id, name, domain_id: 'default', enabled: true, default_project_id: null, password_hash: await hashPassword(`pw-${name}`), password_created_at: 0, password_expires_at: null, options: {}, extra: {}, failed_auth_count: 0, failed_auth_at: null, created_at: 0, last_active_at: null });
      await db.assignments.insert({ id: hexId(), actor_type: 'user', actor_id: id, target_type: 'project', target_id: projectId, role_id: member.id, inherited: false });
      users[name] = { id, token: '' };
    }
    await cloud.runtime.identity.changed();
    for (const name of ['alice', 'bob']) users[name].token = await cloud.token({ id: users[name].id }, `pw-${name}`, { project: { id: projectId } });
  });
  after(() => cloud.stop());

  it('creates an ec2 credential whose id is the sha256 of its access key, updates and deletes it', async () => {
    const blob = JSON.stringify({ access: 'AK1', secret: 'S1' });
    const created = await r('POST', '/credentials', { credential: { user_id: users.alice.id, project_id: projectId, type: 'ec2', blob } });
    assert.equal(created.status, 201);
    const cred = created.body.credential;
    assert.equal(cred.id, createHash('sha256').update('AK1').digest('hex'));
    assert.equal(cred.blob, blob);
    const again = await r('POST', '/credentials', { credential: { user_id: users.alice.id, project_id: projectId, type: 'ec2', blob } });
    assert.equal(again.status, 409);
    const newBlob = JSON.stringify({ access: 'AK2', secret: 'S2' });
    const updated = await r('PATCH', `/credentials/${cred.id}`, { credential: { blob: newBlob, type: 'ec2' } });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.credential.id, cred.id);
    assert.equal(JSON.parse((await r('GET', `/credentials/${cred.id}`)).body.credential.blob).access, 'AK2');
    const frozen = await r('PATCH', `/credentials/${cred.id}`, { credential: { blob: JSON.stringify({ access: 'AK2', trust_id: 't' }) } });
    assert.equal(frozen.status, 400);
    assert.equal(frozen.body.error.message, 'trust_id can not be updated for credential');
    assert.equal((await r('DELETE', `/credentials/${cred.id}`)).status, 204);
    assert.equal((await r('GET', `/credentials/${cred.id}`)).status, 404);
  });

  it('validates ec2 blobs and requires project_id for them', async () => {
    const base = { user_id: users.alice.id, type: 'ec2' };
    const noProject = await r('POST', '/credentials', { credential: { ...base, blob: '{"access":"x"}' } });
    assert.equal(noProject.status, 400);
    assert.equal((await r('POST', '/credentials', { credential: { ...base, project_id: projectId, blob: 'not json' } })).status, 400);
    const noAccess = await r('POST', '/credentials', { credential: { ...base, project_id: projectId, blob: '{"secret":"x"}' } });
    assert.equal(noAccess.status, 400);
    assert.match(noAccess.body.error.message, /^Expecting to find access in credential/);
    assert.equal((await r('POST', '/credentials', { credential: { user_id: users.alice.id, type: 'cert' } })).status, 400);
    const cert = await r('POST', '/credentials', { credential: { user_id: users.alice.id, type: 'cert', blob: 'PEM' } });
    assert.equal(cert.status, 201);
    assert.match(cert.body.credential.id, /^[0-9a-f]{32}$/);
    assert.equal(cert.body.credential.project_id, null);
  });

  it('lets a user manage only their own credentials', async () => {
    const mine = await r('POST', '/credentials', { credential: { user_id: users.alice.id, type: 'totp', blob: 'alice-seed' } }, users.alice.token);
    assert.equal(mine.status, 201);
    const bobs = await r('POST', '/credentials', { credential: { user_id: users.bob.id, type: 'totp', blob: 'bob-seed' } }, users.bob.token);
    assert.equal(bobs.status, 201);
    assert.equal((await r('POST', '/credentials', { credential: { user_id: users.bob.id, type: 'totp', blob: 'x' } }, users.alice.token)).status, 403);
    const list = await r('GET', '/credentials', undefined, users.alice.token);
    assert.equal(list.status, 200);
    assert.ok(list.body.credentials.length > 0);
    assert.ok(list.body.credentials.every((c: any) => c.user_id === users.alice.id));
    const filtered = await r('GET', `/credentials?user_id=${users.bob.id}&type=totp`);
    assert.deepEqual(filtered.body.credentials.map((c: any) => c.id), [bobs.body.credential.id]);
    const id = bobs.body.credential.id;
    assert.equal((await r('GET', `/credentials/${id}`, undefined, users.alice.token)).status, 403);
    assert.equal((await r('PATCH', `/credentials/${id}`, { credential: { blob: 'y' } }, users.alice.token)).status, 403);
    assert.equal((await r('DELETE', `/credentials/${id}`, undefined, users.alice.token)).status, 403);
    // handing one's own credential to another user is refused too
    assert.equal((await r('PATCH', `/credentials/${mine.body.credential.id}`, { credential: { user_id: users.bob.id } }, users.alice.token)).status, 403);
    assert.equal((await r('DELETE', `/credentials/${mine.body.credential.id}`, undefined, users.alice.token)).status, 204);
  });

  it('serves the OS-EC2 API to the owner', async () => {
    const base = `/users/${users.alice.id}/credentials/OS-EC2`;
    const created = await r('POST', base, { tenant_id: projectId }, users.alice.token);
    assert.equal(created.status, 201);
    const c = created.body.credential;
    assert.equal(c.user_id, users.alice.id);
    assert.equal(c.tenant_id, projectId);
    assert.match(c.access, /^[0-9a-f]{32}$/);
    assert.match(c.secret, /^[0-9a-f]{32}$/);
    assert.equal(c.trust_id, null);
    assert.match(c.links.self, new RegExp(`${base}/${c.access}$`));
    const stored = await r('GET', `/credentials/${createHash('sha256').update(c.access).digest('hex')}`);
    assert.equal(stored.body.credential.type, 'ec2');
    const list = await r('GET', base, undefined, users.alice.token);
    assert.deepEqual(list.body.credentials.map((x: any) => x.access), [c.access]);
    const shown = await r('GET', `${base}/${c.access}`, undefined, users.alice.token);
    assert.equal(shown.body.credential.secret, c.secret);
    assert.equal((await r('GET', `${base}/${c.access}`, undefined, users.bob.token)).status, 403);
    assert.equal((await r('GET', base, undefined, users.bob.token)).status, 403);
    assert.equal((await r('POST', base, { tenant_id: projectId }, users.bob.token)).status, 403);
    assert.equal((await r('POST', base, { tenant_id: 'nope' }, users.alice.token)).status, 404);
    assert.equal((await r('DELETE', `${base}/${c.access}`, undefined, users.bob.token)).status, 403);
    assert.equal((await r('DELETE', `${base}/${c.access}`, undefined, users.alice.token)).status, 204);
    assert.equal((await r('GET', `${base}/${c.access}`, undefined, users.alice.token)).status, 404);
  });
});
