// Connections to one directory: a small pool of clients bound as the service
// account, each operation under a deadline. A connection that fails is thrown
// away and the next operation opens a fresh one, so a directory that comes back
// is used again without a restart. Any failure to reach the directory becomes a
// 503 for this domain only.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Client, ResultCodeError, type SearchOptions, type Entry } from 'ldapts';
import { logger } from '../../../platform/log.ts';
import { directoryUnavailable } from '../driver.ts';
import type { ResolvedLdapOptions } from './config.ts';

const log = logger('identity.ldap');

/** A deadline passed: the connection is in an unknown state and must not be reused. */
class DeadlineError extends Error {}

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** A directory's answer (no such object, invalid credentials...), as opposed to not reaching it. */
export function isDirectoryAnswer(error: unknown): error is ResultCodeError {
  return error instanceof ResultCodeError;
}

export class LdapPool {
  private readonly options: ResolvedLdapOptions;
  private readonly idle: Client[] = [];
  private busy = 0;
  private readonly waiters: Array<(client: Client | undefined) => void> = [];
  private closed = false;
  private tls?: ConnectionOptions;

  constructor(options: ResolvedLdapOptions) {
    this.options = options;
  }

  private tlsOptions(): ConnectionOptions {
    if (!this.tls) {
      const o = this.options;
      const host = new URL(o.url).hostname;
      this.tls = {
        ...(o.tls_cacertfile ? { ca: [readFileSync(o.tls_cacertfile)] } : {}),
        rejectUnauthorized: o.tls_req_cert === 'demand',
        servername: /^[\d.]+$|:/.test(host) ? undefined : host,
      };
    }
    return this.tls;
  }

  private newClient(): Client {
    const o = this.options;
    return new Client({
      url: o.url,
      timeout: o.operation_timeout * 1000,
      connectTimeout: o.connection_timeout * 1000,
      tlsOptions: o.url.startsWith('ldaps:') ? this.tlsOptions() : undefined,
      strictDN: false,
    });
  }

  /** A new connection, upgraded with StartTLS when configured, bound as `dn` (anonymous when unset). */
  async connect(dn?: string, password?: string): Promise<Client> {
    const client = this.newClient();
    const o = this.options;
    try {
      await withDeadline(
        (async () => {
          if (o.use_tls) await client.startTLS(this.tlsOptions());
          if (dn) await client.bind(dn, password ?? '');
        })(),
        o.connection_timeout * 1000 + o.operation_timeout * 1000,
        'connecting',
      );
      return client;
    } catch (error) {
      void client.unbind().catch(() => undefined);
      throw error;
    }
  }

  private async acquire(): Promise<Client> {
    if (this.closed) throw directoryUnavailable(this.options.url, 'the connection pool is closed');
    const ready = this.idle.pop();
    if (ready) {
      this.busy++;
      return ready;
    }
    if (this.busy >= this.options.pool_size) {
      const handed = await new Promise<Client | undefined>((resolve) => this.waiters.push(resolve));
      if (handed) return handed;
    }
    this.busy++;
    try {
      return await this.connect(this.options.user, this.options.password);
    } catch (error) {
      this.release(undefined);
      throw error;
    }
  }

  /** Returns a healthy client to the pool; undefined frees the slot (the client was discarded). */
  private release(client: Client | undefined): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      if (client) waiter(client);
      else {
        this.busy--;
        waiter(undefined);
      }
      return;
    }
    this.busy--;
    if (client && !this.closed) this.idle.push(client);
    else if (client) void client.unbind().catch(() => undefined);
  }

  /**
   * Runs one operation on a pooled connection. A pooled connection may have died
   * since its last use (the directory restarted): one fresh attempt follows.
   */
  async run<T>(what: string, op: (client: Client) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      const fromPool = this.idle.length > 0;
      let client: Client;
      try {
        client = await this.acquire();
      } catch (error) {
        throw this.unavailable(error);
      }
      try {
        const result = await withDeadline(op(client), this.options.operation_timeout * 1000, what);
        this.release(client);
        return result;
      } catch (error) {
        if (isDirectoryAnswer(error)) {
          this.release(client);
          throw error;
        }
        this.release(undefined);
        void client.unbind().catch(() => undefined);
        lastError = error;
        if (!fromPool || error instanceof DeadlineError) break;
      }
    }
    throw this.unavailable(lastError);
  }

  async search(base: string, options: SearchOptions): Promise<Entry[]> {
    const o = this.options;
    const paged = o.page_size > 0 ? { paged: { pageSize: o.page_size } } : {};
    return this.run(`search ${base}`, async (client) => (await client.search(base, { ...options, ...paged })).searchEntries);
  }

  unavailable(error: unknown) {
    if (error instanceof Error && 'status' in error) return error;
    const reason = error instanceof Error ? error.message : String(error);
    log.warn('LDAP directory unavailable', { url: this.options.url, error: reason });
    return directoryUnavailable(this.options.url, reason || 'no answer');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
    await Promise.all(this.idle.splice(0).map((c) => c.unbind().catch(() => undefined)));
  }
}
