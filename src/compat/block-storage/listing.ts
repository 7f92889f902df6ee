// Cinder's list conventions: limit/marker/offset, `sort_key`/`sort_dir` or `sort=k:dir,...`,
// the `<collection>_links` next link, and the filters that every collection shares.
import type { FindOptions, SortDirection } from '../../platform/store/store.ts';
import type { RequestContext } from '../../platform/http/service-api.ts';
import { invalidInput } from './errors.ts';

export const MAX_LIMIT = 1000;

export interface Page {
  limit: number;
  /** whether the caller asked for a limit (the next link is offered only then or at MAX_LIMIT) */
  explicitLimit: boolean;
  marker?: string;
  offset: number;
  sort: Array<[string, SortDirection]>;
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function direction(value: string | undefined): SortDirection {
  const dir = (value ?? 'desc').trim().toLowerCase();
  if (dir !== 'asc' && dir !== 'desc') throw invalidInput("Unknown sort direction, must be 'desc' or 'asc'");
  return dir;
}

/** Parses paging and sorting; `fields` maps API sort keys to record fields. */
export function parsePage(ctx: RequestContext, fields: Record<string, string>): Page {
  const q = ctx.query;
  const rawLimit = one(q.limit);
  let limit = MAX_LIMIT;
  if (rawLimit !== undefined) {
    if (!/^-?\d+$/.test(rawLimit.trim())) throw invalidInput('limit param must be an integer');
    limit = Number(rawLimit);
    if (limit < 0) throw invalidInput('limit param must be positive');
    limit = Math.min(limit, MAX_LIMIT);
  }
  const rawOffset = one(q.offset);
  let offset = 0;
  if (rawOffset !== undefined) {
    if (!/^\d+$/.test(rawOffset.trim())) throw invalidInput('offset param must be an integer');
    offset = Number(rawOffset);
  }
  const sortKey = one(q.sort_key);
  const sortDir = one(q.sort_dir);
  const sortParam = one(q.sort);
  if (sortParam !== undefined && (sortKey !== undefined || sortDir !== undefined)) {
    throw invalidInput("The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the 'sort' parameter.");
  }
  const wanted: Array<[string, SortDirection]> = [];
  if (sortParam !== undefined) {
    for (const part of sortParam.split(',')) {
      const [key, dir] = part.split(':');
      if (!key?.trim()) throw invalidInput('Invalid sort key');
      wanted.push([key.trim(), direction(dir)]);
    }
  } else {
    const dir = direction(sortDir);
    for (const key of (sortKey ?? 'created_at').split(',')) wanted.push([key.trim(), dir]);
  }
  const sort = wanted.map(([key, dir]): [string, SortDirection] => {
    const field = fields[key];
    if (!field) throw invalidInput(`Invalid sort key ${key}`);
    return [field, dir];
  });
  return { limit, explicitLimit: rawLimit !== undefined, marker: one(q.marker), offset, sort };
}

export function findOptions(page: Page): FindOptions {
  return { sort: page.sort, marker: page.marker };
}

/** `[{rel: next, href}]` when the page is full, carrying the caller's query with the new marker. */
export function nextLinks(ctx: RequestContext, collectionUrl: string, page: Page, items: Array<{ id: string }>): Array<{ rel: string; href: string }> | undefined {
  if (items.length === 0 || items.length < page.limit) return undefined;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(ctx.query)) {
    if (k === 'marker' || v === undefined) continue;
    for (const value of Array.isArray(v) ? v : [v]) params.append(k, String(value));
  }
  if (!params.has('limit')) params.set('limit', String(page.limit));
  params.set('marker', items[items.length - 1].id);
  return [{ rel: 'next', href: `${collectionUrl}?${params.toString()}` }];
}

/** Cinder's boolean query values */
export function parseBool(value: string, name: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'y', 't', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'n', 'f', 'off'].includes(v)) return false;
  throw invalidInput(`Invalid value '${value}' for ${name}`);
}

/** `metadata={'k': 'v'}` as the clients send it (a Python dict literal or JSON) */
export function parseMetadataFilter(raw: string): Record<string, string> {
  try {
    const parsed = JSON.parse(raw.replaceAll("'", '"'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    }
  } catch {
    // worded below
  }
  throw invalidInput(`Invalid metadata filter: ${raw}`);
}

export function queryValue(ctx: RequestContext, name: string): string | undefined {
  return one(ctx.query[name]);
}
