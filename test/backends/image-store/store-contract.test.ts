// One contract for every image store: the filesystem store and the object-ring store (on a
// real local ring cluster: 3 storage servers, 3 replicas) pass the same tests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { FileImageStore } from '../../../src/backends/image-store/file/file-store.ts';
import { RingImageStore } from '../../../src/backends/image-store/ring/ring-store.ts';
import { ImageDataNotFoundError, ImageTooLargeError, type ImageStore } from '../../../src/backends/image-store/store.ts';
import { startLocalObjectCluster, type LocalObjectCluster } from '../../../src/backends/object-ring/index.ts';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** The source a request body would be: pieces of uneven sizes, with a pause now and then. */
async function* pieces(data: Buffer, size = 777): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) {
    if (i % (size * 8) === 0) await new Promise((r) => setImmediate(r));
    yield data.subarray(i, i + size);
  }
}

interface Harness {
  store: ImageStore;
  /** how many things the store holds in its backend (files, ring objects): failures must add none */
  storedItems(): Promise<number>;
  close(): Promise<void>;
}

function contract(name: string, open: () => Promise<Harness>): void {
  describe(`image store contract: ${name}`, () => {
    let h: Harness;
    before(async () => {
      h = await open();
    });
    after(async () => h.close());

    it('stores streamed bytes with their size, md5 and sha512, and reads them back', async () => {
      const data = randomBytes(10_000);
      const stored = await h.store.put('img-a', pieces(data));
      assert.equal(stored.size, data.length);
      assert.equal(stored.md5, createHash('md5').update(data).digest('hex'));
      assert.equal(stored.hashAlgo, 'sha512');
      assert.equal(stored.hashValue, createHash('sha512').update(data).digest('hex'));
      assert.ok(stored.location.length > 0);
      assert.equal(await h.store.size('img-a'), data.length);
      assert.deepEqual(await readAll(await h.store.get('img-a')), data);
    });

    it('serves inclusive byte ranges, across any internal boundary', async () => {
      const data = randomBytes(5_000);
      await h.store.put('img-range', pieces(data, 1000));
      for (const [start, end] of [[0, 0], [0, 999], [999, 1001], [1500, 4200], [4999, 4999], [0, 4999], [2047, 2048]]) {
        assert.deepEqual(await readAll(await h.store.get('img-range', { start, end })), data.subarray(start, end + 1), `${start}-${end}`);
      }
    });

    it('stores an empty image', async () => {
      const stored = await h.store.put('img-empty', pieces(Buffer.alloc(0)));
      assert.equal(stored.size, 0);
      assert.equal(stored.md5, createHash('md5').digest('hex'));
      assert.equal(await h.store.size('img-empty'), 0);
      assert.equal((await readAll(await h.store.get('img-empty'))).length, 0);
    });

    it('replaces the data of a key on a second put', async () => {
      const before = await h.storedItems();
      await h.store.put('img-b', pieces(randomBytes(6000)));
      const second = randomBytes(1234);
      await h.store.put('img-b', pieces(second));
      assert.equal(await h.store.size('img-b'), second.length);
      assert.deepEqual(await readAll(await h.store.get('img-b')), second);
      await h.store.delete('img-b');
      assert.equal(await h.storedItems(), before, 'the first version left data behind');
    });

    it('refuses more than maxSize bytes and keeps nothing', async () => {
      const before = await h.storedItems();
      await assert.rejects(h.store.put('img-big', pieces(randomBytes(5000)), { maxSize: 4096 }), ImageTooLargeError);
      assert.equal(await h.store.size('img-big'), undefined);
      assert.equal(await h.storedItems(), before);
    });

    it('passes a failing source\'s error on and keeps nothing', async () => {
      const before = await h.storedItems();
      class Rejected extends Error {}
      async function* failing(): AsyncGenerator<Buffer> {
        yield randomBytes(3000);
        yield randomBytes(3000);
        throw new Rejected('format mismatch');
      }
      await assert.rejects(h.store.put('img-bad', failing()), Rejected);
      assert.equal(await h.store.size('img-bad'), undefined);
      assert.equal(await h.storedItems(), before);
    });

    it('answers missing data: size undefined, get ImageDataNotFoundError, delete quietly', async () => {
      assert.equal(await h.store.size('nothing-here'), undefined);
      await assert.rejects(h.store.get('nothing-here'), ImageDataNotFoundError);
      await h.store.delete('nothing-here');
    });

    it('deletes data for good', async () => {
      await h.store.put('img-del', pieces(randomBytes(4000)));
      await h.store.delete('img-del');
      assert.equal(await h.store.size('img-del'), undefined);
      await assert.rejects(h.store.get('img-del'), ImageDataNotFoundError);
      await h.store.delete('img-del');
    });

    it('rejects keys that are not image ids', async () => {
      await assert.rejects(h.store.put('../escape', pieces(Buffer.from('x'))));
      await assert.rejects(h.store.size('a/b'));
    });

    it('cleans up: after deleting every image nothing is left', async () => {
      for (const key of ['img-a', 'img-range', 'img-empty']) await h.store.delete(key);
      assert.equal(await h.storedItems(), 0);
    });
  });
}

contract('file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-image-file-'));
  const store = new FileImageStore(dir);
  const { readdirSync, statSync } = await import('node:fs');
  return {
    store,
    storedItems: async () => readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile()).length,
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

contract('object ring (3 replicas, 1000-byte segments)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-image-ring-'));
  const cluster: LocalObjectCluster = await startLocalObjectCluster({ dataDir: dir, devices: 3, replicas: 3, partPower: 6, replicateIntervalMs: 0, auditIntervalMs: 0 });
  // small segments, so that every test crosses segment boundaries
  const store = new RingImageStore(cluster.client, { segmentSize: 1000 });
  return {
    store,
    storedItems: async () => {
      const { entries } = await cluster.client.getContainer(store.account, store.container);
      return entries.length;
    },
    close: async () => {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('object ring image store specifics', () => {
  it('writes segments of the configured size as ring objects, with a manifest written last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-image-ring2-'));
    const cluster = await startLocalObjectCluster({ dataDir: dir, devices: 3, replicas: 3, partPower: 6, replicateIntervalMs: 0, auditIntervalMs: 0 });
    try {
      const store = new RingImageStore(cluster.client, { segmentSize: 4096 });
      const data = randomBytes(10_000);
      await store.put('seg-test', pieces(data, 3000));
      const { entries } = await cluster.client.getContainer(store.account, store.container);
      const names = entries.map((e) => ('name' in e ? e.name : e.subdir));
      assert.equal(names.length, 4, names.join(', '));
      assert.equal(names[0], 'seg-test');
      const sizes = entries.slice(1).map((e) => ('bytes' in e ? e.bytes : -1));
      assert.deepEqual(sizes, [4096, 4096, 1808]);
      // each segment is a whole ring object with its md5 etag
      const head = await cluster.client.headObject(store.account, store.container, names[1]);
      assert.equal(head.etag, createHash('md5').update(data.subarray(0, 4096)).digest('hex'));
      // the API's accounts are AUTH_<project>: the image account is out of their reach
      assert.ok(!store.account.startsWith('AUTH_'));
    } finally {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
