// /v3/domains: Keystone's domain API, over the projects that act as domains.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest } from '../../platform/http/api-error.ts';
import { isHexId } from '../../platform/ids.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { ProjectRecord } from '../../identity/model.ts';
import { domainNotFound } from '../../identity/resources/domains.ts';
import { createProjectRecord, deleteProjectRecord, updateProjectRecord } from '../../identity/resources/projects-lifecycle.ts';
import { checkBoolean, checkDescription, checkName, checkOptions, checkTags, memberOf, pyRepr } from '../../identity/resources/projects-validation.ts';
import { collectionLinks, created, extraFields, matchesStringFilters, noContent, ok, queryBool, selfLink } from './support.ts';

/** What a domain has beyond "extra"; the project-only attributes never show in a domain. */
const DOMAIN_ATTRIBUTES = ['id', 'name', 'description', 'enabled', 'tags', 'options', 'explicit_domain_id', 'domain_id', 'parent_id', 'is_domain'] as const;

export function domainView(ctx: RequestContext, d: ProjectRecord): Record<string, unknown> {
  return {
    ...d.extra,
    id: d.id,
    name: d.name,
    description: d.description,
    enabled: d.enabled,
    tags: d.tags,
    options: d.options,
    links: selfLink(ctx, `/v3/domains/${d.id}`),
  };
}

function checkDomainMembers(input: Record<string, unknown>): void {
  if ('name' in input) checkName(input.name);
  if ('description' in input) checkDescription(input.description);
  if ('enabled' in input) checkBoolean(input.enabled, 'enabled');
  if ('tags' in input) checkTags(input.tags);
  if ('options' in input) checkOptions(input.options);
}

export function domainHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const db = engine.db;

  async function loadDomain(id: string): Promise<ProjectRecord | undefined> {
    const record = await db.projects.get(id);
    return record?.is_domain ? record : undefined;
  }

  return {
    listDomains: async (ctx) => {
      const auth = ctx.auth!;
      const filters = Object.fromEntries(['name', 'enabled'].flatMap((k) => (ctx.query[k] !== undefined ? [[k, ctx.query[k]]] : [])));
      engine.authorize(ctx, 'identity:list_domains', { ...filters, ...(auth.domainId ? { target: { domain: { id: auth.domainId } } } : {}) });
      const filter: Record<string, boolean> = { is_domain: true };
      const enabled = queryBool(ctx, 'enabled');
      if (enabled !== undefined) filter.enabled = enabled;
      const records = await db.projects.find(filter, { sort: [['name', 'asc']] });
      const domains = records
        .filter((d) => matchesStringFilters(ctx, 'name', d.name))
        // A domain-scoped caller sees its own domain only.
        .filter((d) => !auth.domainId || d.id === auth.domainId)
        .map((d) => domainView(ctx, d));
      return ok({ domains, links: collectionLinks(ctx) });
    },

    createDomain: async (ctx) => {
      engine.authorize(ctx, 'identity:create_domain');
      const input = memberOf(ctx.body, 'domain');
      if (!('name' in input)) throw badRequest("'name' is a required property");
      checkDomainMembers(input);
      const explicitId = input.explicit_domain_id;
      if (explicitId !== undefined && explicitId !== null && (typeof explicitId !== 'string' || !isHexId(explicitId))) {
        throw badRequest('Domain ID does not conform to required UUID format.');
      }
      const record = await createProjectRecord(engine, {
        id: (explicitId as string | null | undefined) ?? undefined,
        name: input.name as string,
        description: input.description as string | null | undefined,
        enabled: input.enabled as boolean | undefined,
        is_domain: true,
        domain_id: null,
        parent_id: null,
        tags: input.tags as string[] | undefined,
        options: input.options as Record<string, unknown> | undefined,
        extra: extraFields(input, DOMAIN_ATTRIBUTES),
      });
      return created({ domain: domainView(ctx, record) });
    },

    showDomain: async (ctx) => {
      const record = await loadDomain(ctx.params.domain_id);
      engine.authorize(ctx, 'identity:get_domain', record ? { target: { domain: record } } : {});
      if (!record) throw domainNotFound(ctx.params.domain_id);
      return ok({ domain: domainView(ctx, record) });
    },

    updateDomain: async (ctx) => {
      engine.authorize(ctx, 'identity:update_domain');
      const input = memberOf(ctx.body, 'domain');
      const keys = Object.keys(input);
      if (keys.length === 0) throw badRequest(`Invalid input for field 'domain': ${pyRepr(input)} does not have enough properties`);
      checkDomainMembers(input);
      const record = await loadDomain(ctx.params.domain_id);
      if (!record) throw domainNotFound(ctx.params.domain_id);
      const updated = await updateProjectRecord(
        engine,
        record,
        {
          name: input.name as string | undefined,
          description: input.description as string | null | undefined,
          enabled: input.enabled as boolean | undefined,
          tags: input.tags as string[] | undefined,
          options: input.options as Record<string, unknown> | undefined,
          extra: extraFields(input, DOMAIN_ATTRIBUTES),
        },
        keys,
        'domain',
      );
      return ok({ domain: domainView(ctx, updated) });
    },

    deleteDomain: async (ctx) => {
      engine.authorize(ctx, 'identity:delete_domain');
      const record = await loadDomain(ctx.params.domain_id);
      if (!record) throw domainNotFound(ctx.params.domain_id);
      await deleteProjectRecord(engine, record);
      return noContent();
    },
  };
}
