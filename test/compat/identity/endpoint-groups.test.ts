import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { fixtures, PASSWORD } from './role-fixtures.ts';

describe('identity: OS-EP-FILTER endpoint groups and project endpoints', () => {
  let cloud: TestCloud;
  let memberToken: string;
  let projectId: string;
  let serviceId: string;
  let publicEp: string;
  let adminEp: string;
  const r = (method: string, path: string, body?: unknown, token?: string) =>
    cloud.request(method, `/identity/v3${path}`, { body, ...(token ? { token } : {}) });

  before(async () => {
    cloud = await startCloud();
    const f = fixtures(cloud);
    projectId = (await f.project()).id;
    const user = await f.user();
    await r('PUT', `/projects/${projectId}/users/${user.id}/roles/${(await f.roleByName('member')).id}`);
    memberToken = await cloud.token({ id: user.id }, PASSWORD, { project: { id: projectId } });
    serviceId = (await r('POST', '/services', { service: { type: 'epf-test', name: 'epf' } })).body.service.id;
    publicEp = (await r('POST', '/endpoints', { endpoint: { service_id: serviceId, interface: 'public', url: 'http://127.0.0.1:1/p' } })).body.endpoint.id;
    adminEp = (await r('POST', '/endpoints', { endpoint: { service_id: serviceId, interface: 'admin', url: 'http://127.0.0.1:1/a' } })).body.endpoint.id;
  });
  after(() => cloud.stop());

  it('creates, shows, lists, updates and deletes endpoint groups', async () => {
    const created = await r('POST', '/OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'g1', description: 'd', filters: { service_id: serviceId } } });
    assert.equal(created.status, 201);
    const g = created.body.endpoint_group;
    assert.deepEqual(g.filters, { service_id: serviceId });
    assert.match(g.links.self, new RegExp(`/v3/OS-EP-FILTER/endpoint_groups/${g.id}$`));
    assert.equal((await r('GET', `/OS-EP-FILTER/endpoint_groups/${g.id}`)).body.endpoint_group.name, 'g1');
    assert.equal((await r('HEAD', `/OS-EP-FILTER/endpoint_groups/${g.id}`)).status, 200);
    await r('POST', '/OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'g2', filters: { interface: 'admin' } } });
    const byName = await r('GET', '/OS-EP-FILTER/endpoint_groups?name=g2');
    assert.deepEqual(byName.body.endpoint_groups.map((x: any) => x.name), ['g2']);
    const endpoints = await r('GET', `/OS-EP-FILTER/endpoint_groups/${g.id}/endpoints`);
    assert.deepEqual(endpoints.body.endpoints.map((e: any) => e.id).sort(), [publicEp, adminEp].sort());
    const updated = await r('PATCH', `/OS-EP-FILTER/endpoint_groups/${g.id}`, { endpoint_group: { name: 'g1b', filters: { service_id: serviceId, interface: 'public' } } });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.endpoint_group.name, 'g1b');
    assert.deepEqual((await r('GET', `/OS-EP-FILTER/endpoint_groups/${g.id}/endpoints`)).body.endpoints.map((e: any) => e.id), [publicEp]);
    assert.equal((await r('DELETE', `/OS-EP-FILTER/endpoint_groups/${g.id}`)).status, 204);
    const gone = await r('GET', `/OS-EP-FILTER/endpoint_groups/${g.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.message, `Could not find Endpoint Group: ${g.id}.`);
  });

  it('refuses groups without filters or with unknown filter keys, and non-admins', async () => {
    const none = await r('POST', '/OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'x', filters: {} } });
    assert.equal(none.status, 400);
    assert.equal(none.body.error.message, 'filters field is required and cannot be empty');
    const unknown = await r('POST', '/OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'x', filters: { url: 'u' } } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /^Expecting to find service_id or region_id or interface in endpoint_group/);
    assert.equal((await r('GET', '/OS-EP-FILTER/endpoint_groups', undefined, memberToken)).status, 403);
    assert.equal((await r('POST', '/OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'x', filters: { interface: 'public' } } }, memberToken)).status, 403);
  });

  it('links endpoint groups and endpoints to projects', async () => {
    const g = (await r('POST', '/OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'admins', filters: { interface: 'admin' } } })).body.endpoint_group;
    assert.equal((await r('GET', `/OS-EP-FILTER/endpoint_groups/${g.id}/projects/${projectId}`)).status, 404);
    assert.equal((await r('PUT', `/OS-EP-FILTER/endpoint_groups/${g.id}/projects/${projectId}`)).status, 204);
    assert.equal((await r('PUT', `/OS-EP-FILTER/endpoint_groups/${g.id}/projects/nowhere`)).status, 404);
    const link = await r('GET', `/OS-EP-FILTER/endpoint_groups/${g.id}/projects/${projectId}`);
    assert.equal(link.status, 200);
    assert.equal(link.body.project_endpoint_group.project_id, projectId);
    assert.deepEqual((await r('GET', `/OS-EP-FILTER/endpoint_groups/${g.id}/projects`)).body.projects.map((p: any) => p.id), [projectId]);
    assert.deepEqual((await r('GET', `/OS-EP-FILTER/projects/${projectId}/endpoint_groups`)).body.endpoint_groups.map((x: any) => x.id), [g.id]);

    assert.equal((await r('GET', `/OS-EP-FILTER/projects/${projectId}/endpoints/${publicEp}`)).status, 404);
    assert.equal((await r('PUT', `/OS-EP-FILTER/projects/${projectId}/endpoints/${publicEp}`)).status, 204);
    assert.equal((await r('GET', `/OS-EP-FILTER/projects/${projectId}/endpoints/${publicEp}`)).status, 204);
    assert.equal((await r('PUT', `/OS-EP-FILTER/projects/${projectId}/endpoints/nothing`)).status, 404);
    assert.deepEqual((await r('GET', `/OS-EP-FILTER/endpoints/${publicEp}/projects`)).body.projects.map((p: any) => p.id), [projectId]);
    // the project's endpoints: the one linked directly and the admin one its group selects
    const mine = await r('GET', `/OS-EP-FILTER/projects/${projectId}/endpoints`);
    assert.ok(mine.body.endpoints.some((e: any) => e.id === publicEp));
    assert.ok(mine.body.endpoints.some((e: any) => e.id === adminEp));
    assert.ok(mine.body.endpoints.every((e: any) => e.id === publicEp || e.interface === 'admin'));

    assert.equal((await r('PUT', `/OS-EP-FILTER/projects/${projectId}/endpoints/${adminEp}`, undefined, memberToken)).status, 403);
    assert.equal((await r('DELETE', `/OS-EP-FILTER/projects/${projectId}/endpoints/${publicEp}`)).status, 204);
    assert.equal((await r('DELETE', `/OS-EP-FILTER/projects/${projectId}/endpoints/${publicEp}`)).status, 404);
    assert.equal((await r('DELETE', `/OS-EP-FILTER/endpoint_groups/${g.id}/projects/${projectId}`)).status, 204);
    assert.deepEqual((await r('GET', `/OS-EP-FILTER/projects/${projectId}/endpoints`)).body.endpoints, []);
  });
});
