// Backups to <dataDir>/backups: full and incremental (only changed chunks stored), restores
// that give back the bytes of the moment, a volume made from a backup (3.47), and the rules.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { newMember, type Member } from './support.ts';

describe('block-storage backups', () => {
  let cloud: TestCloud;
  let gina: Member;
  let hank: Member;
  const v = (p: string) => `/volume/v3/${p}`;
  const mv = { 'OpenStack-API-Version': 'volume 3.47' };

  before(async () => {
    cloud = await startCloud();
    gina = await newMember(cloud, 'gina-bk');
    hank = await newMember(cloud, 'hank-bk');
  });
  after(() => cloud.stop());

  const file = (id: string) => join(cloud.runtime.config.dataDir, 'block-storage', 'file', 'volumes', `volume-${id}`);
  function write(id: string, offset: number, data: Buffer): void {
    const fd = openSync(file(id), 'r+');
    writeSync(fd, data, 0, data.length, offset);
    closeSync(fd);
  }
  function read(id: string, offset: number, length: number): Buffer {
    const fd = openSync(file(id), 'r');
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, offset);
    closeSync(fd);
    return buffer;
  }
  const call = (method: string, path: string, body?: unknown, token = gina.token) =>
    cloud.request(method, `${v(gina.projectId)}${path}`, { token, body, headers: mv });
  async function volumeReady(id: string, status = 'available'): Promise<any> {
    for (let i = 0; i < 1500; i++) {
      const res = await call('GET', `/volumes/${id}`);
      if (res.body.volume?.status === status) return res.body.volume;
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.fail(`volume ${id} never reached ${status}`);
  }
  async function backupReady(id: string): Promise<any> {
    // a backup reads the whole GiB: on a loaded 2-core machine that takes seconds
    for (let i = 0; i < 1500; i++) {
      const res = await call('GET', `/backups/${id}`);
      if (res.body.backup?.status === 'available' || res.body.backup?.status === 'error') return res.body.backup;
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.fail(`backup ${id} never settled`);
  }

  it('backs up in full and incrementally, restores each moment, and makes volumes from backups', async () => {
    const made = await call('POST', '/volumes', { volume: { size: 1, name: 'data' } });
    const vol = (await volumeReady(made.body.volume.id, 'available')).id;
    const first = randomBytes(3 * 1024 * 1024);
    const far = randomBytes(1024 * 1024);
    write(vol, 0, first);
    write(vol, 512 * 1024 * 1024, far);

    const full = await call('POST', '/backups', { backup: { volume_id: vol, name: 'full', description: 'first' } });
    assert.equal(full.status, 202, full.text);
    assert.equal(full.body.backup.name, 'full');
    assert.equal((await volumeReady(vol, 'available')).status, 'available');
    const fullDone = await backupReady(full.body.backup.id);
    assert.equal(fullDone.status, 'available', fullDone.fail_reason);
    assert.equal(fullDone.is_incremental, false);
    assert.equal(fullDone.object_count, 2, 'only the two chunks holding data are stored');
    assert.ok(existsSync(join(cloud.runtime.config.dataDir, 'backups', fullDone.id, 'manifest.json')));

    const second = randomBytes(4096);
    write(vol, 8 * 1024 * 1024, second);
    const inc = await call('POST', '/backups', { backup: { volume_id: vol, name: 'inc', incremental: true } });
    assert.equal(inc.status, 202, inc.text);
    const incDone = await backupReady(inc.body.backup.id);
    assert.equal(incDone.is_incremental, true);
    assert.equal(incDone.object_count, 1, 'the incremental stores only the changed chunk');
    assert.equal((await call('GET', `/backups/${fullDone.id}`)).body.backup.has_dependent_backups, true);

    // the full backup cannot go while the incremental needs it
    const early = await call('DELETE', `/backups/${fullDone.id}`);
    assert.equal(early.status, 400, early.text);
    assert.match(early.body.badRequest.message, /^Invalid backup: /);

    // restore the full one over the volume: the later write is undone
    const over = await call('POST', `/backups/${fullDone.id}/restore`, { restore: { volume_id: vol } });
    assert.equal(over.status, 202, over.text);
    assert.equal(over.body.restore.volume_id, vol);
    await volumeReady(vol, 'available');
    assert.ok(read(vol, 0, first.length).equals(first));
    assert.ok(read(vol, 8 * 1024 * 1024, 4096).equals(Buffer.alloc(4096)), 'the incremental change is gone');
    await backupReady(fullDone.id);

    // restore the incremental into a new volume: both moments' bytes
    const fresh = await call('POST', `/backups/${incDone.id}/restore`, { restore: { name: 'restored' } });
    assert.equal(fresh.status, 202, fresh.text);
    assert.equal(fresh.body.restore.volume_name, 'restored');
    const restored = await volumeReady(fresh.body.restore.volume_id, 'available');
    assert.ok(read(restored.id, 0, first.length).equals(first));
    assert.ok(read(restored.id, 8 * 1024 * 1024, 4096).equals(second));
    assert.ok(read(restored.id, 512 * 1024 * 1024, far.length).equals(far));
    await backupReady(incDone.id);

    // a volume from a backup (3.47), larger than the backup
    const fromBackup = await call('POST', '/volumes', { volume: { backup_id: incDone.id, size: 2 } });
    assert.equal(fromBackup.status, 202, fromBackup.text);
    const vb = await volumeReady(fromBackup.body.volume.id, 'available');
    assert.equal(vb.size, 2);
    assert.ok(read(vb.id, 8 * 1024 * 1024, 4096).equals(second));

    const listed = await call('GET', '/backups/detail?volume_id=' + vol);
    assert.deepEqual(listed.body.backups.map((b: any) => b.name).sort(), ['full', 'inc']);
    const renamed = await call('PUT', `/backups/${incDone.id}`, { backup: { name: 'renamed' } });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.backup.name, 'renamed');

    // another project sees none of it
    assert.equal((await cloud.request('GET', `${v(hank.projectId)}/backups/${incDone.id}`, { token: hank.token })).status, 404);
    assert.equal((await cloud.request('GET', `${v(hank.projectId)}/backups`, { token: hank.token })).body.backups.length, 0);
    const steal = await cloud.request('POST', `${v(hank.projectId)}/backups`, { token: hank.token, body: { backup: { volume_id: vol } } });
    assert.equal(steal.status, 404);

    assert.equal((await call('DELETE', `/backups/${incDone.id}`)).status, 202);
    for (let i = 0; i < 100 && (await call('GET', `/backups/${incDone.id}`)).status !== 404; i++) await new Promise((r) => setTimeout(r, 30));
    assert.equal((await call('DELETE', `/backups/${fullDone.id}`)).status, 202);
  });

  it('refuses incrementals without a full backup, in-use volumes without force, and member resets', async () => {
    const made = await call('POST', '/volumes', { volume: { size: 1 } });
    const vol = (await volumeReady(made.body.volume.id, 'available')).id;
    const inc = await call('POST', '/backups', { backup: { volume_id: vol, incremental: true } });
    assert.equal(inc.status, 400, inc.text);
    assert.match(inc.body.badRequest.message, /No backups available/);
    await call('POST', `/volumes/${vol}/action`, { 'os-reserve': null });
    await call('POST', `/volumes/${vol}/action`, { 'os-attach': { instance_uuid: '0c0c0c0c-3333-4333-8333-000000000003', mountpoint: '/dev/vdb' } });
    const busy = await call('POST', '/backups', { backup: { volume_id: vol } });
    assert.equal(busy.status, 400);
    const forced = await call('POST', '/backups', { backup: { volume_id: vol, force: true } });
    assert.equal(forced.status, 202, forced.text);
    const done = await backupReady(forced.body.backup.id);
    assert.equal(done.status, 'available');
    assert.equal((await volumeReady(vol, 'in-use')).status, 'in-use');
    const reset = await call('POST', `/backups/${done.id}/action`, { 'os-reset_status': { status: 'error' } });
    assert.equal(reset.status, 403);
    const missing = await call('POST', '/backups', { backup: { name: 'x' } });
    assert.equal(missing.status, 400);
  });
});
