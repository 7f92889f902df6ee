// Name listings with Swift's parameters, shared by container (objects) and account
// (containers) databases. marker/end_marker bound the names in listing order (so with
// reverse, marker is the upper bound); a delimiter rolls names up into subdir entries.

export interface ListParams {
  prefix?: string;
  marker?: string;
  endMarker?: string;
  /** default and maximum: 10000 (Swift's CONTAINER_LISTING_LIMIT) */
  limit?: number;
  delimiter?: string;
  reverse?: boolean;
}

export const LISTING_LIMIT = 10000;

export interface RangeQuery {
  /** names strictly after this in listing order */
  marker?: string;
  /** names strictly before this in listing order */
  endMarker?: string;
  prefix?: string;
  limit: number;
  reverse: boolean;
}

export type Listed<T> = T | { subdir: string };

export function listNames<T extends { name: string }>(fetch: (q: RangeQuery) => T[], params: ListParams): Listed<T>[] {
  const limit = Math.min(Math.max(params.limit ?? LISTING_LIMIT, 0), LISTING_LIMIT);
  const prefix = params.prefix ?? '';
  const reverse = params.reverse ?? false;
  const delimiter = params.delimiter || undefined;
  const out: Listed<T>[] = [];
  let marker = params.marker || undefined;
  while (out.length < limit) {
    const rows = fetch({ marker, endMarker: params.endMarker || undefined, prefix: prefix || undefined, limit: limit - out.length, reverse });
    if (rows.length === 0) break;
    let rolledUp = false;
    for (const row of rows) {
      const end = delimiter ? row.name.indexOf(delimiter, prefix.length) : -1;
      if (delimiter && end >= 0 && row.name.length > end + delimiter.length) {
        const subdir = row.name.slice(0, end + delimiter.length);
        // skip every name under this subdir with one more query
        marker = reverse ? subdir : row.name.slice(0, end) + delimiter.slice(0, -1) + String.fromCharCode(delimiter.charCodeAt(delimiter.length - 1) + 1);
        if (subdir !== params.marker) out.push({ subdir });
        rolledUp = true;
        break;
      }
      out.push(row);
      marker = row.name;
      if (out.length >= limit) break;
    }
    if (!rolledUp && rows.length < limit) break;
  }
  return out;
}

/** SQL conditions and parameters for a range query over a `name` column. */
export function rangeSql(q: RangeQuery): { where: string; params: string[]; order: string } {
  const where: string[] = [];
  const params: string[] = [];
  if (q.marker !== undefined) {
    where.push(q.reverse ? 'name < ?' : 'name > ?');
    params.push(q.marker);
  }
  if (q.endMarker !== undefined) {
    where.push(q.reverse ? 'name > ?' : 'name < ?');
    params.push(q.endMarker);
  }
  if (q.prefix !== undefined) {
    where.push('name >= ? AND substr(name, 1, length(?)) = ?');
    params.push(q.prefix, q.prefix, q.prefix);
  }
  return { where: where.length ? where.join(' AND ') : '1', params, order: q.reverse ? 'name DESC' : 'name ASC' };
}
