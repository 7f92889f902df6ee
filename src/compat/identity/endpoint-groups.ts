// OS-EP-FILTER: endpoint groups (a filter over endpoint attributes), their links
// to projects, and direct project-endpoint links. Keystone narrows a project-scoped
// catalog with them; stackgate stores and reports them (the catalog is not narrowed yet).
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, notFound } from '../../platform/http/api-error.ts';
import { hexId } from '../../platform/ids.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { EndpointRecord, ProjectRecord } from '../../identity/model.ts';
import type { EndpointGroupRecord } from '../../identity/extensions/extensions-db.ts';
import { checkMatchingId, checkNotEmpty, checkString, invalidField, pythonRepr, requiredProperty } from '../../identity/resources/services-field-checks.ts';
import { projectView } from './projects.ts';
import { bodyObject, collectionLinks, created, extraFields, matchesStringFilters, noContent, ok, selfLink } from './support.ts';
import { endpointView } from './endpoints.ts';

const KNOWN = ['id', 'name', 'description', 'filters', 'links'] as const;
const FILTER_KEYS = ['service_id', 'region_id', 'interface'];

function groupView(ctx: RequestContext, g: EndpointGroupRecord) {
  return {
    ...g.extra,
    id: g.id,
    name: g.name,
    description: g.description,
    filters: g.filters,
    links: selfLink(ctx, `/v3/OS-EP-FILTER/endpoint_groups/${g.id}`),
  };
}

function checkFields(input: Record<string, unknown>): void {
  checkString(input, 'name', { minLength: 1, maxLength: 255 });
  checkString(input, 'description', { nullable: true });
  const filters = input.filters;
  if (filters === undefined) return;
  if (typeof filters !== 'object' || filters === null || Array.isArray(filters)) {
    throw invalidField('filters', `${pythonRepr(filters)} is not of type 'object'`);
  }
  for (const key of Object.keys(filters)) {
    if (!FILTER_KEYS.includes(key)) {
      throw badRequest(`Expecting to find ${FILTER_KEYS.join(' or ')} in endpoint_group. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`);
    }
  }
}

/** Does the endpoint carry every attribute value the group's filters name? */
export function endpointMatches(filters: Record<string, unknown>, e: EndpointRecord): boolean {
  const attrs: Record<string, unknown> = { service_id: e.service_id, region_id: e.region_id, interface: e.interface };
  return Object.entries(filters).every(([k, v]) => attrs[k] === v);
}

const groupNotFound = (id: string) => notFound(`Could not find Endpoint Group: ${id}.`);

export function endpointGroupHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const db = engine.db;
  const ext = db.extensions;

  async function requireGroup(id: string): Promise<EndpointGroupRecord> {
    const g = await ext.endpointGroups.get(id);
    if (!g) throw groupNotFound(id);
    return g;
  }
  async function requireProject(id: string): Promise<ProjectRecord> {
    const p = await db.projects.get(id);
    if (!p || p.is_domain) throw notFound(`Could not find project: ${id}.`);
    return p;
  }
  async function requireEndpoint(id: string): Promise<EndpointRecord> {
    const e = await db.endpoints.get(id);
    if (!e) throw notFound(`Could not find endpoint: ${id}.`);
    return e;
  }
  async function endpointsOfGroup(g: EndpointGroupRecord): Promise<EndpointRecord[]> {
    return (await db.endpoints.find()).filter((e) => endpointMatches(g.filters, e));
  }
  /** Projects that still exist, in the order of the given ids. */
  async function existingProjects(ids: string[]): Promise<ProjectRecord[]> {
    if (ids.length === 0) return [];
    const found = await db.projects.find({ id: { $in: ids } });
    return found.filter((p) => !p.is_domain);
  }

  const groupProjectId = (groupId: string, projectId: string) => `${groupId}:${projectId}`;
  const projectEndpointId = (projectId: string, endpointId: string) => `${projectId}:${endpointId}`;

  return {
    listEndpointGroups: async (ctx) => {
      engine.authorize(ctx, 'identity:list_endpoint_groups');
      const groups = (await ext.endpointGroups.find()).filter((g) => matchesStringFilters(ctx, 'name', g.name));
      return ok({ endpoint_groups: groups.map((g) => groupView(ctx, g)), links: collectionLinks(ctx) });
    },
    getEndpointGroup: async (ctx) => {
      engine.authorize(ctx, 'identity:get_endpoint_group');
      return ok({ endpoint_group: groupView(ctx, await requireGroup(ctx.params.endpoint_group_id)) });
    },
    createEndpointGroup: async (ctx) => {
      engine.authorize(ctx, 'identity:create_endpoint_group');
      const input = bodyObject(ctx, 'endpoint_group');
      if (input.name === undefined) throw requiredProperty('name');
      checkFields(input);
      if (!input.filters || Object.keys(input.filters).length === 0) throw badRequest('filters field is required and cannot be empty');
      const record: EndpointGroupRecord = {
        id: hexId(),
        name: input.name,
        description: input.description ?? '',
        filters: input.filters,
        extra: extraFields(input, KNOWN),
      };
      await ext.endpointGroups.insert(record);
      await engine.changed();
      return created({ endpoint_group: groupView(ctx, record) });
    },
    updateEndpointGroup: async (ctx) => {
      engine.authorize(ctx, 'identity:update_endpoint_group');
      const input = bodyObject(ctx, 'endpoint_group');
      checkNotEmpty(input);
      checkFields(input);
      const id = ctx.params.endpoint_group_id;
      checkMatchingId(input, id);
      const current = await requireGroup(id);
      const set: Partial<EndpointGroupRecord> = { extra: { ...current.extra, ...extraFields(input, KNOWN) } };
      if (input.name !== undefined) set.name = input.name;
      if ('description' in input) set.description = input.description ?? '';
      if (input.filters !== undefined) set.filters = input.filters;
      const updated = await ext.endpointGroups.update(id, set);
      if (!updated) throw groupNotFound(id);
      await engine.changed();
      return ok({ endpoint_group: groupView(ctx, updated) });
    },
    deleteEndpointGroup: async (ctx) => {
      engine.authorize(ctx, 'identity:delete_endpoint_group');
      const id = ctx.params.endpoint_group_id;
      if (!(await ext.endpointGroups.delete(id))) throw groupNotFound(id);
      await ext.projectEndpointGroups.deleteMany({ endpoint_group_id: id });
      await engine.changed();
      return noContent();
    },
    listEndpointGroupProjects: async (ctx) => {
      engine.authorize(ctx, 'identity:list_projects_associated_with_endpoint_group');
      const group = await requireGroup(ctx.params.endpoint_group_id);
      const links = await ext.projectEndpointGroups.find({ endpoint_group_id: group.id });
      const projects = await existingProjects(links.map((l) => l.project_id));
      return ok({ projects: projects.map((p) => projectView(ctx, p)), links: collectionLinks(ctx) });
    },
    listEndpointGroupEndpoints: async (ctx) => {
      engine.authorize(ctx, 'identity:list_endpoints_associated_with_endpoint_group');
      const group = await requireGroup(ctx.params.endpoint_group_id);
      const endpoints = await endpointsOfGroup(group);
      return ok({ endpoints: endpoints.map((e) => endpointView(ctx, e)), links: collectionLinks(ctx) });
    },
    getEndpointGroupProject: async (ctx) => {
      engine.authorize(ctx, 'identity:get_endpoint_group_in_project');
      const { endpoint_group_id: groupId, project_id: projectId } = ctx.params;
      await requireProject(projectId);
      await requireGroup(groupId);
      const link = await ext.projectEndpointGroups.get(groupProjectId(groupId, projectId));
      if (!link) throw notFound(`Could not find Endpoint Group Project Association: ${groupId}, ${projectId}.`);
      return ok({
        project_endpoint_group: {
          endpoint_group_id: groupId,
          project_id: projectId,
          links: selfLink(ctx, `/v3/OS-EP-FILTER/endpoint_groups/${groupId}/projects/${projectId}`),
        },
      });
    },
    addEndpointGroupProject: async (ctx) => {
      engine.authorize(ctx, 'identity:add_endpoint_group_to_project');
      const { endpoint_group_id: groupId, project_id: projectId } = ctx.params;
      await requireProject(projectId);
      await requireGroup(groupId);
      const id = groupProjectId(groupId, projectId);
      if (!(await ext.projectEndpointGroups.get(id))) {
        await ext.projectEndpointGroups.insert({ id, endpoint_group_id: groupId, project_id: projectId }).catch(() => undefined);
        await engine.changed();
      }
      return noContent();
    },
    removeEndpointGroupProject: async (ctx) => {
      engine.authorize(ctx, 'identity:remove_endpoint_group_from_project');
      const { endpoint_group_id: groupId, project_id: projectId } = ctx.params;
      await requireProject(projectId);
      await requireGroup(groupId);
      if (!(await ext.projectEndpointGroups.delete(groupProjectId(groupId, projectId)))) {
        throw notFound(`Could not find Endpoint Group Project Association: ${groupId}, ${projectId}.`);
      }
      await engine.changed();
      return noContent();
    },
    listProjectEndpointGroups: async (ctx) => {
      engine.authorize(ctx, 'identity:list_endpoint_groups_for_project');
      const project = await requireProject(ctx.params.project_id);
      const links = await ext.projectEndpointGroups.find({ project_id: project.id });
      const ids = links.map((l) => l.endpoint_group_id);
      const groups = ids.length === 0 ? [] : await ext.endpointGroups.find({ id: { $in: ids } });
      return ok({ endpoint_groups: groups.map((g) => groupView(ctx, g)), links: collectionLinks(ctx) });
    },
    listEndpointProjects: async (ctx) => {
      engine.authorize(ctx, 'identity:list_projects_for_endpoint');
      const endpoint = await requireEndpoint(ctx.params.endpoint_id);
      const links = await ext.projectEndpoints.find({ endpoint_id: endpoint.id });
      const projects = await existingProjects(links.map((l) => l.project_id));
      return ok({ projects: projects.map((p) => projectView(ctx, p)), links: collectionLinks(ctx) });
    },
    listProjectEndpoints: async (ctx) => {
      engine.authorize(ctx, 'identity:list_endpoints_for_project');
      const project = await requireProject(ctx.params.project_id);
      // Keystone's answer: the endpoints linked directly, and those of the project's endpoint groups.
      const direct = new Set((await ext.projectEndpoints.find({ project_id: project.id })).map((l) => l.endpoint_id));
      const groupIds = (await ext.projectEndpointGroups.find({ project_id: project.id })).map((l) => l.endpoint_group_id);
      const groups = groupIds.length === 0 ? [] : await ext.endpointGroups.find({ id: { $in: groupIds } });
      const endpoints = (await db.endpoints.find()).filter((e) => direct.has(e.id) || groups.some((g) => endpointMatches(g.filters, e)));
      return ok({ endpoints: endpoints.map((e) => endpointView(ctx, e)), links: collectionLinks(ctx) });
    },
    checkProjectEndpoint: async (ctx) => {
      engine.authorize(ctx, 'identity:check_endpoint_in_project');
      const { project_id: projectId, endpoint_id: endpointId } = ctx.params;
      await requireEndpoint(endpointId);
      await requireProject(projectId);
      if (!(await ext.projectEndpoints.get(projectEndpointId(projectId, endpointId)))) {
        throw notFound(`Endpoint ${endpointId} not found in project ${projectId}`);
      }
      return noContent();
    },
    addProjectEndpoint: async (ctx) => {
      engine.authorize(ctx, 'identity:add_endpoint_to_project');
      const { project_id: projectId, endpoint_id: endpointId } = ctx.params;
      await requireEndpoint(endpointId);
      await requireProject(projectId);
      const id = projectEndpointId(projectId, endpointId);
      if (!(await ext.projectEndpoints.get(id))) {
        await ext.projectEndpoints.insert({ id, project_id: projectId, endpoint_id: endpointId }).catch(() => undefined);
        await engine.changed();
      }
      return noContent();
    },
    removeProjectEndpoint: async (ctx) => {
      engine.authorize(ctx, 'identity:remove_endpoint_from_project');
      const { project_id: projectId, endpoint_id: endpointId } = ctx.params;
      if (!(await ext.projectEndpoints.delete(projectEndpointId(projectId, endpointId)))) {
        throw notFound(`Endpoint ${endpointId} not found in project ${projectId}`);
      }
      await engine.changed();
      return noContent();
    },
  };
}
