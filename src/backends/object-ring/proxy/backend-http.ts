// HTTP requests from the proxy core to storage nodes, with connect and response timeouts and
// Swift-like error limiting (a node that just failed is skipped for a while, so one dead
// node costs one timeout, not one per request).
import { Agent, request, type IncomingMessage, type ClientRequest, type OutgoingHttpHeaders, type RequestOptions } from 'node:http';
import type { RingNode } from '../ring/types.ts';

const SOCKET_HIGH_WATER_MARK = 1024 * 1024;

export interface BackendOptions {
  connectTimeoutMs: number;
  nodeTimeoutMs: number;
  /** how long a failed node is skipped */
  errorSuppressionMs: number;
}

export const DEFAULT_BACKEND_OPTIONS: BackendOptions = { connectTimeoutMs: 1000, nodeTimeoutMs: 30000, errorSuppressionMs: 5000 };

export interface BackendResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

export class Backend {
  readonly options: BackendOptions;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly suppressedUntil = new Map<string, number>();

  constructor(options: Partial<BackendOptions> = {}) {
    this.options = { ...DEFAULT_BACKEND_OPTIONS, ...options };
  }

  private key(node: RingNode): string {
    return `${node.ip}:${node.port}/${node.device}`;
  }

  isLimited(node: RingNode): boolean {
    const until = this.suppressedUntil.get(this.key(node));
    return until !== undefined && until > Date.now();
  }

  errorOccurred(node: RingNode): void {
    if (this.options.errorSuppressionMs > 0) this.suppressedUntil.set(this.key(node), Date.now() + this.options.errorSuppressionMs);
  }

  /** Opens a request; the caller writes the body (or ends it). */
  open(node: RingNode, method: string, path: string, headers: OutgoingHttpHeaders): ClientRequest {
    // highWaterMark (Node's request option for its socket, missing from @types/node): the PUT
    // fan-out waits for 'drain' when a write returns false, with the default 16 KiB that was
    // after every socket piece of every replica
    const options: RequestOptions & { highWaterMark: number } = {
      host: node.ip, port: node.port, method, path: `/${encodeURIComponent(node.device)}${path}`,
      headers, agent: this.agent, timeout: this.options.nodeTimeoutMs, highWaterMark: SOCKET_HIGH_WATER_MARK,
    };
    const req = request(options);
    req.on('timeout', () => req.destroy(new Error('node timeout')));
    const connectTimer = setTimeout(() => req.destroy(new Error('connect timeout')), this.options.connectTimeoutMs);
    req.once('socket', (socket) => {
      if (!socket.connecting) clearTimeout(connectTimer);
      else socket.once('connect', () => clearTimeout(connectTimer));
    });
    req.once('close', () => clearTimeout(connectTimer));
    return req;
  }

  /** A whole request with an optional small body; resolves with the response (body unread). */
  send(node: RingNode, method: string, path: string, headers: OutgoingHttpHeaders = {}, body?: Buffer | string): Promise<BackendResponse> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
      const req = this.open(node, method, path, payload ? { ...headers, 'content-length': payload.length } : headers);
      req.once('response', (res) => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: res }));
      req.once('error', (error) => {
        this.errorOccurred(node);
        reject(error);
      });
      req.end(payload);
    });
  }

  /** send() and read the whole (small) response body. */
  async call(node: RingNode, method: string, path: string, headers: OutgoingHttpHeaders = {}, body?: Buffer | string): Promise<{ status: number; headers: IncomingMessage['headers']; text: string }> {
    const res = await this.send(node, method, path, headers, body);
    const chunks: Buffer[] = [];
    for await (const chunk of res.body as AsyncIterable<Buffer>) chunks.push(chunk);
    if (res.status >= 500 || res.status === 507) this.errorOccurred(node);
    return { status: res.status, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') };
  }

  close(): void {
    this.agent.destroy();
  }
}

export function headerValue(headers: IncomingMessage['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}
