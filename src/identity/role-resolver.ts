// Which roles a user holds on a scope: direct and group assignments, inherited
// ones from the project's ancestors and its domain (OS-INHERIT), then implied
// roles followed transitively. Tokens and role_assignments?effective share it.
import type { IdentityDb } from './identity-db.ts';
import type { AssignmentRecord, ProjectRecord, RoleRecord, TargetType } from './model.ts';
import { managerFor } from './backends/manager.ts';

export interface Scope {
  type: TargetType;
  /** project id, domain id, or "all" for the system */
  id: string;
}

/** The user's groups in every backend: embedded memberships and, for a directory user, the directory's groups. */
export async function groupIdsOf(db: IdentityDb, userId: string): Promise<string[]> {
  const manager = managerFor(db);
  if (manager) return manager.groupIdsOf(userId);
  return (await db.memberships.find({ user_id: userId })).map((m) => m.group_id);
}

/** The project's ancestors, nearest first, up to (not including) its domain. */
export async function ancestorsOf(db: IdentityDb, project: ProjectRecord): Promise<ProjectRecord[]> {
  const out: ProjectRecord[] = [];
  let parentId = project.parent_id;
  const seen = new Set<string>([project.id]);
  while (parentId && parentId !== project.domain_id && !seen.has(parentId)) {
    seen.add(parentId);
    const parent = await db.projects.get(parentId);
    if (!parent || parent.is_domain) break;
    out.push(parent);
    parentId = parent.parent_id;
  }
  return out;
}

/** Assignments that give the actors roles on the scope, before implied roles. */
export async function assignmentsOnScope(db: IdentityDb, actorIds: string[], scope: Scope): Promise<AssignmentRecord[]> {
  if (actorIds.length === 0) return [];
  const direct = await db.assignments.find({
    actor_id: { $in: actorIds },
    target_type: scope.type,
    target_id: scope.id,
    inherited: false,
  });
  if (scope.type !== 'project') return direct;
  const project = await db.projects.get(scope.id);
  if (!project) return direct;
  const inheritedTargets = (await ancestorsOf(db, project)).map((p) => p.id);
  if (project.domain_id) inheritedTargets.push(project.domain_id);
  const inherited = await db.assignments.find({
    actor_id: { $in: actorIds },
    target_id: { $in: inheritedTargets },
    inherited: true,
  });
  return [...direct, ...inherited];
}

/** Expands role ids with every role they imply, transitively. */
export async function expandImplied(db: IdentityDb, roleIds: string[]): Promise<string[]> {
  const result = new Set(roleIds);
  let frontier = [...result];
  while (frontier.length > 0) {
    const rules = await db.impliedRoles.find({ prior_role_id: { $in: frontier } });
    frontier = [];
    for (const rule of rules) {
      if (!result.has(rule.implied_role_id)) {
        result.add(rule.implied_role_id);
        frontier.push(rule.implied_role_id);
      }
    }
  }
  return [...result];
}

/**
 * The roles (records) a user effectively holds on a scope. Domain-specific roles are not carried into tokens.
 * `federatedGroupIds`: the groups a federated token's mapping gave (they are not stored memberships).
 */
export async function effectiveRoles(db: IdentityDb, userId: string, scope: Scope, federatedGroupIds: readonly string[] = []): Promise<RoleRecord[]> {
  const actors = [userId, ...(await groupIdsOf(db, userId)), ...federatedGroupIds];
  const assigned = [...new Set((await assignmentsOnScope(db, actors, scope)).map((a) => a.role_id))];
  const all = await expandImplied(db, assigned);
  if (all.length === 0) return [];
  const roles = await db.roles.find({ id: { $in: all } });
  return roles.filter((r) => r.domain_id === null).sort((a, b) => a.name.localeCompare(b.name));
}

/** Every project below the given project (or below a domain, when given a domain), any depth. */
export async function descendantsOf(db: IdentityDb, parent: ProjectRecord): Promise<ProjectRecord[]> {
  if (parent.is_domain) return db.projects.find({ domain_id: parent.id, is_domain: false });
  const out: ProjectRecord[] = [];
  let frontier = [parent.id];
  const seen = new Set(frontier);
  while (frontier.length > 0) {
    const children = await db.projects.find({ parent_id: { $in: frontier }, is_domain: false });
    frontier = [];
    for (const child of children) {
      if (seen.has(child.id)) continue;
      seen.add(child.id);
      out.push(child);
      frontier.push(child.id);
    }
  }
  return out;
}

/**
 * The implied roles of each role, transitively, each with the role that directly
 * implied it (the same walk as expandImplied, keeping where each one came from).
 */
export async function impliedChains(db: IdentityDb, roleIds: string[]): Promise<Map<string, Array<{ roleId: string; priorId: string }>>> {
  const out = new Map<string, Array<{ roleId: string; priorId: string }>>();
  const rules = await db.impliedRoles.find();
  const byPrior = new Map<string, string[]>();
  for (const rule of rules) {
    const list = byPrior.get(rule.prior_role_id) ?? [];
    list.push(rule.implied_role_id);
    byPrior.set(rule.prior_role_id, list);
  }
  for (const start of new Set(roleIds)) {
    const chain: Array<{ roleId: string; priorId: string }> = [];
    const seen = new Set([start]);
    let frontier = [start];
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const prior of frontier) {
        for (const implied of byPrior.get(prior) ?? []) {
          if (seen.has(implied)) continue;
          seen.add(implied);
          chain.push({ roleId: implied, priorId: prior });
          next.push(implied);
        }
      }
      frontier = next;
    }
    out.set(start, chain);
  }
  return out;
}
