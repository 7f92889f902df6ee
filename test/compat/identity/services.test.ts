import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { fixtures } from './role-fixtures.ts';

describe('identity: /v3/services', () => {
  let cloud: TestCloud;
  let memberToken: string;
  const r = (method: string, path: string, body?: unknown, token?: string) =>
    cloud.request(method, `/identity/v3${path}`, { body, ...(token ? { token } : {}) });

  before(async () => {
    cloud = await startCloud();
    // a plain project member, to check that only admins change the catalog
    memberToken = await fixtures(cloud).memberToken();
  });
  after(() => cloud.stop());

  it('creates, shows, updates and filters services', async () => {
    const created = await r('POST', '/services', { service: { type: 'widget', name: 'widgets', description: 'makes widgets', color: 'blue' } });
    assert.equal(created.status, 201);
    const s = created.body.service;
    assert.equal(s.type, 'widget');
    assert.equal(s.name, 'widgets');
    assert.equal(s.enabled, true);
    assert.equal(s.color, 'blue');
    const bare = await r('POST', '/services', { service: { type: 'gadget' } });
    assert.equal(bare.body.service.name, '');
    const updated = await r('PATCH', `/services/${s.id}`, { service: { description: 'better widgets', enabled: false } });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.service.description, 'better widgets');
    assert.equal(updated.body.service.enabled, false);
    const shown = await r('GET', `/services/${s.id}`);
    assert.deepEqual(shown.body.service, updated.body.service);
    const byType = await r('GET', '/services?type=widget');
    assert.deepEqual(byType.body.services.map((x: any) => x.id), [s.id]);
    const byName = await r('GET', '/services?name=widgets');
    assert.deepEqual(byName.body.services.map((x: any) => x.id), [s.id]);
    assert.ok((await r('GET', '/services')).body.services.some((x: any) => x.type === 'identity'));
  });

  it('refuses invalid input with 400 and unknown ids with 404', async () => {
    const noType = await r('POST', '/services', { service: { name: 'x' } });
    assert.equal(noType.status, 400);
    assert.equal(noType.body.error.message, "'type' is a required property");
    const badEnabled = await r('POST', '/services', { service: { type: 't', enabled: 'True' } });
    assert.equal(badEnabled.status, 400);
    assert.equal(badEnabled.body.error.message, "Invalid input for field 'enabled': 'True' is not of type 'boolean'");
    assert.equal((await r('POST', '/services', { service: { type: '' } })).status, 400);
    assert.equal((await r('POST', '/services', {})).status, 400);
    const missing = await r('GET', '/services/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.message, 'Could not find service: nope.');
    assert.equal((await r('PATCH', '/services/nope', { service: { name: 'x' } })).status, 404);
    assert.equal((await r('DELETE', '/services/nope')).status, 404);
  });

  it('deletes a service with its endpoints, and the catalog follows', async () => {
    const s = (await r('POST', '/services', { service: { type: 'ephemeral', name: 'eph' } })).body.service;
    const e = await r('POST', '/endpoints', { endpoint: { service_id: s.id, interface: 'public', url: 'http://eph.example/v1', region_id: 'RegionOne' } });
    assert.equal(e.status, 201);
    let catalog = (await r('GET', '/auth/catalog')).body.catalog;
    assert.ok(catalog.some((x: any) => x.id === s.id && x.endpoints.length === 1));
    assert.equal((await r('DELETE', `/services/${s.id}`)).status, 204);
    assert.equal((await r('GET', `/endpoints/${e.body.endpoint.id}`)).status, 404);
    catalog = (await r('GET', '/auth/catalog')).body.catalog;
    assert.ok(!catalog.some((x: any) => x.id === s.id));
  });

  it('keeps services to admins', async () => {
    assert.equal((await r('GET', '/services', undefined, memberToken)).status, 403);
    assert.equal((await r('POST', '/services', { service: { type: 'x' } }, memberToken)).status, 403);
  });
});
