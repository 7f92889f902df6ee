// Swift's X-Timestamp: seconds since the epoch as a fixed-width "%016.05f" string, so that
// string order is time order and the newest write wins everywhere (disk, databases, proxy).

let last = 0;

/** A fresh timestamp, strictly greater than any this process handed out before. */
export function newTimestamp(nowMs: number = Date.now()): string {
  let t = Math.round(nowMs * 100); // units of 10 µs
  if (t <= last) t = last + 1;
  last = t;
  return formatTimestamp(t / 100000);
}

export function formatTimestamp(seconds: number): string {
  return seconds.toFixed(5).padStart(16, '0');
}

/** Parses "1700000000.12345" (or a looser float) into the normalized form; throws on garbage. */
export function normalizeTimestamp(value: string): string {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new Error(`invalid timestamp ${JSON.stringify(value)}`);
  return formatTimestamp(Number(value));
}

export function isTimestamp(value: string | undefined): value is string {
  return value !== undefined && /^\d{10}\.\d{5}$/.test(value);
}

/** Last-Modified is the timestamp rounded up to the whole second, as Swift renders it. */
export function lastModified(timestamp: string): Date {
  return new Date(Math.ceil(Number(timestamp)) * 1000);
}

export function maxTimestamp(...values: (string | undefined | null)[]): string {
  let best = '0000000000.00000';
  for (const v of values) if (v && v > best) best = v;
  return best;
}

export const ZERO_TIMESTAMP = '0000000000.00000';
