// The image store interface: where image bytes live, apart from image records.
// Glance calls these backends "stores" (glance_store); the filesystem store is the
// embedded default, the object-ring store (ring/) sits beside it, an RBD store will too.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

/** What a completed write learned about the bytes, computed while they streamed past. */
export interface StoredData {
  size: number;
  /** md5 hex digest: Glance's legacy `checksum` */
  md5: string;
  /** Glance's multihash: `os_hash_algo` and `os_hash_value` */
  hashAlgo: 'sha512';
  hashValue: string;
  /** the store-specific location URL, e.g. file:///var/lib/.../images/<id> */
  location: string;
}

export interface PutOptions {
  /** the write fails with ImageTooLargeError once more bytes than this arrive */
  maxSize?: number;
}

/** Inclusive byte range, as in an HTTP Range header after resolution. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ImageStore {
  /** the store identifier Glance shows in `stores` and /v2/info/stores, e.g. "file" */
  readonly id: string;
  readonly description: string;
  /** Glance's store type in /v2/info/stores/detail ("file", "swift", "rbd"); default "file" */
  readonly storeType?: string;
  /**
   * Writes the image's bytes as they arrive, never holding the whole image in memory.
   * An error thrown by the source (e.g. an inspection that failed) aborts the write and
   * leaves nothing behind. A second put for the same key replaces the data.
   */
  put(key: string, data: AsyncIterable<Buffer | Uint8Array>, options?: PutOptions): Promise<StoredData>;
  /** the size of the stored data, or undefined when there is none */
  size(key: string): Promise<number | undefined>;
  /** a stream of the stored bytes (the whole data or one inclusive range) */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** removes the data; no error when it is already gone */
  delete(key: string): Promise<void>;
}

export class ImageTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`image data exceeds the limit of ${limit} bytes`);
    this.limit = limit;
  }
}

export class ImageDataNotFoundError extends Error {
  constructor(key: string) {
    super(`no image data stored for ${key}`);
  }
}

/**
 * Counts and hashes an image's bytes as a store writes them, and refuses the piece that takes
 * the image past PutOptions.maxSize (ImageTooLargeError), so every store reports the same.
 */
export class UploadDigest {
  size = 0;
  readonly #md5 = createHash('md5');
  readonly #sha512 = createHash('sha512');
  readonly #maxSize: number | undefined;

  constructor(options: PutOptions) {
    this.#maxSize = options.maxSize;
  }

  /** the piece as a Buffer, once counted and hashed */
  add(piece: Buffer | Uint8Array): Buffer {
    const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    this.size += chunk.length;
    if (this.#maxSize !== undefined && this.size > this.#maxSize) throw new ImageTooLargeError(this.#maxSize);
    this.#md5.update(chunk);
    this.#sha512.update(chunk);
    return chunk;
  }

  stored(location: string): StoredData {
    return { size: this.size, md5: this.#md5.digest('hex'), hashAlgo: 'sha512', hashValue: this.#sha512.digest('hex'), location };
  }
}
