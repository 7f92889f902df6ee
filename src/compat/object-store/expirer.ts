// X-Delete-At: objects past their time answer 404 at once, and a background expirer removes
// them. The queue lives in the ring itself, as Swift keeps it: a hidden account whose
// containers are day buckets and whose object names are "<delete-at>-<account>/<container>/<object>".
import { Readable } from 'node:stream';
import type { ObjectClient, ObjectInfo } from '../../backends/object-ring/index.ts';
import { ObjectStoreError } from '../../backends/object-ring/index.ts';
import { logger } from '../../platform/log.ts';
import { swiftError } from './errors.ts';

const log = logger('object-expirer');
export const EXPIRING_ACCOUNT = '.expiring_objects';
const BUCKET = 86400;

export function isExpired(info: ObjectInfo, nowSeconds = Date.now() / 1000): boolean {
  const at = info.headers['x-delete-at'];
  return !!at && Number(at) <= nowSeconds;
}

/** The X-Delete-At a request asks for (from X-Delete-At or X-Delete-After), validated. */
export function requestedDeleteAt(headers: Record<string, string | string[] | undefined>, nowSeconds = Date.now() / 1000): string | undefined {
  const after = headers['x-delete-after'];
  const at = headers['x-delete-at'];
  if (typeof after === 'string') {
    if (!/^-?\d+$/.test(after.trim())) throw swiftError(400, 'Non-integer X-Delete-After');
    const n = Number(after);
    if (n < 0) throw swiftError(400, 'X-Delete-After in past');
    return String(Math.floor(nowSeconds + n));
  }
  if (typeof at === 'string') {
    if (!/^\d+(\.\d+)?$/.test(at.trim())) throw swiftError(400, 'Non-integer X-Delete-At');
    const n = Math.floor(Number(at));
    if (n <= nowSeconds) throw swiftError(400, 'X-Delete-At in past');
    return String(n);
  }
  return undefined;
}

function queueEntry(deleteAt: string, account: string, container: string, object: string): { container: string; object: string } {
  const at = Number(deleteAt);
  return { container: String(Math.floor(at / BUCKET) * BUCKET), object: `${deleteAt}-${account}/${container}/${object}` };
}

export async function scheduleExpiry(client: ObjectClient, deleteAt: string, account: string, container: string, object: string): Promise<void> {
  const entry = queueEntry(deleteAt, account, container, object);
  await client.putContainer(EXPIRING_ACCOUNT, entry.container);
  await client.putObject({ account: EXPIRING_ACCOUNT, container: entry.container, object: entry.object, body: Readable.from([]), contentLength: 0 });
}

/** Deletes an object that is past its X-Delete-At, if it still carries that X-Delete-At. */
export async function expireNow(client: ObjectClient, account: string, container: string, object: string, deleteAt: string): Promise<void> {
  try {
    const info = await client.headObject(account, container, object);
    if (info.headers['x-delete-at'] !== deleteAt) return;
    await client.deleteObject(account, container, object);
  } catch (error) {
    if (!(error instanceof ObjectStoreError && error.status === 404)) throw error;
  }
}

/** One pass of the expirer over the due buckets. */
export async function runExpirerPass(client: ObjectClient, nowSeconds = Date.now() / 1000): Promise<number> {
  let removed = 0;
  const { entries: buckets } = await client.getAccount(EXPIRING_ACCOUNT);
  for (const bucket of buckets) {
    if ('subdir' in bucket || Number(bucket.name) > nowSeconds) continue;
    const { entries } = await client.getContainer(EXPIRING_ACCOUNT, bucket.name).catch(() => ({ entries: [] }));
    let remaining = 0;
    for (const e of entries) {
      if ('subdir' in e) continue;
      const dash = e.name.indexOf('-');
      const deleteAt = e.name.slice(0, dash);
      if (Number(deleteAt) > nowSeconds) {
        remaining++;
        continue;
      }
      const [account, container, ...rest] = e.name.slice(dash + 1).split('/');
      await expireNow(client, account, container, rest.join('/'), deleteAt);
      await client.deleteObject(EXPIRING_ACCOUNT, bucket.name, e.name).catch(() => undefined);
      removed++;
    }
    if (remaining === 0) await client.deleteContainer(EXPIRING_ACCOUNT, bucket.name).catch(() => undefined);
  }
  return removed;
}

export function startExpirer(client: ObjectClient, intervalMs: number): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runExpirerPass(client)
      .catch((error) => log.warn('expirer pass failed', { error: String(error) }))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
