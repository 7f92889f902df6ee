// The container controller: create (201/202), metadata (POST), stats (HEAD), delete (409 when
// not empty) and object listings; ACLs, quotas, the storage policy and versioning settings
// travel as container metadata.
import type { ApiResponse } from '../../platform/http/service-api.ts';
import type { ContainerInfo, HeaderMap } from '../../backends/object-ring/index.ts';
import { ObjectStoreError } from '../../backends/object-ring/index.ts';
import { validAcl } from './acl.ts';
import { authorizeContainerRead, authorizeContainerWrite } from './auth.ts';
import { LIMITS, checkContainerName, checkMetadata, metadataFromHeaders } from './constraints.ts';
import { swiftError } from './errors.ts';
import { header, httpDate, reply, type SwiftRequest } from './http.ts';
import { listingFormat, listingParams, renderContainerListing, type ListingFormat } from './listing.ts';
import {
  VERSIONS_ENABLED_SYSMETA, checkVersionId, ensureVersionsContainer, hasKeptVersions, listVersions, objectVersioningOf, removeVersionsContainer,
} from './object-versioning.ts';
import { POLICY_NAME, checkPolicyName } from './policies.ts';
import { containerInfo, type SwiftDeps } from './service-context.ts';

const SETTABLE = ['x-container-read', 'x-container-write', 'x-versions-location', 'x-history-location', 'x-container-sync-to', 'x-container-sync-key'];
const OWNER_ONLY = ['x-container-read', 'x-container-write', 'x-container-sync-key', 'x-container-sync-to', 'x-container-meta-temp-url-key', 'x-container-meta-temp-url-key-2'];

function lastModifiedOf(info: ContainerInfo): Date {
  return new Date(Math.ceil(Number(info.putTimestamp)) * 1000);
}

function containerHeaders(sr: SwiftRequest, info: ContainerInfo): Record<string, string | number> {
  const h: Record<string, string | number> = {
    'X-Container-Object-Count': info.objectCount,
    'X-Container-Bytes-Used': info.bytesUsed,
    'X-Timestamp': info.timestamp,
    'X-Put-Timestamp': info.putTimestamp,
    'X-Storage-Policy': POLICY_NAME,
    'Last-Modified': httpDate(lastModifiedOf(info)),
    'Accept-Ranges': 'bytes',
  };
  const versioning = objectVersioningOf(info);
  if (versioning) h['X-Versions-Enabled'] = versioning === 'enabled' ? 'True' : 'False';
  for (const [k, v] of Object.entries(info.metadata)) {
    if (k.startsWith('x-container-sysmeta-') || v === '') continue;
    if (!sr.owner && OWNER_ONLY.includes(k)) continue;
    h[k] = v;
  }
  return h;
}

/** The container metadata a PUT or POST sets, validated as Swift validates it. */
function requestedMetadata(sr: SwiftRequest): HeaderMap {
  const meta = metadataFromHeaders(sr.req.headers, 'container', SETTABLE);
  // privileged headers are the owners' alone; others' values are dropped, as Swift's proxy drops them
  if (!sr.owner) for (const k of OWNER_ONLY) delete meta[k];
  checkMetadata(meta, 'container');
  for (const name of ['x-container-read', 'x-container-write']) {
    if (meta[name] && !validAcl(meta[name])) throw swiftError(400, `Invalid ${name === 'x-container-read' ? 'X-Container-Read' : 'X-Container-Write'} ACL`);
  }
  for (const name of ['x-container-meta-quota-bytes', 'x-container-meta-quota-count']) {
    if (meta[name] && !/^\d+$/.test(meta[name])) throw swiftError(400, 'Invalid quota value');
  }
  const versions = meta['x-versions-location'];
  const history = meta['x-history-location'];
  if (versions && history) throw swiftError(400, 'Only one of X-Versions-Location or X-History-Location may be specified');
  for (const loc of [versions, history]) {
    if (loc && (loc.includes('/') || loc.length > LIMITS.max_container_name_length)) {
      throw swiftError(400, 'Container name cannot contain slashes');
    }
  }
  // setting one versioning mode clears the other, as versioned_writes does
  if (versions) meta['x-history-location'] = '';
  if (history) meta['x-versions-location'] = '';
  return meta;
}

const TRUE_VALUES = /^(true|1|yes|on|t|y)$/i;

/**
 * X-Versions-Enabled (object versioning) against the container's current settings: it
 * cannot be mixed with the legacy X-Versions-Location / X-History-Location modes.
 */
function versioningChange(sr: SwiftRequest, meta: HeaderMap, current: ContainerInfo | undefined): void {
  const requested = header(sr, 'x-versions-enabled');
  const legacyAsked = !!(meta['x-versions-location'] || meta['x-history-location']);
  const legacyStored = !!(current?.metadata['x-versions-location'] || current?.metadata['x-history-location']);
  if (requested !== undefined && requested.trim() !== '') {
    const on = TRUE_VALUES.test(requested.trim());
    if (on && (legacyAsked || (legacyStored && meta['x-versions-location'] !== '' && meta['x-history-location'] !== ''))) {
      throw swiftError(400, 'Cannot enable object versioning on a container that is already using the legacy versioned writes feature.');
    }
    if (on || objectVersioningOf(current)) meta[VERSIONS_ENABLED_SYSMETA] = on ? 'True' : 'False';
  } else if (legacyAsked && objectVersioningOf(current)) {
    throw swiftError(400, 'Cannot enable legacy versioned writes on a container with object versioning.');
  }
}

export async function putContainer(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse> {
  authorizeContainerWrite(sr, deps);
  const name = sr.container!;
  checkContainerName(name);
  const policy = header(sr, 'x-storage-policy');
  checkPolicyName(policy);
  const meta = requestedMetadata(sr);
  versioningChange(sr, meta, await containerInfo(deps, sr.account, name));
  if (meta[VERSIONS_ENABLED_SYSMETA] === 'True') await ensureVersionsContainer(deps.client, sr.account, name);
  const created = await deps.client.putContainer(sr.account, name, meta);
  return reply(sr, created ? 201 : 202);
}

export async function postContainer(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse> {
  authorizeContainerWrite(sr, deps);
  checkContainerName(sr.container!);
  const meta = requestedMetadata(sr);
  const current = await containerInfo(deps, sr.account, sr.container!);
  if (!current) throw swiftError(404);
  versioningChange(sr, meta, current);
  if (meta[VERSIONS_ENABLED_SYSMETA] === 'True') await ensureVersionsContainer(deps.client, sr.account, sr.container!);
  await deps.client.postContainer(sr.account, sr.container!, meta);
  return reply(sr, 204);
}

export async function headContainer(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse> {
  const info = await containerInfo(deps, sr.account, sr.container!);
  authorizeContainerRead(sr, deps, info);
  if (!info) throw swiftError(404);
  return reply(sr, 204, containerHeaders(sr, info));
}

export async function getContainer(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse> {
  const format = listingFormat(sr);
  const params = listingParams(sr, LIMITS.container_listing_limit, true);
  const known = await containerInfo(deps, sr.account, sr.container!);
  authorizeContainerRead(sr, deps, known);
  if (!known) throw swiftError(404);
  if (sr.query.has('versions') && objectVersioningOf(known)) return versionsListing(sr, deps, known, format, params);
  const { path, ...ring } = params;
  const { info, entries } = await deps.client.getContainer(sr.account, sr.container!, ring);
  // path=dir: the direct children of dir/, without subdirectories or dir/ itself
  const shown = path !== undefined ? entries.filter((e) => !('subdir' in e) && e.name !== ring.prefix) : entries;
  const headers = containerHeaders(sr, info);
  const { body, contentType } = renderContainerListing(sr.container!, shown, format);
  headers['Content-Type'] = contentType;
  if (shown.length === 0 && format === 'plain') return reply(sr, 204, headers);
  return reply(sr, 200, headers, body);
}

export async function deleteContainer(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse> {
  authorizeContainerWrite(sr, deps);
  const info = await containerInfo(deps, sr.account, sr.container!);
  const versioned = objectVersioningOf(info);
  // a versioned container goes only once every kept version is gone, as in Swift
  if (versioned && (await hasKeptVersions(deps.client, sr.account, sr.container!))) throw swiftError(409);
  try {
    await deps.client.deleteContainer(sr.account, sr.container!);
  } catch (error) {
    if (error instanceof ObjectStoreError && error.status === 409) throw swiftError(409);
    throw error;
  }
  if (versioned) await removeVersionsContainer(deps.client, sr.account, sr.container!);
  return reply(sr, 204);
}

/** GET ?versions on a container with object versioning: every version, with version_id and is_latest. */
async function versionsListing(sr: SwiftRequest, deps: SwiftDeps, info: ContainerInfo, format: ListingFormat,
  params: ReturnType<typeof listingParams>): Promise<ApiResponse> {
  const versionMarker = sr.query.get('version_marker') || undefined;
  if (versionMarker) {
    if (!params.marker) throw swiftError(400, 'version_marker param requires marker');
    checkVersionId(versionMarker);
  }
  const entries = await listVersions(deps.client, sr.account, sr.container!, {
    prefix: params.prefix, marker: params.marker, endMarker: params.endMarker, reverse: params.reverse, delimiter: params.delimiter,
    versionMarker: versionMarker && checkVersionId(versionMarker), limit: params.limit ?? LIMITS.container_listing_limit,
  });
  const headers = containerHeaders(sr, info);
  if (format === 'json') {
    headers['Content-Type'] = 'application/json; charset=utf-8';
    return reply(sr, 200, headers, JSON.stringify(entries));
  }
  const { body, contentType } = renderContainerListing(sr.container!, entries, format);
  headers['Content-Type'] = contentType;
  if (entries.length === 0 && format === 'plain') return reply(sr, 204, headers);
  return reply(sr, 200, headers, body);
}
