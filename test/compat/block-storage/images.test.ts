// Volumes and Glance images in one process: a volume made from an image holds the image's bytes
// (raw, or converted from qcow2 by qemu-img), and a volume uploaded to an image gives Glance its bytes.
// Needs qemu-img (Debian qemu-utils): the qcow2 cases fail when it is missing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, openSync, readSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { upload } from '../image/helpers.ts';
import { adminProject, newMember, waitFor, type Member } from './support.ts';

describe('block-storage volumes and images', () => {
  let cloud: TestCloud;
  let project: string;
  let carol: Member;
  let scratch: string;
  const v = (p: string) => `/volume/v3/${p}`;

  before(async () => {
    cloud = await startCloud();
    project = await adminProject(cloud);
    carol = await newMember(cloud, 'carol-img');
    scratch = mkdtempSync(join(tmpdir(), 'stackgate-bs-img-'));
  });
  after(async () => {
    await cloud.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** an active image holding `data` */
  async function image(data: Buffer, attributes: Record<string, unknown> = {}, token = cloud.adminToken): Promise<any> {
    const created = await cloud.request('POST', '/image/v2/images', {
      token, body: { name: 'src', disk_format: 'raw', container_format: 'bare', ...attributes },
    });
    assert.equal(created.status, 201, created.text);
    const put = await upload(cloud, created.body.id, data, token);
    assert.equal(put.status, 204, await put.text());
    const shown = await cloud.request('GET', `/image/v2/images/${created.body.id}`, { token });
    assert.equal(shown.body.status, 'active');
    return shown.body;
  }

  /** the first `length` bytes of a volume's file on the file backend */
  function volumeBytes(volumeId: string, length: number, offset = 0): Buffer {
    const path = join(cloud.runtime.config.dataDir, 'block-storage', 'file', 'volumes', `volume-${volumeId}`);
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const read = readSync(fd, buffer, 0, length, offset);
      return buffer.subarray(0, read);
    } finally {
      closeSync(fd);
    }
  }

  it('creates a bootable volume holding a raw image bytes, with the image metadata', async () => {
    const data = Buffer.concat([randomBytes(3 * 1024 * 1024 + 17), Buffer.alloc(1024 * 1024), randomBytes(4096)]);
    const img = await image(data, { name: 'cirros-like', os_distro: 'cirros', hw_disk_bus: 'virtio', min_disk: 1 });
    const res = await cloud.request('POST', `${v(project)}/volumes`, { body: { volume: { size: 1, imageRef: img.id, name: 'from-image' } } });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.volume.bootable, 'true');
    assert.equal(res.body.volume.volume_image_metadata, undefined, 'create answers without the extension attributes');
    const ready = await waitFor(cloud, `${v(project)}/volumes/${res.body.volume.id}`, 'available');
    assert.equal(ready.bootable, 'true');
    const meta = ready.volume_image_metadata;
    assert.equal(meta.image_id, img.id);
    assert.equal(meta.image_name, 'cirros-like');
    assert.equal(meta.checksum, img.checksum);
    assert.equal(meta.disk_format, 'raw');
    assert.equal(meta.container_format, 'bare');
    assert.equal(meta.min_disk, '1');
    assert.equal(meta.size, String(data.length));
    assert.equal(meta.os_distro, 'cirros');
    assert.equal(meta.hw_disk_bus, 'virtio');
    assert.ok(volumeBytes(ready.id, data.length).equals(data), 'the volume starts with the image bytes');
    assert.ok(volumeBytes(ready.id, 4096, data.length).equals(Buffer.alloc(4096)), 'and reads zeros after them');
    const detail = await cloud.request('GET', `${v(project)}/volumes/detail?bootable=true`);
    assert.ok(detail.body.volumes.some((x: any) => x.id === ready.id && x.volume_image_metadata?.image_id === img.id));
    // the size may be left out: it comes from the image
    const sized = await cloud.request('POST', `${v(project)}/volumes`, { body: { volume: { imageRef: img.id } } });
    assert.equal(sized.status, 202, sized.text);
    assert.equal(sized.body.volume.size, 1);
    await waitFor(cloud, `${v(project)}/volumes/${sized.body.volume.id}`, 'available');
  });

  it('converts a qcow2 image to raw bytes with qemu-img', async () => {
    const payload = randomBytes(2 * 1024 * 1024);
    const raw = join(scratch, 'disk.raw');
    const qcow = join(scratch, 'disk.qcow2');
    writeFileSync(raw, Buffer.concat([payload, Buffer.alloc(6 * 1024 * 1024)]));
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow]);
    const img = await image(readFileSync(qcow), { disk_format: 'qcow2', name: 'q' });
    const res = await cloud.request('POST', `${v(project)}/volumes`, { body: { volume: { size: 1, imageRef: img.id } } });
    assert.equal(res.status, 202, res.text);
    const ready = await waitFor(cloud, `${v(project)}/volumes/${res.body.volume.id}`, 'available');
    assert.equal(ready.volume_image_metadata.disk_format, 'qcow2');
    assert.ok(volumeBytes(ready.id, payload.length).equals(payload), 'the volume holds the guest bytes, not the qcow2 container');
  });

  it('refuses images that are missing, not active, too big for the size, or private to another project', async () => {
    const missing = await cloud.request('POST', `${v(project)}/volumes`, { body: { volume: { size: 1, imageRef: '7b1c6f0e-0000-4000-8000-000000000000' } } });
    assert.equal(missing.status, 404, missing.text);
    assert.match(missing.body.itemNotFound.message, /Image .* could not be found/);

    const queued = await cloud.request('POST', '/image/v2/images', { body: { name: 'empty', disk_format: 'raw', container_format: 'bare' } });
    const notActive = await cloud.request('POST', `${v(project)}/volumes`, { body: { volume: { size: 1, imageRef: queued.body.id } } });
    assert.equal(notActive.status, 400, notActive.text);
    assert.match(notActive.body.badRequest.message, /is not active/);

    const big = await image(randomBytes(1024), { min_disk: 5 });
    const small = await cloud.request('POST', `${v(project)}/volumes`, { body: { volume: { size: 1, imageRef: big.id } } });
    assert.equal(small.status, 400, small.text);
    assert.match(small.body.badRequest.message, /minDisk/);

    const deactivated = await image(randomBytes(1024));
    const off = await cloud.request('POST', `/image/v2/images/${deactivated.id}/actions/deactivate`);
    assert.equal(off.status, 204, off.text);
    const fromDeactivated = await cloud.request('POST', `${v(project)}/volumes`, { body: { volume: { size: 1, imageRef: deactivated.id } } });
    assert.equal(fromDeactivated.status, 400, fromDeactivated.text);

    const adminsPrivate = await image(randomBytes(1024), { visibility: 'private' });
    const other = await cloud.request('POST', `${v(carol.projectId)}/volumes`, { token: carol.token, body: { volume: { size: 1, imageRef: adminsPrivate.id } } });
    assert.equal(other.status, 404, other.text);
    const carolsOwn = await image(randomBytes(2048), { visibility: 'private' }, carol.token);
    const mine = await cloud.request('POST', `${v(carol.projectId)}/volumes`, { token: carol.token, body: { volume: { size: 1, imageRef: carolsOwn.id } } });
    assert.equal(mine.status, 202, mine.text);
    const ready = await waitFor(cloud, `${v(carol.projectId)}/volumes/${mine.body.volume.id}`, 'available', carol.token);
    assert.equal(ready.volume_image_metadata.image_id, carolsOwn.id, 'a member reads the image metadata of a volume');
  });

  it('uploads a volume to a new Glance image (qcow2 through qemu-img)', async () => {
    const payload = randomBytes(1024 * 1024);
    const src = await image(payload, { name: 'seed', os_distro: 'debian' });
    const made = await cloud.request('POST', `${v(project)}/volumes`, { body: { volume: { size: 1, imageRef: src.id } } });
    const vol = await waitFor(cloud, `${v(project)}/volumes/${made.body.volume.id}`, 'available');

    const res = await cloud.request('POST', `${v(project)}/volumes/${vol.id}/action`, {
      body: { 'os-volume_upload_image': { image_name: 'snap-q', disk_format: 'qcow2', container_format: 'bare' } },
    });
    assert.equal(res.status, 202, res.text);
    const answer = res.body['os-volume_upload_image'];
    assert.equal(answer.id, vol.id);
    assert.equal(answer.status, 'uploading');
    assert.equal(answer.image_name, 'snap-q');
    assert.equal(answer.disk_format, 'qcow2');
    assert.equal(answer.volume_type.name, '__DEFAULT__');
    let shown: any;
    for (let i = 0; i < 200; i++) {
      shown = await cloud.request('GET', `/image/v2/images/${answer.image_id}`);
      if (shown.body.status === 'active') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(shown.body.status, 'active', shown.text);
    assert.equal(shown.body.disk_format, 'qcow2');
    assert.equal(shown.body.name, 'snap-q');
    assert.equal(shown.body.os_distro, 'debian', 'the image inherits the volume image properties');
    assert.equal(shown.body.virtual_size, 1024 ** 3);
    await waitFor(cloud, `${v(project)}/volumes/${vol.id}`, 'available');
    const file = await fetch(`${cloud.url}/image/v2/images/${answer.image_id}/file`, { headers: { 'X-Auth-Token': cloud.adminToken } });
    assert.equal(file.status, 200);
    const qcow = join(scratch, 'up.qcow2');
    const raw = join(scratch, 'up.raw');
    writeFileSync(qcow, Buffer.from(await file.arrayBuffer()));
    execFileSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', qcow, raw]);
    assert.ok(readFileSync(raw).subarray(0, payload.length).equals(payload), 'the image holds the volume bytes');

    // (a raw upload streams the whole GiB through Glance, ~30 s here: Tempest's test_volume_upload covers it)
  });

  it('checks upload requests: name, formats, status, and public visibility for admins only', async () => {
    const made = await cloud.request('POST', `${v(carol.projectId)}/volumes`, { token: carol.token, body: { volume: { size: 1 } } });
    const vol = await waitFor(cloud, `${v(carol.projectId)}/volumes/${made.body.volume.id}`, 'available', carol.token);
    const act = (body: unknown) => cloud.request('POST', `${v(carol.projectId)}/volumes/${vol.id}/action`, { token: carol.token, body: { 'os-volume_upload_image': body } });
    assert.equal((await act({})).status, 400);
    const badFormat = await act({ image_name: 'x', disk_format: 'iso' });
    assert.equal(badFormat.status, 400);
    assert.match(badFormat.body.badRequest.message, /disk-format/);
    const pub = await act({ image_name: 'x', visibility: 'public' });
    assert.equal(pub.status, 403, pub.text);
    const reserve = await cloud.request('POST', `${v(carol.projectId)}/volumes/${vol.id}/action`, { token: carol.token, body: { 'os-reserve': null } });
    assert.equal(reserve.status, 202);
    const busy = await act({ image_name: 'x' });
    assert.equal(busy.status, 400);
    assert.match(busy.body.badRequest.message, /must be available/);
  });

  it('lists the API extensions, and a resource path with a trailing slash is 404', async () => {
    const res = await cloud.request('GET', `${v(carol.projectId)}/extensions`, { token: carol.token });
    assert.equal(res.status, 200, res.text);
    const names = res.body.extensions.map((e: any) => e.name);
    assert.ok(names.includes('Hosts'));
    assert.ok(res.body.extensions.every((e: any) => e.alias && e.updated && Array.isArray(e.links)));
    const withoutProject = await cloud.request('GET', '/volume/v3/extensions', { token: carol.token });
    assert.equal(withoutProject.status, 200);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const slash = await cloud.request(method, `${v(project)}/volumes/`, method === 'PUT' ? { body: { volume: { name: 'x' } } } : {});
      assert.equal(slash.status, 404, `${method}: ${slash.text}`);
      assert.ok(slash.body.itemNotFound);
    }
  });
});
