import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { adminProject, newMember, waitFor, type Member } from './support.ts';

describe('block-storage volumes', () => {
  let cloud: TestCloud;
  let project: string;
  let alice: Member;
  let bob: Member;
  const v = (project_: string) => `/volume/v3/${project_}`;
  const mv = (version: string) => ({ 'OpenStack-API-Version': `volume ${version}` });

  before(async () => {
    cloud = await startCloud();
    project = await adminProject(cloud);
    alice = await newMember(cloud, 'alice-bs');
    bob = await newMember(cloud, 'bob-bs');
    // this suite makes many volumes in the admin project
    const unlimited = await cloud.request('PUT', `/volume/v3/${project}/os-quota-sets/${project}`, { body: { quota_set: { volumes: -1 } } });
    assert.equal(unlimited.status, 200, unlimited.text);
  });
  after(() => cloud.stop());

  const create = async (body: Record<string, unknown>, token?: string, owner = project) => {
    const res = await cloud.request('POST', `${v(owner)}/volumes`, { body: { volume: body }, token });
    assert.equal(res.status, 202, res.text);
    return res.body.volume;
  };

  it('serves the version documents without a token', async () => {
    const root = await cloud.request('GET', '/volume/', { token: null });
    assert.equal(root.status, 300);
    const entry = root.body.versions[0];
    assert.equal(entry.id, 'v3.0');
    assert.equal(entry.status, 'CURRENT');
    assert.equal(entry.min_version, '3.0');
    assert.equal(entry.version, '3.71');
    assert.ok(entry.links.some((l: any) => l.rel === 'self' && l.href.endsWith('/volume/v3/')));
    const v3 = await cloud.request('GET', '/volume/v3/', { token: null });
    assert.equal(v3.status, 200);
    assert.equal(v3.body.versions[0].id, 'v3.0');
    const latest = await cloud.request('GET', `${v(project)}/volumes`, { headers: mv('latest') });
    assert.equal(latest.headers.get('openstack-api-version'), 'volume 3.71');
    const tooNew = await cloud.request('GET', `${v(project)}/volumes`, { headers: mv('3.72') });
    assert.equal(tooNew.status, 406);
  });

  it('registers block-storage and volumev3 in the catalog with the project substituted', async () => {
    const res = await cloud.request('GET', '/identity/v3/auth/catalog');
    assert.equal(res.status, 200, res.text);
    for (const type of ['block-storage', 'volumev3']) {
      const entry = res.body.catalog.find((c: any) => c.type === type);
      assert.ok(entry, `${type} in catalog`);
      assert.ok(entry.endpoints.some((e: any) => e.url.endsWith(`/volume/v3/${project}`)), JSON.stringify(entry.endpoints));
    }
  });

  it('follows a Terraform-style lifecycle: create, poll to available, extend, delete, poll to 404', async () => {
    const created = await create({ size: 1, name: 'tf', description: 'terraform', metadata: { env: 'test' } });
    assert.equal(created.status, 'creating');
    assert.equal(created.size, 1);
    assert.equal(created.volume_type, '__DEFAULT__');
    assert.equal(created.availability_zone, 'nova');
    assert.equal(created.bootable, 'false');
    assert.deepEqual(created.metadata, { env: 'test' });
    assert.match(created.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const path = `${v(project)}/volumes/${created.id}`;
    await waitFor(cloud, path, 'available');
    const extend = await cloud.request('POST', `${path}/action`, { body: { 'os-extend': { new_size: 2 } } });
    assert.equal(extend.status, 202, extend.text);
    const extended = await waitFor(cloud, path, 'available');
    assert.equal(extended.size, 2);
    const del = await cloud.request('DELETE', path);
    assert.equal(del.status, 202);
    const gone = await waitFor(cloud, path, 404);
    assert.deepEqual(gone, { itemNotFound: { message: `Volume ${created.id} could not be found.`, code: 404 } });
  });

  it('serves project-less paths as well (3.67)', async () => {
    const created = await create({ size: 1, name: 'projectless' });
    const res = await cloud.request('GET', `/volume/v3/volumes/${created.id}`, { headers: mv('3.67'), unchecked: true });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.volume.id, created.id);
    assert.ok(res.body.volume.links[0].href.endsWith(`/volume/v3/${project}/volumes/${created.id}`));
    const list = await cloud.request('GET', '/volume/v3/volumes/detail', { unchecked: true });
    assert.ok(list.body.volumes.some((x: any) => x.id === created.id));
  });

  it('shows fields by microversion', async () => {
    const created = await create({ size: 1, name: 'mv' });
    const path = `${v(project)}/volumes/${created.id}`;
    const base = (await cloud.request('GET', path)).body.volume;
    for (const key of ['group_id', 'provider_id', 'service_uuid', 'shared_targets', 'cluster_name', 'volume_type_id', 'consumes_quota']) {
      assert.ok(!(key in base), `${key} absent at 3.0`);
    }
    assert.ok('os-vol-host-attr:host' in base);
    assert.equal(base['os-vol-tenant-attr:tenant_id'], project);
    const at = async (version: string) => (await cloud.request('GET', path, { headers: mv(version) })).body.volume;
    assert.ok('group_id' in (await at('3.13')));
    assert.ok(!('provider_id' in (await at('3.20'))));
    assert.ok('provider_id' in (await at('3.21')));
    const v348 = await at('3.48');
    assert.equal(typeof v348.service_uuid, 'string');
    assert.equal(v348.shared_targets, false);
    assert.ok('cluster_name' in (await at('3.61')));
    assert.equal((await at('3.63')).volume_type_id.length, 36);
    assert.equal((await at('3.65')).consumes_quota, true);
    // admin-only attributes stay hidden from a member
    const mine = await create({ size: 1, name: 'alice-mv' }, alice.token, alice.projectId);
    const seen = (await cloud.request('GET', `${v(alice.projectId)}/volumes/${mine.id}`, { token: alice.token, headers: mv('3.71') })).body.volume;
    for (const key of ['os-vol-host-attr:host', 'provider_id', 'cluster_name']) assert.ok(!(key in seen), `${key} hidden from members`);
    assert.ok('service_uuid' in seen);
  });

  it('lists with filters, sorting and marker pagination', async () => {
    const ids: string[] = [];
    for (const [i, name] of ['pg-a', 'pg-b', 'pg-c'].entries()) {
      ids.push((await create({ size: i + 1, name, metadata: { pg: 'yes', n: String(i) } })).id);
    }
    for (const id of ids) await waitFor(cloud, `${v(project)}/volumes/${id}`, 'available');
    const byName = await cloud.request('GET', `${v(project)}/volumes?name=pg-b`);
    assert.deepEqual(byName.body.volumes.map((x: any) => x.name), ['pg-b']);
    assert.deepEqual(Object.keys(byName.body.volumes[0]).sort(), ['id', 'links', 'name']);
    const byMeta = await cloud.request('GET', `${v(project)}/volumes/detail?metadata=${encodeURIComponent("{'pg': 'yes', 'n': '2'}")}`);
    assert.deepEqual(byMeta.body.volumes.map((x: any) => x.name), ['pg-c']);
    const sorted = await cloud.request('GET', `${v(project)}/volumes/detail?metadata=${encodeURIComponent('{"pg": "yes"}')}&sort=size:asc`);
    assert.deepEqual(sorted.body.volumes.map((x: any) => x.size), [1, 2, 3]);
    const legacy = await cloud.request('GET', `${v(project)}/volumes/detail?metadata=${encodeURIComponent('{"pg": "yes"}')}&sort_key=name&sort_dir=desc`);
    assert.deepEqual(legacy.body.volumes.map((x: any) => x.name), ['pg-c', 'pg-b', 'pg-a']);
    const page1 = await cloud.request('GET', `${v(project)}/volumes?metadata=${encodeURIComponent('{"pg": "yes"}')}&sort=name:asc&limit=2`);
    assert.deepEqual(page1.body.volumes.map((x: any) => x.name), ['pg-a', 'pg-b']);
    const next = new URL(page1.body.volumes_links[0].href);
    assert.equal(page1.body.volumes_links[0].rel, 'next');
    assert.equal(next.searchParams.get('marker'), page1.body.volumes[1].id);
    const page2 = await cloud.request('GET', `${next.pathname}${next.search}`);
    assert.deepEqual(page2.body.volumes.map((x: any) => x.name), ['pg-c']);
    assert.ok(!('volumes_links' in page2.body));
    const counted = await cloud.request('GET', `${v(project)}/volumes?metadata=${encodeURIComponent('{"pg": "yes"}')}&with_count=true`, { headers: mv('3.45') });
    assert.equal(counted.body.count, 3);
    const notBootable = await cloud.request('GET', `${v(project)}/volumes?bootable=true&name=pg-a`);
    assert.deepEqual(notBootable.body.volumes, []);
    const bad = await cloud.request('GET', `${v(project)}/volumes?sort_dir=sideways`);
    assert.equal(bad.status, 400);
    assert.ok(bad.body.badRequest.message);
    const badLimit = await cloud.request('GET', `${v(project)}/volumes?limit=x`);
    assert.equal(badLimit.status, 400);
    const badMarker = await cloud.request('GET', `${v(project)}/volumes?marker=00000000-0000-0000-0000-000000000000`);
    assert.equal(badMarker.status, 404);
  });

  it('updates names and metadata, and serves the metadata API', async () => {
    const vol = await create({ size: 1, name: 'meta' });
    const path = `${v(project)}/volumes/${vol.id}`;
    const upd = await cloud.request('PUT', path, { body: { volume: { name: 'meta2', description: 'd' } } });
    assert.equal(upd.status, 200, upd.text);
    assert.equal(upd.body.volume.name, 'meta2');
    assert.equal(upd.body.volume.description, 'd');
    assert.equal((await cloud.request('POST', `${path}/metadata`, { body: { metadata: { a: '1', b: '2' } } })).status, 200);
    assert.deepEqual((await cloud.request('GET', `${path}/metadata`)).body, { metadata: { a: '1', b: '2' } });
    assert.deepEqual((await cloud.request('PUT', `${path}/metadata/a`, { body: { meta: { a: '9' } } })).body, { meta: { a: '9' } });
    assert.deepEqual((await cloud.request('GET', `${path}/metadata/a`)).body, { meta: { a: '9' } });
    const mismatch = await cloud.request('PUT', `${path}/metadata/a`, { body: { meta: { z: '9' } } });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body.badRequest.message, 'Request body and URI mismatch');
    assert.equal((await cloud.request('DELETE', `${path}/metadata/b`)).status, 200);
    const missing = await cloud.request('GET', `${path}/metadata/b`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.itemNotFound.message, `Volume ${vol.id} has no metadata with key b.`);
    assert.deepEqual((await cloud.request('PUT', `${path}/metadata`, { body: { metadata: { only: 'x' } } })).body, { metadata: { only: 'x' } });
    const badMeta = await cloud.request('POST', `${path}/metadata`, { body: { metadata: { k: 5 } } });
    assert.equal(badMeta.status, 400);
  });

  it('runs the volume actions with their rules', async () => {
    const vol = await create({ size: 1, name: 'act' });
    const path = `${v(project)}/volumes/${vol.id}`;
    await waitFor(cloud, path, 'available');
    const act = (body: unknown, headers?: Record<string, string>, token?: string, p = path) => cloud.request('POST', `${p}/action`, { body, headers, token });
    const smaller = await act({ 'os-extend': { new_size: 1 } });
    assert.equal(smaller.status, 400);
    assert.match(smaller.body.badRequest.message, /New size for extend must be greater than current size/);
    assert.equal((await act({ 'os-set_bootable': { bootable: true } })).status, 200);
    assert.equal((await cloud.request('GET', path)).body.volume.bootable, 'true');
    assert.equal((await act({ 'os-update_readonly_flag': { readonly: true } })).status, 202);
    assert.equal((await cloud.request('GET', path)).body.volume.metadata.readonly, 'True');
    assert.equal((await act({ 'os-reset_status': { status: 'in-use' } })).status, 202);
    assert.equal((await cloud.request('GET', path)).body.volume.status, 'in-use');
    const oldExtend = await act({ 'os-extend': { new_size: 2 } }, mv('3.41'));
    assert.equal(oldExtend.status, 400);
    const inUseExtend = await act({ 'os-extend': { new_size: 2 } }, mv('3.42'));
    assert.equal(inUseExtend.status, 202, inUseExtend.text);
    const grown = await waitFor(cloud, path, 'in-use');
    assert.equal(grown.size, 2);
    const busy = await cloud.request('DELETE', path);
    assert.equal(busy.status, 400);
    assert.match(busy.body.badRequest.message, /^Invalid volume: /);
    const unknown = await act({ 'os-fly': {} });
    assert.equal(unknown.status, 400);
    // a member may not use the admin actions
    const mine = await create({ size: 1, name: 'alice-act' }, alice.token, alice.projectId);
    const minePath = `${v(alice.projectId)}/volumes/${mine.id}`;
    const denied = await act({ 'os-reset_status': { status: 'error' } }, undefined, alice.token, minePath);
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.body, { forbidden: { message: "Policy doesn't allow volume_extension:volume_admin_actions:reset_status to be performed.", code: 403 } });
    assert.equal((await act({ 'os-force_delete': {} })).status, 202);
    await waitFor(cloud, path, 404);
  });

  it('rejects bad input with Cinder errors, never a 500', async () => {
    const bad: unknown[] = [
      undefined, {}, { volume: null }, { volume: [] }, { volume: {} }, { volume: { size: 0 } }, { volume: { size: 'big' } },
      { volume: { size: 1, metadata: 'x' } }, { volume: { size: 1, metadata: { k: 1 } } }, { volume: { size: 1, name: 5 } },
      { volume: { size: 1, availability_zone: 'mars' } }, { volume: { size: 1, multiattach: 'maybe' } }, '{"volume": ',
    ];
    for (const body of bad) {
      const res = await cloud.request('POST', `${v(project)}/volumes`, { body, unchecked: true });
      assert.equal(res.status, 400, `${JSON.stringify(body)} -> ${res.status} ${res.text}`);
      assert.equal(res.body.badRequest.code, 400, res.text);
    }
    const noType = await cloud.request('POST', `${v(project)}/volumes`, { body: { volume: { size: 1, volume_type: 'nope' } } });
    assert.equal(noType.status, 404);
    assert.equal(noType.body.itemNotFound.message, 'Volume type with name nope could not be found.');
    const noSnap = await cloud.request('POST', `${v(project)}/volumes`, { body: { volume: { snapshot_id: 'nope' } } });
    assert.equal(noSnap.status, 404);
    const missing = await cloud.request('GET', `${v(project)}/volumes/nope`);
    assert.deepEqual(missing.body, { itemNotFound: { message: 'Volume nope could not be found.', code: 404 } });
    for (const action of [null, 'x', { 'os-extend': null }, { 'os-extend': { new_size: 'x' } }, { 'os-set_bootable': {} }, { a: 1, b: 2 }]) {
      const vol = await create({ size: 1 });
      const res = await cloud.request('POST', `${v(project)}/volumes/${vol.id}/action`, { body: action, unchecked: true });
      assert.ok(res.status === 400, `${JSON.stringify(action)} -> ${res.status} ${res.text}`);
    }
    const noAuth = await cloud.request('GET', `${v(project)}/volumes`, { token: null });
    assert.equal(noAuth.status, 401);
    assert.ok(noAuth.headers.get('www-authenticate'));
  });

  it('keeps projects apart', async () => {
    const mine = await create({ size: 1, name: 'alice-private' }, alice.token, alice.projectId);
    const bobList = await cloud.request('GET', `${v(bob.projectId)}/volumes/detail`, { token: bob.token });
    assert.equal(bobList.status, 200);
    assert.ok(!bobList.body.volumes.some((x: any) => x.id === mine.id));
    const bobShow = await cloud.request('GET', `${v(bob.projectId)}/volumes/${mine.id}`, { token: bob.token });
    assert.equal(bobShow.status, 404);
    const bobDelete = await cloud.request('DELETE', `${v(bob.projectId)}/volumes/${mine.id}`, { token: bob.token });
    assert.equal(bobDelete.status, 404);
    const bobAllTenants = await cloud.request('GET', `${v(bob.projectId)}/volumes?all_tenants=1`, { token: bob.token });
    assert.ok(!bobAllTenants.body.volumes.some((x: any) => x.id === mine.id));
    const adminDefault = await cloud.request('GET', `${v(project)}/volumes`);
    assert.ok(!adminDefault.body.volumes.some((x: any) => x.id === mine.id));
    const adminAll = await cloud.request('GET', `${v(project)}/volumes/detail?all_tenants=1`);
    const seen = adminAll.body.volumes.find((x: any) => x.id === mine.id);
    assert.equal(seen['os-vol-tenant-attr:tenant_id'], alice.projectId);
    const aliceList = await cloud.request('GET', `${v(alice.projectId)}/volumes`, { token: alice.token });
    assert.ok(aliceList.body.volumes.some((x: any) => x.id === mine.id));
  });
});
