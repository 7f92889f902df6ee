// Neutron's list semantics, shared by every resource: filters on any attribute (a repeated
// parameter means "any of"), tag filters, sort_key/sort_dir pairs, limit/marker/page_reverse
// pagination with `<resources>_links`, and `fields=` selection. Handlers hand over the items the
// caller may see, already rendered; this module does the rest, the same way for all.
import type { ApiResponse, RequestContext } from '../../platform/http/service-api.ts';
import { MarkerNotFoundError, type Collection, type Condition, type Doc, type Filter, type FindOptions, type Scalar } from '../../platform/store/store.ts';
import type { AttributeMap } from './attributes.ts';
import { httpBadRequest, invalidAttribute } from './errors.ts';

type Item = Record<string, any>;

export interface ListSpec {
  /** the collection key, e.g. `networks` or `security_groups` */
  plural: string;
  attributes: AttributeMap;
  /** filters that do not compare one attribute, e.g. ports' `fixed_ips=ip_address=...` */
  customFilters?: Record<string, (item: Item, values: string[]) => boolean>;
}

const RESERVED = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse', 'tags', 'tags-any', 'not-tags', 'not-tags-any']);

export function queryValues(ctx: RequestContext, name: string): string[] {
  const v = ctx.query[name];
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return list.filter((s) => typeof s === 'string' && s !== '');
}

/** `fields=a&fields=b`: the attributes a response keeps; empty means all */
export function selectedFields(ctx: RequestContext): string[] {
  return queryValues(ctx, 'fields').flatMap((f) => f.split(',')).filter(Boolean);
}

export function selectFields(item: Item, fields: string[]): Item {
  if (fields.length === 0) return item;
  return Object.fromEntries(fields.filter((f) => f in item).map((f) => [f, item[f]]));
}

function filterValue(kind: string | undefined, raw: string, name: string): unknown {
  if (kind === 'boolean') {
    const s = raw.toLowerCase();
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
    throw invalidAttribute(name, `'${raw}' cannot be converted to boolean`);
  }
  if (kind === 'integer') {
    if (!/^-?\d+$/.test(raw)) throw invalidAttribute(name, `'${raw}' is not an integer`);
    return Number(raw);
  }
  return raw;
}

function matchesFilters(ctx: RequestContext, spec: ListSpec): (item: Item) => boolean {
  const tests: Array<(item: Item) => boolean> = [];
  for (const key of Object.keys(ctx.query)) {
    if (RESERVED.has(key)) continue;
    const values = queryValues(ctx, key);
    if (values.length === 0) continue;
    const custom = spec.customFilters?.[key];
    if (custom) {
      tests.push((item) => custom(item, values));
      continue;
    }
    const attribute = spec.attributes[key];
    if (!attribute || attribute.filter === 'none') continue;
    const wanted = values.map((v) => filterValue(attribute.filter, v, key));
    tests.push((item) => {
      const actual = item[key];
      if (Array.isArray(actual)) return wanted.some((w) => actual.includes(w));
      return wanted.some((w) => w === actual || (actual === null && w === ''));
    });
  }
  const tagList = (name: string) => queryValues(ctx, name).flatMap((v) => v.split(',')).filter(Boolean);
  const all = tagList('tags'), any = tagList('tags-any'), notAll = tagList('not-tags'), notAny = tagList('not-tags-any');
  if (all.length || any.length || notAll.length || notAny.length) {
    tests.push((item) => {
      const tags: string[] = item.tags ?? [];
      if (all.length && !all.every((t) => tags.includes(t))) return false;
      if (any.length && !any.some((t) => tags.includes(t))) return false;
      if (notAll.length && notAll.every((t) => tags.includes(t))) return false;
      if (notAny.length && notAny.some((t) => tags.includes(t))) return false;
      return true;
    });
  }
  return (item) => tests.every((t) => t(item));
}

function sorts(ctx: RequestContext, spec: ListSpec): Array<[string, boolean]> {
  const keys = queryValues(ctx, 'sort_key');
  const dirs = queryValues(ctx, 'sort_dir');
  if (keys.length !== dirs.length) throw httpBadRequest('The number of sort_keys and sort_dirs must be same');
  const absent = keys.filter((k) => !spec.attributes[k]?.sortable);
  if (absent.length) throw httpBadRequest(`[${absent.map((k) => `'${k}'`).join(', ')}] is invalid attribute for sort_keys`);
  const bad = dirs.filter((d) => d !== 'asc' && d !== 'desc');
  if (bad.length) throw httpBadRequest(`[${bad.map((d) => `'${d}'`).join(', ')}] is invalid value for sort_dirs, valid value is 'asc' and 'desc'`);
  return keys.map((k, i) => [k, dirs[i] === 'asc']);
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  return (a as any) > (b as any) ? 1 : (a as any) < (b as any) ? -1 : 0;
}

function sortItems(items: Item[], keys: Array<[string, boolean]>): Item[] {
  return [...items].sort((x, y) => {
    for (const [key, asc] of keys) {
      const c = compare(x[key], y[key]);
      if (c !== 0) return asc ? c : -c;
    }
    return 0;
  });
}

function limitOf(ctx: RequestContext): number | undefined {
  const raw = ctx.query.limit;
  if (raw === undefined) return undefined;
  const s = Array.isArray(raw) ? raw[0] : raw;
  if (!/^\d+$/.test(String(s))) throw httpBadRequest(`Limit must be an integer 0 or greater and not '${s}'`);
  const n = Number(s);
  return n === 0 ? undefined : n;
}

/** the query string with marker / page_reverse replaced, as Neutron builds its links */
function pageHref(ctx: RequestContext, marker: string | undefined, reverse: boolean): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(ctx.query)) {
    if (key === 'marker' || key === 'page_reverse') continue;
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') params.append(key, v);
  }
  if (marker !== undefined) params.append('marker', marker);
  if (reverse) params.append('page_reverse', 'True');
  return `${ctx.baseUrl}${ctx.path}?${params.toString()}`;
}

/**
 * Filters, sorts, pages and trims the visible items, and builds the list body. `paged` says the
 * store already filtered, sorted and cut the page (see findListed): only links and fields remain.
 */
export function listResponse(ctx: RequestContext, spec: ListSpec, visible: Item[], paged = false): ApiResponse {
  let items = paged ? visible : visible.filter(matchesFilters(ctx, spec));
  const keys = sorts(ctx, spec);
  const limit = limitOf(ctx);
  if (limit !== undefined && !keys.some(([k]) => k === 'id')) keys.push(['id', true]);
  if (keys.length > 0 && !paged) items = sortItems(items, keys);
  const body: Record<string, unknown> = {};
  if (limit !== undefined) {
    const marker = queryValues(ctx, 'marker')[0];
    const reverse = (queryValues(ctx, 'page_reverse')[0] ?? 'false').toLowerCase() === 'true';
    if (paged) {
      const links: Array<{ rel: string; href: string }> = [];
      if (items.length >= limit) links.push({ rel: 'next', href: pageHref(ctx, items.at(-1)?.id, false) });
      links.push({ rel: 'previous', href: pageHref(ctx, items[0]?.id, true) });
      const fields = selectedFields(ctx);
      return { status: 200, body: { [spec.plural]: items.map((item) => selectFields(item, fields)), [`${spec.plural}_links`]: links } };
    }
    let i = -1;
    if (marker) {
      for (const item of items) {
        i += 1;
        if (item.id === marker) break;
      }
    }
    items = reverse ? items.slice(Math.max(0, i - limit), Math.max(0, i)) : items.slice(i + 1, i + 1 + limit);
    const links: Array<{ rel: string; href: string }> = [];
    if (!(items.length < limit && !reverse)) links.push({ rel: 'next', href: pageHref(ctx, items.at(-1)?.id, false) });
    if (!(items.length < limit && reverse)) links.push({ rel: 'previous', href: pageHref(ctx, items[0]?.id, true) });
    body[`${spec.plural}_links`] = links;
  }
  const fields = selectedFields(ctx);
  body[spec.plural] = items.map((item) => selectFields(item, fields));
  return { status: 200, body: Object.keys(body).length > 1 ? { [spec.plural]: body[spec.plural], [`${spec.plural}_links`]: body[`${spec.plural}_links`] } : body };
}

// ---- the store's share of a list ----
// The list filters on attributes stored under the same name and value as the API shows them go
// to the store as conditions, so a filtered list reads only the matching documents. When every
// document the store returns is visible to the caller (an admin), sorting and marker pagination
// go to the store too and the page comes back already cut. Whatever the store did, listResponse
// applies the same filters again on the rendered items, which keeps one definition of a match.

export interface StoreListSpec {
  spec: ListSpec;
  /** API attribute -> stored field, for attributes whose stored value is what the API shows */
  stored: Record<string, string>;
  /** conditions the caller adds (e.g. ports' fixed_ips filter resolved to ids) */
  extra?: Filter;
  /** custom filters that `extra` answers exactly */
  extraCovers?: string[];
  /** true when the caller may see every document: sorting and paging can then happen in the store */
  allVisible: boolean;
}

function conditionFor(kind: string | undefined, values: unknown[]): Condition {
  const scalars = values as Scalar[];
  if (kind === 'list') return { $containsAny: scalars };
  // Neutron matches an empty filter value with an unset (null) attribute too
  const withNull = scalars.includes('') ? [...scalars, null] : scalars;
  return withNull.length === 1 ? withNull[0] : { $in: withNull };
}

/**
 * The list's filter in store terms (only what the store can answer exactly); `complete` when the
 * store's answer needs no further filtering.
 */
export function storeFilter(ctx: RequestContext, s: StoreListSpec): { filter: Filter; complete: boolean } {
  const filter: Filter = { ...s.extra };
  let complete = true;
  for (const key of Object.keys(ctx.query)) {
    if (RESERVED.has(key)) continue;
    const values = queryValues(ctx, key);
    if (values.length === 0) continue;
    if (s.spec.customFilters?.[key]) {
      if (!s.extraCovers?.includes(key)) complete = false;
      continue;
    }
    const attribute = s.spec.attributes[key];
    if (!attribute || attribute.filter === 'none') continue; // ignored in memory as well
    const field = s.stored[key];
    if (!field || field in filter) {
      complete = false;
      continue;
    }
    filter[field] = conditionFor(attribute.filter, values.map((v) => filterValue(attribute.filter, v, key)));
  }
  const tagList = (name: string) => queryValues(ctx, name).flatMap((v) => v.split(',')).filter(Boolean);
  const tags = tagList('tags'), anyTags = tagList('tags-any');
  if (tags.length && !('tags' in filter)) filter.tags = { $containsAll: tags };
  else if (anyTags.length && !('tags' in filter)) filter.tags = { $containsAny: anyTags };
  if ((tags.length && anyTags.length) || tagList('not-tags').length || tagList('not-tags-any').length) complete = false;
  return { filter, complete };
}

/**
 * Reads the documents of a list. `paged` is true when the store also sorted and cut the page:
 * hand it on to listResponse.
 */
export async function findListed<T extends Doc>(ctx: RequestContext, collection: Collection<T>, s: StoreListSpec): Promise<{ docs: Array<T & { _rev: number }>; paged: boolean }> {
  const { filter, complete } = storeFilter(ctx, s);
  const limit = limitOf(ctx);
  const reverse = (queryValues(ctx, 'page_reverse')[0] ?? 'false').toLowerCase() === 'true';
  const keys = sorts(ctx, s.spec);
  const storable = keys.every(([k]) => s.stored[k]);
  if (s.allVisible && complete && limit !== undefined && !reverse && storable) {
    const options: FindOptions = { sort: keys.map(([k, asc]) => [s.stored[k], asc ? 'asc' : 'desc']), limit };
    const marker = queryValues(ctx, 'marker')[0];
    if (marker) options.marker = marker;
    try {
      return { docs: await collection.find(filter, options), paged: true };
    } catch (error) {
      // a marker that is not (or no longer) in the filtered set: the in-memory path decides
      if (!(error instanceof MarkerNotFoundError)) throw error;
    }
  }
  return { docs: await collection.find(filter, { sort: [['created_at', 'asc']] }), paged: false };
}
