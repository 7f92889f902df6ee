import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, ADMIN_PASSWORD, type TestCloud } from '../../support/stackgate.ts';

describe('identity: /v3/auth/tokens', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud();
  });
  after(() => cloud.stop());

  it('serves the version documents', async () => {
    const root = await cloud.request('GET', '/identity/', { token: null });
    assert.equal(root.status, 300);
    assert.equal(root.body.versions.values[0].id, 'v3.14');
    const v3 = await cloud.request('GET', '/identity/v3', { token: null });
    assert.equal(v3.status, 200);
    assert.equal(v3.body.version.status, 'stable');
    assert.match(root.headers.get('x-openstack-request-id')!, /^req-[0-9a-f-]{36}$/);
  });

  it('issues a project-scoped token with roles and catalog', async () => {
    const res = await cloud.request('POST', '/identity/v3/auth/tokens', {
      token: null,
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: ADMIN_PASSWORD } } },
          scope: { project: { name: 'admin', domain: { id: 'default' } } },
        },
      },
    });
    assert.equal(res.status, 201);
    assert.ok(res.headers.get('x-subject-token'));
    assert.deepEqual(res.body.token.roles.map((r: any) => r.name).sort(), ['admin', 'member', 'reader']);
    assert.equal(res.body.token.project.name, 'admin');
    assert.ok(res.body.token.catalog.some((s: any) => s.type === 'identity' && s.endpoints.length === 3));
  });

  it('refuses a wrong password with 401 and the Keystone body', async () => {
    const res = await cloud.request('POST', '/identity/v3/auth/tokens', {
      token: null,
      body: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'nope' } } } } },
    });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 401);
    assert.equal(res.body.error.title, 'Unauthorized');
    assert.match(res.headers.get('www-authenticate')!, /^Keystone uri=/);
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const res = await cloud.request('POST', '/identity/v3/auth/tokens', { token: null, body: '{"auth": ', unchecked: true });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 400);
  });

  it('validates, checks and revokes a token', async () => {
    const subject = await cloud.token({ name: 'admin', domain: { id: 'default' } }, ADMIN_PASSWORD, { system: { all: true } });
    const shown = await cloud.request('GET', '/identity/v3/auth/tokens', { headers: { 'X-Subject-Token': subject } });
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body.token.system, { all: true });
    const head = await cloud.request('HEAD', '/identity/v3/auth/tokens', { headers: { 'X-Subject-Token': subject } });
    assert.equal(head.status, 200);
    const del = await cloud.request('DELETE', '/identity/v3/auth/tokens', { headers: { 'X-Subject-Token': subject } });
    assert.equal(del.status, 204);
    const gone = await cloud.request('GET', '/identity/v3/auth/tokens', { headers: { 'X-Subject-Token': subject } });
    assert.equal(gone.status, 404);
    const use = await cloud.request('GET', '/identity/v3/auth/catalog', { token: subject });
    assert.equal(use.status, 401);
  });

  it('rescopes with the token method, keeping the audit chain', async () => {
    const unscoped = await cloud.token({ name: 'admin', domain: { id: 'default' } }, ADMIN_PASSWORD, 'unscoped');
    const res = await cloud.request('POST', '/identity/v3/auth/tokens', {
      token: null,
      body: { auth: { identity: { methods: ['token'], token: { id: unscoped } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } },
    });
    assert.equal(res.status, 201);
    assert.deepEqual([...res.body.token.methods].sort(), ['password', 'token']);
    assert.equal(res.body.token.audit_ids.length, 2);
  });

  it('refuses a request without a token with 401', async () => {
    const res = await cloud.request('GET', '/identity/v3/auth/catalog', { token: null });
    assert.equal(res.status, 401);
  });
});
