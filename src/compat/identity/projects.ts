// /v3/projects and /v3/projects/{id}/tags: Keystone's project API. Projects acting
// as domains are visible here too (is_domain=true), as in Keystone.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { ApiError, badRequest, forbidden, notFound } from '../../platform/http/api-error.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { ProjectRecord } from '../../identity/model.ts';
import { DEFAULT_DOMAIN_ID } from '../../identity/bootstrap.ts';
import { effectiveRoles } from '../../identity/role-resolver.ts';
import { parentsAsIds, parentsOf, projectNotFound, subtreeAsIds, subtreeOf } from '../../identity/resources/projects.ts';
import {
  createProjectRecord,
  deleteProjectRecord,
  PROJECT_ATTRIBUTES,
  updateProjectRecord,
  type ProjectUpdate,
} from '../../identity/resources/projects-lifecycle.ts';
import {
  checkBoolean,
  checkDescription,
  checkIdString,
  checkName,
  checkOptions,
  checkTag,
  checkTags,
  MAX_TAGS,
  memberOf,
  pyRepr,
} from '../../identity/resources/projects-validation.ts';
import { collectionLinks, created, extraFields, matchesStringFilters, noContent, ok, queryBool, queryString, selfLink } from './support.ts';

export function projectView(ctx: RequestContext, p: ProjectRecord): Record<string, unknown> {
  return {
    ...p.extra,
    id: p.id,
    name: p.name,
    domain_id: p.domain_id,
    description: p.description,
    enabled: p.enabled,
    parent_id: p.parent_id,
    is_domain: p.is_domain,
    tags: p.tags,
    options: p.options,
    links: selfLink(ctx, `/v3/projects/${p.id}`),
  };
}

/** The members both create and update accept, checked as Keystone's schema checks them. */
function checkProjectMembers(input: Record<string, unknown>): void {
  if ('name' in input) checkName(input.name);
  if ('description' in input) checkDescription(input.description);
  if ('domain_id' in input) checkIdString(input.domain_id, 'domain_id');
  if ('parent_id' in input) checkIdString(input.parent_id, 'parent_id');
  if ('enabled' in input) checkBoolean(input.enabled, 'enabled');
  if ('is_domain' in input) checkBoolean(input.is_domain, 'is_domain');
  if ('tags' in input) checkTags(input.tags);
  if ('options' in input) checkOptions(input.options);
}

/** Keystone's `?flag` parameters: present means true, unless its value is "0". */
function queryFilterIsTrue(ctx: RequestContext, name: string): boolean {
  const v = ctx.query[name];
  if (v === undefined) return false;
  return (Array.isArray(v) ? v[v.length - 1] : v) !== '0';
}

const splitTags = (value: string) => value.split(',').filter((t) => t !== '');

function matchesTagFilters(ctx: RequestContext, tags: string[]): boolean {
  const all = queryString(ctx, 'tags');
  if (all !== undefined && !splitTags(all).every((t) => tags.includes(t))) return false;
  const any = queryString(ctx, 'tags-any');
  if (any !== undefined && !splitTags(any).some((t) => tags.includes(t))) return false;
  const notAll = queryString(ctx, 'not-tags');
  if (notAll !== undefined && splitTags(notAll).every((t) => tags.includes(t))) return false;
  const notAny = queryString(ctx, 'not-tags-any');
  if (notAny !== undefined && splitTags(notAny).some((t) => tags.includes(t))) return false;
  return true;
}

export function projectHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const db = engine.db;

  /** The policy target Keystone builds for a project path: the project, when it exists. */
  async function projectTarget(id: string): Promise<{ record?: ProjectRecord; target: Record<string, unknown> }> {
    const record = await db.projects.get(id);
    return { record, target: record ? { target: { project: record } } : {} };
  }

  async function authorizedProject(ctx: RequestContext, rule: string): Promise<ProjectRecord> {
    const { record, target } = await projectTarget(ctx.params.project_id);
    engine.authorize(ctx, rule, target);
    if (!record) throw projectNotFound(ctx.params.project_id);
    return record;
  }

  /** Projects among `list` the caller has a role on (Keystone filters parents/subtree lists so). */
  async function visibleTo(userId: string, list: ProjectRecord[]): Promise<ProjectRecord[]> {
    const out: ProjectRecord[] = [];
    for (const p of list) {
      if (p.is_domain) continue;
      if ((await effectiveRoles(db, userId, { type: 'project', id: p.id })).length > 0) out.push(p);
    }
    return out;
  }

  function tagsBody(ctx: RequestContext, tags: string[]) {
    return { tags, links: { self: `${ctx.baseUrl}${ctx.path}` } };
  }

  return {
    listProjects: async (ctx) => {
      const auth = ctx.auth!;
      const filterValues = Object.fromEntries(
        ['domain_id', 'enabled', 'name', 'parent_id', 'is_domain'].flatMap((k) => (queryString(ctx, k) !== undefined ? [[k, queryString(ctx, k)]] : [])),
      );
      const target = auth.domainId ? { target: { domain_id: auth.domainId } } : {};
      engine.authorize(ctx, 'identity:list_projects', { ...filterValues, ...target });

      const filter: Record<string, string | boolean> = { is_domain: queryBool(ctx, 'is_domain') ?? false };
      const domainId = queryString(ctx, 'domain_id');
      if (domainId !== undefined) filter.domain_id = domainId;
      const parentId = queryString(ctx, 'parent_id');
      if (parentId !== undefined) filter.parent_id = parentId;
      const enabled = queryBool(ctx, 'enabled');
      if (enabled !== undefined) filter.enabled = enabled;
      const records = await db.projects.find(filter, { sort: [['name', 'asc']] });
      const projects = records
        .filter((p) => matchesStringFilters(ctx, 'name', p.name) && matchesTagFilters(ctx, p.tags))
        // A domain-scoped caller sees its own domain's projects only.
        .filter((p) => !auth.domainId || p.domain_id === auth.domainId)
        .map((p) => projectView(ctx, p));
      return ok({ projects, links: collectionLinks(ctx) });
    },

    createProject: async (ctx) => {
      const input = memberOf(ctx.body, 'project');
      engine.authorize(ctx, 'identity:create_project', { target: { project: input } });
      if (!('name' in input)) throw badRequest("'name' is a required property");
      checkProjectMembers(input);
      const isDomain = input.is_domain === true;
      let domainId = (input.domain_id as string | null | undefined) ?? null;
      // Keystone's rule for a create without domain: the token's domain, else the default one.
      if (!isDomain && !domainId) domainId = ctx.auth!.domainId ?? DEFAULT_DOMAIN_ID;
      const record = await createProjectRecord(engine, {
        name: input.name as string,
        description: input.description as string | null | undefined,
        enabled: input.enabled as boolean | undefined,
        is_domain: isDomain,
        domain_id: domainId,
        parent_id: input.parent_id as string | null | undefined,
        tags: input.tags as string[] | undefined,
        options: input.options as Record<string, unknown> | undefined,
        extra: extraFields(input, PROJECT_ATTRIBUTES),
      });
      return created({ project: projectView(ctx, record) });
    },

    showProject: async (ctx) => {
      const record = await authorizedProject(ctx, 'identity:get_project');
      const parentsAsList = queryFilterIsTrue(ctx, 'parents_as_list');
      const parentsIds = queryFilterIsTrue(ctx, 'parents_as_ids');
      const subtreeAsList = queryFilterIsTrue(ctx, 'subtree_as_list');
      const subtreeIds = queryFilterIsTrue(ctx, 'subtree_as_ids');
      if (parentsAsList && parentsIds) throw badRequest('Cannot use parents_as_list and parents_as_ids query params at the same time.');
      if (subtreeAsList && subtreeIds) throw badRequest('Cannot use subtree_as_list and subtree_as_ids query params at the same time.');
      const view = projectView(ctx, record);
      if (parentsAsList || parentsIds) {
        const parents = await parentsOf(db, record);
        view.parents = parentsAsList
          ? (await visibleTo(ctx.auth!.userId, parents)).map((p) => ({ project: projectView(ctx, p) }))
          : parentsAsIds(parents);
      }
      if (subtreeAsList || subtreeIds) {
        const subtree = await subtreeOf(db, record.id);
        view.subtree = subtreeAsList
          ? (await visibleTo(ctx.auth!.userId, subtree)).map((p) => ({ project: projectView(ctx, p) }))
          : subtreeAsIds(record.id, subtree);
      }
      return ok({ project: view });
    },

    updateProject: async (ctx) => {
      const record = await authorizedProject(ctx, 'identity:update_project');
      const input = memberOf(ctx.body, 'project');
      const keys = Object.keys(input);
      if (keys.length === 0) throw badRequest(`Invalid input for field 'project': ${pyRepr(input)} does not have enough properties`);
      checkProjectMembers(input);
      if (input.id !== undefined && input.id !== null && input.id !== record.id) throw badRequest('Cannot change ID');
      const change: ProjectUpdate = { ...input, extra: extraFields(input, PROJECT_ATTRIBUTES) } as ProjectUpdate;
      const updated = await updateProjectRecord(engine, record, change, keys, 'project');
      return ok({ project: projectView(ctx, updated) });
    },

    deleteProject: async (ctx) => {
      const record = await authorizedProject(ctx, 'identity:delete_project');
      await deleteProjectRecord(engine, record);
      return noContent();
    },

    listProjectTags: async (ctx) => {
      const record = await authorizedProject(ctx, 'identity:list_project_tags');
      return ok(tagsBody(ctx, record.tags));
    },

    replaceProjectTags: async (ctx) => {
      const record = await authorizedProject(ctx, 'identity:update_project_tags');
      const tags = (ctx.body as Record<string, unknown> | undefined)?.tags ?? {};
      checkTags(tags);
      if (record.options.immutable === true) {
        throw immutableTags('update', record.id);
      }
      const updated = await updateProjectRecord(engine, record, { tags }, ['tags'], 'project');
      return ok(tagsBody(ctx, updated.tags));
    },

    deleteProjectTags: async (ctx) => {
      const record = await authorizedProject(ctx, 'identity:delete_project_tags');
      if (record.options.immutable === true) throw immutableTags('update', record.id);
      await updateProjectRecord(engine, record, { tags: [] }, ['tags'], 'project');
      return noContent();
    },

    checkProjectTag: async (ctx) => {
      const record = await authorizedProject(ctx, 'identity:get_project_tag');
      if (!record.tags.includes(ctx.params.tag)) throw tagNotFound(ctx.params.tag);
      return noContent();
    },

    addProjectTag: async (ctx) => {
      const record = await authorizedProject(ctx, 'identity:create_project_tag');
      const tag = ctx.params.tag;
      try {
        checkTag(tag);
      } catch (error) {
        // The tag comes from the path, so Keystone's message names no field.
        if (error instanceof ApiError) throw badRequest(error.message.replace(/^Invalid input for field '[^']*': /, ''));
        throw error;
      }
      const tags = [...record.tags, tag];
      if (tags.length > MAX_TAGS) throw badRequest(`${pyRepr(tags)} is too long`);
      if (record.tags.includes(tag)) throw badRequest(`${pyRepr(tags)} has non-unique elements`);
      if (record.options.immutable === true) throw immutableTags('create', record.id);
      await updateProjectRecord(engine, record, { tags }, ['tags'], 'project');
      return { status: 201, headers: { Location: `${ctx.baseUrl}/v3/projects/${record.id}/tags/${encodeURIComponent(tag)}` } };
    },

    removeProjectTag: async (ctx) => {
      const record = await authorizedProject(ctx, 'identity:delete_project_tag');
      if (record.options.immutable === true) throw immutableTags('delete', record.id);
      const tag = ctx.params.tag;
      if (!record.tags.includes(tag)) throw tagNotFound(tag);
      await updateProjectRecord(engine, record, { tags: record.tags.filter((t) => t !== tag) }, ['tags'], 'project');
      return noContent();
    },
  };
}

const tagNotFound = (tag: string) => notFound(`Could not find project tag: ${tag}.`);

function immutableTags(action: 'create' | 'update' | 'delete', projectId: string) {
  return forbidden(
    `Cannot ${action} project tags for ${projectId}, project is immutable. Set "immutable" option to false before creating project tags.`,
  );
}
