// Static large objects: the manifest PUT (multipart-manifest=put) is validated as Swift's slo
// middleware validates it (segments exist, sizes and etags match, ranges fit, sizes above the
// minimum) and stored as JSON with X-Static-Large-Object; multipart-manifest=delete removes
// the segments and then the manifest.
import { Readable } from 'node:stream';
import type { ApiResponse } from '../../platform/http/service-api.ts';
import type { ContainerInfo, HeaderMap } from '../../backends/object-ring/index.ts';
import { ObjectStoreError } from '../../backends/object-ring/index.ts';
import { swiftError } from './errors.ts';
import { scheduleExpiry } from './expirer.ts';
import { header, httpDate, reply, type SwiftRequest } from './http.ts';
import { SLO_LIMITS, isSlo, readSloManifest, segmentRange, sloEtag, type SloEntry } from './large-objects.ts';
import { listingTime } from '../../backends/object-ring/proxy/object-client.ts';
import { checkLength, quotaRoom } from './quotas.ts';
import { isNotFound, type SwiftDeps } from './service-context.ts';
import { archiveBeforeWrite, versioningOf } from './versioned-writes.ts';
import { versionHeaders, versionNewWrite } from './object-versioning.ts';
import { bulkBody, bulkFormat } from './bulk-format.ts';

async function readBody(sr: SwiftRequest, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of sr.req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > max) throw swiftError(413, `Manifest File > ${max} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface ManifestItem {
  path?: unknown;
  etag?: unknown;
  size_bytes?: unknown;
  range?: unknown;
}

export async function putSloManifest(sr: SwiftRequest, deps: SwiftDeps, info: ContainerInfo, meta: HeaderMap): Promise<ApiResponse> {
  const text = await readBody(sr, SLO_LIMITS.max_manifest_size);
  let items: ManifestItem[];
  try {
    items = JSON.parse(text);
  } catch {
    throw swiftError(400, 'Manifest must be valid JSON.\n');
  }
  if (!Array.isArray(items) || items.length === 0) throw swiftError(400, 'Manifest must be a list of segments.\n');
  if (items.length > SLO_LIMITS.max_manifest_segments) throw swiftError(413, `Too many segments; max ${SLO_LIMITS.max_manifest_segments}\n`);
  const problems: string[] = [];
  const entries: SloEntry[] = [];
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!item || typeof item !== 'object' || typeof item.path !== 'string') {
      throw swiftError(400, `Index ${i}: "path" must be a string of the form "container/object"\n`);
    }
    const path = item.path.replace(/^\//, '');
    const slash = path.indexOf('/');
    if (slash <= 0 || slash === path.length - 1) throw swiftError(400, `Index ${i}: "path" must be a string of the form "container/object"\n`);
    const container = path.slice(0, slash);
    const object = path.slice(slash + 1);
    if (item.size_bytes !== undefined && item.size_bytes !== null && !(Number.isInteger(Number(item.size_bytes)) && Number(item.size_bytes) >= 0)) {
      throw swiftError(400, `Index ${i}: invalid size_bytes\n`);
    }
    if (item.etag !== undefined && item.etag !== null && typeof item.etag !== 'string') throw swiftError(400, `Index ${i}: invalid etag\n`);
    let seg;
    try {
      seg = await deps.client.headObject(sr.account, container, object);
    } catch (error) {
      if (isNotFound(error)) {
        problems.push(`/${path}, 404 Not Found`);
        continue;
      }
      throw error;
    }
    if (isSlo(seg)) {
      problems.push(`/${path}, Nested static large objects are not supported`);
      continue;
    }
    const size = seg.contentLength;
    if (item.size_bytes !== undefined && item.size_bytes !== null && Number(item.size_bytes) !== size) problems.push(`/${path}, Size Mismatch`);
    if (typeof item.etag === 'string' && item.etag.replace(/"/g, '') !== seg.etag) problems.push(`/${path}, Etag Mismatch`);
    let range: string | undefined;
    let used = size;
    if (item.range !== undefined && item.range !== null) {
      const r = typeof item.range === 'string' ? segmentRange(item.range, size) : undefined;
      if (!r) {
        problems.push(`/${path}, Unsatisfiable Range`);
        continue;
      }
      range = `${r.start}-${r.end}`;
      used = r.end - r.start + 1;
    }
    if (used < SLO_LIMITS.min_segment_size && i < items.length - 1) problems.push(`/${path}, Too Small; each segment must be at least 1 byte.`);
    total += used;
    entries.push({
      name: `/${path}`, hash: seg.etag, bytes: size, content_type: seg.contentType, last_modified: listingTime(seg.timestamp),
      ...(range ? { range } : {}),
    });
  }
  if (problems.length) throw swiftError(400, `Errors:\n${problems.join('\n')}\n`);
  const etag = sloEtag(entries);
  const given = header(sr, 'etag');
  if (given && given.replace(/"/g, '') !== etag) throw swiftError(422);
  const room = await quotaRoom(deps.client, sr.account, info);
  checkLength(room, total);
  const versioning = versioningOf(info);
  if (versioning) await archiveBeforeWrite(deps.client, sr.account, sr.container!, sr.object!, versioning);
  const manifest = Buffer.from(JSON.stringify(entries));
  const headers: HeaderMap = {
    ...meta, 'x-static-large-object': 'True', 'x-object-sysmeta-slo-etag': etag, 'x-object-sysmeta-slo-size': String(total),
  };
  const versionId = await versionNewWrite(deps.client, sr.account, info, sr.object!, headers);
  const contentType = (header(sr, 'content-type') ?? 'application/octet-stream').replace(/;\s*swift_bytes=\d+/, '');
  const result = await deps.client.putObject({
    account: sr.account, container: sr.container!, object: sr.object!, body: Readable.from([manifest]), contentLength: manifest.length,
    contentType, headers, ...(versionId ? { timestamp: versionId } : {}),
  });
  if (headers['x-delete-at']) await scheduleExpiry(deps.client, headers['x-delete-at'], sr.account, sr.container!, sr.object!);
  return reply(sr, 201, { ETag: `"${etag}"`, 'Last-Modified': httpDate(result.lastModified), 'X-Timestamp': result.timestamp, ...versionHeaders(versionId, info) });
}

/** multipart-manifest=delete: the segments, then the manifest; a bulk-style report. */
export async function deleteSlo(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse | undefined> {
  let info;
  try {
    info = await deps.client.headObject(sr.account, sr.container!, sr.object!);
  } catch (error) {
    if (isNotFound(error)) throw swiftError(404);
    throw error;
  }
  if (!isSlo(info)) return undefined;
  const entries = await readSloManifest(deps.client, sr.account, sr.container!, sr.object!);
  let deleted = 0;
  let notFound = 0;
  const errors: Array<[string, string]> = [];
  for (const e of entries) {
    const p = e.name.replace(/^\//, '');
    const i = p.indexOf('/');
    try {
      await deps.client.deleteObject(sr.account, p.slice(0, i), p.slice(i + 1));
      deleted++;
    } catch (error) {
      if (error instanceof ObjectStoreError && error.status === 404) notFound++;
      else errors.push([`/${p}`, `${(error as ObjectStoreError).status ?? 500} Error`]);
    }
  }
  await deps.client.deleteObject(sr.account, sr.container!, sr.object!);
  deleted++;
  const format = bulkFormat(sr);
  const { body, contentType } = bulkBody(format, {
    'Number Deleted': deleted, 'Number Not Found': notFound, 'Response Body': '',
    'Response Status': errors.length ? '400 Bad Request' : '200 OK', Errors: errors,
  });
  return reply(sr, 200, { 'Content-Type': contentType }, body);
}
