// Role grants (assignment records) and the role_assignments listing, raw or
// effective. The effective expansion walks the same relations role-resolver uses
// for tokens (groups, ancestors and domain for inheritance, implied roles, no
// domain-specific roles), so a token and this listing never disagree.
import { notFound } from '../../platform/http/api-error.ts';
import type { IdentityEngine } from '../engine.ts';
import type { IdentityDb } from '../identity-db.ts';
import type { ActorType, AssignmentRecord, ProjectRecord, TargetType } from '../model.ts';
import { ancestorsOf, descendantsOf, groupIdsOf, impliedChains } from '../role-resolver.ts';
import { managerFor } from '../backends/manager.ts';

export interface Grant {
  actor_type: ActorType;
  actor_id: string;
  target_type: TargetType;
  /** "all" for the system */
  target_id: string;
  role_id: string;
  inherited: boolean;
}

/** The deterministic id bootstrap uses too: one record per distinct grant. */
export function assignmentId(g: Grant): string {
  return `${g.actor_type}:${g.actor_id}:${g.target_type}:${g.target_id}:${g.role_id}:${g.inherited}`;
}

export function assignmentNotFound(g: Grant): Error {
  return notFound(
    `Could not find role assignment with role: ${g.role_id}, user or group: ${g.actor_id}, project, domain, or system: ${g.target_id}.`,
  );
}

/** PUT is idempotent: an existing grant is left as it is. */
export async function createGrant(engine: IdentityEngine, g: Grant): Promise<void> {
  const id = assignmentId(g);
  if (await engine.db.assignments.get(id)) return;
  try {
    await engine.db.assignments.insert({ id, ...g });
  } catch (error) {
    // A concurrent PUT of the same grant won the race: the grant exists, as asked.
    if (!(await engine.db.assignments.get(id))) throw error;
  }
  await engine.changed();
}

export async function hasGrant(db: IdentityDb, g: Grant): Promise<boolean> {
  return !!(await db.assignments.get(assignmentId(g)));
}

/** Removes a grant; tokens relying on it lose the role at their next validation. */
export async function revokeGrant(engine: IdentityEngine, g: Grant): Promise<void> {
  if (!(await engine.db.assignments.delete(assignmentId(g)))) throw assignmentNotFound(g);
  await engine.changed();
}

export async function grantedRoleIds(db: IdentityDb, actorType: ActorType, actorId: string, targetType: TargetType, targetId: string, inherited: boolean): Promise<string[]> {
  const found = await db.assignments.find({ actor_type: actorType, actor_id: actorId, target_type: targetType, target_id: targetId, inherited });
  return found.map((a) => a.role_id);
}

/** One row of GET /v3/role_assignments before rendering. */
export interface AssignmentEntry {
  actor: { type: ActorType; id: string };
  target: { type: TargetType; id: string };
  roleId: string;
  /** the stored grant this row comes from */
  source: AssignmentRecord;
  /** set when the row came from a group the user is a member of */
  viaGroupId?: string;
  /** set when the row's role was implied by another role (the one directly implying it) */
  priorRoleId?: string;
}

export interface AssignmentQuery {
  userId?: string;
  groupId?: string;
  roleId?: string;
  projectId?: string;
  domainId?: string;
  /** "all" */
  system?: string;
  /** true: only inherited grants; false: only direct; undefined: both */
  inherited?: boolean;
  effective?: boolean;
  includeSubtree?: boolean;
}

export async function listAssignments(db: IdentityDb, q: AssignmentQuery): Promise<AssignmentEntry[]> {
  return q.effective ? listEffective(db, q) : listRaw(db, q);
}

async function scopeProjects(db: IdentityDb, q: AssignmentQuery): Promise<ProjectRecord[] | undefined> {
  if (!q.projectId) return undefined;
  const project = await db.projects.get(q.projectId);
  if (!project || project.is_domain) return [];
  return q.includeSubtree ? [project, ...(await descendantsOf(db, project))] : [project];
}

async function listRaw(db: IdentityDb, q: AssignmentQuery): Promise<AssignmentEntry[]> {
  const filter: Record<string, any> = {};
  if (q.userId) Object.assign(filter, { actor_type: 'user', actor_id: q.userId });
  if (q.groupId) Object.assign(filter, { actor_type: 'group', actor_id: q.groupId });
  if (q.roleId) filter.role_id = q.roleId;
  if (q.inherited !== undefined) filter.inherited = q.inherited;
  const projects = await scopeProjects(db, q);
  if (projects) Object.assign(filter, { target_type: 'project', target_id: { $in: projects.map((p) => p.id) } });
  if (q.domainId) Object.assign(filter, { target_type: 'domain', target_id: q.domainId });
  if (q.system) Object.assign(filter, { target_type: 'system', target_id: q.system });
  const records = await db.assignments.find(filter, { sort: [['actor_id', 'asc'], ['target_id', 'asc'], ['role_id', 'asc']] });
  return records.map((a) => ({ actor: { type: a.actor_type, id: a.actor_id }, target: { type: a.target_type, id: a.target_id }, roleId: a.role_id, source: a }));
}

/** A group's member ids in its backend (a directory group's come from the directory). */
async function membersOfGroup(db: IdentityDb, groupId: string): Promise<string[]> {
  const manager = managerFor(db);
  if (manager) return manager.memberIdsOf(groupId);
  return (await db.memberships.find({ group_id: groupId })).map((m) => m.user_id);
}

async function listEffective(db: IdentityDb, q: AssignmentQuery): Promise<AssignmentEntry[]> {
  // The stored grants that can reach the asked user: theirs and their groups'.
  const filter: Record<string, any> = {};
  if (q.userId) {
    const groups = await groupIdsOf(db, q.userId);
    filter.actor_id = { $in: [q.userId, ...groups] };
  }
  if (q.inherited !== undefined) filter.inherited = q.inherited;
  const wanted = await scopeProjects(db, q);
  const sources = await db.assignments.find(filter, { sort: [['actor_id', 'asc'], ['target_id', 'asc'], ['role_id', 'asc']] });

  // For each asked project, the targets whose inherited grants reach it.
  const reachedBy = new Map<string, Set<string>>();
  for (const p of wanted ?? []) {
    const from = new Set((await ancestorsOf(db, p)).map((a) => a.id));
    if (p.domain_id) from.add(p.domain_id);
    reachedBy.set(p.id, from);
  }

  const rows: AssignmentEntry[] = [];
  const memberCache = new Map<string, string[]>();
  for (const a of sources) {
    let targets: Array<{ type: TargetType; id: string }>;
    if (a.inherited) {
      if (wanted) {
        targets = wanted.filter((p) => reachedBy.get(p.id)!.has(a.target_id)).map((p) => ({ type: 'project' as const, id: p.id }));
      } else {
        const root = await db.projects.get(a.target_id);
        targets = root ? (await descendantsOf(db, root)).map((p) => ({ type: 'project' as const, id: p.id })) : [];
      }
    } else {
      targets = [{ type: a.target_type, id: a.target_id }];
    }
    let users: string[];
    if (a.actor_type === 'group') {
      if (!memberCache.has(a.actor_id)) memberCache.set(a.actor_id, (await membersOfGroup(db, a.actor_id)).sort());
      users = memberCache.get(a.actor_id)!.filter((u) => !q.userId || u === q.userId);
    } else {
      users = [a.actor_id];
    }
    for (const target of targets) {
      for (const user of users) {
        rows.push({
          actor: { type: 'user', id: user },
          target,
          roleId: a.role_id,
          source: a,
          ...(a.actor_type === 'group' ? { viaGroupId: a.actor_id } : {}),
        });
      }
    }
  }

  const chains = await impliedChains(db, rows.map((r) => r.roleId));
  const expanded: AssignmentEntry[] = [];
  for (const row of rows) {
    expanded.push(row);
    for (const link of chains.get(row.roleId) ?? []) expanded.push({ ...row, roleId: link.roleId, priorRoleId: link.priorId });
  }

  // Domain-specific roles never reach tokens, only what they imply does.
  const roleIds = [...new Set(expanded.map((r) => r.roleId))];
  const global = new Set((await db.roles.find({ id: { $in: roleIds } })).filter((r) => r.domain_id === null).map((r) => r.id));
  const wantedIds = wanted ? new Set(wanted.map((p) => p.id)) : undefined;
  return expanded.filter((r) => {
    if (!global.has(r.roleId)) return false;
    if (q.roleId && r.roleId !== q.roleId) return false;
    if (wantedIds && !(r.target.type === 'project' && wantedIds.has(r.target.id))) return false;
    if (q.domainId && !(r.target.type === 'domain' && r.target.id === q.domainId)) return false;
    if (q.system && !(r.target.type === 'system' && r.target.id === q.system)) return false;
    return true;
  });
}
