// /v3/services: the catalog's services. Deleting one deletes its endpoints.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { notFound } from '../../platform/http/api-error.ts';
import { hexId } from '../../platform/ids.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { ServiceRecord } from '../../identity/model.ts';
import { checkBoolean, checkMatchingId, checkNotEmpty, checkString, requiredProperty } from '../../identity/resources/services-field-checks.ts';
import { bodyObject, collectionLinks, created, extraFields, matchesStringFilters, noContent, ok, selfLink } from './support.ts';

const KNOWN = ['id', 'type', 'name', 'description', 'enabled', 'links'] as const;

function view(ctx: RequestContext, s: ServiceRecord) {
  return {
    ...s.extra,
    id: s.id,
    type: s.type,
    name: s.name,
    description: s.description,
    enabled: s.enabled,
    links: selfLink(ctx, `/v3/services/${s.id}`),
  };
}

function checkFields(input: Record<string, unknown>): void {
  checkString(input, 'type', { minLength: 1, maxLength: 255 });
  checkString(input, 'name', { minLength: 1, maxLength: 255 });
  checkString(input, 'description', { nullable: true });
  checkBoolean(input, 'enabled');
}

export function serviceHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const db = engine.db;
  const serviceNotFound = (id: string) => notFound(`Could not find service: ${id}.`);

  return {
    listServices: async (ctx) => {
      engine.authorize(ctx, 'identity:list_services');
      const services = (await db.services.find({})).filter((s) => matchesStringFilters(ctx, 'type', s.type) && matchesStringFilters(ctx, 'name', s.name));
      return ok({ services: services.map((s) => view(ctx, s)), links: collectionLinks(ctx) });
    },
    getService: async (ctx) => {
      engine.authorize(ctx, 'identity:get_service');
      const service = await db.services.get(ctx.params.service_id);
      if (!service) throw serviceNotFound(ctx.params.service_id);
      return ok({ service: view(ctx, service) });
    },
    createService: async (ctx) => {
      engine.authorize(ctx, 'identity:create_service');
      const input = bodyObject(ctx, 'service');
      if (input.type === undefined) throw requiredProperty('type');
      checkFields(input);
      const record: ServiceRecord = {
        id: hexId(),
        type: input.type,
        name: input.name ?? '',
        description: input.description ?? '',
        enabled: input.enabled ?? true,
        extra: extraFields(input, KNOWN),
      };
      await db.services.insert(record);
      await engine.changed();
      return created({ service: view(ctx, record) });
    },
    updateService: async (ctx) => {
      engine.authorize(ctx, 'identity:update_service');
      const input = bodyObject(ctx, 'service');
      checkNotEmpty(input);
      checkFields(input);
      const id = ctx.params.service_id;
      checkMatchingId(input, id);
      const current = await db.services.get(id);
      if (!current) throw serviceNotFound(id);
      const set: Partial<ServiceRecord> = { extra: { ...current.extra, ...extraFields(input, KNOWN) } };
      if (input.type !== undefined) set.type = input.type;
      if (input.name !== undefined) set.name = input.name;
      if ('description' in input) set.description = input.description ?? '';
      if (input.enabled !== undefined) set.enabled = input.enabled;
      const updated = await db.services.update(id, set);
      if (!updated) throw serviceNotFound(id);
      await engine.changed();
      return ok({ service: view(ctx, updated) });
    },
    deleteService: async (ctx) => {
      engine.authorize(ctx, 'identity:delete_service');
      const id = ctx.params.service_id;
      if (!(await db.services.delete(id))) throw serviceNotFound(id);
      await db.endpoints.deleteMany({ service_id: id });
      await engine.changed();
      return noContent();
    },
  };
}
