// PUT of an object: a streamed upload (Content-Length or chunked), a server-side copy
// (X-Copy-From, or COPY turned into a PUT), or an SLO manifest (multipart-manifest=put).
// Quotas, versioning and the expiry queue are applied around the write.
import type { Readable } from 'node:stream';
import type { ApiResponse } from '../../platform/http/service-api.ts';
import type { ContainerInfo, HeaderMap } from '../../backends/object-ring/index.ts';
import { ObjectStoreError } from '../../backends/object-ring/index.ts';
import { authorizeObjectRead, authorizeObjectWrite } from './auth.ts';
import { LIMITS, checkMetadata, checkObjectName, metadataFromHeaders } from './constraints.ts';
import { guessContentType } from './content-type.ts';
import { swiftError } from './errors.ts';
import { requestedDeleteAt, scheduleExpiry } from './expirer.ts';
import { header, httpDate, reply, type SwiftRequest } from './http.ts';
import { openObject, wholeStream } from './object-get.ts';
import { QuotaExceeded, checkLength, limitStream, quotaRoom } from './quotas.ts';
import { containerInfo, isNotFound, type SwiftDeps } from './service-context.ts';
import { archiveBeforeWrite, versioningOf } from './versioned-writes.ts';
import { putSloManifest } from './slo.ts';
import { checkVersionId, isDeleteMarker, locateVersion, versionHeaders, versionNewWrite } from './object-versioning.ts';

export const OBJECT_HEADERS = ['content-disposition', 'content-encoding', 'x-object-manifest'];

/** The stored headers a PUT or POST asks for (user metadata and the pass-through headers). */
export function objectMetadata(sr: SwiftRequest): HeaderMap {
  // objects keep metadata with empty values; X-Remove-Object-Meta-* simply leaves a key out
  const meta = metadataFromHeaders(sr.req.headers, 'object', OBJECT_HEADERS, { dropRemovals: true });
  for (const k of OBJECT_HEADERS) if (meta[k] === '') delete meta[k];
  checkMetadata(meta, 'object');
  const manifest = meta['x-object-manifest'];
  if (manifest !== undefined && !/^[^/]+\/.*$/.test(manifest)) throw swiftError(400, 'X-Object-Manifest must be in the format container/prefix');
  const deleteAt = requestedDeleteAt(sr.req.headers);
  if (deleteAt) meta['x-delete-at'] = deleteAt;
  return meta;
}

function requestedLength(sr: SwiftRequest): number | undefined {
  const cl = header(sr, 'content-length');
  if (cl === undefined) return undefined;
  if (!/^\d+$/.test(cl.trim())) throw swiftError(400, 'Invalid Content-Length');
  return Number(cl);
}

function isChunked(sr: SwiftRequest): boolean {
  return (header(sr, 'transfer-encoding') ?? '').toLowerCase().includes('chunked');
}

/** The container, checked for existence and the caller's write right. */
async function writableContainer(sr: SwiftRequest, deps: SwiftDeps): Promise<ContainerInfo> {
  const info = await containerInfo(deps, sr.account, sr.container!);
  authorizeObjectWrite(sr, deps, info);
  if (!info) throw swiftError(404);
  return info;
}

export async function putObject(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse> {
  checkObjectName(sr.object!);
  if (sr.query.has('version-id') && header(sr, 'x-copy-from') === undefined) throw swiftError(400, 'Only COPY, HEAD, GET and DELETE may take a version-id');
  const length = requestedLength(sr);
  const copyFrom = header(sr, 'x-copy-from');
  if (copyFrom === undefined && length === undefined && !isChunked(sr)) throw swiftError(411);
  if (length !== undefined && length > LIMITS.max_file_size) throw swiftError(413, 'Your request is too large.');
  const info = await writableContainer(sr, deps);
  const ifNoneMatch = header(sr, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw swiftError(400, 'If-None-Match only supports *');
    const exists = await deps.client.headObject(sr.account, sr.container!, sr.object!).then(() => true, (e) => {
      if (isNotFound(e)) return false;
      throw e;
    });
    if (exists) throw swiftError(412);
  }
  if (sr.query.get('multipart-manifest') === 'put') return putSloManifest(sr, deps, info, objectMetadata(sr));
  if (copyFrom !== undefined) {
    if (length !== undefined && length !== 0) throw swiftError(400, 'Copy requests require a zero byte body');
    return copyObject(sr, deps, info, copyFrom);
  }
  const meta = objectMetadata(sr);
  let contentType = header(sr, 'content-type');
  if (!contentType || (header(sr, 'x-detect-content-type') ?? '').toLowerCase() === 'true') {
    contentType = guessContentType(sr.object!) ?? contentType ?? 'application/octet-stream';
  }
  contentType = contentType.replace(/;\s*swift_bytes=\d+/, '');
  const etag = header(sr, 'etag');
  const result = await writeUpload(sr, deps, info, { object: sr.object!, body: sr.req, length, contentType, meta, etag });
  return reply(sr, 201, { ETag: result.etag, 'Last-Modified': httpDate(result.lastModified), 'X-Timestamp': result.timestamp, ...versionHeaders(result.versionId, info) });
}

/**
 * Stores uploaded bytes as an object of the request's container, with what every upload
 * gets: quotas (counted as the bytes stream), versioning and the expiry queue. FormPost
 * writes its files through here too.
 */
export async function writeUpload(sr: SwiftRequest, deps: SwiftDeps, info: ContainerInfo,
  input: { object: string; body: Readable; length?: number; contentType: string; meta: HeaderMap; etag?: string }) {
  const room = await quotaRoom(deps.client, sr.account, info);
  checkLength(room, input.length);
  const versioning = versioningOf(info);
  if (versioning) await archiveBeforeWrite(deps.client, sr.account, sr.container!, input.object, versioning);
  const version = await versionNewWrite(deps.client, sr.account, info, input.object, input.meta);
  const body = limitStream(input.body, room.bytes);
  const result = await store(sr, deps, { body, length: input.length, contentType: input.contentType, meta: input.meta, etag: input.etag, object: input.object, timestamp: version });
  return { ...result, versionId: version };
}


async function store(sr: SwiftRequest, deps: SwiftDeps, input: { body: Readable; length?: number; contentType: string; meta: HeaderMap; etag?: string; container?: string; object?: string; timestamp?: string }) {
  const container = input.container ?? sr.container!;
  const object = input.object ?? sr.object!;
  let result;
  try {
    result = await deps.client.putObject({
      account: sr.account, container, object, body: input.body, contentLength: input.length,
      contentType: input.contentType, headers: input.meta, etag: input.etag ? input.etag.replace(/"/g, '') : undefined,
      ...(input.timestamp ? { timestamp: input.timestamp } : {}),
    });
  } catch (error) {
    if (error instanceof QuotaExceeded || (error as { cause?: unknown })?.cause instanceof QuotaExceeded) throw swiftError(413, 'Upload exceeds quota.');
    if (error instanceof ObjectStoreError && error.status === 422) throw swiftError(422);
    if (error instanceof ObjectStoreError && error.status === 499) throw swiftError(499);
    throw error;
  }
  if (input.meta['x-delete-at']) await scheduleExpiry(deps.client, input.meta['x-delete-at'], sr.account, container, object);
  return result;
}

/** "/container/object" (URL-quoted) into its parts; 412 when it is not one. */
export function parseCopyPath(value: string, headerName: string): { container: string; object: string } {
  let v: string;
  try {
    v = decodeURIComponent(value);
  } catch {
    throw swiftError(412, `${headerName} header must be of the form <container name>/<object name>`);
  }
  v = v.replace(/^\//, '');
  const i = v.indexOf('/');
  if (i <= 0 || i === v.length - 1) throw swiftError(412, `${headerName} header must be of the form <container name>/<object name>`);
  return { container: v.slice(0, i), object: v.slice(i + 1) };
}

/** Where the bytes of a copy come from: the object, or (COPY ?version-id=) one kept version of it. */
async function copySource(deps: SwiftDeps, account: string, container: string, object: string, versionId: string | null): Promise<{ account: string; container: string; object: string }> {
  if (versionId === null) return { account, container, object };
  const found = await locateVersion(deps.client, account, container, object, checkVersionId(versionId));
  if (found.where === 'none' || isDeleteMarker(found.info)) throw swiftError(404);
  return found.where === 'primary' ? { account, container, object } : { account: found.account, container: found.container, object: found.object };
}

async function copyObject(sr: SwiftRequest, deps: SwiftDeps, destInfo: ContainerInfo, copyFrom: string): Promise<ApiResponse> {
  const src = parseCopyPath(copyFrom, 'X-Copy-From');
  const srcAccount = header(sr, 'x-copy-from-account') ?? sr.account;
  if (srcAccount !== sr.account || !sr.owner) {
    // reading the source needs its own right: the owner of that account or its read ACL
    const srcReq: SwiftRequest = { ...sr, account: srcAccount, container: src.container, object: src.object, owner: sr.owner && srcAccount === sr.account };
    if (sr.auth && srcAccount === `AUTH_${sr.auth.projectId}` && sr.owner) srcReq.owner = true;
    if (!srcReq.owner) authorizeObjectRead(srcReq, deps, await containerInfo(deps, srcAccount, src.container));
  }
  const raw = sr.query.get('multipart-manifest') === 'get';
  const source = await copySource(deps, srcAccount, src.container, src.object, sr.query.get('version-id'));
  const o = await openObject(deps, source.account, source.container, source.object, { wantBody: true, raw, segmentAccount: srcAccount });
  const fresh = (header(sr, 'x-fresh-metadata') ?? '').toLowerCase() === 'true';
  const meta: HeaderMap = {};
  if (!fresh) {
    for (const [k, v] of Object.entries(o.info.headers)) {
      if (k === 'x-delete-at' || k.startsWith('x-object-sysmeta-')) continue;
      if (!raw && (k === 'x-static-large-object' || k === 'x-object-manifest')) continue;
      meta[k] = v;
    }
  } else if (raw) {
    for (const k of ['x-static-large-object', 'x-object-manifest']) if (o.info.headers[k]) meta[k] = o.info.headers[k];
  }
  if (raw) for (const [k, v] of Object.entries(o.info.headers)) if (k.startsWith('x-object-sysmeta-slo-')) meta[k] = v;
  Object.assign(meta, objectMetadata(sr));
  const room = await quotaRoom(deps.client, sr.account, destInfo);
  checkLength(room, o.size);
  const contentType = header(sr, 'content-type') ?? o.info.contentType;
  const versioning = versioningOf(destInfo);
  if (versioning) await archiveBeforeWrite(deps.client, sr.account, sr.container!, sr.object!, versioning);
  const versionId = await versionNewWrite(deps.client, sr.account, destInfo, sr.object!, meta);
  const body = wholeStream(deps, source.account, source.container, source.object, o);
  const result = await store(sr, deps, { body, length: o.size, contentType, meta, timestamp: versionId });
  const headers: Record<string, string> = {
    ETag: result.etag,
    'Last-Modified': httpDate(result.lastModified),
    'X-Timestamp': result.timestamp,
    'X-Copied-From': `${encodeURIComponent(src.container)}/${encodeURIComponent(src.object).replace(/%2F/g, '/')}`,
    'X-Copied-From-Last-Modified': httpDate(o.info.lastModified),
    ...versionHeaders(versionId, destInfo),
  };
  if (srcAccount !== sr.account) headers['X-Copied-From-Account'] = encodeURIComponent(srcAccount);
  // the copy's response describes the new object, metadata included, as Swift's does
  for (const [k, v] of Object.entries(meta)) if (k.startsWith('x-object-meta-') || OBJECT_HEADERS.includes(k)) headers[k] = v;
  return reply(sr, 201, headers);
}
