import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { fixtures } from './role-fixtures.ts';

describe('identity: /v3/regions', () => {
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

  it('creates with a generated id, with an id in POST, and with PUT', async () => {
    const a = await r('POST', '/regions', { region: { description: 'first' } });
    assert.equal(a.status, 201);
    assert.match(a.body.region.id, /^[0-9a-f]{32}$/);
    assert.equal(a.body.region.description, 'first');
    assert.equal(a.body.region.parent_region_id, null);
    assert.match(a.body.region.links.self, new RegExp(`/v3/regions/${a.body.region.id}$`));
    const b = await r('POST', '/regions', { region: { id: 'RegionTwo', extra_field: 'x' } });
    assert.equal(b.status, 201);
    assert.equal(b.body.region.id, 'RegionTwo');
    assert.equal(b.body.region.description, '');
    assert.equal(b.body.region.extra_field, 'x');
    const c = await r('PUT', '/regions/RegionThree', { region: { description: 'put' } });
    assert.equal(c.status, 201);
    assert.equal(c.body.region.id, 'RegionThree');
    const clash = await r('PUT', '/regions/RegionThree', { region: {} });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.error.message, 'Conflict occurred attempting to store region - Duplicate ID, RegionThree.');
    const mismatch = await r('PUT', '/regions/X1', { region: { id: 'X2' } });
    assert.equal(mismatch.status, 400);
  });

  it('keeps a hierarchy: parents must exist, no cycles, filter by parent', async () => {
    const missing = await r('POST', '/regions', { region: { parent_region_id: 'nowhere' } });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.message, 'Could not find region: nowhere.');
    await r('PUT', '/regions/top', { region: {} });
    await r('PUT', '/regions/mid', { region: { parent_region_id: 'top' } });
    await r('PUT', '/regions/leaf', { region: { parent_region_id: 'mid' } });
    const children = await r('GET', '/regions?parent_region_id=top');
    assert.deepEqual(children.body.regions.map((x: any) => x.id), ['mid']);
    const cycle = await r('PATCH', '/regions/top', { region: { parent_region_id: 'leaf' } });
    assert.equal(cycle.status, 400);
    assert.match(cycle.body.error.message, /circular region hierarchy/);
    const self = await r('PATCH', '/regions/top', { region: { parent_region_id: 'top' } });
    assert.equal(self.status, 400);
    const badParent = await r('PATCH', '/regions/leaf', { region: { parent_region_id: 'nowhere' } });
    assert.equal(badParent.status, 404);
    const moved = await r('PATCH', '/regions/leaf', { region: { parent_region_id: 'top', description: 'moved' } });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.region.parent_region_id, 'top');
    assert.equal(moved.body.region.description, 'moved');
    const shown = await r('GET', '/regions/leaf');
    assert.equal(shown.body.region.description, 'moved');
    const badType = await r('PATCH', '/regions/leaf', { region: { description: 5 } });
    assert.equal(badType.status, 400);
  });

  it('deletes a region with its children, but not while endpoints use them', async () => {
    await r('PUT', '/regions/doomed', { region: {} });
    await r('PUT', '/regions/doomed-child', { region: { parent_region_id: 'doomed' } });
    const services = await r('GET', '/services?type=identity');
    const endpoint = await r('POST', '/endpoints', { endpoint: { service_id: services.body.services[0].id, interface: 'public', url: 'http://x.example:1/', region_id: 'doomed-child' } });
    assert.equal(endpoint.status, 201);
    const refused = await r('DELETE', '/regions/doomed');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.message, 'Unable to delete region doomed because it or its child regions have associated endpoints.');
    assert.equal((await r('DELETE', `/endpoints/${endpoint.body.endpoint.id}`)).status, 204);
    assert.equal((await r('DELETE', '/regions/doomed')).status, 204);
    assert.equal((await r('GET', '/regions/doomed-child')).status, 404);
    assert.equal((await r('DELETE', '/regions/doomed')).status, 404);
  });

  it('lets any token read regions but only admins change them', async () => {
    assert.equal((await r('GET', '/regions', undefined, memberToken)).status, 200);
    assert.equal((await r('GET', '/regions/RegionOne', undefined, memberToken)).status, 200);
    const denied = await r('POST', '/regions', { region: {} }, memberToken);
    assert.equal(denied.status, 403);
    assert.equal((await r('PATCH', '/regions/RegionTwo', { region: { description: 'x' } }, memberToken)).status, 403);
    assert.equal((await r('DELETE', '/regions/RegionTwo', undefined, memberToken)).status, 403);
  });
});
