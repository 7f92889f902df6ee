// Glance with its image data on the object ring (image: {store: ring}, STACKGATE_IMAGE_STORE=ring):
// the same upload and download contract through the API, the data as ring objects.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { RingObjectClient, loadRingSet } from '../../../src/backends/object-ring/index.ts';
import { DEFAULT_IMAGE_ACCOUNT, DEFAULT_IMAGE_CONTAINER } from '../../../src/backends/image-store/ring/ring-store.ts';
import { upload } from './helpers.ts';

const JSON_ACCEPT = { Accept: 'application/json' };

describe('Glance on the object ring store', () => {
  let cloud: TestCloud;
  let ring: RingObjectClient;
  before(async () => {
    cloud = await startCloud((config) => {
      (config as unknown as Record<string, unknown>).image = { store: 'ring' };
    });
    ring = new RingObjectClient({ rings: loadRingSet(join(cloud.runtime.config.dataDir, 'object-ring', 'rings')) });
  });
  after(async () => {
    await ring?.close();
    await cloud?.stop();
  });

  const ringObjects = async () => {
    try {
      const { entries } = await ring.getContainer(DEFAULT_IMAGE_ACCOUNT, DEFAULT_IMAGE_CONTAINER);
      return entries.map((e) => ('name' in e ? e.name : e.subdir));
    } catch {
      return [];
    }
  };

  it('uploads, downloads (whole and a range) and deletes image data kept on the ring', async () => {
    const created = await cloud.request('POST', '/image/v2/images', { body: { name: 'on-ring', disk_format: 'raw', container_format: 'bare' }, headers: JSON_ACCEPT });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    const data = randomBytes(3 * 1024 * 1024 + 17);
    let offset = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (offset >= data.length) return controller.close();
        controller.enqueue(new Uint8Array(data.subarray(offset, offset + 256 * 1024)));
        offset += 256 * 1024;
      },
    });
    const res = await upload(cloud, id, body);
    assert.equal(res.status, 204, await res.text());
    const image = (await cloud.request('GET', `/image/v2/images/${id}`)).body;
    assert.equal(image.status, 'active');
    assert.equal(image.size, data.length);
    assert.equal(image.checksum, createHash('md5').update(data).digest('hex'));
    assert.equal(image.os_hash_value, createHash('sha512').update(data).digest('hex'));
    assert.equal(image.stores, 'swift');
    assert.ok((await ringObjects()).includes(id), 'the manifest is a ring object named by the image id');

    const whole = await fetch(`${cloud.url}/image/v2/images/${id}/file`, { headers: { 'X-Auth-Token': cloud.adminToken } });
    assert.equal(whole.status, 200);
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), data);
    const part = await fetch(`${cloud.url}/image/v2/images/${id}/file`, { headers: { 'X-Auth-Token': cloud.adminToken, Range: 'bytes=1000-2999' } });
    assert.equal(part.status, 206);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), data.subarray(1000, 3000));

    const stores = await cloud.request('GET', '/image/v2/info/stores/detail', { headers: JSON_ACCEPT });
    assert.equal(stores.status, 200, stores.text);
    assert.equal(stores.body.stores[0].type, 'swift');

    assert.equal((await cloud.request('DELETE', `/image/v2/images/${id}`)).status, 204);
    assert.deepEqual((await ringObjects()).filter((n) => n.startsWith(id)), []);
  });

  it('keeps nothing of an upload the format inspection refuses', async () => {
    const created = await cloud.request('POST', '/image/v2/images', { body: { name: 'liar', disk_format: 'qcow2', container_format: 'bare' }, headers: JSON_ACCEPT });
    const id = created.body.id;
    const res = await upload(cloud, id, new Uint8Array(randomBytes(100_000)));
    assert.equal(res.status, 400, await res.text());
    assert.equal((await cloud.request('GET', `/image/v2/images/${id}`)).body.status, 'queued');
    assert.deepEqual((await ringObjects()).filter((n) => n.startsWith(id)), []);
  });
});
