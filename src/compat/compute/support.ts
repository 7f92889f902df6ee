// What the compute handlers share: the database, the caller's powers, links,
// microversion tests and Nova-worded input checks.
import type { ApiResponse, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest } from '../../platform/http/api-error.ts';
import { atLeast } from '../../platform/http/microversion.ts';
import type { Database } from '../../platform/store/store.ts';
import type { Clock } from '../../platform/clock.ts';
import type { IdentityEngine } from '../../identity/engine.ts';

export interface Nova {
  engine: IdentityEngine;
  db: Database;
  clock: Clock;
}

export const json = (body: unknown, status = 200, headers?: Record<string, string>): ApiResponse => ({ status, body, headers });

export const since = (ctx: RequestContext, version: string) => atLeast(ctx.microversion, version);

export function isAdmin(nova: Nova, ctx: RequestContext): boolean {
  return nova.engine.allows(ctx, 'context_is_admin', {});
}

export const projectOf = (ctx: RequestContext) => ctx.auth?.projectId ?? '';

/** self (versioned) and bookmark (unversioned) links, as Nova renders them */
export function links(ctx: RequestContext, collection: string, id: string | number): Array<{ rel: string; href: string }> {
  return [
    { rel: 'self', href: `${ctx.baseUrl}/v2.1/${collection}/${id}` },
    { rel: 'bookmark', href: `${ctx.baseUrl}/${collection}/${id}` },
  ];
}

export function invalidField(field: string, value: unknown, reason: string) {
  return badRequest(`Invalid input for field/attribute ${field}. Value: ${typeof value === 'string' ? value : JSON.stringify(value)}. ${reason}`);
}

export function invalidQuery(name: string, value: unknown, reason: string) {
  return badRequest(`Invalid input for query parameters ${name}. Value: ${String(value)}. ${reason}`);
}

export function firstQuery(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** limit as Nova validates it: a non-negative integer */
export function pageLimit(ctx: RequestContext): number | undefined {
  const raw = firstQuery(ctx, 'limit');
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw invalidQuery('limit', raw, `'${raw}' does not match '^[0-9]*$'`);
  return Number(raw);
}

/** the `*_links` next link Nova adds when a page is full */
export function nextLinks(ctx: RequestContext, collection: string, page: Array<{ marker: string }>, limit: number | undefined): Array<{ rel: string; href: string }> | undefined {
  if (limit === undefined || page.length === 0 || page.length < limit) return undefined;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(ctx.query)) {
    if (k === 'marker' || v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) params.append(k, String(one));
  }
  params.set('marker', page[page.length - 1].marker);
  return [{ rel: 'next', href: `${ctx.baseUrl}/v2.1/${collection}?${params.toString()}` }];
}

/** Nova accepts integers or strings of digits in many number fields */
export function intField(field: string, value: unknown, min: number, max = 2147483647): number {
  let n: number | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) n = value;
  else if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) n = Number(value.trim());
  if (n === undefined) throw invalidField(field, value, `${JSON.stringify(value)} is not of type 'integer', 'string'`);
  if (n < min) throw invalidField(field, value, `${n} is less than the minimum of ${min}`);
  if (n > max) throw invalidField(field, value, `${n} is greater than the maximum of ${max}`);
  return n;
}
