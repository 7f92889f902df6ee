// Domains: projects acting as domains (is_domain, no domain_id, no parent). Finding
// one by id or name, and what deleting or disabling one does to everything it owns.
import { notFound } from '../../platform/http/api-error.ts';
import type { IdentityDb } from '../identity-db.ts';
import type { IdentityEngine } from '../engine.ts';
import type { ProjectRecord } from '../model.ts';
import { removeProject, subtreeOf } from './projects.ts';

export const domainNotFound = (id: string) => notFound(`Could not find domain: ${id}.`);

export async function getDomain(db: IdentityDb, id: string): Promise<ProjectRecord> {
  const record = await db.projects.get(id);
  if (!record || !record.is_domain) throw domainNotFound(id);
  return record;
}

export async function findDomainByName(db: IdentityDb, name: string): Promise<ProjectRecord | undefined> {
  return db.projects.findOne({ name, is_domain: true, domain_id: null });
}

/** A domain named by id or by name (what auth scopes and clients accept); 404 when neither matches. */
export async function findDomain(db: IdentityDb, ref: { id?: string; name?: string }): Promise<ProjectRecord> {
  if (ref.id !== undefined) return getDomain(db, ref.id);
  const byName = ref.name !== undefined ? await findDomainByName(db, ref.name) : undefined;
  if (!byName) throw domainNotFound(ref.name ?? '');
  return byName;
}

/** Removes a user and everything that is only theirs; revokes their tokens. */
async function removeUser(engine: IdentityEngine, userId: string): Promise<void> {
  const db = engine.db;
  await db.memberships.deleteMany({ user_id: userId });
  await db.assignments.deleteMany({ actor_type: 'user', actor_id: userId });
  await db.credentials.deleteMany({ user_id: userId });
  await db.applicationCredentials.deleteMany({ user_id: userId });
  await db.accessRules.deleteMany({ user_id: userId });
  await db.passwordHistory.deleteMany({ user_id: userId });
  await db.users.delete(userId);
  await engine.revocations.revoke({ user_id: userId });
}

/**
 * Deletes a (disabled) domain with its contents, as Keystone does: its projects
 * (leaves first, each with its assignments), users, groups, domain-specific roles
 * and the assignments on the domain itself. The caller calls engine.changed().
 */
export async function removeDomain(engine: IdentityEngine, domain: ProjectRecord): Promise<void> {
  const db = engine.db;
  const projects = (await subtreeOf(db, domain.id)).filter((p) => p.domain_id === domain.id);
  for (const project of projects.reverse()) await removeProject(engine, project);
  // Projects of this domain that are outside its tree (should not exist) go too.
  for (const project of await db.projects.find({ domain_id: domain.id })) await removeProject(engine, project);

  for (const user of await db.users.find({ domain_id: domain.id })) await removeUser(engine, user.id);
  for (const group of await db.groups.find({ domain_id: domain.id })) {
    await db.memberships.deleteMany({ group_id: group.id });
    await db.assignments.deleteMany({ actor_type: 'group', actor_id: group.id });
    await db.groups.delete(group.id);
  }
  for (const role of await db.roles.find({ domain_id: domain.id })) {
    await db.impliedRoles.deleteMany({ prior_role_id: role.id });
    await db.impliedRoles.deleteMany({ implied_role_id: role.id });
    await db.assignments.deleteMany({ role_id: role.id });
    await db.roles.delete(role.id);
    await engine.revocations.revoke({ role_id: role.id });
  }
  await removeProject(engine, domain);
}

/**
 * A disabled domain invalidates the tokens scoped to it, to its projects, and of
 * its users (Keystone matches a domain event against all three).
 */
export async function revokeDomainTokens(engine: IdentityEngine, domainId: string): Promise<void> {
  const db = engine.db;
  await engine.revocations.revoke({ domain_id: domainId });
  for (const project of await db.projects.find({ domain_id: domainId })) await engine.revocations.revoke({ project_id: project.id });
  for (const user of await db.users.find({ domain_id: domainId })) await engine.revocations.revoke({ user_id: user.id });
}
