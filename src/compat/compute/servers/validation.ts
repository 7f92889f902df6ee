// Nova's parameter types for servers, with its wording: names, descriptions, metadata
// (schema 400s, quota 403), tags, hostnames, addresses.
import { isIP } from 'node:net';
import { ApiError, badRequest } from '../../../platform/http/api-error.ts';
import { invalidField } from '../support.ts';

const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
export const isUuid = (v: string) => UUID.test(v);

export function requireObject(field: string, value: unknown): Record<string, any> {
  if (value === undefined) throw invalidField(field, value, `'${field}' is a required property`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidField(field, value, `${JSON.stringify(value)} is not of type 'object'`);
  return value as Record<string, any>;
}

/** a server name: 1-255 printable characters, not blank and without edge whitespace */
export function checkName(value: unknown): string {
  if (typeof value !== 'string') throw invalidField('name', value, `${JSON.stringify(value)} is not of type 'string'`);
  if (value.length < 1) throw invalidField('name', value, `'${value}' is too short`);
  if (value.length > 255) throw invalidField('name', value, `'${value}' is too long`);
  if (value.trim() !== value || /[\x00-\x1f\x7f]/.test(value)) {
    throw invalidField('name', value, "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.");
  }
  return value;
}

export function checkDescription(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw invalidField('description', value, `${JSON.stringify(value)} is not of type 'string', 'null'`);
  if (value.length > 255) throw invalidField('description', value, `'${value}' is too long`);
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(value)) {
    throw invalidField('description', value, "An invalid 'description' value was provided. The description must be: printable characters.");
  }
  return value;
}

export const MAX_TAGS = 50;

export function checkTag(value: unknown, field = 'tags'): string {
  if (typeof value !== 'string') throw invalidField(field, value, `${JSON.stringify(value)} is not of type 'string'`);
  if (value.length < 1) throw invalidField(field, value, `'${value}' is too short`);
  if (value.length > 60) throw invalidField(field, value, `'${value}' is too long`);
  if (/[,/]/.test(value)) throw invalidField(field, value, `'${value}' does not match '^[^,/]*$'`);
  return value;
}

export function checkTags(value: unknown): string[] {
  if (!Array.isArray(value)) throw invalidField('tags', value, `${JSON.stringify(value)} is not of type 'array'`);
  if (value.length > MAX_TAGS) throw invalidField('tags', value, `${JSON.stringify(value)} is too long`);
  const tags = value.map((t) => checkTag(t));
  return [...new Set(tags)];
}

const META_KEY = /^[a-zA-Z0-9-_:. ]{1,255}$/;

/** the schema part of metadata: keys 1-255 of Nova's characters, string values up to 255 */
export function checkMetadata(value: unknown, field = 'metadata'): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidField(field, value, `${JSON.stringify(value)} is not of type 'object'`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!META_KEY.test(k)) throw invalidField(field, '{...}', `Additional properties are not allowed ('${k}' was unexpected)`);
    if (typeof v !== 'string') throw invalidField(k, v, `${JSON.stringify(v)} is not of type 'string'`);
    if (v.length > 255) throw invalidField(k, v, `'${v}' is too long`);
    out[k] = v;
  }
  return out;
}

/** the quota part: more items than metadata_items is Nova's 403 */
export function checkMetadataQuota(metadata: Record<string, string>, allowed: number): void {
  if (allowed >= 0 && Object.keys(metadata).length > allowed) {
    throw new ApiError(403, `Maximum number of metadata items exceeds ${allowed}`);
  }
}

const HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
const FQDN = /^(?=.{1,255}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;

export function checkHostname(value: unknown): string {
  if (typeof value !== 'string') throw invalidField('hostname', value, `${JSON.stringify(value)} is not of type 'string'`);
  if (!HOSTNAME.test(value) && !FQDN.test(value)) throw invalidField('hostname', value, `'${value}' does not match '^[a-zA-Z0-9-._]*$'`);
  return value;
}

/** Nova's sanitized hostname from a display name */
export function hostnameFrom(name: string): string {
  const h = name.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[.-]+|[.-]+$/g, '').slice(0, 63).replace(/[.-]+$/, '');
  return h || 'server';
}

/** an IPv6 address in its canonical compressed form, as Nova stores access addresses */
export function canonicalIp(value: string): string {
  if (isIP(value) !== 6) return value;
  return new URL(`http://[${value}]/`).hostname.slice(1, -1);
}

/** version 0 accepts either family */
export function checkAccessIp(value: string, version: 0 | 4 | 6): boolean {
  const family = isIP(value);
  return version === 0 ? family !== 0 : family === version;
}

export function boolParam(field: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const v = value.toLowerCase();
    if (['true', 't', '1', 'yes', 'y', 'on'].includes(v)) return true;
    if (['false', 'f', '0', 'no', 'n', 'off'].includes(v)) return false;
  }
  throw badRequest(`Invalid input for field/attribute ${field}. Value: ${String(value)}. ${JSON.stringify(value)} is not of type 'boolean'`);
}
