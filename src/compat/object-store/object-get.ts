// GET and HEAD of an object: plain objects straight from a replica, large objects (SLO, DLO)
// as their segments in order; Range (single and multi), conditionals and expiry on top.
import { PassThrough, type Readable } from 'node:stream';
import type { ApiResponse } from '../../platform/http/service-api.ts';
import type { ObjectInfo } from '../../backends/object-ring/index.ts';
import { authorizeObjectRead } from './auth.ts';
import { evaluateConditions } from './conditional.ts';
import { swiftError } from './errors.ts';
import { expireNow, isExpired } from './expirer.ts';
import { header, httpDate, reply, type SwiftRequest } from './http.ts';
import {
  dloManifest, dloPieces, isSlo, piecesSize, readSloManifest, sloEtag, sloPieces, slicePieces, streamPieces,
  type Piece, type SloEntry,
} from './large-objects.ts';
import { closingBoundary, multipartLength, newBoundary, parseRange, partHeader } from './ranges.ts';
import { containerInfo, type SwiftDeps } from './service-context.ts';
import { VERSION_ID_SYSMETA, checkVersionId, isDeleteMarker, locateVersion } from './object-versioning.ts';

/** The headers of an object that go back to clients (never sysmeta). */
export function objectHeaders(info: ObjectInfo): Record<string, string> {
  const h: Record<string, string> = {
    'Content-Type': info.contentType,
    'Last-Modified': httpDate(info.lastModified),
    'X-Timestamp': info.timestamp,
    'Accept-Ranges': 'bytes',
  };
  for (const [k, v] of Object.entries(info.headers)) {
    if (k.startsWith('x-object-sysmeta-') || k.startsWith('x-object-transient-sysmeta-')) continue;
    if (v === '' && !k.startsWith('x-object-meta-')) continue;
    h[k] = k === 'x-static-large-object' ? 'True' : v;
  }
  return h;
}

export interface ReadableObject {
  info: ObjectInfo;
  size: number;
  /** unquoted; what conditionals compare */
  etag: string;
  /** the ETag header value (quoted for large objects, as Swift sends it) */
  etagHeader: string;
  /** for large objects */
  pieces?: Piece[];
  /** the body already opened (plain GET without range) */
  body?: Readable;
  manifest?: SloEntry[];
  /** where a large object's segments are: its own account, except for versions kept in the hidden one */
  segmentAccount?: string;
}

/**
 * Opens an object for reading. Large objects resolve to their pieces unless `raw` (the
 * manifest itself, multipart-manifest=get). Expired objects are 404.
 */
export async function openObject(deps: SwiftDeps, account: string, container: string, object: string,
  options: { wantBody: boolean; raw?: boolean; segmentAccount?: string }): Promise<ReadableObject> {
  let info: ObjectInfo;
  let body: Readable | undefined;
  if (options.wantBody) {
    const got = await deps.client.getObject(account, container, object);
    info = got;
    body = got.body;
  } else info = await deps.client.headObject(account, container, object);
  if (isExpired(info)) {
    body?.destroy();
    void expireNow(deps.client, account, container, object, info.headers['x-delete-at']).catch(() => undefined);
    throw swiftError(404);
  }
  if (!options.raw && isSlo(info)) {
    let manifest: SloEntry[];
    if (body) {
      const chunks: Buffer[] = [];
      for await (const c of body as AsyncIterable<Buffer>) chunks.push(c);
      manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SloEntry[];
    } else manifest = await readSloManifest(deps.client, account, container, object);
    const pieces = sloPieces(manifest);
    const etag = info.headers['x-object-sysmeta-slo-etag'] ?? sloEtag(manifest);
    return { info, size: piecesSize(pieces), etag, etagHeader: `"${etag}"`, pieces, manifest, segmentAccount: options.segmentAccount };
  }
  const dlo = dloManifest(info);
  if (!options.raw && dlo) {
    body?.destroy();
    const { pieces, etag } = await dloPieces(deps.client, options.segmentAccount ?? account, dlo);
    return { info, size: piecesSize(pieces), etag, etagHeader: `"${etag}"`, pieces, segmentAccount: options.segmentAccount };
  }
  return { info, size: info.contentLength, etag: info.etag, etagHeader: info.etag, body };
}

/** A stream of bytes [start, end] of an opened object. */
export function rangeStream(deps: SwiftDeps, account: string, container: string, object: string, o: ReadableObject, start: number, end: number): Readable {
  const pieces = o.pieces ?? [{ container, object, start: 0, end: o.size - 1, size: o.size }];
  return streamPieces(deps.client, o.pieces ? (o.segmentAccount ?? account) : account, slicePieces(pieces, { start, end }));
}

/** The whole content of an opened object as one stream. */
export function wholeStream(deps: SwiftDeps, account: string, container: string, object: string, o: ReadableObject): Readable {
  if (o.body) return o.body;
  if (o.size === 0) return streamPieces(deps.client, account, []);
  return rangeStream(deps, account, container, object, o, 0, o.size - 1);
}

export async function getObject(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse> {
  const { account } = sr;
  const container = sr.container!;
  const object = sr.object!;
  if (!sr.owner && !sr.signed) authorizeObjectRead(sr, deps, await containerInfo(deps, account, container));
  const versionId = sr.query.get('version-id');
  if (versionId !== null) return getVersion(sr, deps, checkVersionId(versionId));
  const isHead = sr.method === 'HEAD';
  const rangeHeader = header(sr, 'range');
  const manifestGet = sr.query.get('multipart-manifest') === 'get';
  const o = await openObject(deps, account, container, object, { wantBody: !isHead && !rangeHeader, raw: manifestGet, segmentAccount: sr.segmentAccount });
  const headers: Record<string, string | number> = objectHeaders(o.info);
  headers.ETag = o.etagHeader;
  if (o.info.headers[VERSION_ID_SYSMETA]) headers['X-Object-Version-Id'] = o.info.headers[VERSION_ID_SYSMETA];
  else if (sr.versionId) headers['X-Object-Version-Id'] = sr.versionId;
  const cond = evaluateConditions(sr.req.headers, { etag: o.etag, lastModified: o.info.lastModified }, sr.method);
  if (cond === 304) {
    o.body?.destroy();
    return reply(sr, 304, headers);
  }
  if (manifestGet && isSlo(o.info) && o.body) return manifestResponse(sr, o, headers);
  const range = isHead ? { kind: 'none' as const } : parseRange(rangeHeader, o.size);
  if (range.kind === 'unsatisfiable') {
    o.body?.destroy();
    throw swiftError(416, undefined, { 'Content-Range': `bytes */${o.size}` });
  }
  if (range.kind === 'none') {
    headers['Content-Length'] = o.size;
    if (isHead) return reply(sr, 200, headers);
    return reply(sr, 200, headers, wholeStream(deps, account, container, object, o));
  }
  o.body?.destroy();
  const ranges = range.ranges;
  if (ranges.length === 1) {
    const [r] = ranges;
    headers['Content-Range'] = `bytes ${r.start}-${r.end}/${o.size}`;
    headers['Content-Length'] = r.end - r.start + 1;
    return reply(sr, 206, headers, rangeStream(deps, account, container, object, o, r.start, r.end));
  }
  const boundary = newBoundary();
  const partType = o.info.contentType;
  headers['Content-Type'] = `multipart/byteranges;boundary=${boundary}`;
  headers['Content-Length'] = multipartLength(boundary, partType, ranges, o.size);
  const out = new PassThrough();
  void (async () => {
    try {
      for (let i = 0; i < ranges.length; i++) {
        const r = ranges[i];
        if (!out.write(partHeader(boundary, partType, r, o.size, i === 0))) await new Promise((res) => out.once('drain', res));
        for await (const chunk of rangeStream(deps, account, container, object, o, r.start, r.end)) {
          if (!out.write(chunk)) await new Promise((res) => out.once('drain', res));
        }
      }
      out.end(closingBoundary(boundary));
    } catch (error) {
      out.destroy(error as Error);
    }
  })();
  return reply(sr, 206, headers, out);
}

/** GET/HEAD ?version-id=: one version of the object (404 for delete markers). */
async function getVersion(sr: SwiftRequest, deps: SwiftDeps, versionId: string): Promise<ApiResponse> {
  const found = await locateVersion(deps.client, sr.account, sr.container!, sr.object!, versionId);
  if (found.where === 'none') throw swiftError(404);
  if (isDeleteMarker(found.info)) throw swiftError(404, undefined, { 'X-Object-Version-Id': versionId });
  const query = new URLSearchParams(sr.query);
  query.delete('version-id');
  const at = found.where === 'primary'
    ? { ...sr, query, owner: true, versionId }
    : { ...sr, query, owner: true, versionId, account: found.account, container: found.container, object: found.object, segmentAccount: sr.account };
  return getObject(at, deps);
}

/** multipart-manifest=get: the stored manifest (format=raw: the form a PUT takes). */
async function manifestResponse(sr: SwiftRequest, o: ReadableObject, headers: Record<string, string | number>): Promise<ApiResponse> {
  let entries: unknown[] = [];
  {
    const chunks: Buffer[] = [];
    for await (const c of o.body as AsyncIterable<Buffer>) chunks.push(c);
    entries = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[];
    if (sr.query.get('format') === 'raw') {
      entries = (entries as SloEntry[]).map((e) => ({ path: e.name, etag: e.hash, size_bytes: e.bytes, ...(e.range ? { range: e.range } : {}) }));
    }
    const body = JSON.stringify(entries);
    headers['Content-Type'] = 'application/json; charset=utf-8';
    headers.ETag = o.info.etag;
    delete headers['x-static-large-object'];
    headers['X-Static-Large-Object'] = 'True';
    return reply(sr, 200, headers, body);
  }
}
