// What travels on the bus, shared by the in-process and AMQP buses so that both encode, fail and
// report errors identically. Everything crosses as JSON text: a value that JSON cannot carry
// (BigInt, cycles) fails at the sender, and no object is ever shared between caller and handler.
import { RemoteError } from './bus.ts';
import type { Handler, Payload } from './bus.ts';

export const DEFAULT_CALL_TIMEOUT_MS = 60_000; // oslo.messaging's rpc_response_timeout
export const DEFAULT_PREFETCH = 10;

export interface Request {
  method: string;
  args: Payload;
}

type Reply = { ok: true; result?: unknown } | { ok: false; error: { name: string; message: string } };

export function encodeRequest(method: string, args: Payload): string {
  if (typeof method !== 'string' || method === '') throw new TypeError('bus: method must be a non-empty string');
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    throw new TypeError('bus: args must be a JSON object');
  }
  return JSON.stringify({ method, args });
}

export function decodeRequest(text: string): Request {
  const parsed = JSON.parse(text) as Partial<Request>;
  if (typeof parsed.method !== 'string' || parsed.args === null || typeof parsed.args !== 'object') {
    throw new TypeError('bus: malformed request');
  }
  return { method: parsed.method, args: parsed.args };
}

/** Runs the handler and returns the encoded reply; never throws. */
export async function runHandler(handler: Handler, request: Request): Promise<string> {
  try {
    const result = await handler(request.method, request.args);
    return JSON.stringify({ ok: true, result } satisfies Reply);
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    const message = err instanceof Error ? err.message : String(err);
    return JSON.stringify({ ok: false, error: { name, message } } satisfies Reply);
  }
}

/** Turns an encoded reply into the call's result, or throws the RemoteError it carries. */
export function decodeReply(text: string): unknown {
  const reply = JSON.parse(text) as Reply;
  if (reply.ok) return reply.result;
  throw new RemoteError(reply.error.name, reply.error.message);
}

export function checkTopic(topic: string): void {
  if (typeof topic !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(topic)) {
    throw new TypeError(`bus: invalid topic ${JSON.stringify(topic)}`);
  }
}

/** Pending calls of one bus, keyed by correlation id. */
export class PendingCalls {
  private readonly calls = new Map<string, { settle: (text: string) => void; fail: (err: Error) => void }>();

  /** Registers a call; the returned promise settles on reply, timeout or failAll. */
  expect(id: string, timeoutMs: number, onTimeout: () => Error): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(id);
        reject(onTimeout());
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.calls.delete(id);
      };
      this.calls.set(id, {
        settle: (text) => {
          done();
          try {
            resolve(decodeReply(text));
          } catch (err) {
            reject(err);
          }
        },
        fail: (err) => {
          done();
          reject(err);
        },
      });
    });
  }

  /** Delivers a reply; replies nobody waits for (late, duplicate) are dropped. */
  reply(id: string, text: string): void {
    this.calls.get(id)?.settle(text);
  }

  fail(id: string, err: Error): void {
    this.calls.get(id)?.fail(err);
  }

  failAll(err: Error): void {
    for (const id of [...this.calls.keys()]) this.fail(id, err);
  }
}
