// Objects on disk, as Swift's diskfile keeps them: one directory per object path hash,
// holding at most the newest .data (or .ts tombstone) and the newest newer .meta. Every file
// is written to tmp/, fsynced, renamed into place and the directory fsynced before success,
// so an acknowledged write survives a crash. Node has no xattrs, so the metadata that Swift
// puts in xattrs travels as a trailer inside the same file:
//   <body bytes> <metadata JSON> <uint32 BE length of the JSON> "SGM1"
// One file per version keeps the rename the single commit point.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { StorageError, conflict } from './errors.ts';
import { hashDir, isHash, partitionDir, quarantineDir, suffixOf, tmpDir } from './paths.ts';

const MAGIC = Buffer.from('SGM1');
const TRAILER = 8;
/** bytes read from a file's end to find its metadata in one go (most trailers are a few hundred bytes) */
const TRAILER_GUESS = 4096;
/** Tombstones older than this are removed for good (Swift's reclaim_age default: a week). */
export const DEFAULT_RECLAIM_AGE_SECONDS = 7 * 24 * 3600;

export interface ObjectMetadata {
  /** "/account/container/object" */
  name: string;
  timestamp: string;
  contentType?: string;
  etag?: string;
  contentLength?: number;
  /** lower-case header names: x-object-meta-*, x-object-sysmeta-*, content-encoding, ... */
  headers: Record<string, string>;
}

export type ObjectState =
  | { kind: 'missing' }
  | { kind: 'tombstone'; timestamp: string }
  | { kind: 'data'; metadata: ObjectMetadata; dataTimestamp: string; dataPath: string; bodyLength: number; handle?: FileHandle };

export interface PutOptions {
  timestamp: string;
  contentType: string;
  headers: Record<string, string>;
  /** the client's ETag; the write fails with 422 when the body does not hash to it */
  expectedEtag?: string;
  /** the declared length; the write fails with 499 when the body is shorter or longer */
  contentLength?: number;
}

const FILE_EXTS = ['.data', '.ts', '.meta'] as const;
const WRITE_BATCH = 1024 * 1024;

/** Headers a POST replaces (user metadata and the like); sysmeta stays as the PUT set it. */
export function isPostableHeader(name: string): boolean {
  return name.startsWith('x-object-meta-') || name.startsWith('x-object-transient-sysmeta-') ||
    ['content-disposition', 'content-encoding', 'x-delete-at', 'x-object-manifest', 'x-static-large-object'].includes(name);
}

// The request path touches the disk only through fs/promises: a synchronous call would stall
// the event loop that every storage server of an all-in-one (and its API) shares, for as long
// as a loaded disk takes to answer.
// tmp/ directories known to exist: made once, not on every write (made again if it vanished)
const knownTmpDirs = new Set<string>();

async function openTmp(devicesDir: string, device: string): Promise<{ tmp: string; fh: FileHandle }> {
  const dir = tmpDir(devicesDir, device);
  const tmp = join(dir, `${randomBytes(8).toString('hex')}.tmp`);
  if (knownTmpDirs.has(dir)) {
    try {
      return { tmp, fh: await open(tmp, 'w', 0o644) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      knownTmpDirs.delete(dir);
    }
  }
  await mkdir(dir, { recursive: true });
  knownTmpDirs.add(dir);
  return { tmp, fh: await open(tmp, 'w', 0o644) };
}

/** dirExists: the target's directory was just seen, so it need not be made. */
async function writeDurably(devicesDir: string, device: string, target: string, fill: (fh: FileHandle) => Promise<void>, dirExists = false): Promise<void> {
  const { tmp, fh } = await openTmp(devicesDir, device);
  try {
    await fill(fh);
    await fh.sync();
  } catch (error) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
  await fh.close();
  const dir = join(target, '..');
  if (!dirExists) await mkdir(dir, { recursive: true });
  try {
    await rename(tmp, target);
  } catch (error) {
    // the directory went away in between (a concurrent cleanup removed it): make it again
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !dirExists) throw error;
    await mkdir(dir, { recursive: true });
    await rename(tmp, target);
  }
  await fsyncDir(dir);
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function trailer(metadata: object): Buffer {
  const json = Buffer.from(JSON.stringify(metadata));
  const tail = Buffer.alloc(TRAILER);
  tail.writeUInt32BE(json.length, 0);
  MAGIC.copy(tail, 4);
  return Buffer.concat([json, tail]);
}

/** Reads the metadata trailer of a stored file; throws when the file is not ours or torn. */
export async function readTrailer(path: string): Promise<{ metadata: ObjectMetadata; bodyLength: number }> {
  const fh = await open(path, 'r');
  try {
    return await readTrailerFrom(fh, path);
  } finally {
    await fh.close();
  }
}

async function readTrailerFrom(fh: FileHandle, path: string): Promise<{ metadata: ObjectMetadata; bodyLength: number }> {
  const { size } = await fh.stat();
  if (size < TRAILER) throw new Error(`${path}: too short for a trailer`);
  // one read of the file's end usually holds the metadata JSON and the fixed tail together
  // (a GET or HEAD pays a thread-pool round trip per read); a second read only when it is longer
  const guess = Math.min(size, TRAILER_GUESS);
  const end = Buffer.alloc(guess);
  await fh.read(end, 0, guess, size - guess);
  const tail = end.subarray(guess - TRAILER);
  if (!tail.subarray(4).equals(MAGIC)) throw new Error(`${path}: bad trailer magic`);
  const len = tail.readUInt32BE(0);
  if (len > size - TRAILER) throw new Error(`${path}: bad trailer length`);
  let json: Buffer;
  if (len <= guess - TRAILER) json = end.subarray(guess - TRAILER - len, guess - TRAILER);
  else {
    json = Buffer.alloc(len);
    await fh.read(json, 0, len, size - TRAILER - len);
  }
  return { metadata: JSON.parse(json.toString('utf8')) as ObjectMetadata, bodyLength: size - TRAILER - len };
}

function timestampOf(file: string): string {
  return file.slice(0, file.lastIndexOf('.'));
}

function extOf(file: string): string {
  return file.slice(file.lastIndexOf('.'));
}

function newestFirst(names: string[]): string[] {
  return names
    .filter((f) => (FILE_EXTS as readonly string[]).includes(extOf(f)))
    .sort((a, b) => (timestampOf(a) === timestampOf(b) ? extOf(a).localeCompare(extOf(b)) : timestampOf(a) < timestampOf(b) ? 1 : -1));
}

/** The files of one object directory that matter, newest first (dot-files and strays ignored). */
function listVersions(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return newestFirst(readdirSync(dir));
}

async function listVersionsAsync(dir: string): Promise<string[]> {
  try {
    return newestFirst(await readdir(dir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Which files of an object directory cleanup keeps (newest first), by Swift's rules. */
function filesToKeep(files: string[], reclaimAgeSeconds: number, nowSeconds: number): string[] {
  const keep: string[] = [];
  let meta: string | undefined;
  let base: string | undefined;
  for (const f of files) {
    const ext = extOf(f);
    if (ext === '.meta') {
      if (!base && !meta) meta = f;
    } else if (!base) base = f;
  }
  if (base && extOf(base) === '.ts' && Number(timestampOf(base)) < nowSeconds - reclaimAgeSeconds) base = undefined;
  if (meta && (!base || extOf(base) === '.ts')) meta = undefined;
  if (meta) keep.push(meta);
  if (base) keep.push(base);
  return keep;
}

/** cleanupObjectDir for the request path (see writeDurably). */
export async function cleanupObjectDirAsync(dir: string, reclaimAgeSeconds = DEFAULT_RECLAIM_AGE_SECONDS, nowSeconds = Date.now() / 1000): Promise<string[]> {
  const files = await listVersionsAsync(dir);
  const keep = filesToKeep(files, reclaimAgeSeconds, nowSeconds);
  for (const f of files) if (!keep.includes(f)) await rm(join(dir, f), { force: true });
  if (keep.length === 0) {
    try {
      await rmdir(dir);
    } catch {
      // gone already, or a concurrent writer put something in it
    }
  }
  return keep;
}

/**
 * Swift's hash_cleanup_listdir: keep the newest .data or .ts and the newest .meta newer than
 * it; remove the rest, and a lone tombstone once it is older than reclaim_age. Returns the
 * files kept, newest first.
 */
export function cleanupObjectDir(dir: string, reclaimAgeSeconds = DEFAULT_RECLAIM_AGE_SECONDS, nowSeconds = Date.now() / 1000): string[] {
  const files = listVersions(dir);
  const keep = filesToKeep(files, reclaimAgeSeconds, nowSeconds);
  for (const f of files) if (!keep.includes(f)) rmSync(join(dir, f), { force: true });
  if (keep.length === 0 && existsSync(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      // a concurrent writer put something in it
    }
  }
  return keep;
}

export class DiskObjects {
  readonly devicesDir: string;
  reclaimAgeSeconds = DEFAULT_RECLAIM_AGE_SECONDS;

  constructor(devicesDir: string) {
    this.devicesDir = devicesDir;
  }

  dir(device: string, part: number | string, hash: string): string {
    return hashDir(this.devicesDir, device, 'objects', part, hash);
  }

  async state(device: string, part: number | string, hash: string): Promise<ObjectState> {
    return this.readState(device, part, hash, false);
  }

  /**
   * state() for a GET: a .data comes with its file still open (handle), so the body is read
   * from the file the metadata came from without opening it again. The caller closes the
   * handle, by openBody() or closeState().
   */
  async openState(device: string, part: number | string, hash: string): Promise<ObjectState> {
    return this.readState(device, part, hash, true);
  }

  closeState(state: ObjectState): void {
    if (state.kind === 'data' && state.handle) void state.handle.close().catch(() => undefined);
  }

  private async readState(device: string, part: number | string, hash: string, keepOpen: boolean): Promise<ObjectState> {
    const dir = this.dir(device, part, hash);
    const files = await listVersionsAsync(dir);
    const baseFile = files.find((f) => extOf(f) !== '.meta');
    if (!baseFile) return { kind: 'missing' };
    if (extOf(baseFile) === '.ts') return { kind: 'tombstone', timestamp: timestampOf(baseFile) };
    const dataPath = join(dir, baseFile);
    const fh = await open(dataPath, 'r');
    let metadata: ObjectMetadata;
    let bodyLength: number;
    try {
      ({ metadata, bodyLength } = await readTrailerFrom(fh, dataPath));
    } catch (error) {
      await fh.close().catch(() => undefined);
      throw error;
    }
    if (!keepOpen) await fh.close();
    const handle = keepOpen ? fh : undefined;
    const metaFile = files.find((f) => extOf(f) === '.meta' && timestampOf(f) > timestampOf(baseFile));
    const merged: ObjectMetadata = { ...metadata, headers: { ...metadata.headers } };
    if (metaFile) {
      let post: ObjectMetadata;
      try {
        ({ metadata: post } = await readTrailer(join(dir, metaFile)));
      } catch (error) {
        await handle?.close().catch(() => undefined);
        throw error;
      }
      for (const k of Object.keys(merged.headers)) if (isPostableHeader(k)) delete merged.headers[k];
      Object.assign(merged.headers, post.headers);
      if (post.contentType) merged.contentType = post.contentType;
      merged.timestamp = post.timestamp;
    }
    return { kind: 'data', metadata: merged, dataTimestamp: timestampOf(baseFile), dataPath, bodyLength, ...(handle ? { handle } : {}) };
  }

  /** The timestamp of the newest .data or .ts, for Swift's "409 if not newer" rule. */
  private async newestBase(device: string, part: number | string, hash: string): Promise<string | undefined> {
    const base = (await listVersionsAsync(this.dir(device, part, hash))).find((f) => extOf(f) !== '.meta');
    return base ? timestampOf(base) : undefined;
  }

  async put(device: string, part: number | string, hash: string, name: string, options: PutOptions, body: Readable): Promise<ObjectMetadata> {
    const before = await listVersionsAsync(this.dir(device, part, hash));
    const base = before.find((f) => extOf(f) !== '.meta');
    const existing = base ? timestampOf(base) : undefined;
    if (existing && existing >= options.timestamp) {
      body.resume();
      throw conflict('a newer version exists', { 'x-backend-timestamp': existing });
    }
    const md5 = createHash('md5');
    let length = 0;
    let metadata!: ObjectMetadata;
    const target = join(this.dir(device, part, hash), `${options.timestamp}.data`);
    await writeDurably(this.devicesDir, device, target, async (fh) => {
      // the socket hands over 16-64 KiB pieces: gathering them into one writev of up to
      // WRITE_BATCH bytes spares a thread-pool round trip per piece, memory stays bounded
      let batch: Buffer[] = [];
      let batched = 0;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        md5.update(chunk);
        length += chunk.length;
        if (options.contentLength !== undefined && length > options.contentLength) throw new StorageError(499, 'body longer than Content-Length');
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= WRITE_BATCH) {
          await fh.writev(batch);
          batch = [];
          batched = 0;
        }
      }
      if (options.contentLength !== undefined && length !== options.contentLength) throw new StorageError(499, 'body shorter than Content-Length');
      const etag = md5.digest('hex');
      if (options.expectedEtag && options.expectedEtag.replace(/"/g, '').toLowerCase() !== etag) throw new StorageError(422, 'Unprocessable Entity: ETag mismatch');
      metadata = { name, timestamp: options.timestamp, contentType: options.contentType, etag, contentLength: length, headers: options.headers };
      // the last piece of body and the trailer in one write
      batch.push(trailer(metadata));
      await fh.writev(batch);
    }, before.length > 0);
    // a directory that held nothing before has nothing to clean up
    if (before.length > 0) await cleanupObjectDirAsync(this.dir(device, part, hash), this.reclaimAgeSeconds);
    return metadata;
  }

  async delete(device: string, part: number | string, hash: string, name: string, timestamp: string): Promise<ObjectState> {
    const before = await this.state(device, part, hash);
    const existing = await this.newestBase(device, part, hash);
    if (existing && existing >= timestamp) throw conflict('a newer version exists', { 'x-backend-timestamp': existing });
    const target = join(this.dir(device, part, hash), `${timestamp}.ts`);
    await writeDurably(this.devicesDir, device, target, async (fh) => {
      await fh.write(trailer({ name, timestamp, headers: {} }));
    });
    await cleanupObjectDirAsync(this.dir(device, part, hash), this.reclaimAgeSeconds);
    return before;
  }

  /** Swift's fast POST: a .meta file replacing the object's user metadata (and content type). */
  async post(device: string, part: number | string, hash: string, name: string, timestamp: string, headers: Record<string, string>, contentType?: string): Promise<ObjectMetadata> {
    const current = await this.state(device, part, hash);
    if (current.kind !== 'data') throw new StorageError(404, 'Not Found', current.kind === 'tombstone' ? { 'x-backend-timestamp': current.timestamp } : {});
    if (current.metadata.timestamp >= timestamp) throw conflict('a newer version exists', { 'x-backend-timestamp': current.metadata.timestamp });
    const meta: ObjectMetadata = { name, timestamp, headers };
    if (contentType) meta.contentType = contentType;
    const target = join(this.dir(device, part, hash), `${timestamp}.meta`);
    await writeDurably(this.devicesDir, device, target, async (fh) => {
      await fh.write(trailer(meta));
    });
    await cleanupObjectDirAsync(this.dir(device, part, hash), this.reclaimAgeSeconds);
    const after = await this.state(device, part, hash);
    return (after as Extract<ObjectState, { kind: 'data' }>).metadata;
  }

  openBody(state: Extract<ObjectState, { kind: 'data' }>, range?: { start: number; end: number }): Readable {
    // Node 24 refuses end: -1; an empty body is an empty stream
    if (state.bodyLength === 0) {
      this.closeState(state);
      return Readable.from([]);
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? state.bodyLength - 1;
    // reads as large as a write batch: fewer thread-pool round trips and socket writes per body;
    // the handle of openState() is read, and closed by the stream when done or destroyed
    return createReadStream(state.dataPath, { fd: state.handle, start, end: Math.min(end, state.bodyLength - 1), highWaterMark: WRITE_BATCH });
  }

  // ---- replication and auditing ----

  partitions(device: string): string[] {
    const dir = join(this.devicesDir, device, 'objects');
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((p) => /^\d+$/.test(p));
  }

  /** suffix -> md5 of its object directories' file names (after cleanup): equal on two nodes iff in sync. */
  suffixHashes(device: string, part: number | string): Record<string, string> {
    const pdir = partitionDir(this.devicesDir, device, 'objects', part);
    const out: Record<string, string> = {};
    if (!existsSync(pdir)) return out;
    for (const suffix of readdirSync(pdir).sort()) {
      if (!/^[0-9a-f]{3}$/.test(suffix)) continue;
      const listing = this.suffixListing(device, part, suffix);
      const hashes = Object.keys(listing).sort();
      if (hashes.length === 0) {
        try {
          rmdirSync(join(pdir, suffix));
        } catch {
          // not empty after all (strays); keep it
        }
        continue;
      }
      const md5 = createHash('md5');
      for (const h of hashes) md5.update(`${h}:${listing[h].join(',')};`);
      out[suffix] = md5.digest('hex');
    }
    return out;
  }

  /** hash -> kept file names (newest first) for one suffix of a partition. */
  suffixListing(device: string, part: number | string, suffix: string): Record<string, string[]> {
    const sdir = join(partitionDir(this.devicesDir, device, 'objects', part), suffix);
    const out: Record<string, string[]> = {};
    if (!existsSync(sdir)) return out;
    for (const hash of readdirSync(sdir)) {
      if (!isHash(hash) || suffixOf(hash) !== suffix) continue;
      const kept = cleanupObjectDir(join(sdir, hash), this.reclaimAgeSeconds);
      if (kept.length) out[hash] = kept;
    }
    return out;
  }

  filePath(device: string, part: number | string, hash: string, file: string): string {
    if (!isHash(hash) || !/^\d{10}\.\d{5}\.(data|ts|meta)$/.test(file)) throw new StorageError(400, 'bad replication file name');
    return join(this.dir(device, part, hash), file);
  }

  /** Receives one replicated file (as rsync would) and lets cleanup keep only the newest. */
  async receiveFile(device: string, part: number | string, hash: string, file: string, body: Readable): Promise<void> {
    const target = this.filePath(device, part, hash, file);
    if (existsSync(target)) {
      body.resume();
      return;
    }
    await writeDurably(this.devicesDir, device, target, async (fh) => {
      for await (const chunk of body as AsyncIterable<Buffer>) await fh.write(chunk);
    });
    // a torn or foreign file must not enter the store
    try {
      await readTrailer(target);
    } catch (error) {
      rmSync(target, { force: true });
      throw new StorageError(400, `bad replicated file: ${(error as Error).message}`);
    }
    cleanupObjectDir(this.dir(device, part, hash), this.reclaimAgeSeconds);
  }

  removePartition(device: string, part: number | string): void {
    rmSync(partitionDir(this.devicesDir, device, 'objects', part), { recursive: true, force: true });
  }

  /** Moves a whole object directory aside, as Swift's quarantine does, so replication refills it. */
  quarantine(device: string, part: number | string, hash: string): string {
    const qdir = quarantineDir(this.devicesDir, device, 'objects');
    mkdirSync(qdir, { recursive: true });
    let target = join(qdir, hash);
    if (existsSync(target)) target = `${target}-${randomBytes(4).toString('hex')}`;
    renameSync(this.dir(device, part, hash), target);
    return target;
  }

  /** Every stored .data file of a device: what the auditor walks. */
  *dataFiles(device: string): Generator<{ part: string; hash: string; path: string }> {
    for (const part of this.partitions(device)) {
      const pdir = partitionDir(this.devicesDir, device, 'objects', part);
      let suffixes: string[] = [];
      try {
        suffixes = readdirSync(pdir);
      } catch {
        continue;
      }
      for (const suffix of suffixes) {
        let hashes: string[] = [];
        try {
          hashes = readdirSync(join(pdir, suffix));
        } catch {
          continue;
        }
        for (const hash of hashes) {
          if (!isHash(hash)) continue;
          const data = listVersions(join(pdir, suffix, hash)).find((f) => extOf(f) === '.data');
          if (data) yield { part, hash, path: join(pdir, suffix, hash, data) };
        }
      }
    }
  }

  fileSize(path: string): number {
    return statSync(path).size;
  }
}
