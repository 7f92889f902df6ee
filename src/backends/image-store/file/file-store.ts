// The filesystem image store: one file per image under a directory, written to a
// temporary name and renamed into place, so a reader never sees a half-written image
// and a crash leaves only a temporary file behind.
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { rm, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { ImageDataNotFoundError, UploadDigest, type ByteRange, type ImageStore, type PutOptions, type StoredData } from '../store.ts';

const SAFE_KEY = /^[A-Za-z0-9._-]+$/;

export class FileImageStore implements ImageStore {
  readonly id: string;
  readonly description: string;
  readonly directory: string;

  constructor(directory: string, options: { id?: string; description?: string } = {}) {
    this.directory = directory;
    this.id = options.id ?? 'file';
    this.description = options.description ?? 'Filesystem store';
    mkdirSync(directory, { recursive: true, mode: 0o700 });
  }

  private pathOf(key: string): string {
    // Keys are image ids; anything else could escape the directory.
    if (!SAFE_KEY.test(key) || key === '.' || key === '..') throw new Error(`invalid image store key ${JSON.stringify(key)}`);
    return join(this.directory, key);
  }

  async put(key: string, data: AsyncIterable<Buffer | Uint8Array>, options: PutOptions = {}): Promise<StoredData> {
    const target = this.pathOf(key);
    const temporary = join(this.directory, `.${key}.${randomUUID()}.part`);
    const out = createWriteStream(temporary, { mode: 0o600 });
    const digest = new UploadDigest(options);
    try {
      for await (const piece of data) {
        const chunk = digest.add(piece);
        // Respect the disk's pace: wait for drain rather than queue the image in memory.
        if (!out.write(chunk)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
      await rename(temporary, target);
    } catch (error) {
      out.destroy();
      await rm(temporary, { force: true });
      throw error;
    }
    return digest.stored(pathToFileURL(target).href);
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(key))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    if ((await this.size(key)) === undefined) throw new ImageDataNotFoundError(key);
    return createReadStream(path, range ? { start: range.start, end: range.end } : {});
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
