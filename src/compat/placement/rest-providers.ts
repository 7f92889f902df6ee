// /resource_providers, and per provider its aggregates, traits, usages and allocations.
import type { OperationHandler } from '../../platform/http/service-api.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { PlacementLogic } from './placement-logic.ts';
import { badRequest } from './errors.ts';
import { canonicalUuid, jsonBody, queryAll, queryOne, validateQuery } from './request-validation.ts';
import { authorize, json, mv, noContent, providerView, root, since } from './rest-support.ts';
import { parseMemberOf, parseRequired, parseResources, traitNames } from './rest-query.ts';
import { capacityOf } from './providers.ts';

const NAME = { type: 'string', maxLength: 200 };
const UUID = { type: 'string', format: 'uuid' };
const PARENT = { anyOf: [UUID, { type: 'null' }] };
const postSchema = (withParent: boolean) => ({
  type: 'object', required: ['name'], additionalProperties: false,
  properties: { name: NAME, uuid: UUID, ...(withParent ? { parent_provider_uuid: PARENT } : {}) },
});
const putSchema = (withParent: boolean) => ({
  type: 'object', required: ['name'], additionalProperties: false,
  properties: { name: NAME, ...(withParent ? { parent_provider_uuid: PARENT } : {}) },
});
const SCHEMAS = { post: postSchema(false), post14: postSchema(true), put: putSchema(false), put14: putSchema(true) };

function listQuerySchema(v: (x: string) => boolean): object {
  const props: Record<string, object> = { name: { type: 'string' }, uuid: UUID };
  if (v('1.3')) props.member_of = { type: 'string' };
  if (v('1.4')) props.resources = { type: 'string' };
  if (v('1.14')) props.in_tree = UUID;
  if (v('1.18')) props.required = { type: 'string' };
  return { type: 'object', properties: props, additionalProperties: false };
}
const listSchemas = new Map<string, object>();


export function providerHandlers(engine: IdentityEngine, logic: PlacementLogic): Record<string, OperationHandler> {
  const { providers } = logic;
  return {
    listResourceProviders: async (ctx) => {
      authorize(engine, ctx, 'placement:resource_providers:list');
      const band = ['1.18', '1.14', '1.4', '1.3'].find((x) => mv(ctx, x)) ?? '1.0';
      if (!listSchemas.has(band)) listSchemas.set(band, listQuerySchema((x) => Number(x.split('.')[1]) <= Number(band.split('.')[1])));
      validateQuery(ctx, listSchemas.get(band)!);
      let list = await providers.list();
      const name = queryOne(ctx, 'name');
      if (name !== undefined) list = list.filter((p) => p.name === name);
      const uuid = queryOne(ctx, 'uuid');
      if (uuid !== undefined) list = list.filter((p) => p.id === canonicalUuid(uuid));
      if (queryAll(ctx, 'member_of').length) {
        const m = parseMemberOf(ctx, queryAll(ctx, 'member_of'));
        list = list.filter((p) => m.anyOf.every((any) => any.some((a) => p.aggregates.includes(a))) && !m.forbidden.some((a) => p.aggregates.includes(a)));
      }
      const inTree = queryOne(ctx, 'in_tree');
      if (inTree !== undefined) {
        const anchor = await providers.get(canonicalUuid(inTree));
        list = anchor ? list.filter((p) => p.root_provider_uuid === anchor.root_provider_uuid) : [];
      }
      if (queryAll(ctx, 'required').length) {
        const t = parseRequired(ctx, queryAll(ctx, 'required'), mv(ctx, '1.22'));
        const missing = await logic.catalog.missingTraits(traitNames(t));
        if (missing.length) throw badRequest(`Invalid trait(s) in "required" parameter: No such trait(s): ${missing.join(', ')}.`);
        list = list.filter((p) => t.required.every((any) => any.some((x) => p.traits.includes(x))) && !t.forbidden.some((x) => p.traits.includes(x)));
      }
      const resources = queryOne(ctx, 'resources');
      if (resources !== undefined) {
        const wanted = parseResources(resources);
        for (const rc of Object.keys(wanted)) {
          if (!(await logic.catalog.resourceClassExists(rc))) throw badRequest(`Invalid resource class in resources parameter: No such resource class ${rc}.`);
        }
        list = list.filter((p) => Object.entries(wanted).every(([rc, n]) => {
          const inv = p.inventories[rc];
          return inv && capacityOf(inv) - (p.usages[rc] ?? 0) >= n && n <= inv.max_unit && n >= inv.min_unit;
        }));
      }
      const last = list.map((p) => p.updated_at).sort().at(-1);
      return json({ resource_providers: list.map((p) => providerView(ctx, p)) }, 200, ctx, last);
    },
    createResourceProvider: async (ctx) => {
      authorize(engine, ctx, 'placement:resource_providers:create');
      const body = jsonBody(ctx, mv(ctx, '1.14') ? SCHEMAS.post14 : SCHEMAS.post);
      const rp = await logic.createProvider({
        name: body.name,
        uuid: body.uuid ? canonicalUuid(body.uuid) : undefined,
        parent_provider_uuid: body.parent_provider_uuid ? canonicalUuid(body.parent_provider_uuid) : body.parent_provider_uuid,
      });
      const location = `${root(ctx)}/resource_providers/${rp.id}`;
      if (mv(ctx, '1.20')) {
        const res = json(providerView(ctx, rp), 200, ctx, rp.updated_at);
        res.headers = { ...res.headers, Location: location };
        return res;
      }
      return { status: 201, headers: { Location: location } };
    },
    showResourceProvider: async (ctx) => {
      authorize(engine, ctx, 'placement:resource_providers:show');
      const rp = await providers.require(ctx.params.uuid);
      return json(providerView(ctx, rp), 200, ctx, rp.updated_at);
    },
    updateResourceProvider: async (ctx) => {
      authorize(engine, ctx, 'placement:resource_providers:update');
      await providers.require(ctx.params.uuid);
      const body = jsonBody(ctx, mv(ctx, '1.14') ? SCHEMAS.put14 : SCHEMAS.put);
      if (body.parent_provider_uuid) body.parent_provider_uuid = canonicalUuid(body.parent_provider_uuid);
      const rp = await logic.serial(() => providers.update(ctx.params.uuid, body, mv(ctx, '1.37')));
      return json(providerView(ctx, rp), 200, ctx, rp.updated_at);
    },
    deleteResourceProvider: async (ctx) => {
      authorize(engine, ctx, 'placement:resource_providers:delete');
      await logic.serial(() => providers.delete(ctx.params.uuid));
      return noContent();
    },

    listProviderAggregates: async (ctx) => {
      since(ctx, '1.1');
      authorize(engine, ctx, 'placement:resource_providers:aggregates:list');
      const rp = await providers.require(ctx.params.uuid);
      return json(aggregatesView(ctx, rp.aggregates, rp.generation), 200, ctx, rp.updated_at);
    },
    updateProviderAggregates: async (ctx) => {
      since(ctx, '1.1');
      authorize(engine, ctx, 'placement:resource_providers:aggregates:update');
      await providers.require(ctx.params.uuid);
      const list = { type: 'array', items: UUID, uniqueItems: true };
      let aggregates: string[];
      let generation: number | undefined;
      if (mv(ctx, '1.19')) {
        const body = jsonBody(ctx, {
          type: 'object', required: ['aggregates', 'resource_provider_generation'], additionalProperties: false,
          properties: { aggregates: list, resource_provider_generation: { type: 'integer' } },
        });
        aggregates = body.aggregates;
        generation = body.resource_provider_generation;
      } else {
        aggregates = jsonBody(ctx, list);
      }
      const rp = await logic.serial(() => providers.setAggregates(ctx.params.uuid, aggregates.map(canonicalUuid), generation));
      return json(aggregatesView(ctx, rp.aggregates, rp.generation), 200, ctx, rp.updated_at);
    },

    listProviderTraits: async (ctx) => {
      since(ctx, '1.6');
      authorize(engine, ctx, 'placement:resource_providers:traits:list');
      const rp = await providers.require(ctx.params.uuid, `No resource provider with uuid ${ctx.params.uuid} found: No resource provider with uuid ${ctx.params.uuid} found`);
      return json({ traits: rp.traits, resource_provider_generation: rp.generation }, 200, ctx, rp.updated_at);
    },
    updateProviderTraits: async (ctx) => {
      since(ctx, '1.6');
      authorize(engine, ctx, 'placement:resource_providers:traits:update');
      const body = jsonBody(ctx, {
        type: 'object', required: ['traits', 'resource_provider_generation'], additionalProperties: false,
        properties: {
          traits: { type: 'array', items: { type: 'string', pattern: '^[A-Z0-9_]+$' }, uniqueItems: true },
          resource_provider_generation: { type: 'integer' },
        },
      });
      await providers.require(ctx.params.uuid);
      const rp = await logic.serial(() => providers.setTraits(ctx.params.uuid, body.traits, body.resource_provider_generation));
      return json({ traits: rp.traits, resource_provider_generation: rp.generation }, 200, ctx, rp.updated_at);
    },
    deleteProviderTraits: async (ctx) => {
      since(ctx, '1.6');
      authorize(engine, ctx, 'placement:resource_providers:traits:delete');
      await providers.require(ctx.params.uuid);
      await logic.serial(() => providers.setTraits(ctx.params.uuid, []));
      return noContent();
    },

    showProviderUsages: async (ctx) => {
      authorize(engine, ctx, 'placement:resource_providers:usages');
      const rp = await providers.require(ctx.params.uuid, `No resource provider with uuid ${ctx.params.uuid} found`);
      const usages: Record<string, number> = {};
      for (const rc of Object.keys(rp.inventories)) usages[rc] = rp.usages[rc] ?? 0;
      return json({ resource_provider_generation: rp.generation, usages }, 200, ctx);
    },
    listProviderAllocations: async (ctx) => {
      authorize(engine, ctx, 'placement:resource_providers:allocations:list');
      const rp = await providers.require(ctx.params.uuid, `Resource provider '${ctx.params.uuid}' not found: No resource provider with uuid ${ctx.params.uuid} found`);
      const allocations: Record<string, unknown> = {};
      for (const c of await logic.allocations.forProvider(rp.id)) {
        allocations[c.id] = { resources: c.allocations[rp.id], ...(mv(ctx, '1.28') ? { consumer_generation: c.generation } : {}) };
      }
      return json({ allocations, resource_provider_generation: rp.generation }, 200, ctx);
    },
  };
}

function aggregatesView(ctx: Parameters<OperationHandler>[0], aggregates: string[], generation: number) {
  return mv(ctx, '1.19') ? { aggregates, resource_provider_generation: generation } : { aggregates };
}
