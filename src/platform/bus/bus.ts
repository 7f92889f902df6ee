// The bus: RPC between a service's processes, with oslo.messaging's semantics.
// Topics name a service ("conductor") or one host of it ("compute.h1").
// Delivery is at least once, so every handler must be idempotent.

export type Payload = Record<string, unknown>;

/** A handler receives the method name and its arguments; its return value is the reply of a call. */
export type Handler = (method: string, args: Payload) => Promise<unknown> | unknown;

export class BusTimeoutError extends Error {
  constructor(topic: string, method: string, timeoutMs: number) {
    super(`no reply from ${topic}.${method} within ${timeoutMs} ms`);
  }
}

/** Raised on the caller's side when the remote handler threw; carries its message and name. */
export class RemoteError extends Error {
  readonly remoteName: string;
  constructor(remoteName: string, message: string) {
    super(message);
    this.remoteName = remoteName;
  }
}

export interface Subscription {
  close(): Promise<void>;
}

export interface Bus {
  /** RPC: one server of the topic handles it; resolves with its reply or rejects (BusTimeoutError, RemoteError). */
  call(topic: string, method: string, args: Payload, options?: { timeoutMs?: number }): Promise<unknown>;
  /** fire and forget: one server of the topic handles it */
  cast(topic: string, method: string, args: Payload): Promise<void>;
  /** every server of the topic handles it */
  fanout(topic: string, method: string, args: Payload): Promise<void>;
  /**
   * Serve a topic. Servers of one topic share call/cast work (competing consumers);
   * each one receives every fanout.
   */
  serve(topic: string, handler: Handler): Promise<Subscription>;
  close(): Promise<void>;
}
