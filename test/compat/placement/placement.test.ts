import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { hashPassword } from '../../../src/identity/passwords.ts';
import { hexId, uuid } from '../../../src/platform/ids.ts';

describe('placement', () => {
  let cloud: TestCloud;
  let memberToken: string;
  const r = (method: string, path: string, version: string, body?: unknown, extra: { token?: string; headers?: Record<string, string> } = {}) =>
    cloud.request(method, `/placement${path}`, { body, token: extra.token, headers: { 'OpenStack-API-Version': `placement ${version}`, ...extra.headers } });
  const newProvider = async (name: string, parent?: string) => {
    const res = await r('POST', '/resource_providers', '1.39', { name, ...(parent ? { parent_provider_uuid: parent } : {}) });
    assert.equal(res.status, 200, res.text);
    return res.body.uuid as string;
  };
  const setInventory = async (rp: string, inventories: Record<string, unknown>) => {
    const gen = (await r('GET', `/resource_providers/${rp}`, '1.39')).body.generation;
    const res = await r('PUT', `/resource_providers/${rp}/inventories`, '1.39', { resource_provider_generation: gen, inventories });
    assert.equal(res.status, 200, res.text);
  };

  before(async () => {
    cloud = await startCloud();
    const db = cloud.runtime.identity.db;
    const project = await db.projects.insert({ id: hexId(), name: 'p-placement', domain_id: 'default', parent_id: 'default', is_domain: false, enabled: true, description: '', tags: [], options: {}, extra: {} });
    const member = (await db.roles.findOne({ name: 'member', domain_id: null }))!;
    const userId = hexId();
    await db.users.insert({ id: userId, name: 'u-placement', domain_id: 'default', enabled: true, default_project_id: null, password_hash: await hashPassword('pw-placement'), password_created_at: 0, password_expires_at: null, options: {}, extra: {}, failed_auth_count: 0, failed_auth_at: null, created_at: 0, last_active_at: null });
    await db.assignments.insert({ id: hexId(), actor_type: 'user', actor_id: userId, target_type: 'project', target_id: project.id, role_id: member.id, inherited: false });
    await cloud.runtime.identity.changed();
    memberToken = await cloud.token({ id: userId }, 'pw-placement', { project: { id: project.id } });
  });
  after(() => cloud.stop());

  it('serves the version document without a token, and negotiates microversions', async () => {
    const root = await cloud.request('GET', '/placement/', { token: null });
    assert.equal(root.status, 200);
    assert.deepEqual(root.body.versions[0], { id: 'v1.0', max_version: '1.39', min_version: '1.0', status: 'CURRENT', links: [{ rel: 'self', href: '' }] });
    assert.equal(root.headers.get('openstack-api-version'), 'placement 1.0');
    const latest = await r('GET', '/', 'latest');
    assert.equal(latest.headers.get('openstack-api-version'), 'placement 1.39');
    const tooNew = await r('GET', '/', '1.40');
    assert.equal(tooNew.status, 406);
    assert.match(tooNew.body.errors[0].detail, /Unacceptable version header: 1.40/);
    assert.equal(tooNew.body.errors[0].max_version, '1.39');
    const bad = await r('GET', '/', 'pony.horse');
    assert.equal(bad.status, 400);
    assert.match(bad.body.errors[0].detail, /invalid version string: pony.horse/);
  });

  it('creates providers with the body and status of each microversion', async () => {
    const old = await r('POST', '/resource_providers', '1.0', { name: 'rp-old' });
    assert.equal(old.status, 201);
    assert.equal(old.text, '');
    assert.match(old.headers.get('location')!, /^\/placement\/resource_providers\/[0-9a-f-]{36}$/);
    const id = old.headers.get('location')!.split('/').pop()!;
    const v10 = await r('GET', `/resource_providers/${id}`, '1.0');
    assert.deepEqual(Object.keys(v10.body).sort(), ['generation', 'links', 'name', 'uuid']);
    assert.deepEqual(v10.body.links.map((l: any) => l.rel), ['self', 'inventories', 'usages']);
    const v14 = await r('GET', `/resource_providers/${id}`, '1.14');
    assert.equal(v14.body.parent_provider_uuid, null);
    assert.equal(v14.body.root_provider_uuid, id);
    const v39 = await r('GET', `/resource_providers/${id}`, '1.39');
    assert.deepEqual(v39.body.links.map((l: any) => l.rel), ['self', 'inventories', 'usages', 'aggregates', 'traits', 'allocations']);
    assert.equal(v39.headers.get('cache-control'), 'no-cache');
    const dup = await r('POST', '/resource_providers', '1.39', { name: 'rp-old' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.errors[0].code, 'placement.duplicate_name');
    const invalid = await r('POST', '/resource_providers', '1.39', { name: 'x', bogus: 1 });
    assert.equal(invalid.status, 400);
    assert.match(invalid.body.errors[0].detail, /JSON does not validate: Additional properties are not allowed \('bogus' was unexpected\)/);
    const wrongType = await r('POST', '/resource_providers', '1.39', '{"name": "x"}', { headers: { 'Content-Type': 'text/plain' } });
    assert.equal(wrongType.status, 415);
  });

  it('filters providers by name, member_of, resources, in_tree and required traits', async () => {
    const a = await newProvider('filter-a');
    const b = await newProvider('filter-b');
    const agg = uuid();
    assert.equal((await r('PUT', `/resource_providers/${a}/aggregates`, '1.1', [agg])).status, 200);
    const member = await r('GET', `/resource_providers?member_of=in:${agg}`, '1.3');
    assert.deepEqual(member.body.resource_providers.map((p: any) => p.uuid), [a]);
    const notMember = await r('GET', `/resource_providers?member_of=!${agg}&name=filter-b`, '1.32');
    assert.deepEqual(notMember.body.resource_providers.map((p: any) => p.uuid), [b]);
    await setInventory(b, { VCPU: { total: 4 } });
    const withRoom = await r('GET', '/resource_providers?resources=VCPU:3', '1.4');
    assert.deepEqual(withRoom.body.resource_providers.map((p: any) => p.uuid), [b]);
    const unknownParam = await r('GET', '/resource_providers?resources=VCPU:3', '1.3');
    assert.equal(unknownParam.status, 400);
    assert.match(unknownParam.body.errors[0].detail, /Invalid query string parameters/);
    await r('PUT', '/traits/CUSTOM_GOLD', '1.6');
    const traits = await r('PUT', `/resource_providers/${a}/traits`, '1.6', { traits: ['CUSTOM_GOLD'], resource_provider_generation: (await r('GET', `/resource_providers/${a}`, '1.6')).body.generation });
    assert.equal(traits.status, 200);
    const gold = await r('GET', '/resource_providers?required=CUSTOM_GOLD', '1.18');
    assert.deepEqual(gold.body.resource_providers.map((p: any) => p.uuid), [a]);
    const notGold = await r('GET', '/resource_providers?required=!CUSTOM_GOLD&name=filter-a', '1.22');
    assert.deepEqual(notGold.body.resource_providers, []);
    const unknownTrait = await r('GET', '/resource_providers?required=CUSTOM_NOPE', '1.18');
    assert.equal(unknownTrait.status, 400);
  });

  it('refuses stale generations with placement.concurrent_update', async () => {
    const rp = await newProvider('gen-rp');
    const stale = await r('PUT', `/resource_providers/${rp}/inventories`, '1.39', { resource_provider_generation: 5, inventories: { VCPU: { total: 1 } } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.errors[0].code, 'placement.concurrent_update');
    const old = await r('PUT', `/resource_providers/${rp}/inventories`, '1.22', { resource_provider_generation: 5, inventories: { VCPU: { total: 1 } } });
    assert.equal(old.status, 409);
    assert.equal(old.body.errors[0].code, undefined, 'no code before 1.23');
    const aggs = await r('PUT', `/resource_providers/${rp}/aggregates`, '1.19', { aggregates: [], resource_provider_generation: 9 });
    assert.equal(aggs.status, 409);
  });

  it('checks inventories and refuses allocations beyond capacity', async () => {
    const rp = await newProvider('cap-rp');
    const bad = await r('PUT', `/resource_providers/${rp}/inventories`, '1.39', { resource_provider_generation: 0, inventories: { VCPU: { total: 2, reserved: 3 } } });
    assert.equal(bad.status, 400);
    const zero = await r('PUT', `/resource_providers/${rp}/inventories`, '1.39', { resource_provider_generation: 0, inventories: { VCPU: { total: 0 } } });
    assert.equal(zero.status, 400);
    await setInventory(rp, { VCPU: { total: 4, reserved: 1, allocation_ratio: 2.0 }, MEMORY_MB: { total: 1024, step_size: 256 } });
    const c1 = uuid();
    const put = (consumer: string, resources: Record<string, number>, gen: number | null = null) =>
      r('PUT', `/allocations/${consumer}`, '1.39', { allocations: { [rp]: { resources } }, project_id: 'proj', user_id: 'user', consumer_generation: gen, consumer_type: 'INSTANCE' });
    assert.equal((await put(c1, { VCPU: 6 })).status, 204);
    const full = await put(uuid(), { VCPU: 1 });
    assert.equal(full.status, 409);
    assert.match(full.body.errors[0].detail, /would exceed the capacity/);
    const step = await put(uuid(), { MEMORY_MB: 100 });
    assert.equal(step.status, 409);
    assert.match(step.body.errors[0].detail, /violate inventory constraints/);
    const staleConsumer = await put(c1, { VCPU: 2 }, 7);
    assert.equal(staleConsumer.status, 409);
    assert.equal(staleConsumer.body.errors[0].code, 'placement.concurrent_update');
    assert.equal((await put(c1, { VCPU: 2 }, 1)).status, 204);
    const usages = await r('GET', `/resource_providers/${rp}/usages`, '1.39');
    assert.deepEqual(usages.body.usages, { VCPU: 2, MEMORY_MB: 0 });
    const inUse = await r('DELETE', `/resource_providers/${rp}/inventories/VCPU`, '1.39');
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.errors[0].code, 'placement.inventory.inuse');
    const busy = await r('DELETE', `/resource_providers/${rp}`, '1.39');
    assert.equal(busy.status, 409);
    assert.equal((await r('DELETE', `/allocations/${c1}`, '1.39')).status, 204);
    assert.equal((await r('DELETE', `/allocations/${c1}`, '1.39')).status, 404);
  });

  it('renders allocations per microversion (list form < 1.12, dict 1.12, generation 1.28, type 1.38)', async () => {
    const rp = await newProvider('shape-rp');
    await setInventory(rp, { DISK_GB: { total: 100 } });
    const c = uuid();
    const list = await r('PUT', `/allocations/${c}`, '1.0', { allocations: [{ resource_provider: { uuid: rp }, resources: { DISK_GB: 10 } }] });
    assert.equal(list.status, 204, list.text);
    const dictAt10 = await r('PUT', `/allocations/${c}`, '1.0', { allocations: { [rp]: { resources: { DISK_GB: 10 } } } });
    assert.equal(dictAt10.status, 400);
    const missingOwner = await r('PUT', `/allocations/${c}`, '1.8', { allocations: [{ resource_provider: { uuid: rp }, resources: { DISK_GB: 10 } }] });
    assert.equal(missingOwner.status, 400);
    assert.equal((await r('PUT', `/allocations/${c}`, '1.12', { allocations: { [rp]: { resources: { DISK_GB: 20 } } }, project_id: 'p2', user_id: 'u2' })).status, 204);
    const at10 = await r('GET', `/allocations/${c}`, '1.0');
    assert.deepEqual(Object.keys(at10.body), ['allocations']);
    const at12 = await r('GET', `/allocations/${c}`, '1.12');
    assert.equal(at12.body.project_id, 'p2');
    assert.equal(at12.body.consumer_generation, undefined);
    const at28 = await r('GET', `/allocations/${c}`, '1.28');
    assert.equal(at28.body.consumer_generation, 2);
    const at39 = await r('GET', `/allocations/${c}`, '1.39');
    assert.equal(at39.body.consumer_type, 'unknown');
    assert.equal(at39.body.allocations[rp].resources.DISK_GB, 20);
    const needsType = await r('PUT', `/allocations/${c}`, '1.38', { allocations: {}, project_id: 'p2', user_id: 'u2', consumer_generation: 2 });
    assert.equal(needsType.status, 400);
    const many = await r('POST', '/allocations', '1.28', { [c]: { allocations: {}, project_id: 'p2', user_id: 'u2', consumer_generation: 2 } });
    assert.equal(many.status, 204, many.text);
    assert.deepEqual((await r('GET', `/allocations/${c}`, '1.28')).body, { allocations: {} });
    assert.equal((await r('POST', '/allocations', '1.12', {})).status, 405);
  });

  it('finds allocation candidates in nested trees, with numbered groups and policies', async () => {
    const cn = await newProvider('tree-cn');
    const numa0 = await newProvider('tree-numa0', cn);
    const numa1 = await newProvider('tree-numa1', cn);
    await setInventory(cn, { DISK_GB: { total: 500 } });
    await setInventory(numa0, { VCPU: { total: 4 }, MEMORY_MB: { total: 2048 } });
    await setInventory(numa1, { VCPU: { total: 4 }, MEMORY_MB: { total: 2048 } });
    const q = '/allocation_candidates?in_tree=' + cn;
    const single = await r('GET', `${q}&resources=VCPU:2,DISK_GB:10`, '1.39');
    assert.equal(single.status, 200, single.text);
    assert.equal(single.body.allocation_requests.length, 2);
    assert.deepEqual(Object.keys(single.body.provider_summaries).sort(), [cn, numa0, numa1].sort());
    assert.equal(single.body.provider_summaries[numa0].parent_provider_uuid, cn);
    const notNested = await r('GET', '/allocation_candidates?resources=VCPU:2,DISK_GB:10', '1.28');
    assert.ok(!notNested.body.allocation_requests.some((a: any) => a.allocations[numa0]), 'nested trees are invisible before 1.29');
    const isolate = await r('GET', `${q}&resources1=VCPU:3&resources2=VCPU:3&group_policy=isolate`, '1.39');
    assert.equal(isolate.body.allocation_requests.length, 2);
    for (const ar of isolate.body.allocation_requests) assert.equal(Object.keys(ar.allocations).length, 2);
    assert.ok(isolate.body.allocation_requests[0].mappings['1']);
    const tooBig = await r('GET', `${q}&resources1=VCPU:5`, '1.39');
    assert.deepEqual(tooBig.body.allocation_requests, []);
    const noPolicy = await r('GET', `${q}&resources1=VCPU:1&resources2=VCPU:1`, '1.25');
    assert.equal(noPolicy.status, 400);
    const limited = await r('GET', `${q}&resources=VCPU:1&limit=1`, '1.31');
    assert.equal(limited.body.allocation_requests.length, 1);
    const listForm = await r('GET', `/allocation_candidates?resources=DISK_GB:10`, '1.10');
    assert.ok(Array.isArray(listForm.body.allocation_requests[0].allocations));
    const badRes = await r('GET', '/allocation_candidates?resources=VCPU:x', '1.39');
    assert.equal(badRes.status, 400);
    assert.match(badRes.body.errors[0].detail, /expected positive integer amount/);
    const early = await r('GET', '/allocation_candidates?resources=VCPU:1', '1.9');
    assert.equal(early.status, 404);
  });

  it('manages resource classes and traits, with the standard ones fixed', async () => {
    assert.equal((await r('GET', '/resource_classes', '1.1')).status, 404);
    const list = await r('GET', '/resource_classes', '1.2');
    assert.equal(list.body.resource_classes[0].name, 'VCPU');
    assert.equal((await r('POST', '/resource_classes', '1.2', { name: 'CUSTOM_FPGA_X' })).status, 201);
    assert.equal((await r('POST', '/resource_classes', '1.2', { name: 'CUSTOM_FPGA_X' })).status, 409);
    assert.equal((await r('PUT', '/resource_classes/CUSTOM_BAREMETAL', '1.7')).status, 201);
    assert.equal((await r('PUT', '/resource_classes/CUSTOM_BAREMETAL', '1.7')).status, 204);
    assert.equal((await r('DELETE', '/resource_classes/VCPU', '1.2')).status, 400);
    assert.equal((await r('DELETE', '/resource_classes/CUSTOM_BAREMETAL', '1.2')).status, 204);
    assert.equal((await r('GET', '/traits/HW_CPU_X86_AVX2', '1.6')).status, 204);
    assert.equal((await r('PUT', '/traits/NOT_CUSTOM', '1.6')).status, 400);
    assert.equal((await r('DELETE', '/traits/HW_CPU_X86_AVX2', '1.6')).status, 400);
    assert.equal((await r('GET', '/traits/CUSTOM_NONE', '1.6')).status, 404);
  });

  it('reshapes inventories and allocations in one request (1.30)', async () => {
    const cn = await newProvider('reshape-cn');
    await setInventory(cn, { VGPU: { total: 2 } });
    const c = uuid();
    assert.equal((await r('PUT', `/allocations/${c}`, '1.28', { allocations: { [cn]: { resources: { VGPU: 1 } } }, project_id: 'p', user_id: 'u', consumer_generation: null })).status, 204);
    const child = await newProvider('reshape-pgpu', cn);
    const gens = async (id: string) => (await r('GET', `/resource_providers/${id}`, '1.39')).body.generation;
    const res = await r('POST', '/reshaper', '1.30', {
      inventories: { [cn]: { resource_provider_generation: await gens(cn), inventories: {} }, [child]: { resource_provider_generation: await gens(child), inventories: { VGPU: { total: 2 } } } },
      allocations: { [c]: { allocations: { [child]: { resources: { VGPU: 1 } } }, project_id: 'p', user_id: 'u', consumer_generation: 1 } },
    });
    assert.equal(res.status, 204, res.text);
    assert.deepEqual((await r('GET', `/allocations/${c}`, '1.30')).body.allocations[child].resources, { VGPU: 1 });
  });

  it('keeps its API to admins and services; project usages to the project reader', async () => {
    const denied = await r('GET', '/resource_providers', '1.39', undefined, { token: memberToken });
    assert.equal(denied.status, 403);
    assert.match(denied.body.errors[0].detail, /Policy does not allow placement:resource_providers:list to be performed/);
    const noToken = await cloud.request('GET', '/placement/resource_providers', { token: null });
    assert.equal(noToken.status, 401);
    const usages = await r('GET', '/usages?project_id=someone-else', '1.9', undefined, { token: memberToken });
    assert.equal(usages.status, 403);
  });
});
