// POST (metadata replacement, 202) and DELETE (204; versioning and SLO aware) of an object.
import type { ApiResponse } from '../../platform/http/service-api.ts';
import { authorizeObjectWrite } from './auth.ts';
import { swiftError } from './errors.ts';
import { expireNow, isExpired, scheduleExpiry } from './expirer.ts';
import { header, reply, type SwiftRequest } from './http.ts';
import { objectMetadata } from './object-put.ts';
import { containerInfo, isNotFound, type SwiftDeps } from './service-context.ts';
import { deleteSlo } from './slo.ts';
import { versionedDelete, versioningOf } from './versioned-writes.ts';
import { archiveCurrentVersion, checkVersionId, deleteVersion, deleteWithMarker, objectVersioningOf } from './object-versioning.ts';

export async function postObject(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse> {
  const info = sr.owner ? undefined : await containerInfo(deps, sr.account, sr.container!);
  authorizeObjectWrite(sr, deps, info);
  if (sr.query.has('version-id')) throw swiftError(400, 'Only COPY, HEAD, GET and DELETE may take a version-id');
  const meta = objectMetadata(sr);
  let current;
  try {
    current = await deps.client.headObject(sr.account, sr.container!, sr.object!);
  } catch (error) {
    if (isNotFound(error)) throw swiftError(404);
    throw error;
  }
  if (isExpired(current)) throw swiftError(404);
  // what a POST does not mention is kept: manifests and sysmeta are not user metadata
  for (const k of ['x-static-large-object', 'x-object-manifest']) {
    if (current.headers[k] && meta[k] === undefined) meta[k] = current.headers[k];
  }
  for (const [k, v] of Object.entries(current.headers)) if (k.startsWith('x-object-sysmeta-')) meta[k] = v;
  const contentType = header(sr, 'content-type');
  await deps.client.postObject(sr.account, sr.container!, sr.object!, { headers: meta, contentType: contentType || undefined });
  if (meta['x-delete-at'] && meta['x-delete-at'] !== current.headers['x-delete-at']) {
    await scheduleExpiry(deps.client, meta['x-delete-at'], sr.account, sr.container!, sr.object!);
  }
  return reply(sr, 202, {}, '<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>');
}

export async function deleteObject(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse> {
  const info = await containerInfo(deps, sr.account, sr.container!);
  authorizeObjectWrite(sr, deps, info);
  if (!info) throw swiftError(404);
  if (sr.query.get('multipart-manifest') === 'delete') {
    const done = await deleteSlo(sr, deps);
    if (done) return done;
  }
  const state = objectVersioningOf(info);
  const versionId = sr.query.get('version-id');
  if (state && versionId !== null) {
    const id = checkVersionId(versionId);
    if (!(await deleteVersion(deps.client, sr.account, sr.container!, sr.object!, id))) throw swiftError(404);
    return reply(sr, 204, { 'X-Object-Version-Id': id });
  }
  if (state === 'enabled') {
    const markerId = await deleteWithMarker(deps.client, sr.account, sr.container!, sr.object!);
    return reply(sr, 204, { 'X-Object-Version-Id': markerId });
  }
  if (state === 'disabled') await archiveCurrentVersion(deps.client, sr.account, sr.container!, sr.object!, state);
  const versioning = versioningOf(info);
  if (versioning) {
    if (!(await versionedDelete(deps.client, sr.account, sr.container!, sr.object!, versioning))) throw swiftError(404);
    return reply(sr, 204);
  }
  try {
    const current = await deps.client.headObject(sr.account, sr.container!, sr.object!);
    if (isExpired(current)) {
      await expireNow(deps.client, sr.account, sr.container!, sr.object!, current.headers['x-delete-at']);
      throw swiftError(404);
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    await deps.client.deleteObject(sr.account, sr.container!, sr.object!);
  } catch (error) {
    if (isNotFound(error)) throw swiftError(404);
    throw error;
  }
  return reply(sr, 204);
}
