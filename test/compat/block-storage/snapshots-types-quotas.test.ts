import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { adminProject, newMember, waitFor, type Member } from './support.ts';
import { FileBlockDriver } from '../../../src/backends/block/file/file-driver.ts';

describe('block-storage snapshots, clones, types, quotas and infrastructure', () => {
  let cloud: TestCloud;
  let project: string;
  let carol: Member;
  let driver: FileBlockDriver;
  const v = (p: string) => `/volume/v3/${p}`;

  before(async () => {
    cloud = await startCloud();
    project = await adminProject(cloud);
    carol = await newMember(cloud, 'carol-bs');
    driver = new FileBlockDriver({ root: `${cloud.runtime.config.dataDir}/block-storage/file` });
  });
  after(() => cloud.stop());

  const createVolume = async (body: Record<string, unknown>, token?: string, owner = project) => {
    const res = await cloud.request('POST', `${v(owner)}/volumes`, { body: { volume: body }, token });
    assert.equal(res.status, 202, res.text);
    return waitFor(cloud, `${v(owner)}/volumes/${res.body.volume.id}`, 'available', token);
  };

  it('clones a volume and restores a snapshot with the same bytes in the backend files', async () => {
    const source = await createVolume({ size: 1, name: 'src' });
    const payload = Buffer.from('stackgate block bytes \u2713');
    await driver.writeVolume(source.id, 4096, payload);
    const clone = await createVolume({ source_volid: source.id, name: 'clone' });
    assert.equal(clone.source_volid, source.id);
    assert.equal(clone.size, 1);
    assert.deepEqual(await driver.readVolume(clone.id, 4096, payload.length), payload);

    const snap = await cloud.request('POST', `${v(project)}/snapshots`, { body: { snapshot: { volume_id: source.id, name: 's1', metadata: { k: 'v' } } } });
    assert.equal(snap.status, 202, snap.text);
    assert.equal(snap.body.snapshot.status, 'creating');
    const snapPath = `${v(project)}/snapshots/${snap.body.snapshot.id}`;
    const ready = await waitFor(cloud, snapPath, 'available');
    assert.equal(ready.size, 1);
    assert.equal(ready['os-extended-snapshot-attributes:progress'], '100%');
    // bytes written after the snapshot do not reach volumes made from it
    await driver.writeVolume(source.id, 4096, Buffer.alloc(payload.length, 0x41));
    const restored = await createVolume({ snapshot_id: snap.body.snapshot.id, size: 2 });
    assert.equal(restored.snapshot_id, snap.body.snapshot.id);
    assert.equal(restored.size, 2);
    assert.deepEqual(await driver.readVolume(restored.id, 4096, payload.length), payload);

    const tooSmall = await cloud.request('POST', `${v(project)}/volumes`, { body: { volume: { snapshot_id: snap.body.snapshot.id, size: 0 } } });
    assert.equal(tooSmall.status, 400);

    // a volume with snapshots is not deleted without cascade
    const refused = await cloud.request('DELETE', `${v(project)}/volumes/${source.id}`);
    assert.equal(refused.status, 400);
    assert.equal((await cloud.request('DELETE', `${v(project)}/volumes/${source.id}?cascade=true`)).status, 202);
    await waitFor(cloud, `${v(project)}/volumes/${source.id}`, 404);
    assert.equal((await cloud.request('GET', snapPath)).status, 404);
  });

  it('serves snapshot list/detail/update/metadata/delete and force for in-use volumes', async () => {
    const vol = await createVolume({ size: 1, name: 'snapme' });
    await cloud.request('POST', `${v(project)}/volumes/${vol.id}/action`, { body: { 'os-reset_status': { status: 'in-use' } } });
    const refused = await cloud.request('POST', `${v(project)}/snapshots`, { body: { snapshot: { volume_id: vol.id } } });
    assert.equal(refused.status, 400);
    assert.match(refused.body.badRequest.message, /^Invalid volume: /);
    const forced = await cloud.request('POST', `${v(project)}/snapshots`, { body: { snapshot: { volume_id: vol.id, force: true, name: 'forced' } } });
    assert.equal(forced.status, 202, forced.text);
    const path = `${v(project)}/snapshots/${forced.body.snapshot.id}`;
    await waitFor(cloud, path, 'available');
    const list = await cloud.request('GET', `${v(project)}/snapshots?volume_id=${vol.id}`);
    assert.deepEqual(list.body.snapshots.map((s: any) => s.name), ['forced']);
    const detail = await cloud.request('GET', `${v(project)}/snapshots/detail?name=forced`);
    assert.equal(detail.body.snapshots[0]['os-extended-snapshot-attributes:project_id'], project);
    const upd = await cloud.request('PUT', path, { body: { snapshot: { name: 'renamed', description: 'x' } } });
    assert.equal(upd.body.snapshot.name, 'renamed');
    assert.equal((await cloud.request('PUT', path, { body: { snapshot: { bogus: 1 } } })).status, 400);
    assert.deepEqual((await cloud.request('POST', `${path}/metadata`, { body: { metadata: { a: 'b' } } })).body, { metadata: { a: 'b' } });
    assert.deepEqual((await cloud.request('GET', `${path}/metadata/a`)).body, { meta: { a: 'b' } });
    const v341 = await cloud.request('GET', path, { headers: { 'OpenStack-API-Version': 'volume 3.41' } });
    assert.ok('user_id' in v341.body.snapshot);
    assert.equal((await cloud.request('DELETE', path)).status, 202);
    await waitFor(cloud, path, 404);
    const missing = await cloud.request('GET', path);
    assert.deepEqual(missing.body, { itemNotFound: { message: `Snapshot ${forced.body.snapshot.id} could not be found.`, code: 404 } });
  });

  it('manages volume types, extra specs and private type access', async () => {
    const types = await cloud.request('GET', `${v(project)}/types`);
    assert.ok(types.body.volume_types.some((t: any) => t.name === '__DEFAULT__'));
    const def = await cloud.request('GET', `${v(project)}/types/default`);
    assert.equal(def.body.volume_type.name, '__DEFAULT__');
    const created = await cloud.request('POST', `${v(project)}/types`, { body: { volume_type: { name: 'fast', extra_specs: { volume_backend_name: 'file' } } } });
    assert.equal(created.status, 200, created.text);
    const id = created.body.volume_type.id;
    assert.deepEqual(created.body.volume_type.extra_specs, { volume_backend_name: 'file' });
    assert.equal((await cloud.request('POST', `${v(project)}/types`, { body: { volume_type: { name: 'fast' } } })).status, 409);
    assert.equal((await cloud.request('POST', `${v(project)}/types/${id}/extra_specs`, { body: { extra_specs: { tier: 'gold' } } })).status, 200);
    assert.deepEqual((await cloud.request('GET', `${v(project)}/types/${id}/extra_specs/tier`)).body, { tier: 'gold' });
    assert.equal((await cloud.request('DELETE', `${v(project)}/types/${id}/extra_specs/tier`)).status, 202);
    assert.equal((await cloud.request('GET', `${v(project)}/types/${id}/extra_specs/tier`)).status, 404);
    const vol = await createVolume({ size: 1, volume_type: 'fast' });
    assert.equal(vol.volume_type, 'fast');
    const inUse = await cloud.request('DELETE', `${v(project)}/types/${id}`);
    assert.equal(inUse.status, 400);
    // members may read public types (without extra specs) but not manage them
    const seen = await cloud.request('GET', `${v(carol.projectId)}/types/${id}`, { token: carol.token });
    assert.equal(seen.status, 200);
    assert.ok(!('extra_specs' in seen.body.volume_type));
    const denied = await cloud.request('POST', `${v(carol.projectId)}/types`, { token: carol.token, body: { volume_type: { name: 'mine' } } });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.forbidden.code, 403);
    // private types are visible only to the projects they are shared with
    const priv = await cloud.request('POST', `${v(project)}/types`, { body: { volume_type: { name: 'private', 'os-volume-type-access:is_public': false } } });
    const privId = priv.body.volume_type.id;
    assert.equal((await cloud.request('GET', `${v(carol.projectId)}/types/${privId}`, { token: carol.token })).status, 404);
    const add = await cloud.request('POST', `${v(project)}/types/${privId}/action`, { body: { addProjectAccess: { project: carol.projectId } } });
    assert.equal(add.status, 202, add.text);
    assert.deepEqual((await cloud.request('GET', `${v(project)}/types/${privId}/os-volume-type-access`)).body, { volume_type_access: [{ volume_type_id: privId, project_id: carol.projectId }] });
    assert.equal((await cloud.request('GET', `${v(carol.projectId)}/types/${privId}`, { token: carol.token })).status, 200);
    const carolTypes = await cloud.request('GET', `${v(carol.projectId)}/types`, { token: carol.token });
    assert.ok(carolTypes.body.volume_types.some((t: any) => t.id === privId));
    assert.equal((await cloud.request('DELETE', `${v(project)}/types/${privId}`)).status, 202);
    assert.equal((await cloud.request('DELETE', `${v(project)}/types/${def.body.volume_type.id}`)).status, 400);
  });

  it('enforces quotas with 413 overLimit and reports usage and limits', async () => {
    const defaults = await cloud.request('GET', `${v(project)}/os-quota-sets/${carol.projectId}/defaults`);
    assert.equal(defaults.body.quota_set.volumes, 10);
    assert.equal(defaults.body.quota_set.gigabytes, 1000);
    assert.equal(defaults.body.quota_set.volumes___DEFAULT__, -1);
    const set = await cloud.request('PUT', `${v(project)}/os-quota-sets/${carol.projectId}`, { body: { quota_set: { volumes: 1, gigabytes: 3 } } });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.quota_set.volumes, 1);
    assert.equal((await cloud.request('PUT', `${v(project)}/os-quota-sets/${carol.projectId}`, { body: { quota_set: { bogus: 1 } } })).status, 400);
    assert.equal((await cloud.request('PUT', `${v(carol.projectId)}/os-quota-sets/${carol.projectId}`, { token: carol.token, body: { quota_set: { volumes: 50 } } })).status, 403);
    const big = await cloud.request('POST', `${v(carol.projectId)}/volumes`, { token: carol.token, body: { volume: { size: 4 } } });
    assert.equal(big.status, 413);
    assert.match(big.body.overLimit.message, /exceeds allowed gigabytes quota\. Requested 4G, quota is 3G and 0G has been consumed\./);
    await createVolume({ size: 1 }, carol.token, carol.projectId);
    const second = await cloud.request('POST', `${v(carol.projectId)}/volumes`, { token: carol.token, body: { volume: { size: 1 } } });
    assert.equal(second.status, 413);
    assert.deepEqual(second.body, { overLimit: { message: "Maximum number of volumes allowed (1) exceeded for quota 'volumes'.", code: 413 } });
    const usage = await cloud.request('GET', `${v(carol.projectId)}/os-quota-sets/${carol.projectId}?usage=true`, { token: carol.token });
    assert.equal(usage.status, 200, usage.text);
    assert.deepEqual(usage.body.quota_set.volumes, { limit: 1, in_use: 1, reserved: 0 });
    assert.deepEqual(usage.body.quota_set.gigabytes, { limit: 3, in_use: 1, reserved: 0 });
    const limits = await cloud.request('GET', `${v(carol.projectId)}/limits`, { token: carol.token });
    assert.equal(limits.body.limits.absolute.maxTotalVolumes, 1);
    assert.equal(limits.body.limits.absolute.totalVolumesUsed, 1);
    assert.equal(limits.body.limits.absolute.totalGigabytesUsed, 1);
    assert.equal((await cloud.request('DELETE', `${v(project)}/os-quota-sets/${carol.projectId}`)).status, 200);
    assert.equal((await cloud.request('GET', `${v(project)}/os-quota-sets/${carol.projectId}`)).body.quota_set.volumes, 10);
  });

  it('lists availability zones, services and pools (admin)', async () => {
    const az = await cloud.request('GET', `${v(carol.projectId)}/os-availability-zone`, { token: carol.token });
    assert.deepEqual(az.body, { availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true } }] });
    const services = await cloud.request('GET', `${v(project)}/os-services`);
    assert.deepEqual(services.body.services.map((s: any) => s.binary).sort(), ['cinder-scheduler', 'cinder-volume']);
    assert.equal((await cloud.request('GET', `${v(carol.projectId)}/os-services`, { token: carol.token })).status, 403);
    const pools = await cloud.request('GET', `${v(project)}/scheduler-stats/get_pools?detail=true`);
    assert.equal(pools.body.pools[0].name, 'stackgate@file#file');
    assert.equal(pools.body.pools[0].capabilities.volume_backend_name, 'file');
    assert.equal((await cloud.request('GET', `${v(carol.projectId)}/scheduler-stats/get_pools`, { token: carol.token })).status, 403);
  });
});
