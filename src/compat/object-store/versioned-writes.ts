// The older versioning of Swift's versioned_writes middleware. With X-Versions-Location
// ("stack" mode) a PUT over an object first archives the current copy into the versions
// container, and a DELETE restores the newest archived copy. With X-History-Location
// ("history" mode) a DELETE archives the current copy and then removes it.
// Archive names: 3 hex digits of the name's UTF-8 length, the name, "/", the archived X-Timestamp.
import type { ContainerInfo, ObjectClient } from '../../backends/object-ring/index.ts';
import { ObjectStoreError } from '../../backends/object-ring/index.ts';
import { swiftError } from './errors.ts';

export interface VersioningMode {
  mode: 'stack' | 'history';
  location: string;
}

export function versioningOf(info: ContainerInfo | undefined): VersioningMode | undefined {
  const stack = info?.metadata['x-versions-location'];
  if (stack) return { mode: 'stack', location: decodeURIComponent(stack) };
  const history = info?.metadata['x-history-location'];
  if (history) return { mode: 'history', location: decodeURIComponent(history) };
  return undefined;
}

export function versionPrefix(object: string): string {
  return `${Buffer.byteLength(object).toString(16).padStart(3, '0')}${object}/`;
}

/** Copies a stored object byte for byte (metadata and manifests included) to another name. */
export async function copyStored(client: ObjectClient, account: string, from: { container: string; object: string }, to: { container: string; object: string }): Promise<boolean> {
  let got;
  try {
    got = await client.getObject(account, from.container, from.object);
  } catch (error) {
    if (error instanceof ObjectStoreError && error.status === 404) return false;
    throw error;
  }
  const headers = { ...got.headers };
  delete headers['x-delete-at'];
  try {
    await client.putObject({
      account, container: to.container, object: to.object, body: got.body, contentLength: got.contentLength,
      contentType: got.contentType, headers, etag: got.etag,
    });
  } catch (error) {
    if (error instanceof ObjectStoreError && error.status === 404) throw swiftError(412, 'Versions container does not exist');
    throw error;
  }
  return true;
}

/** Before a PUT replaces an object: archive the current copy (both modes). */
export async function archiveBeforeWrite(client: ObjectClient, account: string, container: string, object: string, v: VersioningMode): Promise<void> {
  let info;
  try {
    info = await client.headObject(account, container, object);
  } catch (error) {
    if (error instanceof ObjectStoreError && error.status === 404) return;
    throw error;
  }
  // DLO manifests are not versioned, as in Swift
  if (info.headers['x-object-manifest']) return;
  await copyStored(client, account, { container, object }, { container: v.location, object: `${versionPrefix(object)}${info.timestamp}` });
}

/** A DELETE in a versioned container. Returns false when there was nothing at all to delete. */
export async function versionedDelete(client: ObjectClient, account: string, container: string, object: string, v: VersioningMode): Promise<boolean> {
  if (v.mode === 'history') {
    await archiveBeforeWrite(client, account, container, object, v);
    try {
      await client.deleteObject(account, container, object);
      return true;
    } catch (error) {
      if (error instanceof ObjectStoreError && error.status === 404) return false;
      throw error;
    }
  }
  const { entries } = await client.getContainer(account, v.location, { prefix: versionPrefix(object), reverse: true, limit: 1 })
    .catch(() => ({ entries: [] }));
  const newest = entries.find((e) => !('subdir' in e)) as { name: string } | undefined;
  if (!newest) {
    try {
      await client.deleteObject(account, container, object);
      return true;
    } catch (error) {
      if (error instanceof ObjectStoreError && error.status === 404) return false;
      throw error;
    }
  }
  await copyStored(client, account, { container: v.location, object: newest.name }, { container, object });
  await client.deleteObject(account, v.location, newest.name).catch(() => undefined);
  return true;
}
