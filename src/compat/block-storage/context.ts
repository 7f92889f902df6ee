// What every handler module shares: the identity engine, the storage, and the request helpers.
import type { RequestContext } from '../../platform/http/service-api.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { BlockStorage } from './model.ts';
import type { ImageService } from '../image/image-service.ts';
import { badRequest } from './errors.ts';
import { isAdmin } from './policies.ts';

export interface CinderDeps {
  identity: IdentityEngine;
  storage: BlockStorage;
  /** Glance's service logic, in-process: volumes from images and upload-to-image need it */
  images?: ImageService;
}

/** The caller's project: links and ownership always use it, with or without a project in the path. */
export function projectOf(ctx: RequestContext): string {
  return ctx.auth?.projectId ?? '';
}

/** `<service root>/v3/<project>`: the base of self links */
export function projectUrl(ctx: RequestContext): string {
  return `${ctx.baseUrl}/v3/${projectOf(ctx)}`;
}

export function selfLinks(ctx: RequestContext, collection: string, id: string): Array<{ rel: string; href: string }> {
  return [
    { rel: 'self', href: `${projectUrl(ctx)}/${collection}/${id}` },
    { rel: 'bookmark', href: `${ctx.baseUrl}/${projectOf(ctx)}/${collection}/${id}` },
  ];
}

/** The body's one top-level object, e.g. `{"volume": {...}}`, or Cinder's 400. */
export function entity(ctx: RequestContext, key: string): Record<string, unknown> {
  const body = ctx.body;
  if (!body || typeof body !== 'object' || Array.isArray(body) || !(key in body)) {
    throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(body ?? null)}. '${key}' is a required property`);
  }
  const value = (body as Record<string, unknown>)[key];
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(value)}. ${JSON.stringify(value)} is not of type 'object'`);
  }
  return value as Record<string, unknown>;
}

export function fieldError(field: string, value: unknown, reason: string): Error {
  return badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(value)}. ${reason}`);
}

/** Optional string field of at most `max` characters (null allowed). */
export function optionalString(obj: Record<string, unknown>, field: string, max = 255): string | null | undefined {
  const value = obj[field];
  if (value === undefined || value === null) return value as null | undefined;
  if (typeof value !== 'string') throw fieldError(field, value, `${JSON.stringify(value)} is not of type 'string', 'null'`);
  if (value.length > max) throw fieldError(field, value, `'${value.slice(0, 20)}...' is too long`);
  return value;
}

/** Cinder's metadata rules: string keys of 1 to 255 characters, string values up to 255. */
export function validMetadata(value: unknown, field = 'metadata'): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw fieldError(field, value, `${JSON.stringify(value)} is not of type 'object'`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k.length < 1 || k.length > 255) throw fieldError(field, value, `'${k}' does not match any of the regexes: '^[a-zA-Z0-9-_:. /]{1,255}$'`);
    if (typeof v !== 'string') throw fieldError(`${field}.${k}`, v, `${JSON.stringify(v)} is not of type 'string'`);
    if (v.length > 255) throw fieldError(`${field}.${k}`, v, `'${v.slice(0, 20)}...' is too long`);
    out[k] = v;
  }
  return out;
}

/** Cinder's lenient integer: a JSON integer or a string of digits. */
export function asInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Cinder's boolean in a body: true/false or their string forms. */
export function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'y', 't', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'n', 'f', 'off'].includes(v)) return false;
  }
  return undefined;
}

export function callerIsAdmin(deps: CinderDeps, ctx: RequestContext): boolean {
  return isAdmin(deps.identity, ctx);
}
