// Users as Keystone keeps them: creation and updates with their password rules
// (history, minimum age, expiry, lock_password), self-service password change,
// and deletion with everything that hangs off a user. Every write ends with
// engine.changed() so cached token validations are recomputed.
import { badRequest, conflict, notFound, unauthorized } from '../../platform/http/api-error.ts';
import { hexId } from '../../platform/ids.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import type { IdentityEngine } from '../engine.ts';
import type { PasswordHistoryRecord, ProjectRecord, UserRecord } from '../model.ts';
import { hashPassword, verifyPassword } from '../passwords.ts';
import { groupIdsOf } from '../role-resolver.ts';

const DAY_MS = 86_400_000;
/** How many past passwords are kept, whatever the configured history count. */
const HISTORY_KEPT = 32;

/** A password history entry; `self_service` marks a change the user made themselves (minimum age applies). */
type HistoryEntry = PasswordHistoryRecord & { self_service?: boolean };

export function duplicateUser(name: string, domainId: string) {
  return conflict(`Conflict occurred attempting to store user - Duplicate entry found with name ${name} at domain ID ${domainId}.`);
}

export function userNotFound(id: string) {
  return notFound(`Could not find user: ${id}.`);
}

/** The hash and timestamps of a newly set password, with the configured expiry. */
async function passwordFields(engine: IdentityEngine, password: string | null, now: number) {
  if (password === null) return { password_hash: null, password_created_at: null, password_expires_at: null };
  const days = engine.config.identity.securityCompliance.passwordExpiresDays;
  return {
    password_hash: await hashPassword(password),
    password_created_at: now,
    password_expires_at: days > 0 ? now + days * DAY_MS : null,
  };
}

async function history(engine: IdentityEngine, userId: string): Promise<HistoryEntry[]> {
  return (await engine.db.passwordHistory.find({ user_id: userId }, { sort: [['created_at', 'desc']] })) as HistoryEntry[];
}

async function remember(engine: IdentityEngine, userId: string, hash: string, now: number, selfService: boolean): Promise<void> {
  const entry: HistoryEntry = { id: hexId(), user_id: userId, password_hash: hash, created_at: now, self_service: selfService };
  await engine.db.passwordHistory.insert(entry);
  const entries = await history(engine, userId);
  for (const old of entries.slice(HISTORY_KEPT)) await engine.db.passwordHistory.delete(old.id);
}

export interface NewUser {
  name: string;
  domain_id: string;
  enabled: boolean;
  password: string | null;
  default_project_id: string | null;
  options: Record<string, unknown>;
  extra: Record<string, unknown>;
}

export async function assertDomainExists(engine: IdentityEngine, domainId: string): Promise<ProjectRecord> {
  const domain = await engine.db.projects.get(domainId);
  if (!domain || !domain.is_domain) throw notFound(`Could not find domain: ${domainId}.`);
  return domain;
}

/** Keystone refuses a domain as a default project; an unknown project is tolerated. */
export async function assertDefaultProjectNotDomain(engine: IdentityEngine, projectId: string | null | undefined): Promise<void> {
  if (!projectId) return;
  const project = await engine.db.projects.get(projectId);
  if (project?.is_domain) throw badRequest(`User's default project ID cannot be a domain ID: ${projectId}`);
}

export async function createUser(engine: IdentityEngine, input: NewUser): Promise<UserRecord> {
  await assertDomainExists(engine, input.domain_id);
  await assertDefaultProjectNotDomain(engine, input.default_project_id);
  const now = engine.clock.now();
  const record: UserRecord = {
    id: hexId(),
    name: input.name,
    domain_id: input.domain_id,
    enabled: input.enabled,
    default_project_id: input.default_project_id,
    ...(await passwordFields(engine, input.password, now)),
    options: input.options,
    extra: input.extra,
    failed_auth_count: 0,
    failed_auth_at: null,
    created_at: now,
    last_active_at: null,
  };
  let stored: UserRecord;
  try {
    stored = await engine.backends.driverFor(input.domain_id).createUser(record);
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw duplicateUser(input.name, input.domain_id);
    throw error;
  }
  if (record.password_hash) await remember(engine, record.id, record.password_hash, now, false);
  await engine.changed();
  return stored;
}

export interface UserChanges {
  name?: string;
  enabled?: boolean;
  /** undefined: unchanged; null: the user no longer has a password */
  password?: string | null;
  default_project_id?: string | null;
  /** merged into the stored options; a null value removes the option */
  options?: Record<string, unknown>;
  /** merged into the stored extra attributes */
  extra?: Record<string, unknown>;
}

/** An administrator's update. A new password or disabling the user revokes their tokens. */
export async function updateUser(engine: IdentityEngine, user: UserRecord, changes: UserChanges): Promise<UserRecord> {
  await assertDefaultProjectNotDomain(engine, changes.default_project_id);
  const now = engine.clock.now();
  const set: Partial<UserRecord> = {};
  if (changes.name !== undefined) set.name = changes.name;
  if (changes.enabled !== undefined) {
    set.enabled = changes.enabled;
    // Re-enabling is how an administrator unlocks a locked-out account.
    if (changes.enabled) Object.assign(set, { failed_auth_count: 0, failed_auth_at: null });
  }
  if (changes.default_project_id !== undefined) set.default_project_id = changes.default_project_id;
  if (changes.options) {
    const options = { ...user.options };
    for (const [k, v] of Object.entries(changes.options)) {
      if (v === null) delete options[k];
      else options[k] = v;
    }
    set.options = options;
  }
  if (changes.extra) set.extra = { ...user.extra, ...changes.extra };
  if (changes.password !== undefined) Object.assign(set, await passwordFields(engine, changes.password, now));
  let updated: UserRecord | undefined;
  try {
    updated = await engine.backends.driverFor(user.domain_id).updateUser(user.id, set);
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw duplicateUser(changes.name ?? user.name, user.domain_id);
    throw error;
  }
  if (!updated) throw userNotFound(user.id);
  if (set.password_hash) await remember(engine, user.id, set.password_hash, now, false);
  const disabled = changes.enabled === false && user.enabled;
  if (disabled || (changes.password !== undefined && changes.password !== null)) {
    await engine.revocations.revoke({ user_id: user.id });
  }
  await engine.changed();
  return updated;
}

/** Removes the user and what belongs to it: assignments, memberships, credentials, application credentials. */
export async function deleteUser(engine: IdentityEngine, user: UserRecord): Promise<void> {
  const db = engine.db;
  engine.backends.assertWritable(user.domain_id);
  await db.assignments.deleteMany({ actor_type: 'user', actor_id: user.id });
  await db.credentials.deleteMany({ user_id: user.id });
  await db.applicationCredentials.deleteMany({ user_id: user.id });
  await db.accessRules.deleteMany({ user_id: user.id });
  await db.passwordHistory.deleteMany({ user_id: user.id });
  await engine.backends.driverFor(user.domain_id).deleteUser(user.id);
  await engine.revocations.revoke({ user_id: user.id });
  await engine.changed();
}

/** Counts a failed original password toward lockout, as a failed authentication would. */
async function recordFailure(engine: IdentityEngine, user: UserRecord): Promise<void> {
  const policy = engine.config.identity.securityCompliance;
  if (policy.lockoutFailureAttempts > 0 && !user.options.ignore_lockout_failure_attempts) {
    await engine.db.users.update(user.id, { failed_auth_count: user.failed_auth_count + 1, failed_auth_at: engine.clock.now() });
  }
}

function isLocked(engine: IdentityEngine, user: UserRecord): boolean {
  const policy = engine.config.identity.securityCompliance;
  if (policy.lockoutFailureAttempts <= 0 || user.options.ignore_lockout_failure_attempts) return false;
  if (user.failed_auth_count < policy.lockoutFailureAttempts) return false;
  if (policy.lockoutDurationSeconds === 0) return true;
  return engine.clock.now() < (user.failed_auth_at ?? 0) + policy.lockoutDurationSeconds * 1000;
}

/**
 * POST /v3/users/{id}/password. The caller proves who they are with the original
 * password (an expired one is good enough: this is how it gets renewed); every
 * failure to do so is the same 401.
 */
export async function changeOwnPassword(engine: IdentityEngine, userId: string, original: string, password: string): Promise<void> {
  const user = await engine.db.users.get(userId);
  if (!user) throw unauthorized();
  if (isLocked(engine, user)) throw unauthorized(`The account is locked for user: ${user.id}.`);
  if (!(await verifyPassword(original, user.password_hash))) {
    await recordFailure(engine, user);
    throw unauthorized();
  }
  const domain = await engine.db.projects.get(user.domain_id);
  if (!user.enabled || !domain?.enabled) throw unauthorized();

  if (user.options.lock_password === true) {
    throw badRequest(
      'You cannot change your password at this time due to password policy disallowing password changes. Please contact your administrator to reset your password.',
    );
  }
  const policy = engine.config.identity.securityCompliance;
  const now = engine.clock.now();
  const past = await history(engine, user.id);
  if (policy.minimumPasswordAgeDays > 0 && past[0]?.self_service && user.password_created_at !== null) {
    const allowedAt = user.password_created_at + policy.minimumPasswordAgeDays * DAY_MS;
    if (now < allowedAt) {
      const daysLeft = Math.floor((allowedAt - now) / DAY_MS);
      throw badRequest(
        `You cannot change your password at this time due to the minimum password age. Once you change your password, it must be used for ${policy.minimumPasswordAgeDays} day(s) before it can be changed. Please try again in ${daysLeft} day(s) or contact your administrator to reset your password.`,
      );
    }
  }
  if (policy.uniqueLastPasswordCount > 0) {
    const recent = past.length > 0 ? past.slice(0, policy.uniqueLastPasswordCount).map((h) => h.password_hash) : [user.password_hash];
    for (const hash of recent) {
      if (hash && (await verifyPassword(password, hash))) {
        throw badRequest(
          `The new password cannot be identical to a previous password. The total number which includes the new password must be unique is ${policy.uniqueLastPasswordCount}.`,
        );
      }
    }
  }
  const fields = await passwordFields(engine, password, now);
  await engine.db.users.update(user.id, { ...fields, failed_auth_count: 0, failed_auth_at: null });
  await remember(engine, user.id, fields.password_hash!, now, true);
  await engine.revocations.revoke({ user_id: user.id });
  await engine.changed();
}

/**
 * The projects a user holds a role on, directly or through a group, including
 * roles inherited from a parent project or the domain (what Keystone's
 * GET /v3/users/{id}/projects lists). A plain domain role grants no project.
 */
export async function projectsForUser(engine: IdentityEngine, userId: string): Promise<ProjectRecord[]> {
  const actors = [userId, ...(await groupIdsOf(engine.db, userId))];
  const assignments = await engine.db.assignments.find({ actor_id: { $in: actors } });
  const direct = new Set<string>();
  const inheritedFrom = new Set<string>();
  for (const a of assignments) {
    if (a.target_type === 'system') continue;
    if (a.inherited) inheritedFrom.add(a.target_id);
    else if (a.target_type === 'project') direct.add(a.target_id);
  }
  if (direct.size === 0 && inheritedFrom.size === 0) return [];
  const projects = await engine.db.projects.find({ is_domain: false }, { sort: [['name', 'asc']] });
  const byId = new Map(projects.map((p) => [p.id, p]));
  const reaches = (p: ProjectRecord): boolean => {
    if (direct.has(p.id)) return true;
    if (p.domain_id && inheritedFrom.has(p.domain_id)) return true;
    const seen = new Set([p.id]);
    let parent = p.parent_id ? byId.get(p.parent_id) : undefined;
    while (parent && !seen.has(parent.id)) {
      if (inheritedFrom.has(parent.id)) return true;
      seen.add(parent.id);
      parent = parent.parent_id ? byId.get(parent.parent_id) : undefined;
    }
    return false;
  };
  return projects.filter(reaches);
}
