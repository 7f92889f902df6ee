// Request checks with Placement's JSON schemas (per microversion) and its wording:
// "JSON does not validate: ..." for bodies, "Invalid query string parameters: ..."
// for query strings, 415 for a body that is not JSON, as upstream.
import AjvModule from 'ajv';
import type { RequestContext } from '../../platform/http/service-api.ts';
import { PlacementError, badRequest } from './errors.ts';

const AjvCtor = ((AjvModule as any).default ?? AjvModule) as any;
const ajv = new AjvCtor({ strict: false, allErrors: false, unicodeRegExp: false });
// oslo's is_uuid_like: hex with or without the hyphens
const UUID_LIKE = /^(?:[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})$/;
ajv.addFormat('uuid', (s: string) => UUID_LIKE.test(s));

export function isUuidLike(s: string): boolean {
  return UUID_LIKE.test(s);
}

/** the canonical (hyphenated, lower case) form of a uuid-like string */
export function canonicalUuid(s: string): string {
  const hex = s.replaceAll('-', '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const compiled = new WeakMap<object, any>();
function validatorFor(schema: object): any {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

function repr(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  return JSON.stringify(value);
}

function at(data: unknown, pointer: string): unknown {
  let cur: any = data;
  for (const part of pointer.split('/').slice(1)) cur = cur?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  return cur;
}

/** jsonschema's one-line message for Ajv's first error */
function describe(error: any, data: unknown): string {
  const value = at(data, error.instancePath ?? '');
  const p = error.params ?? {};
  switch (error.keyword) {
    case 'required':
      return `'${p.missingProperty}' is a required property`;
    case 'additionalProperties':
      return `Additional properties are not allowed ('${p.additionalProperty}' was unexpected)`;
    case 'type':
      return `${repr(value)} is not of type ${String(p.type).split(',').map((t: string) => `'${t}'`).join(', ')}`;
    case 'minimum':
      return `${repr(value)} is less than the minimum of ${p.limit}`;
    case 'maximum':
      return `${repr(value)} is greater than the maximum of ${p.limit}`;
    case 'format':
      return `${repr(value)} is not a '${p.format}'`;
    case 'pattern':
      return `${repr(value)} does not match '${p.pattern}'`;
    case 'minLength':
      return `${repr(value)} is too short`;
    case 'maxLength':
      return `${repr(value)} is too long`;
    case 'minProperties':
      return `${repr(value)} does not have enough properties`;
    case 'minItems':
      return `${repr(value)} is too short`;
    case 'uniqueItems':
      return `${repr(value)} has non-unique elements`;
    case 'enum':
      return `${repr(value)} is not one of ${JSON.stringify(p.allowedValues)}`;
    case 'anyOf':
    case 'oneOf':
      return `${repr(value)} is not valid under any of the given schemas`;
    default:
      return error.message ?? 'is invalid';
  }
}

/** The body, parsed and checked; Placement wants `Content-Type: application/json`. */
export function jsonBody<T = any>(ctx: RequestContext, schema: object): T {
  const type = String(ctx.headers['content-type'] ?? '').split(';')[0].trim();
  if (type !== 'application/json') {
    throw new PlacementError(415, `The media type ${type || 'None'} is not supported, use application/json`);
  }
  const data = ctx.body;
  if (data === undefined) throw badRequest('Malformed JSON: Expecting value: line 1 column 1 (char 0)');
  const v = validatorFor(schema);
  if (!v(data)) throw badRequest(`JSON does not validate: ${describe(v.errors[0], data)}`);
  return data as T;
}

/** The raw query string (the router keeps only declared names; Placement refuses unknown ones). */
export function rawQuery(ctx: RequestContext): Record<string, string | string[]> {
  return ctx.raw.req.query as Record<string, string | string[]>;
}

/** every value of a query parameter, in order */
export function queryAll(ctx: RequestContext, name: string): string[] {
  const v = rawQuery(ctx)[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/** the last value, as webob's dict(req.GET) sees it */
export function queryOne(ctx: RequestContext, name: string): string | undefined {
  const all = queryAll(ctx, name);
  return all.length ? all[all.length - 1] : undefined;
}

export function validateQuery(ctx: RequestContext, schema: object): void {
  const flat: Record<string, string> = {};
  for (const key of Object.keys(rawQuery(ctx))) flat[key] = queryOne(ctx, key)!;
  const v = validatorFor(schema);
  if (!v(flat)) throw badRequest(`Invalid query string parameters: ${describe(v.errors[0], flat)}`);
}
