// GET /v3/role_assignments: the stored grants, or (effective) what each user really
// holds, with Keystone's links back to the grant APIs that created each row.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, notFound } from '../../platform/http/api-error.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { IdentityDb } from '../../identity/identity-db.ts';
import { listAssignments, type AssignmentEntry, type AssignmentQuery } from '../../identity/resources/assignments.ts';
import { collectionLinks, ok, queryFlag, queryString } from './support.ts';
import { managerFor } from '../../identity/backends/manager.ts';

const FILTERS = ['group.id', 'role.id', 'scope.domain.id', 'scope.project.id', 'scope.OS-INHERIT:inherited_to', 'user.id', 'scope.system'];

function readQuery(ctx: RequestContext): AssignmentQuery {
  const q = (name: string) => queryString(ctx, name) || undefined;
  const effective = queryFlag(ctx, 'effective');
  const inheritedTo = queryString(ctx, 'scope.OS-INHERIT:inherited_to');
  const query: AssignmentQuery = {
    userId: q('user.id'),
    groupId: q('group.id'),
    roleId: q('role.id'),
    projectId: q('scope.project.id'),
    domainId: q('scope.domain.id'),
    system: q('scope.system'),
    inherited: inheritedTo === undefined ? undefined : inheritedTo === 'projects',
    effective,
    includeSubtree: queryFlag(ctx, 'include_subtree'),
  };
  if (query.domainId && query.projectId) throw badRequest('Specify a domain or project, not both');
  if (query.domainId && query.system) throw badRequest('Specify system or domain, not both');
  if (query.projectId && query.system) throw badRequest('Specify system or project, not both');
  if (query.userId && query.groupId) throw badRequest('Specify a user or group, not both');
  if (effective && query.groupId) throw badRequest('Combining effective and group filter will always result in an empty list.');
  if (effective && query.inherited && query.domainId) {
    throw badRequest('Combining effective, domain and inherited filters will always result in an empty list.');
  }
  return query;
}

/** Names for include_names, loaded once per id. */
class NameBook {
  private cache = new Map<string, Promise<any>>();
  private readonly db: IdentityDb;
  constructor(db: IdentityDb) {
    this.db = db;
  }
  private load(kind: 'users' | 'groups' | 'projects' | 'roles', id: string): Promise<any> {
    const key = `${kind}:${id}`;
    let v = this.cache.get(key);
    if (!v) {
      // Users and groups may live in a domain's directory: ask their backend.
      const backends = managerFor(this.db);
      if (backends && kind === 'users') v = backends.getUser(id);
      else if (backends && kind === 'groups') v = backends.getGroup(id);
      else v = (this.db[kind] as any).get(id);
      this.cache.set(key, v!);
    }
    return v!;
  }
  async domainRef(id: string | null) {
    const d = id ? await this.load('projects', id) : undefined;
    return { id, name: d?.name ?? null };
  }
  async user(id: string) {
    const u = await this.load('users', id);
    return u ? { id, name: u.name, domain: await this.domainRef(u.domain_id) } : { id };
  }
  async group(id: string) {
    const g = await this.load('groups', id);
    return g ? { id, name: g.name, domain: await this.domainRef(g.domain_id) } : { id };
  }
  async project(id: string) {
    const p = await this.load('projects', id);
    return p ? { id, name: p.name, domain: await this.domainRef(p.domain_id) } : { id };
  }
  async domain(id: string) {
    const d = await this.load('projects', id);
    return d ? { id, name: d.name } : { id };
  }
  async role(id: string) {
    const r = await this.load('roles', id);
    if (!r) return { id };
    return r.domain_id ? { id, name: r.name, domain: await this.domainRef(r.domain_id) } : { id, name: r.name };
  }
}

/** One row in Keystone's shape; its links name the grant URL the row stems from. */
async function render(ctx: RequestContext, e: AssignmentEntry, names: NameBook | undefined): Promise<Record<string, unknown>> {
  const src = e.source;
  const out: Record<string, any> = { links: {} };
  let link: string;
  if (e.target.type === 'project') {
    out.scope = { project: names ? await names.project(e.target.id) : { id: e.target.id } };
    link = `/${src.target_type}s/${src.target_id}`;
  } else if (e.target.type === 'domain') {
    out.scope = { domain: names ? await names.domain(e.target.id) : { id: e.target.id } };
    link = `/domains/${e.target.id}`;
  } else {
    out.scope = { system: { all: true } };
    link = '/system';
  }
  if (e.actor.type === 'user') {
    out.user = names ? await names.user(e.actor.id) : { id: e.actor.id };
    if (e.viaGroupId) {
      out.links.membership = `${ctx.baseUrl}/v3/groups/${e.viaGroupId}/users/${e.actor.id}`;
      link += `/groups/${e.viaGroupId}`;
    } else {
      link += `/users/${e.actor.id}`;
    }
  } else {
    out.group = names ? await names.group(e.actor.id) : { id: e.actor.id };
    link += `/groups/${e.actor.id}`;
  }
  out.role = names ? await names.role(e.roleId) : { id: e.roleId };
  link += `/roles/${e.priorRoleId ?? e.roleId}`;
  if (src.inherited) {
    out.scope['OS-INHERIT:inherited_to'] = 'projects';
    link = `/OS-INHERIT${link}/inherited_to_projects`;
  }
  out.links.assignment = `${ctx.baseUrl}/v3${link}`;
  if (e.priorRoleId) {
    // Keystone names the implied role first in this link; kept for compatibility.
    out.links.prior_role = `${ctx.baseUrl}/v3/prior_role/${e.roleId}/implies/${e.priorRoleId}`;
  }
  return out;
}

function filterTarget(ctx: RequestContext): Record<string, unknown> {
  return Object.fromEntries(FILTERS.map((f) => [f, queryString(ctx, f)]).filter(([, v]) => v !== undefined));
}

export function roleAssignmentHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const db = engine.db;
  return {
    listRoleAssignments: async (ctx) => {
      const domainScope = ctx.auth?.domainId;
      if (queryFlag(ctx, 'include_subtree')) {
        const projectId = queryString(ctx, 'scope.project.id');
        const project = projectId ? await db.projects.get(projectId) : undefined;
        if (projectId && (!project || project.is_domain)) throw notFound(`Could not find project: ${projectId}.`);
        const target: Record<string, unknown> = { ...filterTarget(ctx) };
        if (project) target.target = { project, domain_id: project.domain_id };
        engine.authorize(ctx, 'identity:list_role_assignments_for_tree', target);
        if (!projectId) throw badRequest('scope.project.id must be specified if include_subtree is also specified');
      } else {
        engine.authorize(ctx, 'identity:list_role_assignments', { ...filterTarget(ctx), ...(domainScope ? { target: { domain_id: domainScope } } : {}) });
      }
      const query = readQuery(ctx);
      let entries = await listAssignments(db, query);
      if (domainScope && !queryFlag(ctx, 'include_subtree')) {
        // A domain-scoped caller sees only its domain and the projects in it.
        const inDomain = new Map<string, boolean>();
        const kept: AssignmentEntry[] = [];
        for (const e of entries) {
          if (e.target.type === 'domain') {
            if (e.target.id === domainScope) kept.push(e);
          } else if (e.target.type === 'project') {
            if (!inDomain.has(e.target.id)) inDomain.set(e.target.id, (await db.projects.get(e.target.id))?.domain_id === domainScope);
            if (inDomain.get(e.target.id)) kept.push(e);
          }
        }
        entries = kept;
      }
      const names = queryFlag(ctx, 'include_names') ? new NameBook(db) : undefined;
      const role_assignments = [];
      for (const e of entries) role_assignments.push(await render(ctx, e, names));
      return ok({ role_assignments, links: collectionLinks(ctx) });
    },
  };
}
