import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { fixtures } from './role-fixtures.ts';

describe('identity: /v3/policies', () => {
  let cloud: TestCloud;
  let memberToken: string;
  const r = (method: string, path: string, body?: unknown, token?: string) =>
    cloud.request(method, `/identity/v3${path}`, { body, ...(token ? { token } : {}) });

  before(async () => {
    cloud = await startCloud();
    const f = fixtures(cloud);
    memberToken = await f.memberToken();
  });
  after(() => cloud.stop());

  it('creates, shows, updates, lists by type and deletes', async () => {
    const a = await r('POST', '/policies', { policy: { blob: '{"a": 1}', type: 'application/json', note: 'extra' } });
    assert.equal(a.status, 201);
    const p = a.body.policy;
    assert.match(p.id, /^[0-9a-f]{32}$/);
    assert.equal(p.blob, '{"a": 1}');
    assert.equal(p.type, 'application/json');
    assert.equal(p.note, 'extra');
    assert.match(p.links.self, new RegExp(`/v3/policies/${p.id}$`));
    await r('POST', '/policies', { policy: { blob: 'x', type: 'text/plain' } });
    const updated = await r('PATCH', `/policies/${p.id}`, { policy: { type: 'application/yaml' } });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.policy.type, 'application/yaml');
    assert.equal(updated.body.policy.blob, '{"a": 1}');
    const shown = await r('GET', `/policies/${p.id}`);
    assert.equal(shown.body.policy.type, 'application/yaml');
    const byType = await r('GET', '/policies?type=text/plain');
    assert.deepEqual(byType.body.policies.map((x: any) => x.type), ['text/plain']);
    assert.equal((await r('GET', '/policies')).body.policies.length, 2);
    assert.equal((await r('DELETE', `/policies/${p.id}`)).status, 204);
    const gone = await r('GET', `/policies/${p.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.message, `Could not find policy: ${p.id}.`);
    assert.equal((await r('DELETE', `/policies/${p.id}`)).status, 404);
  });

  it('refuses bodies without blob or type, and non-admins', async () => {
    const noBlob = await r('POST', '/policies', { policy: { type: 't' } });
    assert.equal(noBlob.status, 400);
    assert.equal(noBlob.body.error.message, "'blob' is a required property");
    const noType = await r('POST', '/policies', { policy: { blob: 'b' } });
    assert.equal(noType.body.error.message, "'type' is a required property");
    const badType = await r('POST', '/policies', { policy: { blob: 1, type: 't' } });
    assert.equal(badType.status, 400);
    assert.equal((await r('PATCH', '/policies/x', { policy: {} })).status, 400);
    assert.equal((await r('GET', '/policies', undefined, memberToken)).status, 403);
    assert.equal((await r('POST', '/policies', { policy: { blob: 'b', type: 't' } }, memberToken)).status, 403);
  });
});
