// The proxy core (Swift's proxy controllers without the REST surface): finds replicas in the
// rings, writes to all primaries and succeeds on a quorum (handoffs standing in for failed
// primaries), reads from the first replica that answers, and keeps container listings and
// account stats up to date after every object and container write.
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { H, encodePath, type ServerType } from '../common/backend-headers.ts';
import { ZERO_TIMESTAMP, lastModified, newTimestamp, normalizeTimestamp } from '../common/timestamp.ts';
import type { RingSet } from '../ring/ring-set.ts';
import type { Ring } from '../ring/ring.ts';
import type { RingNode } from '../ring/types.ts';
import type { ContainerRow } from '../storage/account-db.ts';
import type { ObjectRow } from '../storage/container-db.ts';
import { Backend, headerValue, type BackendOptions, type BackendResponse } from './backend-http.ts';
import { bestStatus, quorumSize } from './quorum.ts';
import { fanOutPut } from './streaming-put.ts';
import {
  ObjectStoreError,
  type AccountInfo, type AccountListingEntry, type ContainerInfo, type ContainerListingEntry, type GetObjectOptions,
  type GetObjectResult, type HeaderMap, type ListingParams, type ObjectClient, type ObjectInfo, type PostObjectInput,
  type PutObjectInput, type PutObjectResult,
} from './types.ts';
import { logger } from '../../../platform/log.ts';

const log = logger('object-client');

export interface RingObjectClientOptions {
  rings: RingSet;
  backend?: Partial<BackendOptions>;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 412: 'Precondition Failed', 416: 'Requested Range Not Satisfiable',
  422: 'Unprocessable Entity', 499: 'Client Disconnect', 503: 'Service Unavailable',
};

function fail(status: number, what?: string): never {
  throw new ObjectStoreError(status, what ? `${STATUS_TEXT[status] ?? 'Error'}: ${what}` : STATUS_TEXT[status] ?? `status ${status}`);
}

/** Swift's listing time format: ISO 8601 with microseconds and no zone. */
export function listingTime(timestamp: string): string {
  const [secs, frac = '0'] = timestamp.split('.');
  const iso = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return `${iso}.${frac.padEnd(6, '0').slice(0, 6)}`;
}

function pick(headers: IncomingMessage['headers'], accept: (name: string) => boolean): HeaderMap {
  const out: HeaderMap = {};
  for (const [k, v] of Object.entries(headers)) if (accept(k) && typeof v === 'string') out[k] = v;
  return out;
}

/** Short: a container deleted through another API process stays writable this long at most. */
const CONTAINER_EXISTENCE_TTL_MS = 1000;

type WriteResult = { status: number; headers: IncomingMessage['headers'] };

interface ReportSlot {
  account: string;
  container: string;
  running: boolean;
  queued?: { results: WriteResult[]; done: Promise<void>; settle: (error?: unknown) => void };
}

/** The newest stats timestamp among the replicas' answers: which of two reports is fresher. */
function statsTimestampOf(results: WriteResult[]): string {
  let newest = '';
  for (const r of results) {
    const ts = r.status >= 200 && r.status < 300 ? headerValue(r.headers, H.statsTimestamp) ?? '' : '';
    if (ts > newest) newest = ts;
  }
  return newest;
}

const isObjectStored = (k: string) => k.startsWith('x-object-meta-') || k.startsWith('x-object-sysmeta-') || k.startsWith('x-object-transient-sysmeta-') ||
  ['content-disposition', 'content-encoding', 'x-delete-at', 'x-object-manifest', 'x-static-large-object'].includes(k);
const isContainerMeta = (k: string) => k.startsWith('x-container-meta-') || k.startsWith('x-container-sysmeta-') ||
  ['x-container-read', 'x-container-write', 'x-container-sync-to', 'x-container-sync-key', 'x-versions-location', 'x-history-location'].includes(k);
const isAccountMeta = (k: string) => k.startsWith('x-account-meta-') || k.startsWith('x-account-sysmeta-') || k === 'x-account-access-control';

export class RingObjectClient implements ObjectClient {
  readonly rings: RingSet;
  readonly backend: Backend;
  private readonly reports = new Map<string, ReportSlot>();
  /** account -> its stats reports still on their way (object writes do not wait for them) */
  private readonly pendingReports = new Map<string, Set<Promise<void>>>();
  /** "account/container" -> until when it is known to exist (see requireContainer) */
  private readonly knownContainers = new Map<string, number>();

  constructor(options: RingObjectClientOptions) {
    this.rings = options.rings;
    this.backend = new Backend(options.backend);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pendingReports.values()].flatMap((set) => [...set]));
    this.backend.close();
  }

  // ---------- plumbing ----------

  private locate(ring: Ring, account: string, container?: string, object?: string) {
    const { partition, nodes } = ring.getNodes(account, container, object);
    return { partition, nodes, handoffs: ring.getMoreNodes(partition) };
  }

  /**
   * Sends the same small request to every primary, a handoff standing in for each primary
   * that cannot be reached; returns every replica's status (0: nothing reachable).
   */
  private async writeAll(ring: Ring, type: ServerType, path: string[], method: string, headers: OutgoingHttpHeaders,
    account: string, container?: string, object?: string): Promise<{ status: number; headers: IncomingMessage['headers'] }[]> {
    const { partition, nodes, handoffs } = this.locate(ring, account, container, object);
    const urlPath = `/${partition}${encodePath(...path)}`;
    const all = { ...headers, [H.serverType]: type };
    const one = async (node: RingNode | undefined): Promise<{ status: number; headers: IncomingMessage['headers'] }> => {
      while (node) {
        if (!this.backend.isLimited(node)) {
          try {
            const res = await this.backend.call(node, method, urlPath, all);
            if (res.status !== 507 && res.status < 500) return res;
          } catch {
            // unreachable: try a handoff
          }
        }
        const next = handoffs.next();
        node = next.done ? undefined : next.value;
      }
      return { status: 0, headers: {} };
    };
    return Promise.all(nodes.map((n) => one(n)));
  }

  /** Reads from the primaries then the handoffs; the first success wins. */
  private async readFirst(ring: Ring, type: ServerType, path: string[], method: string, headers: OutgoingHttpHeaders,
    account: string, container?: string, object?: string, query = ''): Promise<BackendResponse | { status: number; tombstone?: string }> {
    const { partition, nodes, handoffs } = this.locate(ring, account, container, object);
    const urlPath = `/${partition}${encodePath(...path)}${query}`;
    let notFound = 0;
    let newestTombstone: string | undefined;
    let tried = 0;
    const candidates = function* () {
      yield* nodes;
      // Swift asks up to 2 x replicas nodes for a read
      for (let i = 0; i < nodes.length; i++) {
        const n = handoffs.next();
        if (n.done) return;
        yield n.value;
      }
    };
    let other = 0;
    const limited: RingNode[] = [];
    // error-limited nodes are asked last, not never: one of them may be back already
    const ordered = function* (backend: Backend) {
      for (const node of candidates()) {
        if (backend.isLimited(node)) limited.push(node);
        else yield node;
      }
      yield* limited;
    };
    for (const node of ordered(this.backend)) {
      tried++;
      let res: BackendResponse;
      try {
        res = await this.backend.send(node, method, urlPath, { ...headers, [H.serverType]: type });
      } catch {
        continue;
      }
      if (res.status >= 200 && res.status < 300) {
        const ts = headerValue(res.headers, H.timestamp) ?? headerValue(res.headers, H.putTimestamp);
        // a replica that missed a DELETE must not resurrect what a newer tombstone removed
        if (type === 'object' && newestTombstone && ts && ts < newestTombstone) {
          res.body.resume();
          continue;
        }
        return res;
      }
      res.body.resume();
      if (res.status === 404) {
        notFound++;
        const tomb = headerValue(res.headers, H.backendTimestamp);
        if (tomb && (!newestTombstone || tomb > newestTombstone)) newestTombstone = tomb;
      } else if (res.status === 416) return { status: 416 };
      else {
        other++;
        if (res.status >= 500) this.backend.errorOccurred(node);
      }
    }
    if (notFound > 0) return { status: 404, tombstone: newestTombstone };
    void other;
    void tried;
    return { status: 503 };
  }

  private static async readBody(res: BackendResponse): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of res.body as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }

  // ---------- accounts ----------

  async headAccount(account: string): Promise<AccountInfo> {
    await this.settleAccountReports(account);
    const res = await this.readFirst(this.rings.account, 'account', [account], 'HEAD', {}, account);
    if (!('body' in res)) {
      if (res.status === 404) return this.emptyAccount(account);
      fail(res.status, 'account');
    }
    res.body.resume();
    return this.accountInfo(account, res.headers);
  }

  async getAccount(account: string, params: ListingParams = {}): Promise<{ info: AccountInfo; entries: AccountListingEntry[] }> {
    await this.settleAccountReports(account);
    const res = await this.readFirst(this.rings.account, 'account', [account], 'GET', {}, account, undefined, undefined, listingQuery(params));
    if (!('body' in res)) {
      if (res.status === 404) return { info: this.emptyAccount(account), entries: [] };
      fail(res.status, 'account');
    }
    const rows = JSON.parse(await RingObjectClient.readBody(res)) as (ContainerRow | { subdir: string })[];
    const entries = rows.map((r): AccountListingEntry => 'subdir' in r ? { subdir: r.subdir } :
      { name: r.name, count: r.object_count, bytes: r.bytes_used, last_modified: listingTime(r.put_timestamp) });
    return { info: this.accountInfo(account, res.headers), entries };
  }

  private emptyAccount(account: string): AccountInfo {
    return { account, exists: false, containerCount: 0, objectCount: 0, bytesUsed: 0, timestamp: ZERO_TIMESTAMP, putTimestamp: ZERO_TIMESTAMP, metadata: {} };
  }

  private accountInfo(account: string, h: IncomingMessage['headers']): AccountInfo {
    return {
      account, exists: true,
      containerCount: Number(headerValue(h, H.accountContainerCount) ?? 0),
      objectCount: Number(headerValue(h, H.accountObjectCount) ?? 0),
      bytesUsed: Number(headerValue(h, H.accountBytesUsed) ?? 0),
      timestamp: headerValue(h, H.timestamp) ?? ZERO_TIMESTAMP,
      putTimestamp: headerValue(h, H.putTimestamp) ?? ZERO_TIMESTAMP,
      metadata: pick(h, isAccountMeta),
    };
  }

  async putAccount(account: string, metadata: HeaderMap = {}): Promise<boolean> {
    const ts = newTimestamp();
    const results = await this.writeAll(this.rings.account, 'account', [account], 'PUT', { ...metadata, [H.timestamp]: ts }, account);
    const status = bestStatus(results.map((r) => r.status), results.length);
    if (status >= 300) fail(status, 'account');
    return results.some((r) => r.status === 201);
  }

  async postAccount(account: string, metadata: HeaderMap): Promise<void> {
    const ts = newTimestamp();
    let results = await this.writeAll(this.rings.account, 'account', [account], 'POST', { ...metadata, [H.timestamp]: ts }, account);
    let status = bestStatus(results.map((r) => r.status), results.length);
    if (status === 404) {
      // autocreate, as Swift's proxy does for a POST to a missing account
      await this.putAccount(account);
      results = await this.writeAll(this.rings.account, 'account', [account], 'POST', { ...metadata, [H.timestamp]: newTimestamp() }, account);
      status = bestStatus(results.map((r) => r.status), results.length);
    }
    if (status >= 300) fail(status, 'account');
  }

  async deleteAccount(account: string): Promise<void> {
    const results = await this.writeAll(this.rings.account, 'account', [account], 'DELETE', { [H.timestamp]: newTimestamp() }, account);
    const status = bestStatus(results.map((r) => r.status), results.length);
    if (status >= 300) fail(status, 'account');
  }

  /** Tells the account replicas about a container's state and stats (Swift's container->account update). */
  private async updateAccount(account: string, container: string, put: string, del: string, objectCount: number, bytesUsed: number, statsTimestamp: string): Promise<void> {
    await this.writeAll(this.rings.account, 'account', [account, container], 'PUT', {
      [H.putTimestamp]: put, [H.deleteTimestamp]: del, [H.objectCount]: String(objectCount), [H.bytesUsed]: String(bytesUsed),
      [H.statsTimestamp]: statsTimestamp,
    }, account);
  }

  // ---------- containers ----------

  async headContainer(account: string, container: string): Promise<ContainerInfo> {
    const res = await this.readFirst(this.rings.container, 'container', [account, container], 'HEAD', {}, account, container);
    if (!('body' in res)) {
      this.knownContainers.delete(`${account}/${container}`);
      fail(res.status, 'container');
    }
    res.body.resume();
    if (this.knownContainers.size >= 10000) this.knownContainers.clear();
    this.knownContainers.set(`${account}/${container}`, Date.now() + CONTAINER_EXISTENCE_TTL_MS);
    return containerInfo(account, container, res.headers);
  }

  /**
   * Whether an object PUT may go ahead: a container seen a moment ago (the API looks it up just
   * before, for ACLs and quotas) is not asked again, as Swift's proxy keeps container info in
   * memcache; any other is looked up. Deleting a container here forgets it at once.
   */
  private async requireContainer(account: string, container: string): Promise<void> {
    const until = this.knownContainers.get(`${account}/${container}`);
    if (until !== undefined && until > Date.now()) return;
    await this.headContainer(account, container);
  }

  async getContainer(account: string, container: string, params: ListingParams = {}): Promise<{ info: ContainerInfo; entries: ContainerListingEntry[] }> {
    const res = await this.readFirst(this.rings.container, 'container', [account, container], 'GET', {}, account, container, undefined, listingQuery(params));
    if (!('body' in res)) fail(res.status, 'container');
    const rows = JSON.parse(await RingObjectClient.readBody(res)) as (ObjectRow | { subdir: string })[];
    const entries = rows.map((r): ContainerListingEntry => 'subdir' in r ? { subdir: r.subdir } :
      { name: r.name, hash: r.etag, bytes: r.size, content_type: r.content_type, last_modified: listingTime(r.created_at) });
    return { info: containerInfo(account, container, res.headers), entries };
  }

  async putContainer(account: string, container: string, metadata: HeaderMap = {}): Promise<boolean> {
    const acct = await this.headAccount(account);
    if (!acct.exists) await this.putAccount(account);
    const ts = newTimestamp();
    const results = await this.writeAll(this.rings.container, 'container', [account, container], 'PUT', { ...metadata, [H.timestamp]: ts }, account, container);
    const status = bestStatus(results.map((r) => r.status), results.length);
    if (status >= 300) fail(status, 'container');
    await this.reportContainer(account, container, results);
    return results.some((r) => r.status === 201);
  }

  async postContainer(account: string, container: string, metadata: HeaderMap): Promise<void> {
    const results = await this.writeAll(this.rings.container, 'container', [account, container], 'POST', { ...metadata, [H.timestamp]: newTimestamp() }, account, container);
    const status = bestStatus(results.map((r) => r.status), results.length);
    if (status >= 300) fail(status, 'container');
  }

  async deleteContainer(account: string, container: string): Promise<void> {
    this.knownContainers.delete(`${account}/${container}`);
    const results = await this.writeAll(this.rings.container, 'container', [account, container], 'DELETE', { [H.timestamp]: newTimestamp() }, account, container);
    const status = bestStatus(results.map((r) => r.status), results.length);
    if (status >= 300) fail(status, status === 409 ? 'container not empty' : 'container');
    await this.reportContainer(account, container, results);
  }

  /** Forwards the container's state from the first replica that answered to the account. */
  private async reportContainer(account: string, container: string, results: { status: number; headers: IncomingMessage['headers'] }[]): Promise<void> {
    const ok = results.find((r) => r.status >= 200 && r.status < 300 && headerValue(r.headers, H.putTimestamp));
    if (!ok) return;
    await this.updateAccount(account, container, headerValue(ok.headers, H.putTimestamp)!, headerValue(ok.headers, H.deleteTimestamp) ?? ZERO_TIMESTAMP,
      Number(headerValue(ok.headers, H.containerObjectCount) ?? 0), Number(headerValue(ok.headers, H.containerBytesUsed) ?? 0),
      headerValue(ok.headers, H.statsTimestamp) ?? newTimestamp());
  }

  /** Records an object change in the container replicas (Swift's object->container update). */
  private async updateContainer(account: string, container: string, object: string, method: 'PUT' | 'DELETE', ts: string, row: { size: number; contentType: string; etag: string }): Promise<void> {
    const results = await this.writeAll(this.rings.container, 'container', [account, container, object], method, {
      [H.timestamp]: ts, [H.size]: String(row.size), [H.rowContentType]: row.contentType, [H.rowEtag]: row.etag,
    }, account, container);
    // The object is durable and listed: the account's stats follow in the background (Swift
    // leaves them to its container updater), so a PUT does not wait for a third round of
    // writes. This process's own account reads wait for them (see settleAccountReports).
    const report = this.reportContainerCoalesced(account, container, results);
    let pending = this.pendingReports.get(account);
    if (!pending) this.pendingReports.set(account, (pending = new Set()));
    pending.add(report);
    const forget = () => {
      pending.delete(report);
      if (pending.size === 0 && this.pendingReports.get(account) === pending) this.pendingReports.delete(account);
    };
    report.then(forget, (error: unknown) => {
      forget();
      log.warn('account stats update failed; the replicator will carry it', { account, container, error: String(error) });
    });
  }

  /** Waits for the account reports this process has started for the account (read-your-writes). */
  private async settleAccountReports(account: string): Promise<void> {
    const pending = this.pendingReports.get(account);
    if (pending?.size) await Promise.allSettled([...pending]);
  }

  /**
   * reportContainer for object writes, coalesced per container: while one report is on its way
   * to the account replicas, later writes wait for the next one, which carries the newest stats
   * any of them saw. Each caller still returns only after a report that includes its own write,
   * so the account's stats are current once the write is acknowledged; but N concurrent writes
   * to one container cost two account updates, not N (Swift's container updater batches these
   * too, asynchronously).
   */
  private reportContainerCoalesced(account: string, container: string, results: WriteResult[]): Promise<void> {
    const key = `${account}/${container}`;
    let slot = this.reports.get(key);
    if (!slot) this.reports.set(key, (slot = { account, container, running: false }));
    if (slot.queued) {
      if (statsTimestampOf(results) > statsTimestampOf(slot.queued.results)) slot.queued.results = results;
      return slot.queued.done;
    }
    let settle!: (error?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => (settle = (error) => (error === undefined ? resolve() : reject(error))));
    slot.queued = { results, done, settle };
    if (!slot.running) void this.drainReports(key, slot);
    return done;
  }

  private async drainReports(key: string, slot: ReportSlot): Promise<void> {
    slot.running = true;
    while (slot.queued) {
      const next = slot.queued;
      slot.queued = undefined;
      try {
        await this.reportContainer(slot.account, slot.container, next.results);
        next.settle();
      } catch (error) {
        next.settle(error ?? new Error('account update failed'));
      }
    }
    slot.running = false;
    this.reports.delete(key);
  }

  // ---------- objects ----------

  async putObject(input: PutObjectInput): Promise<PutObjectResult> {
    const { account, container, object } = input;
    try {
      await this.requireContainer(account, container);
    } catch (error) {
      input.body.resume();
      throw error;
    }
    const ts = input.timestamp ? normalizeTimestamp(input.timestamp) : newTimestamp();
    const contentType = input.contentType ?? 'application/octet-stream';
    const headers: OutgoingHttpHeaders = { ...(input.headers ?? {}), [H.timestamp]: ts, 'content-type': contentType, [H.serverType]: 'object' };
    if (input.contentLength !== undefined) headers['content-length'] = input.contentLength;
    if (input.etag) headers.etag = input.etag.replace(/"/g, '').toLowerCase();
    const { partition, nodes, handoffs } = this.locate(this.rings.object, account, container, object);
    const result = await fanOutPut(this.backend, nodes, handoffs, `/${partition}${encodePath(account, container, object)}`, headers, input.body);
    if (input.contentLength !== undefined && result.statuses.some((s) => s === 201) && result.length !== input.contentLength) fail(499);
    const status = bestStatus(result.statuses, nodes.length);
    if (status >= 300) fail(status, status === 422 ? 'ETag mismatch' : status === 409 ? 'a newer version exists' : 'object');
    if (input.etag && input.etag.replace(/"/g, '').toLowerCase() !== result.etag) fail(422, 'ETag mismatch');
    await this.updateContainer(account, container, object, 'PUT', ts, { size: result.length, contentType, etag: result.etag });
    return { etag: result.etag, contentLength: result.length, timestamp: ts, lastModified: lastModified(ts) };
  }

  async getObject(account: string, container: string, object: string, options: GetObjectOptions = {}): Promise<GetObjectResult> {
    const headers: OutgoingHttpHeaders = options.range ? { range: options.range } : {};
    const res = await this.readFirst(this.rings.object, 'object', [account, container, object], 'GET', headers, account, container, object);
    if (!('body' in res)) fail(res.status, 'object');
    const info = objectInfo(account, container, object, res.headers);
    const result: GetObjectResult = { ...info, status: res.status === 206 ? 206 : 200, body: res.body };
    const range = headerValue(res.headers, 'content-range');
    if (range) result.contentRange = range;
    if (res.status === 206) result.contentLength = Number(headerValue(res.headers, 'content-length') ?? 0);
    return result;
  }

  async headObject(account: string, container: string, object: string): Promise<ObjectInfo> {
    const res = await this.readFirst(this.rings.object, 'object', [account, container, object], 'HEAD', {}, account, container, object);
    if (!('body' in res)) fail(res.status, 'object');
    res.body.resume();
    return objectInfo(account, container, object, res.headers);
  }

  async postObject(account: string, container: string, object: string, input: PostObjectInput): Promise<void> {
    const ts = input.timestamp ? normalizeTimestamp(input.timestamp) : newTimestamp();
    const headers: OutgoingHttpHeaders = { ...input.headers, [H.timestamp]: ts };
    if (input.contentType) headers['content-type'] = input.contentType;
    const results = await this.writeAll(this.rings.object, 'object', [account, container, object], 'POST', headers, account, container, object);
    const status = bestStatus(results.map((r) => r.status), results.length);
    if (status >= 300) fail(status, 'object');
    if (input.contentType) {
      // the listing shows the new content type, as Swift's container update after a POST does
      const info = await this.headObject(account, container, object);
      await this.updateContainer(account, container, object, 'PUT', ts, { size: info.contentLength, contentType: input.contentType, etag: info.etag });
    }
  }

  async deleteObject(account: string, container: string, object: string, timestamp?: string): Promise<void> {
    const ts = timestamp ? normalizeTimestamp(timestamp) : newTimestamp();
    const results = await this.writeAll(this.rings.object, 'object', [account, container, object], 'DELETE', { [H.timestamp]: ts }, account, container, object);
    const statuses = results.map((r) => r.status);
    const status = bestStatus(statuses, results.length);
    const reachable = statuses.filter((s) => s > 0 && s < 500).length >= quorumSize(results.length);
    // the tombstones are written even where the object was missing: record the delete in the listing too
    if (reachable) await this.updateContainer(account, container, object, 'DELETE', ts, { size: 0, contentType: '', etag: '' });
    if (status >= 300) fail(status, 'object');
  }
}

function listingQuery(p: ListingParams): string {
  const q = new URLSearchParams();
  if (p.prefix) q.set('prefix', p.prefix);
  if (p.marker) q.set('marker', p.marker);
  if (p.endMarker) q.set('end_marker', p.endMarker);
  if (p.limit !== undefined) q.set('limit', String(p.limit));
  if (p.delimiter) q.set('delimiter', p.delimiter);
  if (p.reverse) q.set('reverse', 'true');
  const s = q.toString();
  return s ? `?${s}` : '';
}

function containerInfo(account: string, container: string, h: IncomingMessage['headers']): ContainerInfo {
  return {
    account, container,
    objectCount: Number(headerValue(h, H.containerObjectCount) ?? 0),
    bytesUsed: Number(headerValue(h, H.containerBytesUsed) ?? 0),
    timestamp: headerValue(h, H.timestamp) ?? ZERO_TIMESTAMP,
    putTimestamp: headerValue(h, H.putTimestamp) ?? ZERO_TIMESTAMP,
    metadata: pick(h, isContainerMeta),
  };
}

function objectInfo(account: string, container: string, object: string, h: IncomingMessage['headers']): ObjectInfo {
  const timestamp = headerValue(h, H.timestamp) ?? ZERO_TIMESTAMP;
  return {
    account, container, object,
    etag: headerValue(h, 'etag') ?? '',
    contentLength: Number(headerValue(h, 'content-length') ?? 0),
    contentType: headerValue(h, 'content-type') ?? 'application/octet-stream',
    timestamp,
    dataTimestamp: headerValue(h, H.dataTimestamp) ?? timestamp,
    lastModified: lastModified(timestamp),
    headers: pick(h, isObjectStored),
  };
}
