// Projects as business objects: lookups with Keystone's 404s, the hierarchy
// (parents up to the domain, subtrees), and what deleting or disabling one takes
// with it. Domains are projects acting as domains (see domains.ts).
import { notFound } from '../../platform/http/api-error.ts';
import type { IdentityDb } from '../identity-db.ts';
import type { IdentityEngine } from '../engine.ts';
import type { ProjectRecord } from '../model.ts';

/** Keystone's max_project_tree_depth default; the domain adds one level on top. */
export const MAX_PROJECT_TREE_DEPTH = 5;

export const projectNotFound = (id: string) => notFound(`Could not find project: ${id}.`);

/** A project (a domain, too: Keystone's project API sees projects acting as domains). */
export async function getProject(db: IdentityDb, id: string): Promise<ProjectRecord> {
  const project = await db.projects.get(id);
  if (!project) throw projectNotFound(id);
  return project;
}

/**
 * Every ancestor of a project, nearest first, the domain included (Keystone's
 * list_project_parents). A domain has none.
 */
export async function parentsOf(db: IdentityDb, project: ProjectRecord): Promise<ProjectRecord[]> {
  const out: ProjectRecord[] = [];
  const seen = new Set<string>([project.id]);
  let parentId = project.parent_id;
  while (parentId && !seen.has(parentId)) {
    seen.add(parentId);
    const parent = await db.projects.get(parentId);
    if (!parent) break;
    out.push(parent);
    parentId = parent.parent_id;
  }
  return out;
}

/** Every descendant, parents before their children (breadth first). */
export async function subtreeOf(db: IdentityDb, projectId: string): Promise<ProjectRecord[]> {
  const out: ProjectRecord[] = [];
  const seen = new Set<string>([projectId]);
  let frontier = [projectId];
  while (frontier.length > 0) {
    const children = await db.projects.find({ parent_id: { $in: frontier } }, { sort: [['name', 'asc']] });
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

/** `{parent: {grandparent: null}}`, as `parents_as_ids` shows it. */
export function parentsAsIds(parents: ProjectRecord[]): Record<string, unknown> | null {
  let nested: Record<string, unknown> | null = null;
  for (let i = parents.length - 1; i >= 0; i--) nested = { [parents[i].id]: nested };
  return nested;
}

/** `{child: {grandchild: null}, other: null}`, as `subtree_as_ids` shows it; null when a leaf. */
export function subtreeAsIds(rootId: string, subtree: ProjectRecord[]): Record<string, unknown> | null {
  const byParent = new Map<string, ProjectRecord[]>();
  for (const p of subtree) {
    if (!p.parent_id) continue;
    const list = byParent.get(p.parent_id) ?? [];
    list.push(p);
    byParent.set(p.parent_id, list);
  }
  const walk = (id: string): Record<string, unknown> | null => {
    const children = byParent.get(id);
    if (!children) return null;
    return Object.fromEntries(children.map((c) => [c.id, walk(c.id)]));
  };
  return walk(rootId);
}

export async function isLeaf(db: IdentityDb, projectId: string): Promise<boolean> {
  return (await db.projects.count({ parent_id: projectId })) === 0;
}

/**
 * Removes a project and what hangs on it: role assignments on it, credentials
 * and application credentials scoped to it; revokes its tokens. The caller has
 * checked that it is a leaf and calls engine.changed() afterwards.
 */
export async function removeProject(engine: IdentityEngine, project: ProjectRecord): Promise<void> {
  const db = engine.db;
  await db.assignments.deleteMany({ target_id: project.id, target_type: project.is_domain ? 'domain' : 'project' });
  await db.credentials.deleteMany({ project_id: project.id });
  await db.applicationCredentials.deleteMany({ project_id: project.id });
  await db.projects.delete(project.id);
  await engine.revocations.revoke(project.is_domain ? { domain_id: project.id } : { project_id: project.id });
}

/** Tokens scoped to a project that was just disabled stop working, for good. */
export async function revokeProjectTokens(engine: IdentityEngine, projectId: string): Promise<void> {
  await engine.revocations.revoke({ project_id: projectId });
}
