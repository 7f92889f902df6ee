// GET /v2/images: Glance's filters, sort forms and marker/limit paging, parsed from
// the query string into predicates. Visibility (who sees what) is decided in the
// service; this module only narrows and orders.
import { badRequest } from '../../platform/http/api-error.ts';
import { IMAGE_STATUSES, type ImageRecord } from './model.ts';

export const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'];
export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 1000;

/** Query parameters that are not extra-property filters. */
const KNOWN = new Set([
  'name', 'status', 'visibility', 'owner', 'member_status', 'tag', 'size_min', 'size_max', 'disk_format', 'container_format',
  'protected', 'os_hidden', 'created_at', 'updated_at', 'id', 'sort_key', 'sort_dir', 'sort', 'limit', 'marker',
  ...['size', 'virtual_size', 'min_disk', 'min_ram', 'checksum', 'os_hash_algo', 'os_hash_value'],
]);

/** Image columns (not properties) Glance's database compares for plain equality. */
const NUMERIC_COLUMNS = ['size', 'virtual_size', 'min_disk', 'min_ram'] as const;
const TEXT_COLUMNS = ['checksum', 'os_hash_algo', 'os_hash_value'] as const;

export interface ListQuery {
  visibility?: string;
  memberStatus: string;
  predicates: Array<(image: ImageRecord) => boolean>;
  sort: Array<[string, 'asc' | 'desc']>;
  limit: number;
  marker?: string;
}

type Raw = Record<string, string | string[] | undefined>;

function one(raw: Raw, key: string): string | undefined {
  const v = raw[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function many(raw: Raw, key: string): string[] {
  const v = raw[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** `in:a,b` lists (values may be quoted to hold commas), or a single value. */
function inValues(value: string): string[] | undefined {
  if (!value.startsWith('in:')) return undefined;
  const out: string[] = [];
  for (const m of value.slice(3).matchAll(/"((?:[^"\\]|\\.)*)"|([^,]+)/g)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2].trim());
  return out;
}

function equalsOrIn(field: keyof ImageRecord, value: string): (image: ImageRecord) => boolean {
  const list = inValues(value);
  if (list) return (image) => list.includes(String(image[field]));
  return (image) => image[field] === value;
}

const TIME_OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
  eq: (a, b) => a === b,
  neq: (a, b) => a !== b,
};

function timeFilter(field: 'created_ms' | 'updated_ms', name: string, value: string): (image: ImageRecord) => boolean {
  const m = /^(gt|gte|lt|lte|eq|neq):(.+)$/.exec(value);
  if (!m) throw badRequest(`Unable to filter by unknown operator '${value.split(':')[0]}'.`);
  const at = Date.parse(m[2]);
  if (Number.isNaN(at)) throw badRequest(`Unable to filter on a ${name} because the value is not a valid ISO 8601 time: ${m[2]}`);
  const compare = TIME_OPERATORS[m[1]];
  // Glance compares at second precision: its timestamps have no fractions.
  return (image) => compare(Math.floor(image[field] / 1000) * 1000, at);
}

function sizeBound(value: string): number {
  // Glance int()s the value: surrounding blanks and a sign are fine, anything else is not
  const text = value.trim();
  if (!/^[-+]?\d+$/.test(text)) throw badRequest('Unable to filter on a range with a non-numeric value.');
  return Number(text);
}

/** A column compared with a query string, as SQL does: a number column matches its numeric value. */
function numericEquals(field: (typeof NUMERIC_COLUMNS)[number], value: string): (image: ImageRecord) => boolean {
  const text = value.trim();
  const want = /^[-+]?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
  return (image) => want !== undefined && image[field] !== null && image[field] === want;
}

function booleanFilter(name: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw badRequest(`Invalid value '${value}' for '${name}' filter. Valid values are 'true' or 'false'.`);
}

function parseSort(raw: Raw): Array<[string, 'asc' | 'desc']> {
  const sort = one(raw, 'sort');
  const keys = many(raw, 'sort_key').flatMap((k) => k.split(','));
  const dirs = many(raw, 'sort_dir').flatMap((d) => d.split(','));
  const checkKey = (key: string) => {
    if (!SORT_KEYS.includes(key)) throw badRequest(`Invalid sort key: ${key}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
  };
  const checkDir = (dir: string) => {
    if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Invalid sort direction: ${dir}`);
  };
  if (sort !== undefined) {
    if (keys.length > 0 || dirs.length > 0) throw badRequest('The sort and sort_key/sort_dir parameters can not be used together.');
    const out: Array<[string, 'asc' | 'desc']> = [];
    for (const part of sort.split(',')) {
      const [key, dir = 'desc'] = part.trim().split(':').map((s) => s.trim());
      checkKey(key);
      checkDir(dir);
      out.push([key, dir as 'asc' | 'desc']);
    }
    return out;
  }
  for (const k of keys) checkKey(k);
  for (const d of dirs) checkDir(d);
  if (dirs.length > 1 && dirs.length !== keys.length) throw badRequest('Number of sort dirs does not match the number of sort keys');
  if (keys.length === 0) return [['created_at', (dirs[0] as 'asc' | 'desc') ?? 'desc']];
  return keys.map((k, i) => [k, (dirs.length === 1 ? dirs[0] : (dirs[i] ?? 'desc')) as 'asc' | 'desc']);
}

export function parseListQuery(raw: Raw): ListQuery {
  const predicates: ListQuery['predicates'] = [];
  const visibility = one(raw, 'visibility');
  if (visibility !== undefined && !['public', 'private', 'shared', 'community', 'all'].includes(visibility)) {
    throw badRequest(`Invalid visibility value: ${visibility}`);
  }
  const memberStatus = one(raw, 'member_status') ?? 'accepted';
  if (!['pending', 'accepted', 'rejected', 'all'].includes(memberStatus)) throw badRequest(`Invalid status value: ${memberStatus}`);
  const status = one(raw, 'status');
  if (status !== undefined) {
    for (const s of inValues(status) ?? [status]) if (!IMAGE_STATUSES.includes(s as never)) throw badRequest(`Invalid status value: ${s}`);
    predicates.push(equalsOrIn('status', status));
  }
  for (const field of ['name', 'disk_format', 'container_format', 'owner', 'id'] as const) {
    const v = one(raw, field);
    if (v !== undefined) predicates.push(equalsOrIn(field, v));
  }
  const tags = many(raw, 'tag');
  if (tags.length > 0) predicates.push((image) => tags.every((t) => image.tags.includes(t)));
  const sizeMin = one(raw, 'size_min');
  if (sizeMin !== undefined) {
    const min = sizeBound(sizeMin);
    predicates.push((image) => image.size !== null && image.size >= min);
  }
  const sizeMax = one(raw, 'size_max');
  if (sizeMax !== undefined) {
    const max = sizeBound(sizeMax);
    predicates.push((image) => image.size !== null && image.size <= max);
  }
  for (const field of NUMERIC_COLUMNS) {
    const v = one(raw, field);
    if (v !== undefined) predicates.push(numericEquals(field, v));
  }
  for (const field of TEXT_COLUMNS) {
    const v = one(raw, field);
    if (v !== undefined) predicates.push((image) => image[field] === v);
  }
  const prot = one(raw, 'protected');
  if (prot !== undefined) {
    const want = booleanFilter('protected', prot);
    predicates.push((image) => image.protected === want);
  }
  // Hidden images stay out of lists unless asked for.
  const hidden = one(raw, 'os_hidden');
  const wantHidden = hidden === undefined ? false : booleanFilter('os_hidden', hidden);
  predicates.push((image) => image.os_hidden === wantHidden);
  const created = one(raw, 'created_at');
  if (created !== undefined) predicates.push(timeFilter('created_ms', 'created_at', created));
  const updated = one(raw, 'updated_at');
  if (updated !== undefined) predicates.push(timeFilter('updated_ms', 'updated_at', updated));
  for (const [key, value] of Object.entries(raw)) {
    if (KNOWN.has(key) || value === undefined) continue;
    const want = Array.isArray(value) ? value[value.length - 1] : value;
    predicates.push((image) => image.properties[key] === want);
  }

  let limit = DEFAULT_LIMIT;
  const limitText = one(raw, 'limit');
  if (limitText !== undefined) {
    if (!/^-?\d+$/.test(limitText)) throw badRequest('limit param must be an integer');
    limit = Number(limitText);
    if (limit < 0) throw badRequest('limit param must be positive');
    limit = Math.min(limit, MAX_LIMIT);
  }
  return { visibility, memberStatus, predicates, sort: parseSort(raw), limit, marker: one(raw, 'marker') };
}

function sortValue(image: ImageRecord, key: string): string | number | null {
  if (key === 'created_at') return image.created_ms;
  if (key === 'updated_at') return image.updated_ms;
  return (image as Record<string, unknown>)[key] as string | number | null;
}

/** Orders images by the requested keys, then created_at and id in the first key's direction (as Glance does). */
export function sortImages(images: ImageRecord[], sort: Array<[string, 'asc' | 'desc']>): ImageRecord[] {
  const keys = [...sort];
  const fallback = sort[0]?.[1] ?? 'desc';
  for (const k of ['created_at', 'id']) if (!keys.some(([key]) => key === k)) keys.push([k, fallback]);
  return images.sort((a, b) => {
    for (const [key, dir] of keys) {
      const x = sortValue(a, key);
      const y = sortValue(b, key);
      if (x === y) continue;
      // NULLs sort first ascending, as in Glance's SQL backends.
      const order = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      return dir === 'asc' ? order : -order;
    }
    return 0;
  });
}
