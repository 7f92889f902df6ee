// The container and account halves of the storage server (Swift's container server and
// account server), on top of the per-container and per-account databases.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { H, isAccountMetaHeader, isContainerMetaHeader } from '../common/backend-headers.ts';
import { ZERO_TIMESTAMP, normalizeTimestamp } from '../common/timestamp.ts';
import type { AccountState } from './account-db.ts';
import type { ContainerDb, ContainerState } from './container-db.ts';
import { visibleMetadata, type TimedMetadata } from './db-file.ts';
import type { DbStore } from './db-store.ts';
import { StorageError } from './errors.ts';
import { header, readJson, send, sendJson } from './http-util.ts';
import type { ListParams } from './listing.ts';

export interface DbTarget {
  device: string;
  part: string;
  account: string;
  container?: string;
  object?: string;
}

function requireTimestamp(req: IncomingMessage): string {
  const ts = header(req, H.timestamp);
  if (!ts) throw new StorageError(400, 'Missing X-Timestamp header');
  try {
    return normalizeTimestamp(ts);
  } catch {
    throw new StorageError(400, 'Invalid X-Timestamp header');
  }
}

function timedMetadata(req: IncomingMessage, accept: (name: string) => boolean, timestamp: string): TimedMetadata {
  const out: TimedMetadata = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (accept(name) && typeof value === 'string') out[name] = [value, timestamp];
  }
  // X-Remove-*-Meta-Foo clears Foo, as in Swift
  for (const [name] of Object.entries(req.headers)) {
    const m = /^x-remove-(container|account)-(meta-.+|read|write)$/.exec(name);
    if (m) out[`x-${m[1]}-${m[2]}`] = ['', timestamp];
  }
  return out;
}

export function listParams(url: URL): ListParams {
  const q = url.searchParams;
  const limit = q.get('limit');
  return {
    prefix: q.get('prefix') ?? undefined,
    marker: q.get('marker') ?? undefined,
    endMarker: q.get('end_marker') ?? undefined,
    limit: limit === null ? undefined : Number(limit),
    delimiter: q.get('delimiter') ?? undefined,
    reverse: ['true', '1', 'yes', 'on', 't', 'y'].includes((q.get('reverse') ?? '').toLowerCase()),
  };
}

export async function handleContainer(dbs: DbStore, t: DbTarget, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const hash = dbs.containerHash(t.account, t.container!);
  const method = req.method ?? 'GET';
  if (t.object !== undefined) {
    // an object row update from the proxy after an object PUT or DELETE
    if (method !== 'PUT' && method !== 'DELETE') throw new StorageError(405, 'Method Not Allowed');
    const ts = requireTimestamp(req);
    const db = dbs.container(t.device, t.part, hash, true)!;
    db.initialize(t.account, t.container!, ts);
    db.mergeObjects([{
      name: t.object, created_at: ts, deleted: method === 'DELETE' ? 1 : 0,
      size: Number(header(req, H.size) ?? 0), content_type: header(req, H.rowContentType) ?? '', etag: header(req, H.rowEtag) ?? '',
    }]);
    return send(res, method === 'PUT' ? 201 : 204, containerHeaders(db));
  }
  switch (method) {
    case 'PUT': {
      const ts = requireTimestamp(req);
      const db = dbs.container(t.device, t.part, hash, true)!;
      db.initialize(t.account, t.container!, ts);
      const created = db.put(ts, timedMetadata(req, isContainerMetaHeader, ts));
      return send(res, created ? 201 : 202, containerHeaders(db));
    }
    case 'POST': {
      const ts = requireTimestamp(req);
      const db = dbs.container(t.device, t.part, hash);
      if (!db || !db.initialized() || db.isDeleted()) return send(res, 404);
      db.updateMetadata(timedMetadata(req, isContainerMetaHeader, ts));
      return send(res, 204);
    }
    case 'DELETE': {
      const ts = requireTimestamp(req);
      const db = dbs.container(t.device, t.part, hash);
      if (!db || !db.initialized() || db.isDeleted()) return send(res, 404);
      db.delete(ts);
      return send(res, 204, containerHeaders(db));
    }
    case 'HEAD':
    case 'GET': {
      const db = dbs.container(t.device, t.part, hash);
      if (!db || !db.initialized()) return send(res, 404);
      const info = db.info();
      if (db.isDeleted(info)) return send(res, 404, { [H.backendTimestamp]: info.deleteTimestamp });
      const headers = { ...statsHeaders(info), ...visibleMetadata(info.metadata) };
      if (method === 'HEAD') return send(res, 204, headers);
      return sendJson(res, 200, db.listObjects(listParams(url)), headers);
    }
    default:
      throw new StorageError(405, 'Method Not Allowed');
  }
}

function containerHeaders(db: ContainerDb): Record<string, string> {
  const info = db.info();
  return { ...statsHeaders(info), [H.statsTimestamp]: db.statsTimestamp(info) };
}

function statsHeaders(info: { objectCount: number; bytesUsed: number; putTimestamp: string; deleteTimestamp: string; createdAt: string }): Record<string, string> {
  return {
    [H.containerObjectCount]: String(info.objectCount),
    [H.containerBytesUsed]: String(info.bytesUsed),
    [H.putTimestamp]: info.putTimestamp,
    [H.deleteTimestamp]: info.deleteTimestamp,
    [H.timestamp]: info.createdAt,
  };
}

export async function handleAccount(dbs: DbStore, t: DbTarget, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const hash = dbs.accountHash(t.account);
  const method = req.method ?? 'GET';
  if (t.container !== undefined) {
    // a container row update: created on the fly, as Swift's proxy autocreates accounts
    if (method !== 'PUT') throw new StorageError(405, 'Method Not Allowed');
    const put = header(req, H.putTimestamp) ?? ZERO_TIMESTAMP;
    const del = header(req, H.deleteTimestamp) ?? ZERO_TIMESTAMP;
    const db = dbs.account(t.device, t.part, hash, true)!;
    db.initialize(t.account, put);
    if (db.info().putTimestamp === ZERO_TIMESTAMP) db.put(put, {});
    db.mergeContainers([{
      name: t.container, put_timestamp: put, delete_timestamp: del,
      object_count: Number(header(req, H.objectCount) ?? 0), bytes_used: Number(header(req, H.bytesUsed) ?? 0),
      deleted: del > put ? 1 : 0, stats_timestamp: header(req, H.statsTimestamp) ?? maxTs(put, del),
    }]);
    return send(res, 201);
  }
  switch (method) {
    case 'PUT': {
      const ts = requireTimestamp(req);
      const db = dbs.account(t.device, t.part, hash, true)!;
      db.initialize(t.account, ts);
      const created = db.put(ts, timedMetadata(req, isAccountMetaHeader, ts));
      return send(res, created ? 201 : 202);
    }
    case 'POST': {
      const ts = requireTimestamp(req);
      const db = dbs.account(t.device, t.part, hash);
      if (!db || !db.initialized() || db.isDeleted()) return send(res, 404);
      db.updateMetadata(timedMetadata(req, isAccountMetaHeader, ts));
      return send(res, 204);
    }
    case 'DELETE': {
      const ts = requireTimestamp(req);
      const db = dbs.account(t.device, t.part, hash);
      if (!db || !db.initialized() || db.isDeleted()) return send(res, 404);
      db.delete(ts);
      return send(res, 204);
    }
    case 'HEAD':
    case 'GET': {
      const db = dbs.account(t.device, t.part, hash);
      if (!db || !db.initialized()) return send(res, 404);
      const info = db.info();
      if (db.isDeleted(info)) return send(res, 404, { [H.backendTimestamp]: info.deleteTimestamp });
      const headers: Record<string, string> = {
        [H.accountContainerCount]: String(info.containerCount), [H.accountObjectCount]: String(info.objectCount),
        [H.accountBytesUsed]: String(info.bytesUsed), [H.timestamp]: info.createdAt, [H.putTimestamp]: info.putTimestamp,
        ...visibleMetadata(info.metadata),
      };
      if (method === 'HEAD') return send(res, 204, headers);
      return sendJson(res, 200, db.listContainers(listParams(url)), headers);
    }
    default:
      throw new StorageError(405, 'Method Not Allowed');
  }
}

function maxTs(a: string, b: string): string {
  return a > b ? a : b;
}

/** Replication of databases: digest to compare, merge to receive a pushed state. */
export async function handleDbOp(dbs: DbStore, kind: 'container' | 'account', device: string, part: string, hash: string, op: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (op === 'db-digest') {
    const db = kind === 'container' ? dbs.container(device, part, hash) : dbs.account(device, part, hash);
    if (!db || !db.initialized()) return sendJson(res, 200, { exists: false });
    return sendJson(res, 200, { exists: true, digest: db.digest() });
  }
  if (op === 'db-merge') {
    const state = await readJson<ContainerState | AccountState>(req);
    if (kind === 'container') dbs.container(device, part, hash, true)!.mergeState(state as ContainerState);
    else dbs.account(device, part, hash, true)!.mergeState(state as AccountState);
    return send(res, 204);
  }
  throw new StorageError(400, `unknown op ${op}`);
}
