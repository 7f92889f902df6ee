// Roles (global and domain-specific) and the rules by which one role implies
// another. Every write here changes what tokens carry, so each ends in engine.changed().
import { hexId } from '../../platform/ids.ts';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../../platform/http/api-error.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import type { IdentityEngine } from '../engine.ts';
import type { IdentityDb } from '../identity-db.ts';
import type { ImpliedRoleRecord, RoleRecord } from '../model.ts';

/** Keystone's [assignment] prohibited_implied_role default: nothing may imply admin. */
export const PROHIBITED_IMPLIED_ROLES: readonly string[] = ['admin'];

const KNOWN_FIELDS = ['id', 'name', 'domain_id', 'description', 'options', 'links'];
const ROLE_OPTIONS = ['immutable'];

export async function getRole(db: IdentityDb, id: string): Promise<RoleRecord> {
  const role = await db.roles.get(id);
  if (!role) throw notFound(`Could not find role: ${id}.`);
  return role;
}

export function isImmutable(role: RoleRecord): boolean {
  return role.options?.immutable === true;
}

function validName(value: unknown): string {
  if (typeof value !== 'string') throw badRequest(`Invalid input for field 'name': ${JSON.stringify(value)} is not of type 'string'`);
  if (value.length < 1 || value.length > 255 || value.trim() === '') {
    throw badRequest(`Invalid input for field 'name': ${JSON.stringify(value)} is not valid.`);
  }
  return value;
}

function validDescription(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') throw badRequest(`Invalid input for field 'description': ${JSON.stringify(value)} is not of type 'string', 'null'`);
  return value;
}

/** Options as given on create or update; a null value removes the option, as Keystone does. */
function mergeOptions(current: Record<string, unknown>, input: unknown): Record<string, unknown> {
  if (input === undefined) return current;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw badRequest(`Invalid input for field 'options': ${JSON.stringify(input)} is not of type 'object'`);
  }
  const out = { ...current };
  for (const [key, value] of Object.entries(input)) {
    if (!ROLE_OPTIONS.includes(key)) throw badRequest(`Additional properties are not allowed ('${key}' was unexpected)`);
    if (value === null) delete out[key];
    else if (typeof value !== 'boolean') throw badRequest(`Invalid input for field 'options.${key}': ${JSON.stringify(value)} is not of type 'boolean', 'null'`);
    else out[key] = value;
  }
  return out;
}

function extraOf(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([k]) => !KNOWN_FIELDS.includes(k)));
}

function duplicate(name: string, domainId: string | null): ApiError {
  const details = domainId ? `Duplicate entry found with name ${name} at domain ID ${domainId}` : `Duplicate entry found with name ${name}`;
  return conflict(`Conflict occurred attempting to store role - ${details}.`);
}

export async function createRole(engine: IdentityEngine, input: Record<string, any>): Promise<RoleRecord> {
  if (input.name === undefined) throw badRequest("'name' is a required property");
  const name = validName(input.name);
  const domainId = input.domain_id ?? null;
  if (domainId !== null && typeof domainId !== 'string') {
    throw badRequest(`Invalid input for field 'domain_id': ${JSON.stringify(domainId)} is not of type 'string', 'null'`);
  }
  const record: RoleRecord = {
    id: hexId(),
    name,
    domain_id: domainId,
    description: validDescription(input.description),
    options: mergeOptions({}, input.options),
    extra: extraOf(input),
  };
  try {
    const created = await engine.db.roles.insert(record);
    await engine.changed();
    return created;
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw duplicate(name, domainId);
    throw error;
  }
}

export async function updateRole(engine: IdentityEngine, role: RoleRecord, input: Record<string, any>): Promise<RoleRecord> {
  if (isImmutable(role)) {
    // Only "make it mutable" is allowed on an immutable role, and alone.
    const keys = Object.keys(input);
    const opts = input.options;
    const unlocking =
      keys.length === 1 && typeof opts === 'object' && opts !== null && 'immutable' in opts && (opts.immutable === false || opts.immutable === null);
    if (!unlocking) {
      throw forbidden(`Unable to update immutable role resource: \`${role.id}. Set resource option "immutable" to false first.`);
    }
  }
  if ('domain_id' in input && (input.domain_id ?? null) !== role.domain_id) {
    throw badRequest('Update of `domain_id` is not allowed.');
  }
  const set: Partial<RoleRecord> = {};
  if ('name' in input) set.name = validName(input.name);
  if ('description' in input) set.description = validDescription(input.description);
  if ('options' in input) set.options = mergeOptions(role.options ?? {}, input.options);
  const extra = extraOf(input);
  if (Object.keys(extra).length > 0) set.extra = { ...role.extra, ...extra };
  try {
    const updated = await engine.db.roles.update(role.id, set);
    if (!updated) throw notFound(`Could not find role: ${role.id}.`);
    await engine.changed();
    return updated;
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw duplicate(set.name ?? role.name, role.domain_id);
    throw error;
  }
}

/** Deletes the role with its assignments and every implication rule naming it. */
export async function deleteRole(engine: IdentityEngine, role: RoleRecord): Promise<void> {
  if (isImmutable(role)) {
    throw forbidden(`Unable to delete immutable role resource: \`${role.id}. Set resource option "immutable" to false first.`);
  }
  const db = engine.db;
  await db.assignments.deleteMany({ role_id: role.id });
  await db.impliedRoles.deleteMany({ prior_role_id: role.id });
  await db.impliedRoles.deleteMany({ implied_role_id: role.id });
  await db.roles.delete(role.id);
  await engine.changed();
}

export async function listRoles(db: IdentityDb, domainId: string | null): Promise<RoleRecord[]> {
  return db.roles.find({ domain_id: domainId }, { sort: [['name', 'asc']] });
}

export function impliedRuleId(priorId: string, impliedId: string): string {
  return `${priorId}:${impliedId}`;
}

export async function getImpliedRule(db: IdentityDb, priorId: string, impliedId: string): Promise<ImpliedRoleRecord> {
  const rule = await db.impliedRoles.findOne({ prior_role_id: priorId, implied_role_id: impliedId });
  if (!rule) throw notFound(`${priorId} does not imply ${impliedId}.`);
  return rule;
}

export async function createImpliedRule(engine: IdentityEngine, prior: RoleRecord, implied: RoleRecord): Promise<ImpliedRoleRecord> {
  if (PROHIBITED_IMPLIED_ROLES.includes(implied.name)) throw forbidden(`${implied.id} cannot be an implied roles.`);
  // A global role held anywhere must not drag a domain's private role along.
  if (prior.domain_id === null && implied.domain_id !== null) throw forbidden('Global role cannot imply a domain-specific role');
  try {
    const rule = await engine.db.impliedRoles.insert({ id: impliedRuleId(prior.id, implied.id), prior_role_id: prior.id, implied_role_id: implied.id });
    await engine.changed();
    return rule;
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw conflict('Conflict occurred attempting to store implied_role - Duplicate entry.');
    throw error;
  }
}

export async function deleteImpliedRule(engine: IdentityEngine, priorId: string, impliedId: string): Promise<void> {
  const rule = await getImpliedRule(engine.db, priorId, impliedId);
  await engine.db.impliedRoles.delete(rule.id);
  await engine.changed();
}
