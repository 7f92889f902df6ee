// Small helpers every identity handler uses: responses, links, and the
// Keystone-style list filters.
import type { ApiResponse, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest } from '../../platform/http/api-error.ts';

export const ok = (body: unknown, headers?: Record<string, string>): ApiResponse => ({ status: 200, body, headers });
export const created = (body: unknown, headers?: Record<string, string>): ApiResponse => ({ status: 201, body, headers });
export const noContent = (): ApiResponse => ({ status: 204 });

/** `{"self": <url>}` for one resource */
export function selfLink(ctx: RequestContext, path: string): { self: string } {
  return { self: `${ctx.baseUrl}${path}` };
}

/** The collection links: Keystone does not paginate, so previous and next are null. */
export function collectionLinks(ctx: RequestContext): { self: string; previous: null; next: null } {
  const query = ctx.raw.req.originalUrl.includes('?') ? ctx.raw.req.originalUrl.slice(ctx.raw.req.originalUrl.indexOf('?')) : '';
  return { self: `${ctx.baseUrl}${ctx.path}${query}`, previous: null, next: null };
}

export function queryString(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.query[name];
  if (Array.isArray(v)) return v[v.length - 1];
  return v;
}

/** Keystone's boolean query values: "0", "false" and "no" are false, anything else true. */
export function queryBool(ctx: RequestContext, name: string): boolean | undefined {
  const v = queryString(ctx, name);
  if (v === undefined) return undefined;
  return !['0', 'false', 'no', 'off'].includes(v.toLowerCase());
}

/** A flag present without value (`?effective`) counts as set. */
export function queryFlag(ctx: RequestContext, name: string): boolean {
  const v = ctx.query[name];
  if (v === undefined) return false;
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  return s === '' || !['0', 'false', 'no', 'off'].includes(s.toLowerCase());
}

/**
 * Keystone's name filters: `name=x` exact, and the inexact `name__contains`,
 * `name__icontains`, `name__startswith`, `name__endswith` and their i-variants.
 */
export function matchesStringFilters(ctx: RequestContext, attribute: string, value: string | null | undefined): boolean {
  const s = value ?? '';
  const checks: Array<[string, (q: string) => boolean]> = [
    [attribute, (q) => s === q],
    [`${attribute}__contains`, (q) => s.includes(q)],
    [`${attribute}__icontains`, (q) => s.toLowerCase().includes(q.toLowerCase())],
    [`${attribute}__startswith`, (q) => s.startsWith(q)],
    [`${attribute}__istartswith`, (q) => s.toLowerCase().startsWith(q.toLowerCase())],
    [`${attribute}__endswith`, (q) => s.endsWith(q)],
    [`${attribute}__iendswith`, (q) => s.toLowerCase().endsWith(q.toLowerCase())],
  ];
  for (const [key, test] of checks) {
    const q = queryString(ctx, key);
    if (q !== undefined && !test(q)) return false;
  }
  return true;
}

/** The body's single top-level object, e.g. `{"user": {...}}`, or 400. */
export function bodyObject(ctx: RequestContext, key: string): Record<string, any> {
  const v = ctx.body?.[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw badRequest(`Expecting to find ${key} in request body. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`);
  }
  return v;
}

/** Fields Keystone stores unchanged beyond its own schema ("extra"). */
export function extraFields(input: Record<string, unknown>, known: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([k]) => !known.includes(k)));
}
