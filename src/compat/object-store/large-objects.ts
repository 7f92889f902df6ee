// Static (SLO) and dynamic (DLO) large objects: how a manifest becomes the list of byte
// pieces a GET streams, segment after segment, never holding more than a chunk in memory.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ObjectClient, ObjectInfo } from '../../backends/object-ring/index.ts';
import { swiftError } from './errors.ts';
import type { ByteRange } from './ranges.ts';

/** A stretch of one stored object: bytes [start, end] of it. */
export interface Piece {
  container: string;
  object: string;
  start: number;
  end: number;
  /** the stored object's whole size, to know when a range header is needed */
  size: number;
  /** expected etag of the stored object (SLO checks it) */
  etag?: string;
}

/** One entry of a stored SLO manifest (the form multipart-manifest=get returns). */
export interface SloEntry {
  name: string;
  hash: string;
  bytes: number;
  content_type: string;
  last_modified: string;
  range?: string;
}

export const SLO_LIMITS = { max_manifest_segments: 1000, max_manifest_size: 8388608, min_segment_size: 1 };

export function isSlo(info: ObjectInfo): boolean {
  return (info.headers['x-static-large-object'] ?? '').toLowerCase() === 'true';
}

export function dloManifest(info: ObjectInfo): string | undefined {
  return info.headers['x-object-manifest'] || undefined;
}

/** SLO's ETag: md5 of the segments' etags (with their ranges), as Swift computes it. */
export function sloEtag(entries: SloEntry[]): string {
  const h = createHash('md5');
  for (const e of entries) h.update(e.range ? `${e.hash}:${e.range};` : e.hash);
  return h.digest('hex');
}

function splitPath(path: string): { container: string; object: string } {
  const p = path.replace(/^\//, '');
  const i = p.indexOf('/');
  if (i <= 0 || i === p.length - 1) throw swiftError(400, `invalid segment path ${path}`);
  return { container: p.slice(0, i), object: p.slice(i + 1) };
}

/** Parses "a-b", "a-", "-n" against a segment size; undefined when not satisfiable. */
export function segmentRange(spec: string, size: number): { start: number; end: number } | undefined {
  const m = /^(\d*)-(\d*)$/.exec(spec.trim().replace(/^bytes=/, ''));
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    return n > 0 ? { start: Math.max(0, size - n), end: size - 1 } : undefined;
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start <= end && start < size ? { start, end } : undefined;
}

export function sloPieces(entries: SloEntry[]): Piece[] {
  return entries.map((e) => {
    const { container, object } = splitPath(e.name);
    const r = e.range ? segmentRange(e.range, e.bytes) : undefined;
    return { container, object, start: r?.start ?? 0, end: r?.end ?? e.bytes - 1, size: e.bytes, etag: e.hash };
  });
}

export async function readSloManifest(client: ObjectClient, account: string, container: string, object: string): Promise<SloEntry[]> {
  const res = await client.getObject(account, container, object);
  const chunks: Buffer[] = [];
  for await (const c of res.body as AsyncIterable<Buffer>) chunks.push(c);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as SloEntry[];
  } catch {
    throw swiftError(500, 'Unable to load SLO manifest');
  }
}

/** A DLO's segments: every object under <container>/<prefix>, in listing order. */
export async function dloPieces(client: ObjectClient, account: string, manifest: string): Promise<{ pieces: Piece[]; etag: string }> {
  const i = manifest.indexOf('/');
  const container = decodeURIComponent(manifest.slice(0, i));
  const prefix = decodeURIComponent(manifest.slice(i + 1));
  const pieces: Piece[] = [];
  const h = createHash('md5');
  let marker: string | undefined;
  for (;;) {
    let listed;
    try {
      listed = await client.getContainer(account, container, { prefix, marker, limit: 10000 });
    } catch {
      break;
    }
    for (const e of listed.entries) {
      if ('subdir' in e) continue;
      h.update(e.hash);
      if (e.bytes > 0) pieces.push({ container, object: e.name, start: 0, end: e.bytes - 1, size: e.bytes });
      marker = e.name;
    }
    if (listed.entries.length < 10000) break;
  }
  return { pieces, etag: h.digest('hex') };
}

export function piecesSize(pieces: Piece[]): number {
  return pieces.reduce((n, p) => n + (p.end - p.start + 1), 0);
}

/** The pieces that cover [range.start, range.end] of the concatenation. */
export function slicePieces(pieces: Piece[], range: ByteRange): Piece[] {
  const out: Piece[] = [];
  let offset = 0;
  for (const p of pieces) {
    const len = p.end - p.start + 1;
    const from = Math.max(range.start, offset);
    const to = Math.min(range.end, offset + len - 1);
    if (from <= to) out.push({ ...p, start: p.start + (from - offset), end: p.start + (to - offset) });
    offset += len;
    if (offset > range.end) break;
  }
  return out;
}

/** Streams pieces one after another, fetching each only when the previous one is done. */
export function streamPieces(client: ObjectClient, account: string, pieces: Piece[]): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    for (const p of pieces) {
      const whole = p.start === 0 && p.end === p.size - 1;
      const res = await client.getObject(account, p.container, p.object, whole ? {} : { range: `bytes=${p.start}-${p.end}` });
      if (p.etag && whole && res.etag !== p.etag) {
        res.body.destroy();
        throw new Error(`segment ${p.container}/${p.object} changed`);
      }
      for await (const chunk of res.body as AsyncIterable<Buffer>) yield chunk;
    }
  }
  return Readable.from(generate(), { objectMode: false });
}
