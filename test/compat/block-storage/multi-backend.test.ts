// Two `file` backends (STACKGATE_BLOCK_STORAGE_BACKENDS) scheduled as Cinder does: a pool per
// backend in get_pools, placement by the type's volume_backend_name and by free capacity, copies
// on their source's backend, and a volume no pool can take goes to error with a user message.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { newMember, waitFor, type Member } from './support.ts';

describe('block-storage with two backends', () => {
  let cloud: TestCloud;
  let kim: Member;
  let base: string;
  const dirs = { fast: mkdtempSync(join(tmpdir(), 'sg-fast-')), slow: mkdtempSync(join(tmpdir(), 'sg-slow-')) };
  const hasVolume = (dir: string, id: string) => existsSync(join(dir, 'volumes', `volume-${id}`));

  before(async () => {
    process.env.STACKGATE_BLOCK_STORAGE_BACKENDS = `fast:${dirs.fast}:10,slow:${dirs.slow}:100`;
    cloud = await startCloud();
    delete process.env.STACKGATE_BLOCK_STORAGE_BACKENDS;
    kim = await newMember(cloud, 'kim-multi');
    base = `/volume/v3/${kim.projectId}`;
  });
  after(async () => {
    await cloud.stop();
    rmSync(dirs.fast, { recursive: true, force: true });
    rmSync(dirs.slow, { recursive: true, force: true });
  });

  it('reports a pool and a volume service per backend', async () => {
    const pools = await cloud.request('GET', `${base}/scheduler-stats/get_pools?detail=true`);
    assert.equal(pools.status, 200, pools.text);
    const byName = Object.fromEntries(pools.body.pools.map((p: any) => [p.name, p.capabilities]));
    assert.deepEqual(Object.keys(byName).sort(), ['stackgate@fast#fast', 'stackgate@slow#slow']);
    assert.equal(byName['stackgate@fast#fast'].total_capacity_gb, 10);
    assert.equal(byName['stackgate@slow#slow'].total_capacity_gb, 100);
    assert.equal(byName['stackgate@fast#fast'].volume_backend_name, 'fast');
    const services = await cloud.request('GET', `${base}/os-services?binary=cinder-volume`);
    assert.deepEqual(services.body.services.map((s: any) => s.host).sort(), ['stackgate@fast', 'stackgate@slow']);

    const caps = await cloud.request('GET', `${base}/capabilities/stackgate@slow`);
    assert.equal(caps.status, 200, caps.text);
    assert.equal(caps.body.namespace, 'OS::Storage::Capabilities::stackgate@slow');
    assert.equal(caps.body.volume_backend_name, 'slow');
    assert.equal((await cloud.request('GET', `${base}/capabilities/${encodeURIComponent('stackgate@fast#fast')}`)).body.volume_backend_name, 'fast');
    const unknown = await cloud.request('GET', `${base}/capabilities/elsewhere`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.itemNotFound.message, 'Service elsewhere could not be found.');
    assert.equal((await cloud.request('GET', `${base}/capabilities/stackgate@slow`, { token: kim.token })).status, 403);
  });

  it('places volumes by volume_backend_name and free capacity, copies beside their source', async () => {
    const fastType = await cloud.request('POST', `${base}/types`, { body: { volume_type: { name: 'fast', extra_specs: { volume_backend_name: 'fast' } } } });
    assert.equal(fastType.status, 200, fastType.text);

    const onFast = await cloud.request('POST', `${base}/volumes`, { token: kim.token, body: { volume: { size: 2, volume_type: 'fast' } } });
    assert.equal(onFast.status, 202, onFast.text);
    await waitFor(cloud, `${base}/volumes/${onFast.body.volume.id}`, 'available', kim.token);
    const shown = await cloud.request('GET', `${base}/volumes/${onFast.body.volume.id}`);
    assert.equal(shown.body.volume['os-vol-host-attr:host'], 'stackgate@fast#fast');
    assert.ok(hasVolume(dirs.fast, onFast.body.volume.id));
    assert.ok(!hasVolume(dirs.slow, onFast.body.volume.id));
    // a member does not see where it landed
    assert.equal((await cloud.request('GET', `${base}/volumes/${onFast.body.volume.id}`, { token: kim.token })).body.volume['os-vol-host-attr:host'], undefined);

    // no backend named: the capacity weigher picks the emptier pool
    const anywhere = await cloud.request('POST', `${base}/volumes`, { token: kim.token, body: { volume: { size: 1 } } });
    await waitFor(cloud, `${base}/volumes/${anywhere.body.volume.id}`, 'available', kim.token);
    assert.equal((await cloud.request('GET', `${base}/volumes/${anywhere.body.volume.id}`)).body.volume['os-vol-host-attr:host'], 'stackgate@slow#slow');
    assert.ok(hasVolume(dirs.slow, anywhere.body.volume.id));

    const pools = await cloud.request('GET', `${base}/scheduler-stats/get_pools?detail=true`);
    const fast = pools.body.pools.find((p: any) => p.name === 'stackgate@fast#fast').capabilities;
    assert.equal(fast.allocated_capacity_gb, 2);
    assert.equal(fast.free_capacity_gb, 8);

    // a snapshot and a volume from it stay on the source's backend
    const snap = await cloud.request('POST', `${base}/snapshots`, { token: kim.token, body: { snapshot: { volume_id: onFast.body.volume.id } } });
    assert.equal(snap.status, 202, snap.text);
    await waitFor(cloud, `${base}/snapshots/${snap.body.snapshot.id}`, 'available', kim.token);
    assert.deepEqual(readdirSync(join(dirs.fast, 'snapshots')).length, 1);
    const copy = await cloud.request('POST', `${base}/volumes`, { token: kim.token, body: { volume: { size: 2, snapshot_id: snap.body.snapshot.id } } });
    assert.equal(copy.status, 202, copy.text);
    await waitFor(cloud, `${base}/volumes/${copy.body.volume.id}`, 'available', kim.token);
    assert.equal((await cloud.request('GET', `${base}/volumes/${copy.body.volume.id}`)).body.volume['os-vol-host-attr:host'], 'stackgate@fast#fast');
    assert.ok(hasVolume(dirs.fast, copy.body.volume.id));

    // deleting goes to the right backend
    assert.equal((await cloud.request('DELETE', `${base}/volumes/${copy.body.volume.id}`, { token: kim.token })).status, 202);
    await waitFor(cloud, `${base}/volumes/${copy.body.volume.id}`, 404, kim.token);
    assert.ok(!hasVolume(dirs.fast, copy.body.volume.id));
  });

  it('sends a volume no pool can take to error with a user message', async () => {
    const mv = { 'OpenStack-API-Version': 'volume 3.3' };
    const tooBig = await cloud.request('POST', `${base}/volumes`, { token: kim.token, headers: mv, body: { volume: { size: 20, volume_type: 'fast' } } });
    assert.equal(tooBig.status, 202, tooBig.text);
    await waitFor(cloud, `${base}/volumes/${tooBig.body.volume.id}`, 'error', kim.token);
    assert.equal((await cloud.request('GET', `${base}/volumes/${tooBig.body.volume.id}`)).body.volume['os-vol-host-attr:host'], null);
    const messages = await cloud.request('GET', `${base}/messages`, { token: kim.token, headers: mv });
    const mine = messages.body.messages.filter((m: any) => m.resource_uuid === tooBig.body.volume.id);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].event_id, 'VOLUME_VOLUME_001_002');

    const nowhere = await cloud.request('POST', `${base}/types`, { body: { volume_type: { name: 'nowhere', extra_specs: { volume_backend_name: 'tape' } } } });
    const lost = await cloud.request('POST', `${base}/volumes`, { token: kim.token, body: { volume: { size: 1, volume_type: nowhere.body.volume_type.id } } });
    await waitFor(cloud, `${base}/volumes/${lost.body.volume.id}`, 'error', kim.token);
    // the slow pool still fits a big volume of no particular backend
    const big = await cloud.request('POST', `${base}/volumes`, { token: kim.token, body: { volume: { size: 20 } } });
    await waitFor(cloud, `${base}/volumes/${big.body.volume.id}`, 'available', kim.token);
    assert.equal((await cloud.request('GET', `${base}/volumes/${big.body.volume.id}`)).body.volume['os-vol-host-attr:host'], 'stackgate@slow#slow');
  });
});
