// Application credential inputs: expiry, delegated roles and access rules, with
// Keystone's rules and messages.
import { badRequest, notFound } from '../../platform/http/api-error.ts';
import { hexId } from '../../platform/ids.ts';
import type { IdentityDb } from '../identity-db.ts';
import type { AccessRule, AccessRuleRecord, RoleRecord } from '../model.ts';
import { invalidField, pythonRepr } from './services-field-checks.ts';

export const invalidAppCred = (detail: string) => badRequest(`Invalid application credential: ${detail}`);

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

export interface Expiry {
  ms: number;
  /** as Keystone shows it: UTC, no zone suffix, microseconds when there are any */
  iso: string;
}

/** Parses an ISO 8601 expiry (UTC unless it says otherwise); 400 when malformed or in the past. */
export function parseExpiry(value: string, now: number): Expiry {
  const m = ISO.exec(value.trim());
  const malformed = () =>
    badRequest('Timestamp not in expected format. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
  if (!m) throw malformed();
  const [, y, mo, d, h, mi, s = '00', frac = '', zone = 'Z'] = m;
  const micros = Number(frac.padEnd(6, '0').slice(0, 6));
  let offsetMin = 0;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  }
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offsetMin * 60_000;
  if (Number.isNaN(base) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) throw malformed();
  const ms = base + Math.floor(micros / 1000);
  if (ms < now) {
    throw badRequest("The 'expires_at' must not be before now. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.");
  }
  const seconds = new Date(base).toISOString().slice(0, 19);
  return { ms, iso: micros ? `${seconds}.${String(micros).padStart(6, '0')}` : seconds };
}

/**
 * The roles to delegate: those named (by id or by name), each of which the caller's
 * token must carry, or else every role of the token.
 */
export async function resolveRoles(db: IdentityDb, requested: unknown, tokenRoleIds: string[]): Promise<RoleRecord[]> {
  if (requested !== undefined && !Array.isArray(requested)) throw invalidField('roles', `${pythonRepr(requested)} is not of type 'array'`);
  const refs = (requested ?? []) as unknown[];
  if (refs.length === 0) {
    const roles = await Promise.all(tokenRoleIds.map((id) => db.roles.get(id)));
    return roles.filter((r): r is NonNullable<typeof r> => !!r);
  }
  const out: RoleRecord[] = [];
  for (const [i, ref] of refs.entries()) {
    const r = ref as Record<string, unknown>;
    const keys = r && typeof r === 'object' && !Array.isArray(r) ? Object.keys(r) : [];
    if (keys.length !== 1 || !['id', 'name'].includes(keys[0]) || typeof r[keys[0]] !== 'string') {
      throw invalidField(`roles/${i}`, `${pythonRepr(ref)} is not valid under any of the given schemas`);
    }
    let role: RoleRecord | undefined;
    if (typeof r.id === 'string') {
      role = await db.roles.get(r.id);
      if (!role || !tokenRoleIds.includes(role.id)) throw invalidAppCred('Cannot create an application credential with unassigned role');
    } else {
      const byName = await db.roles.find({ name: r.name as string, domain_id: null });
      if (byName.length === 0) throw notFound(`Could not find role: ${r.name}.`);
      role = byName[0];
      if (!tokenRoleIds.includes(role.id)) throw invalidAppCred('Cannot create an application credential with unassigned role');
    }
    if (!out.some((o) => o.id === role.id)) out.push(role);
  }
  return out;
}

const METHOD = /^(POST|GET|HEAD|PATCH|PUT|DELETE)$/;
const SERVICE = /^[a-zA-Z0-9-]+$/;

/**
 * The access rules to attach. A rule the user already has (same id, or same service,
 * path and method) is shared rather than duplicated, as Keystone does.
 */
export async function resolveAccessRules(db: IdentityDb, userId: string, requested: unknown): Promise<AccessRule[]> {
  if (requested === undefined || requested === null) return [];
  if (!Array.isArray(requested)) throw invalidField('access_rules', `${pythonRepr(requested)} is not of type 'array'`);
  const out: AccessRule[] = [];
  for (const [i, item] of requested.entries()) {
    const field = `access_rules/${i}`;
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw invalidField(field, `${pythonRepr(item)} is not of type 'object'`);
    const rule = item as Record<string, unknown>;
    for (const key of Object.keys(rule)) {
      if (!['id', 'service', 'path', 'method'].includes(key)) {
        throw invalidField(field, `Additional properties are not allowed ('${key}' was unexpected)`);
      }
    }
    if (rule.path !== undefined && (typeof rule.path !== 'string' || !rule.path.startsWith('/') || rule.path.length > 225)) {
      throw invalidField(`${field}/path`, `${pythonRepr(rule.path)} does not match '^\\/.*'`);
    }
    if (rule.method !== undefined && (typeof rule.method !== 'string' || !METHOD.test(rule.method))) {
      throw invalidField(`${field}/method`, `${pythonRepr(rule.method)} does not match '${METHOD.source}'`);
    }
    if (rule.service !== undefined && (typeof rule.service !== 'string' || !SERVICE.test(rule.service) || rule.service.length > 64)) {
      throw invalidField(`${field}/service`, `${pythonRepr(rule.service)} does not match '${SERVICE.source}'`);
    }
    if (rule.id !== undefined && typeof rule.id !== 'string') throw invalidField(`${field}/id`, `${pythonRepr(rule.id)} is not of type 'string'`);
    let existing: AccessRuleRecord | undefined;
    if (typeof rule.id === 'string') {
      existing = await db.accessRules.get(rule.id);
      if (existing && existing.user_id !== userId) throw notFound(`Could not find Access Rule: ${rule.id}.`);
    }
    if (!existing && typeof rule.service === 'string' && typeof rule.path === 'string' && typeof rule.method === 'string') {
      existing = await db.accessRules.findOne({ user_id: userId, service: rule.service, path: rule.path, method: rule.method });
    }
    if (!existing) {
      if (typeof rule.service !== 'string' || typeof rule.path !== 'string' || typeof rule.method !== 'string') {
        throw notFound(`Could not find Access Rule: ${rule.id}.`);
      }
      existing = await db.accessRules.insert({ id: typeof rule.id === 'string' ? rule.id : hexId(), user_id: userId, service: rule.service, path: rule.path, method: rule.method });
    }
    if (!out.some((o) => o.id === existing.id)) out.push({ id: existing.id, service: existing.service, path: existing.path, method: existing.method });
  }
  return out;
}
