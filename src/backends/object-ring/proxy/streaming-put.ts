// The object PUT fan-out: one connection per primary (a handoff takes the place of a primary
// that cannot be reached), Expect: 100-continue so a node is known to be there before any
// byte is sent, then the body teed to every live node chunk by chunk, waiting for the
// slowest one to drain (backpressure), so memory holds a few chunks whatever the size.
// The proxy does not hash the body: every object server computes its MD5 while writing it
// (and checks the client's ETag), so the ETag comes back in their 201s.
import type { ClientRequest, OutgoingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { RingNode } from '../ring/types.ts';
import type { Backend } from './backend-http.ts';
import { headerValue } from './backend-http.ts';
import { quorumSize } from './quorum.ts';
import { ObjectStoreError } from './types.ts';

interface Conn {
  node: RingNode;
  req: ClientRequest;
  failed: boolean;
  /** a response that came before we finished (an early 4xx/5xx, or the final answer) */
  response: Promise<IncomingMessage | undefined>;
}

export interface FanOutResult {
  statuses: number[];
  /** the MD5 the object servers computed (their 201's ETag); '' when none succeeded */
  etag: string;
  length: number;
  responses: { node: RingNode; status: number; headers: IncomingMessage['headers'] }[];
}

/** Connects to a node and waits for 100 Continue; undefined when the node cannot take the body. */
function connect(backend: Backend, node: RingNode, path: string, headers: OutgoingHttpHeaders): Promise<Conn | undefined> {
  if (backend.isLimited(node)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const req = backend.open(node, 'PUT', path, { ...headers, expect: '100-continue' });
    let settled = false;
    let resolveResponse!: (r: IncomingMessage | undefined) => void;
    const response = new Promise<IncomingMessage | undefined>((r) => (resolveResponse = r));
    const conn: Conn = { node, req, failed: false, response };
    req.on('response', (res) => {
      resolveResponse(res);
      if (!settled) {
        // answered before asking for the body: an unusable node (507, 5xx) gives way to a
        // handoff; a client error (409: a newer version exists) is that replica's answer
        settled = true;
        res.resume();
        conn.failed = true;
        const status = res.statusCode ?? 500;
        if (status === 507 || status >= 500) {
          backend.errorOccurred(node);
          resolve(undefined);
        } else resolve(conn);
      }
    });
    req.on('continue', () => {
      if (!settled) {
        settled = true;
        resolve(conn);
      }
    });
    req.on('error', () => {
      conn.failed = true;
      resolveResponse(undefined);
      if (!settled) {
        settled = true;
        backend.errorOccurred(node);
        resolve(undefined);
      }
    });
    req.flushHeaders();
  });
}

export async function fanOutPut(backend: Backend, primaries: RingNode[], handoffs: Iterator<RingNode>, path: string, headers: OutgoingHttpHeaders, body: Readable): Promise<FanOutResult> {
  const replicas = primaries.length;
  const quorum = quorumSize(replicas);
  // A primary that fails is replaced by the next handoff, as Swift's proxy does.
  const nextHandoff = (): RingNode | undefined => {
    const n = handoffs.next();
    return n.done ? undefined : n.value;
  };
  const connectWithHandoff = async (node: RingNode | undefined): Promise<Conn | undefined> => {
    while (node) {
      const conn = await connect(backend, node, path, headers);
      if (conn) return conn;
      node = nextHandoff();
    }
    return undefined;
  };
  const conns = (await Promise.all(primaries.map((p) => connectWithHandoff(p)))).filter((c): c is Conn => !!c);
  let length = 0;
  const live = () => conns.filter((c) => !c.failed);
  if (live().length < quorum) {
    for (const c of live()) c.req.destroy();
    body.resume();
    const early = await Promise.all(conns.filter((c) => c.failed).map(async (c) => (await c.response)?.statusCode ?? 0));
    if (early.length > 0 && early.some((s) => s > 0)) {
      while (early.length < replicas) early.push(0);
      return { statuses: early, etag: '', length: 0, responses: [] };
    }
    throw new ObjectStoreError(503, `Service Unavailable: ${live().length} of ${replicas} replicas reachable`);
  }

  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      length += chunk.length;
      const waits: Promise<void>[] = [];
      for (const c of live()) {
        if (!c.req.write(chunk)) {
          waits.push(new Promise<void>((resolve) => {
            const done = () => {
              c.req.off('drain', done);
              c.req.off('close', done);
              resolve();
            };
            c.req.on('drain', done);
            c.req.on('close', done);
          }));
        }
      }
      await Promise.all(waits);
      if (live().length < quorum) throw new ObjectStoreError(503, 'Service Unavailable: too many replicas failed during upload');
    }
  } catch (error) {
    for (const c of conns) c.req.destroy();
    if (error instanceof ObjectStoreError) throw error;
    throw new ObjectStoreError(499, 'Client Disconnect');
  }
  for (const c of live()) c.req.end();
  const responses: FanOutResult['responses'] = [];
  const statuses = await Promise.all(conns.map(async (c) => {
    const res = await c.response;
    if (!res) return 0;
    res.resume();
    responses.push({ node: c.node, status: res.statusCode ?? 0, headers: res.headers });
    return res.statusCode ?? 0;
  }));
  while (statuses.length < replicas) statuses.push(0);
  const etags = new Set(responses.filter((r) => r.status === 201).map((r) => headerValue(r.headers, 'etag') ?? ''));
  // replicas that received the same bytes agree; a disagreement means a corrupted transfer
  if (etags.size > 1) throw new ObjectStoreError(503, 'Service Unavailable: replicas disagree on the body\'s MD5');
  return { statuses, etag: [...etags][0] ?? '', length, responses };
}

export function responseEtag(result: FanOutResult): string | undefined {
  const ok = result.responses.find((r) => r.status === 201);
  return ok ? headerValue(ok.headers, 'etag') : undefined;
}
