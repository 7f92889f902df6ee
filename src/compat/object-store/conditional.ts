// Conditional requests (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since),
// evaluated against the object's ETag and Last-Modified in the order Swift's object server
// uses: If-Match, If-Unmodified-Since (412), then If-None-Match, If-Modified-Since (304).
import { swiftError } from './errors.ts';

export interface Validators {
  etag: string;
  lastModified: Date;
}

function etagList(value: string): string[] {
  return value.split(',').map((s) => s.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1')).filter(Boolean);
}

function parseDate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** 'ok', or 304 for GET/HEAD, or throws 412. */
export function evaluateConditions(headers: Record<string, string | string[] | undefined>, v: Validators, method: string): 'ok' | 304 {
  const get = (name: string) => {
    const x = headers[name];
    return Array.isArray(x) ? x.join(',') : x;
  };
  const etag = v.etag.replace(/"/g, '');
  const ifMatch = get('if-match');
  if (ifMatch !== undefined) {
    const list = etagList(ifMatch);
    if (!list.includes('*') && !list.includes(etag)) throw swiftError(412, undefined, { ETag: etag });
  }
  const ius = parseDate(get('if-unmodified-since'));
  if (ius !== undefined && v.lastModified.getTime() > ius) throw swiftError(412);
  const ifNoneMatch = get('if-none-match');
  if (ifNoneMatch !== undefined) {
    const list = etagList(ifNoneMatch);
    if (list.includes('*') || list.includes(etag)) {
      if (method === 'GET' || method === 'HEAD') return 304;
      throw swiftError(412);
    }
    return 'ok';
  }
  const ims = parseDate(get('if-modified-since'));
  if (ims !== undefined && (method === 'GET' || method === 'HEAD') && v.lastModified.getTime() <= ims) return 304;
  return 'ok';
}
