// The object-ring image store: image bytes as objects of a service account on the object ring
// (Glance's swift store in single-tenant mode), through the proxy core in process, so they get
// the ring's replicas, quorum writes, replication and auditing.
//
// An image is a series of segments <key>/<upload id>/<n> of at most segmentSize bytes each,
// streamed in as they arrive, and a small manifest object <key> naming them, written last: the
// manifest is the commit point, so a reader sees the old image or the whole new one, and a
// failed upload leaves no manifest (its segments are removed). The manifest is ours rather than
// Swift's SLO, which is a feature of the REST middleware, not of the ring.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ObjectClient } from '../../object-ring/index.ts';
import { ObjectStoreError } from '../../object-ring/index.ts';
import { ImageDataNotFoundError, UploadDigest, type ByteRange, type ImageStore, type PutOptions, type StoredData } from '../store.ts';

/** Names no Swift API user can reach: the API serves only AUTH_<project> accounts. */
export const DEFAULT_IMAGE_ACCOUNT = '.stackgate_images';
export const DEFAULT_IMAGE_CONTAINER = 'glance';
export const DEFAULT_SEGMENT_SIZE = 64 * 1024 * 1024;

const SAFE_KEY = /^[A-Za-z0-9._-]+$/;
const MANIFEST_FORMAT = 'stackgate-image-manifest/1';

interface Manifest {
  format: typeof MANIFEST_FORMAT;
  size: number;
  segments: { name: string; bytes: number }[];
}

export interface RingImageStoreOptions {
  account?: string;
  container?: string;
  /** bytes per segment object (default 64 MiB) */
  segmentSize?: number;
  id?: string;
  description?: string;
}

function isNotFound(error: unknown): boolean {
  return error instanceof ObjectStoreError && error.status === 404;
}

export class RingImageStore implements ImageStore {
  readonly id: string;
  readonly description: string;
  readonly storeType = 'swift';
  readonly account: string;
  readonly container: string;
  readonly segmentSize: number;
  private readonly client: ObjectClient;
  private containerReady: Promise<void> | undefined;

  constructor(client: ObjectClient, options: RingImageStoreOptions = {}) {
    this.client = client;
    this.account = options.account ?? DEFAULT_IMAGE_ACCOUNT;
    this.container = options.container ?? DEFAULT_IMAGE_CONTAINER;
    this.segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    if (!(this.segmentSize > 0)) throw new Error('segmentSize must be positive');
    this.id = options.id ?? 'swift';
    this.description = options.description ?? 'Object ring store';
  }

  private checkKey(key: string): void {
    if (!SAFE_KEY.test(key) || key === '.' || key === '..') throw new Error(`invalid image store key ${JSON.stringify(key)}`);
  }

  private ensureContainer(): Promise<void> {
    // once per process; a failure is retried by the next write
    this.containerReady ??= this.client.putContainer(this.account, this.container).then(() => undefined, (error: unknown) => {
      this.containerReady = undefined;
      throw error;
    });
    return this.containerReady;
  }

  async put(key: string, data: AsyncIterable<Buffer | Uint8Array>, options: PutOptions = {}): Promise<StoredData> {
    this.checkKey(key);
    await this.ensureContainer();
    const source = data[Symbol.asyncIterator]();
    const digest = new UploadDigest(options);
    let carry: Buffer | undefined;
    let sourceError: unknown;
    let exhausted = false;
    // The next piece of the image, hashed and counted as it comes off the source.
    const pull = async (): Promise<Buffer | undefined> => {
      if (carry) {
        const piece = carry;
        carry = undefined;
        return piece;
      }
      if (exhausted) return undefined;
      let next: IteratorResult<Buffer | Uint8Array>;
      try {
        next = await source.next();
      } catch (error) {
        sourceError = error;
        throw error;
      }
      if (next.done) {
        exhausted = true;
        return undefined;
      }
      try {
        return digest.add(next.value);
      } catch (error) {
        sourceError = error;
        throw error;
      }
    };
    const upload = randomUUID();
    const segments: Manifest['segments'] = [];
    try {
      for (let n = 0; ; n++) {
        const first = await pull();
        if (!first && n > 0) break;
        const name = `${key}/${upload}/${String(n).padStart(6, '0')}`;
        segments.push({ name, bytes: 0 });
        const segmentSize = this.segmentSize;
        let bytes = 0;
        async function* segment(): AsyncGenerator<Buffer> {
          let piece = first;
          while (piece) {
            const room = segmentSize - bytes;
            if (piece.length > room) {
              carry = piece.subarray(room);
              piece = piece.subarray(0, room);
            }
            bytes += piece.length;
            yield piece;
            if (bytes >= segmentSize) return;
            piece = await pull();
          }
        }
        try {
          await this.client.putObject({
            account: this.account, container: this.container, object: name, body: Readable.from(segment(), { objectMode: false }),
            contentType: 'application/octet-stream',
          });
        } catch (error) {
          // the ring reports a source failure as a client disconnect: give the caller the cause
          throw sourceError ?? error;
        }
        segments[n].bytes = bytes;
        if (!first) break;
      }
      const manifest: Manifest = { format: MANIFEST_FORMAT, size: digest.size, segments };
      const previous = await this.manifest(key).catch(() => undefined);
      const body = Buffer.from(JSON.stringify(manifest));
      await this.client.putObject({
        account: this.account, container: this.container, object: key, body: Readable.from([body]), contentLength: body.length,
        contentType: 'application/json',
      });
      if (previous) await this.removeSegments(previous.segments.filter((s) => !segments.some((mine) => mine.name === s.name)));
    } catch (error) {
      await this.removeSegments(segments);
      throw error;
    }
    return digest.stored(`swift+config://ring/${this.container}/${key}`);
  }

  private async manifest(key: string): Promise<Manifest | undefined> {
    let res;
    try {
      res = await this.client.getObject(this.account, this.container, key);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of res.body as AsyncIterable<Buffer>) chunks.push(chunk);
    const manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Manifest;
    if (manifest.format !== MANIFEST_FORMAT) throw new Error(`${key}: not an image manifest`);
    return manifest;
  }

  private async removeSegments(segments: Manifest['segments']): Promise<void> {
    for (const s of segments) {
      await this.client.deleteObject(this.account, this.container, s.name).catch((error: unknown) => {
        // already gone, or never written: nothing to remove
        if (!isNotFound(error)) throw error;
      });
    }
  }

  async size(key: string): Promise<number | undefined> {
    this.checkKey(key);
    return (await this.manifest(key))?.size;
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    this.checkKey(key);
    const manifest = await this.manifest(key);
    if (!manifest) throw new ImageDataNotFoundError(key);
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? manifest.size - 1, manifest.size - 1);
    const { account, container, client } = this;
    async function* bytes(): AsyncGenerator<Buffer> {
      let offset = 0;
      for (const s of manifest!.segments) {
        const from = Math.max(start, offset);
        const to = Math.min(end, offset + s.bytes - 1);
        if (from <= to) {
          const whole = from === offset && to === offset + s.bytes - 1;
          const res = await client.getObject(account, container, s.name, whole ? {} : { range: `bytes=${from - offset}-${to - offset}` });
          yield* res.body as AsyncIterable<Buffer>;
        }
        offset += s.bytes;
        if (offset > end) return;
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  async delete(key: string): Promise<void> {
    this.checkKey(key);
    const manifest = await this.manifest(key);
    if (!manifest) return;
    await this.client.deleteObject(this.account, this.container, key).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    await this.removeSegments(manifest.segments);
  }
}
