import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, ADMIN_PASSWORD, type TestCloud } from '../../support/stackgate.ts';

describe('identity: /v3/endpoints', () => {
  let cloud: TestCloud;
  let serviceId: string;
  let otherServiceId: string;
  const r = (method: string, path: string, body?: unknown) => cloud.request(method, `/identity/v3${path}`, { body });

  before(async () => {
    cloud = await startCloud();
    serviceId = (await r('POST', '/services', { service: { type: 'compute-test', name: 'nova-test' } })).body.service.id;
    otherServiceId = (await r('POST', '/services', { service: { type: 'image-test', name: 'glance-test' } })).body.service.id;
  });
  after(() => cloud.stop());

  it('creates endpoints, auto-creating a legacy region, and filters them', async () => {
    const legacy = await r('POST', '/endpoints', { endpoint: { service_id: serviceId, interface: 'public', url: 'http://nova.example/v2.1/$(project_id)s', region: 'LegacyRegion', enabled: true } });
    assert.equal(legacy.status, 201);
    assert.equal(legacy.body.endpoint.region, 'LegacyRegion');
    assert.equal(legacy.body.endpoint.region_id, 'LegacyRegion');
    assert.equal((await r('GET', '/regions/LegacyRegion')).status, 200);
    const internal = await r('POST', '/endpoints', { endpoint: { service_id: otherServiceId, interface: 'internal', url: 'http://glance.internal:9292', region_id: 'RegionOne' } });
    assert.equal(internal.status, 201);
    assert.equal(internal.body.endpoint.enabled, true);
    const byService = await r('GET', `/endpoints?service_id=${serviceId}`);
    assert.deepEqual(byService.body.endpoints.map((e: any) => e.id), [legacy.body.endpoint.id]);
    const byInterface = await r('GET', '/endpoints?interface=internal');
    assert.ok(byInterface.body.endpoints.every((e: any) => e.interface === 'internal'));
    assert.ok(byInterface.body.endpoints.some((e: any) => e.id === internal.body.endpoint.id));
    const byRegion = await r('GET', '/endpoints?region_id=LegacyRegion');
    assert.deepEqual(byRegion.body.endpoints.map((e: any) => e.id), [legacy.body.endpoint.id]);
  });

  it('refuses bad services, regions, interfaces, URLs and booleans with 400', async () => {
    const base = { service_id: serviceId, interface: 'public', url: 'http://x.example/' };
    const noService = await r('POST', '/endpoints', { endpoint: { ...base, service_id: 'nope' } });
    assert.equal(noService.status, 400);
    assert.match(noService.body.error.message, /^Expecting to find endpoint service_id in service table/);
    const noRegion = await r('POST', '/endpoints', { endpoint: { ...base, region_id: 'nowhere' } });
    assert.equal(noRegion.status, 400);
    assert.match(noRegion.body.error.message, /^Expecting to find endpoint region_id in region table/);
    const badInterface = await r('POST', '/endpoints', { endpoint: { ...base, interface: 'private' } });
    assert.equal(badInterface.status, 400);
    assert.equal(badInterface.body.error.message, "Invalid input for field 'interface': 'private' is not one of ['admin', 'internal', 'public']");
    assert.equal((await r('POST', '/endpoints', { endpoint: { ...base, url: 'not a url' } })).status, 400);
    assert.equal((await r('POST', '/endpoints', { endpoint: { ...base, url: 'http://x/$(bogus)s' } })).status, 400);
    assert.equal((await r('POST', '/endpoints', { endpoint: { ...base, enabled: 'False' } })).status, 400);
    assert.equal((await r('POST', '/endpoints', { endpoint: { service_id: serviceId, interface: 'public' } })).status, 400);
    const e = (await r('POST', '/endpoints', { endpoint: base })).body.endpoint;
    assert.equal(e.region_id, null);
    assert.equal((await r('PATCH', `/endpoints/${e.id}`, { endpoint: { enabled: 'True' } })).status, 400);
    assert.equal((await r('PATCH', `/endpoints/${e.id}`, { endpoint: { service_id: 'nope' } })).status, 400);
    assert.equal((await r('GET', '/endpoints/nope')).status, 404);
    assert.equal((await r('GET', '/endpoints/nope')).body.error.message, 'Could not find endpoint: nope.');
  });

  it('updates an endpoint and the token catalog shows the change', async () => {
    const e = (await r('POST', '/endpoints', { endpoint: { service_id: serviceId, interface: 'admin', url: 'http://a.example/', region_id: 'RegionOne' } })).body.endpoint;
    const updated = await r('PATCH', `/endpoints/${e.id}`, { endpoint: { service_id: otherServiceId, interface: 'internal', url: 'http://b.example/$(tenant_id)s', region: 'NewRegion', enabled: true } });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.endpoint.service_id, otherServiceId);
    assert.equal(updated.body.endpoint.region, 'NewRegion');
    assert.equal((await r('GET', '/regions/NewRegion')).status, 200);
    const token = await cloud.request('POST', '/identity/v3/auth/tokens', {
      token: null,
      body: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: ADMIN_PASSWORD } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } },
    });
    const projectId = token.body.token.project.id;
    const entry = token.body.token.catalog.find((s: any) => s.id === otherServiceId);
    const shown = entry.endpoints.find((x: any) => x.id === e.id);
    assert.equal(shown.url, `http://b.example/${projectId}`);
    assert.equal(shown.interface, 'internal');
    await r('PATCH', `/endpoints/${e.id}`, { endpoint: { enabled: false } });
    const catalog = (await r('GET', '/auth/catalog')).body.catalog;
    assert.ok(!catalog.find((s: any) => s.id === otherServiceId).endpoints.some((x: any) => x.id === e.id));
    assert.equal((await r('DELETE', `/endpoints/${e.id}`)).status, 204);
    assert.equal((await r('DELETE', `/endpoints/${e.id}`)).status, 404);
  });
});
