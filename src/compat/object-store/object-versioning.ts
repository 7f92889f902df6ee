// Object versioning, the newer mode of Swift (X-Versions-Enabled): every write gets a
// version id (its X-Timestamp), older versions and delete markers are kept in a hidden
// versions container, `?versions` lists them all, and `?version-id=` reads or deletes one.
//
// Layout: the primary container holds the current version's data (so plain GETs and
// listings need no indirection); non-current versions and delete markers live in the
// container of the same name in the hidden account ".versions_<account>", named
// "<object>\u0001<inverted timestamp>" so that one object's versions sort together,
// newest first (the "null" version, written while versioning was off, sorts last).
// Swift keeps every version behind a symlink instead; the API seen by clients is the same.
import { Readable } from 'node:stream';
import type { ContainerInfo, ContainerListingEntry, ObjectClient, ObjectInfo } from '../../backends/object-ring/index.ts';
import { newTimestamp } from '../../backends/object-ring/index.ts';
import { swiftError } from './errors.ts';
import { isNotFound } from './service-context.ts';

export const DELETE_MARKER_TYPE = 'application/x-deleted;swift_versions_deleted=1';
export const VERSIONS_ENABLED_SYSMETA = 'x-container-sysmeta-versions-enabled';
export const VERSION_ID_SYSMETA = 'x-object-sysmeta-version-id';
const SEPARATOR = '\u0001';
const MAX_UNITS = 999999999999999n; // 9999999999.99999 in units of 10 µs

export type VersioningState = 'enabled' | 'disabled';

export function objectVersioningOf(info: ContainerInfo | undefined): VersioningState | undefined {
  const v = info?.metadata[VERSIONS_ENABLED_SYSMETA];
  if (!v) return undefined;
  return v === 'True' ? 'enabled' : 'disabled';
}

export function versionsAccount(account: string): string {
  return `.versions_${account}`;
}

function units(ts: string): bigint {
  const [s, f = ''] = ts.split('.');
  return BigInt(s) * 100000n + BigInt((f + '00000').slice(0, 5));
}

function fromUnits(u: bigint): string {
  const s = u.toString().padStart(15, '0');
  return `${s.slice(0, 10)}.${s.slice(10)}`;
}

/** The name a version is kept under in the versions container. */
export function versionObjectName(object: string, versionId: string): string {
  return `${object}${SEPARATOR}${versionId === 'null' ? 'null' : fromUnits(MAX_UNITS - units(versionId))}`;
}

function splitVersionName(name: string): { object: string; versionId: string } | undefined {
  const at = name.lastIndexOf(SEPARATOR);
  if (at < 0) return undefined;
  const tail = name.slice(at + 1);
  if (tail === 'null') return { object: name.slice(0, at), versionId: 'null' };
  if (!/^\d{10}\.\d{5}$/.test(tail)) return undefined;
  return { object: name.slice(0, at), versionId: fromUnits(MAX_UNITS - units(tail)) };
}

/** A version-id query value: a timestamp or "null"; 400 otherwise. */
export function checkVersionId(value: string): string {
  if (value === 'null') return value;
  if (!/^\d{1,10}(\.\d{1,5})?$/.test(value)) throw swiftError(400, 'Invalid version-id');
  return fromUnits(units(value));
}

/** The version id of a stored primary object. */
export function versionIdOf(info: ObjectInfo): string {
  return info.headers[VERSION_ID_SYSMETA] || 'null';
}

export function isDeleteMarker(info: { contentType?: string; content_type?: string }): boolean {
  return (info.contentType ?? info.content_type ?? '').startsWith('application/x-deleted;swift_versions_deleted=1');
}

async function headOrUndefined(client: ObjectClient, account: string, container: string, object: string): Promise<ObjectInfo | undefined> {
  try {
    return await client.headObject(account, container, object);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Creates the hidden versions container (enabling versioning does). */
export async function ensureVersionsContainer(client: ObjectClient, account: string, container: string): Promise<void> {
  await client.putContainer(versionsAccount(account), container);
}

/**
 * Before the primary object is replaced or deleted: keeps its current version. With
 * versioning disabled, only versions that have an id are kept (a null version is simply
 * overwritten, as Swift does).
 */
export async function archiveCurrentVersion(client: ObjectClient, account: string, container: string, object: string, state: VersioningState): Promise<void> {
  const current = await headOrUndefined(client, account, container, object);
  if (!current) return;
  const recorded = current.headers[VERSION_ID_SYSMETA];
  if (state === 'disabled' && !recorded) return;
  const versionId = recorded || current.timestamp;
  const got = await client.getObject(account, container, object);
  const headers: Record<string, string> = { ...got.headers, [VERSION_ID_SYSMETA]: versionId };
  delete headers['x-delete-at'];
  await ensureVersionsContainer(client, account, container);
  await client.putObject({
    account: versionsAccount(account), container, object: versionObjectName(object, versionId), body: got.body,
    contentLength: got.contentLength, contentType: got.contentType, headers, etag: got.etag,
  });
}

/**
 * Before a PUT, COPY or SLO manifest replaces an object: keeps the current version and
 * gives the new one its id (its X-Timestamp, chosen now and stored as sysmeta). Returns
 * that id, or undefined when the write is not versioned.
 */
export async function versionNewWrite(client: ObjectClient, account: string, info: ContainerInfo, object: string, meta: Record<string, string>): Promise<string | undefined> {
  const state = objectVersioningOf(info);
  if (!state) return undefined;
  await archiveCurrentVersion(client, account, info.container, object, state);
  if (state !== 'enabled') return undefined;
  const id = newTimestamp();
  meta[VERSION_ID_SYSMETA] = id;
  return id;
}

/** The X-Object-Version-Id a write answers with in a container that has object versioning. */
export function versionHeaders(versionId: string | undefined, info: ContainerInfo): Record<string, string> {
  if (!objectVersioningOf(info)) return {};
  return { 'X-Object-Version-Id': versionId ?? 'null' };
}

/** A DELETE without version-id while versioning is on: keep the version, write a delete marker. Returns the marker's id. */
export async function deleteWithMarker(client: ObjectClient, account: string, container: string, object: string): Promise<string> {
  await archiveCurrentVersion(client, account, container, object, 'enabled');
  const markerId = newTimestamp();
  await ensureVersionsContainer(client, account, container);
  await client.putObject({
    account: versionsAccount(account), container, object: versionObjectName(object, markerId), body: Readable.from([]),
    contentLength: 0, contentType: DELETE_MARKER_TYPE, headers: { [VERSION_ID_SYSMETA]: markerId }, timestamp: markerId,
  });
  try {
    await client.deleteObject(account, container, object);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return markerId;
}

export type VersionLocation =
  | { where: 'primary'; info: ObjectInfo }
  | { where: 'versions'; account: string; container: string; object: string; info: ObjectInfo }
  | { where: 'none' };

/** Finds one version of an object; delete markers count as found (callers answer 404 for them). */
export async function locateVersion(client: ObjectClient, account: string, container: string, object: string, versionId: string): Promise<VersionLocation> {
  const primary = await headOrUndefined(client, account, container, object);
  if (primary && versionIdOf(primary) === versionId) return { where: 'primary', info: primary };
  const name = versionObjectName(object, versionId);
  const kept = await headOrUndefined(client, versionsAccount(account), container, name);
  if (!kept) return { where: 'none' };
  return { where: 'versions', account: versionsAccount(account), container, object: name, info: kept };
}

/** DELETE ?version-id=: removes exactly that version; returns false when there was none. */
export async function deleteVersion(client: ObjectClient, account: string, container: string, object: string, versionId: string): Promise<boolean> {
  const found = await locateVersion(client, account, container, object, versionId);
  if (found.where === 'none') return false;
  try {
    if (found.where === 'primary') await client.deleteObject(account, container, object);
    else await client.deleteObject(found.account, found.container, found.object);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return true;
}

export type VersionEntry = (Exclude<ContainerListingEntry, { subdir: string }> & { version_id: string; is_latest: boolean });

/**
 * The `?versions` listing: every version of every object (current ones from the primary
 * container, the rest and the delete markers from the versions container), by name and
 * newest first. `marker` with `versionMarker` resumes after one version.
 */
export async function listVersions(client: ObjectClient, account: string, container: string,
  params: { prefix?: string; marker?: string; versionMarker?: string; endMarker?: string; limit: number; reverse?: boolean; delimiter?: string }): Promise<Array<VersionEntry | { subdir: string }>> {
  const want = params.limit;
  // versions of the marker's name sort after the name itself, so both listings resume at it
  const { entries: primaryEntries } = await client.getContainer(account, container, {
    prefix: params.prefix, marker: params.marker, endMarker: params.endMarker, limit: want,
  });
  const primary = primaryEntries.filter((e): e is Exclude<ContainerListingEntry, { subdir: string }> => !('subdir' in e));
  const current = await mapLimited(primary, 8, async (e) => {
    const info = await headOrUndefined(client, account, container, e.name);
    return { ...e, version_id: info ? versionIdOf(info) : 'null', is_latest: true };
  });
  let kept: VersionEntry[] = [];
  try {
    const { entries } = await client.getContainer(versionsAccount(account), container, {
      prefix: params.prefix, marker: params.marker, limit: Math.min(10000, want * 4 + 100),
    });
    for (const e of entries) {
      if ('subdir' in e) continue;
      const split = splitVersionName(e.name);
      if (!split) continue;
      kept.push({ ...e, name: split.object, version_id: split.versionId, is_latest: false });
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (params.endMarker) kept = kept.filter((e) => e.name < params.endMarker!);
  const currentNames = new Set(current.map((e) => e.name));
  const all = [...current, ...kept];
  // a delete marker is the latest version of a name that has no current object
  const newestKept = new Map<string, VersionEntry>();
  for (const e of kept) {
    const seen = newestKept.get(e.name);
    if (!seen || order(e, seen) < 0) newestKept.set(e.name, e);
  }
  for (const [name, e] of newestKept) if (!currentNames.has(name) && isDeleteMarker(e)) e.is_latest = true;
  all.sort(order);
  let out = all;
  if (params.marker) {
    out = out.filter((e) => {
      if (e.name !== params.marker) return e.name > params.marker!;
      if (!params.versionMarker) return false;
      return compareVersions(e.version_id, params.versionMarker) > 0;
    });
  }
  const shown = params.delimiter ? collapse(out, params.prefix ?? '', params.delimiter) : out;
  if (params.reverse) shown.reverse();
  return shown.slice(0, want);
}

/** With a delimiter: names past it after the prefix become one subdir entry each. */
function collapse(entries: VersionEntry[], prefix: string, delimiter: string): Array<VersionEntry | { subdir: string }> {
  const out: Array<VersionEntry | { subdir: string }> = [];
  let last: string | undefined;
  for (const e of entries) {
    const at = e.name.indexOf(delimiter, prefix.length);
    if (at < 0) {
      out.push(e);
      continue;
    }
    const subdir = e.name.slice(0, at + delimiter.length);
    if (subdir !== last) out.push({ subdir });
    last = subdir;
  }
  return out;
}

/** Versions of one name newest first; the null version is the oldest. */
function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'null') return 1;
  if (b === 'null') return -1;
  return a > b ? -1 : 1;
}

function order(a: VersionEntry, b: VersionEntry): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.is_latest !== b.is_latest && !isDeleteMarker(a) && !isDeleteMarker(b)) return a.is_latest ? -1 : 1;
  return compareVersions(a.version_id, b.version_id);
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Whether any version is kept for the container (a versioned container cannot be deleted then). */
export async function hasKeptVersions(client: ObjectClient, account: string, container: string): Promise<boolean> {
  try {
    const { entries } = await client.getContainer(versionsAccount(account), container, { limit: 1 });
    return entries.length > 0;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export async function removeVersionsContainer(client: ObjectClient, account: string, container: string): Promise<void> {
  try {
    await client.deleteContainer(versionsAccount(account), container);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
