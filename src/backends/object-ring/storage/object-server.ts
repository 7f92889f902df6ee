// The storage server of one node: Swift's object, container and account servers behind one
// node:http listener, serving the partitions of the devices under its devices dir. It knows
// nothing of rings or quorum: the proxy core decides where each request goes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { H, isStoredObjectHeader, type ServerType } from '../common/backend-headers.ts';
import { lastModified, normalizeTimestamp } from '../common/timestamp.ts';
import { hashPathHex, type HashPathConfig } from '../ring/hash-path.ts';
import { DbStore } from './db-store.ts';
import { handleAccount, handleContainer, handleDbOp, type DbTarget } from './db-handlers.ts';
import { DiskObjects, isPostableHeader, type ObjectMetadata, type ObjectState } from './disk-object.ts';
import { StorageError } from './errors.ts';
import { header, parseRange, send, sendJson } from './http-util.ts';
import { deviceDir, isValidDeviceName } from './paths.ts';
import { logger } from '../../../platform/log.ts';

const log = logger('object-server');
const SOCKET_HIGH_WATER_MARK = 1024 * 1024;
const MOUNT_CHECK_TTL_MS = 1000;

export interface ObjectServerOptions {
  devicesDir: string;
  hashPath: HashPathConfig;
  host?: string;
  port?: number;
}

/** Operator hooks (one-shot replication and audit passes), wired by whoever runs the daemons. */
export type OpsHook = () => Promise<unknown>;

export class ObjectServer {
  readonly devicesDir: string;
  readonly hashConfig: HashPathConfig;
  readonly disk: DiskObjects;
  readonly dbs: DbStore;
  readonly ops = new Map<string, OpsHook>();
  private readonly mountedUntil = new Map<string, number>();
  private server: Server | undefined;
  private readonly host: string;
  private readonly requestedPort: number;

  constructor(options: ObjectServerOptions) {
    this.devicesDir = options.devicesDir;
    this.hashConfig = options.hashPath;
    this.disk = new DiskObjects(options.devicesDir);
    this.dbs = new DbStore(options.devicesDir, options.hashPath);
    this.host = options.host ?? '127.0.0.1';
    this.requestedPort = options.port ?? 0;
  }

  async start(): Promise<number> {
    // big socket buffers: a 1 MiB body goes out (GET) in a few writes without waiting for
    // 'drain' after every 16 KiB, the default
    const server = createServer({ highWaterMark: SOCKET_HIGH_WATER_MARK }, (req, res) => {
      this.handle(req, res).catch((error: unknown) => this.fail(res, error));
    });
    server.keepAliveTimeout = 30000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.requestedPort, this.host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.dbs.close();
  }

  private fail(res: ServerResponse, error: unknown): void {
    if (res.headersSent || !res.socket || res.socket.destroyed) {
      // the client went away (an aborted upload): nothing to answer
      res.destroy();
      return;
    }
    if (error instanceof StorageError) return send(res, error.status, { 'content-type': 'text/plain', ...error.headers }, error.message);
    log.error('request failed', { error: error instanceof Error ? error.stack : String(error) });
    send(res, 500, { 'content-type': 'text/plain' }, 'Internal Server Error');
  }

  /**
   * Whether a device's directory is there (else 507). A synchronous stat on every request
   * stalled the event loop that all local storage servers share, so a present device is
   * believed for a second; a missing one is looked at again every time.
   */
  private deviceMounted(device: string): boolean {
    const now = Date.now();
    const until = this.mountedUntil.get(device);
    if (until !== undefined && until > now) return true;
    if (!existsSync(deviceDir(this.devicesDir, device))) {
      this.mountedUntil.delete(device);
      return false;
    }
    this.mountedUntil.set(device, now + MOUNT_CHECK_TTL_MS);
    return true;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://storage');
    const raw = url.pathname.split('/').slice(1);
    let segs: string[];
    try {
      segs = raw.map((s) => decodeURIComponent(s));
    } catch {
      throw new StorageError(400, 'bad path encoding');
    }
    if (segs[0] === '_ops') return this.handleOps(segs[1] ?? '', req, res);
    const [device, part, account, container, ...rest] = segs;
    if (!device || !isValidDeviceName(device) || !part || !/^\d+$/.test(part)) throw new StorageError(400, 'Invalid path');
    if (!this.deviceMounted(device)) throw new StorageError(507, 'Insufficient Storage');
    const op = header(req, H.op);
    const declared = header(req, H.serverType) as ServerType | undefined;
    if (op) return this.handleOp(op, device, part, segs.slice(2), declared, req, res, url);
    if (!account) throw new StorageError(400, 'Invalid path');
    const object = rest.length ? rest.join('/') : undefined;
    const depth: ServerType = object !== undefined ? 'object' : container !== undefined ? 'container' : 'account';
    const type = declared ?? depth;
    const target: DbTarget = { device, part, account, container, object };
    if (type === 'object') {
      if (depth !== 'object') throw new StorageError(400, 'Invalid path');
      return this.handleObject(target as Required<DbTarget>, req, res);
    }
    if (type === 'container') {
      if (container === undefined) throw new StorageError(400, 'Invalid path');
      return handleContainer(this.dbs, target, req, res, url);
    }
    if (object !== undefined) throw new StorageError(400, 'Invalid path');
    return handleAccount(this.dbs, target, req, res, url);
  }

  private async handleOps(name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (name === 'health') return send(res, 200, { 'content-type': 'text/plain' }, 'OK');
    const hook = this.ops.get(name);
    if (!hook || req.method !== 'POST') throw new StorageError(404, 'Not Found');
    sendJson(res, 200, await hook());
  }

  private async handleOp(op: string, device: string, part: string, args: string[], type: ServerType | undefined, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') throw new StorageError(405, 'Method Not Allowed');
    if (op === 'replicate') return sendJson(res, 200, this.disk.suffixHashes(device, part));
    if (op === 'list-suffixes') {
      const suffixes = (url.searchParams.get('suffixes') ?? '').split(',').filter((s) => /^[0-9a-f]{3}$/.test(s));
      const out: Record<string, Record<string, string[]>> = {};
      for (const s of suffixes) out[s] = this.disk.suffixListing(device, part, s);
      return sendJson(res, 200, out);
    }
    if (op === 'sync-file') {
      const [hash, file] = args;
      await this.disk.receiveFile(device, part, hash ?? '', file ?? '', req);
      return send(res, 201);
    }
    if ((op === 'db-digest' || op === 'db-merge') && (type === 'container' || type === 'account') && args[0]) {
      return handleDbOp(this.dbs, type, device, part, args[0], op, req, res);
    }
    throw new StorageError(400, `unknown op ${op}`);
  }

  private async handleObject(t: Required<DbTarget>, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hash = hashPathHex(this.hashConfig, t.account, t.container, t.object);
    const name = `/${t.account}/${t.container}/${t.object}`;
    const method = req.method ?? 'GET';
    const timestamp = () => {
      const ts = header(req, H.timestamp);
      if (!ts) throw new StorageError(400, 'Missing X-Timestamp header');
      try {
        return normalizeTimestamp(ts);
      } catch {
        throw new StorageError(400, 'Invalid X-Timestamp header');
      }
    };
    switch (method) {
      case 'PUT': {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (isStoredObjectHeader(k) && typeof v === 'string') headers[k] = v;
        const length = header(req, 'content-length');
        const meta = await this.disk.put(t.device, t.part, hash, name, {
          timestamp: timestamp(), contentType: header(req, 'content-type') ?? 'application/octet-stream', headers,
          expectedEtag: header(req, 'etag'), contentLength: length === undefined ? undefined : Number(length),
        }, req);
        return send(res, 201, { etag: meta.etag!, [H.timestamp]: meta.timestamp });
      }
      case 'POST': {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (isPostableHeader(k) && typeof v === 'string') headers[k] = v;
        await this.disk.post(t.device, t.part, hash, name, timestamp(), headers, header(req, 'content-type'));
        return send(res, 202);
      }
      case 'DELETE': {
        const before = await this.disk.delete(t.device, t.part, hash, name, timestamp());
        // 204 when there was something to delete, 404 otherwise; the tombstone is written either way
        return send(res, before.kind === 'data' ? 204 : 404, before.kind === 'tombstone' ? { [H.backendTimestamp]: before.timestamp } : {});
      }
      case 'HEAD':
      case 'GET': {
        const state = await (method === 'GET' ? this.disk.openState(t.device, t.part, hash) : this.disk.state(t.device, t.part, hash))
          .catch((): ObjectState => ({ kind: 'missing' }));
        if (state.kind === 'missing') return send(res, 404);
        if (state.kind === 'tombstone') return send(res, 404, { [H.backendTimestamp]: state.timestamp });
        let headers: Record<string, string | number>;
        let range: ReturnType<typeof parseRange>;
        try {
          headers = objectHeaders(state.metadata, state.dataTimestamp);
          range = method === 'GET' ? parseRange(header(req, 'range'), state.bodyLength) : null;
        } catch (error) {
          this.disk.closeState(state);
          throw error;
        }
        if (range === 'unsatisfiable') {
          this.disk.closeState(state);
          return send(res, 416, { 'content-range': `bytes */${state.bodyLength}` });
        }
        if (method === 'HEAD') {
          res.writeHead(200, { ...headers, 'content-length': state.bodyLength });
          res.end();
          return;
        }
        const body = this.disk.openBody(state, range ?? undefined);
        if (range) {
          res.writeHead(206, { ...headers, 'content-length': range.end - range.start + 1, 'content-range': `bytes ${range.start}-${range.end}/${state.bodyLength}` });
        } else {
          res.writeHead(200, { ...headers, 'content-length': state.bodyLength });
        }
        body.on('error', () => res.destroy());
        res.on('close', () => body.destroy());
        body.pipe(res);
        return;
      }
      default:
        throw new StorageError(405, 'Method Not Allowed');
    }
  }
}

function objectHeaders(meta: ObjectMetadata, dataTimestamp: string): Record<string, string> {
  return {
    ...meta.headers,
    'content-type': meta.contentType ?? 'application/octet-stream',
    etag: meta.etag ?? '',
    [H.timestamp]: meta.timestamp,
    [H.dataTimestamp]: dataTimestamp,
    [H.backendTimestamp]: meta.timestamp,
    'last-modified': lastModified(meta.timestamp).toUTCString(),
  };
}

