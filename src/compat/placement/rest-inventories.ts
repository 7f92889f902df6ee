// /resource_providers/{uuid}/inventories[/{resource_class}]
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { PlacementLogic } from './placement-logic.ts';
import { MAX_INT, type Inventory, type ProviderRecord } from './model.ts';
import { CODES, badRequest, conflict, notFound } from './errors.ts';
import { jsonBody } from './request-validation.ts';
import { authorize, json, mv, noContent, root, since } from './rest-support.ts';

const RC_PATTERN = '^[A-Z0-9_]+$';
const int = (minimum: number) => ({ type: 'integer', minimum, maximum: MAX_INT });
const FIELDS = {
  resource_provider_generation: { type: 'integer' },
  total: int(1), reserved: int(0), min_unit: int(1), max_unit: int(1), step_size: int(1),
  allocation_ratio: { type: 'number', maximum: 3.40282e38 },
};
const RECORD = { type: 'object', required: ['total'], additionalProperties: false, properties: FIELDS };
const PUT_ONE = { ...RECORD, required: ['total', 'resource_provider_generation'] };
const POST_ONE = { ...RECORD, properties: { ...FIELDS, resource_class: { type: 'string', pattern: RC_PATTERN } }, required: ['total', 'resource_class'] };
const PUT_ALL = {
  type: 'object', required: ['resource_provider_generation', 'inventories'], additionalProperties: false,
  properties: {
    resource_provider_generation: { type: 'integer' },
    inventories: { type: 'object', patternProperties: { [RC_PATTERN]: RECORD } },
  },
};

function fields(raw: Record<string, any>): Partial<Inventory> & { total: number } {
  const { resource_provider_generation: _g, resource_class: _rc, ...rest } = raw;
  return rest as Partial<Inventory> & { total: number };
}

function oneView(inv: Inventory, generation: number) {
  return { ...inv, resource_provider_generation: generation };
}

function allView(rp: ProviderRecord) {
  return { resource_provider_generation: rp.generation, inventories: rp.inventories };
}

export function inventoryHandlers(engine: IdentityEngine, logic: PlacementLogic): Record<string, OperationHandler> {
  const { providers, catalog } = logic;
  const provider = (ctx: RequestContext) =>
    providers.require(ctx.params.uuid, `No resource provider with uuid ${ctx.params.uuid} found : No resource provider with uuid ${ctx.params.uuid} found`);
  const reservedMayEqualTotal = (ctx: RequestContext) => mv(ctx, '1.26');
  return {
    listInventories: async (ctx) => {
      authorize(engine, ctx, 'placement:resource_providers:inventories:list');
      const rp = await provider(ctx);
      return json(allView(rp), 200, ctx, rp.updated_at);
    },
    replaceInventories: async (ctx) => {
      authorize(engine, ctx, 'placement:resource_providers:inventories:update');
      const rp = await provider(ctx);
      const body = jsonBody(ctx, PUT_ALL);
      if (body.resource_provider_generation !== rp.generation) throw conflict('resource provider generation conflict', CODES.CONCURRENT_UPDATE);
      const full: Record<string, Inventory> = {};
      for (const [rc, raw] of Object.entries<Record<string, any>>(body.inventories)) {
        full[rc] = providers.normalizeInventory(rp.id, rc, fields(raw), reservedMayEqualTotal(ctx));
      }
      const updated = await logic.serial(() => providers.setInventories(rp.id, full, body.resource_provider_generation));
      return json(allView(updated), 200, ctx, updated.updated_at);
    },
    createInventory: async (ctx) => {
      authorize(engine, ctx, 'placement:resource_providers:inventories:create');
      const rp = await provider(ctx);
      const body = jsonBody(ctx, POST_ONE);
      const rc: string = body.resource_class;
      if (!(await catalog.resourceClassExists(rc))) {
        throw badRequest(`Unable to create inventory for resource provider ${rp.id}: No such resource class ${rc}.`);
      }
      const inv = providers.normalizeInventory(rp.id, rc, fields(body), reservedMayEqualTotal(ctx));
      const updated = await logic.serial(() => providers.mutate(rp.id, (cur) => {
        if (cur.inventories[rc]) throw conflict(`Update conflict: Inventory for ${rc} on resource provider ${rp.id} already exists.`);
        return { inventories: { ...cur.inventories, [rc]: inv } };
      }));
      const res = json(oneView(inv, updated.generation), 201, ctx, updated.updated_at);
      res.headers = { ...res.headers, Location: `${root(ctx)}/resource_providers/${rp.id}/inventories/${rc}` };
      return res;
    },
    deleteInventories: async (ctx) => {
      since(ctx, '1.5', 405);
      authorize(engine, ctx, 'placement:resource_providers:inventories:delete');
      await provider(ctx);
      await logic.serial(() => providers.deleteInventories(ctx.params.uuid));
      return noContent();
    },
    showInventory: async (ctx) => {
      authorize(engine, ctx, 'placement:resource_providers:inventories:show');
      const rp = await provider(ctx);
      const rc = ctx.params.resource_class;
      const inv = rp.inventories[rc];
      if (!inv) throw notFound(`No inventory of class ${rc} for ${rp.id}`);
      return json(oneView(inv, rp.generation), 200, ctx, rp.updated_at);
    },
    updateInventory: async (ctx) => {
      authorize(engine, ctx, 'placement:resource_providers:inventories:update');
      const rp = await provider(ctx);
      const rc = ctx.params.resource_class;
      const body = jsonBody(ctx, PUT_ONE);
      if (body.resource_provider_generation !== rp.generation) throw conflict('resource provider generation conflict', CODES.CONCURRENT_UPDATE);
      const inv = providers.normalizeInventory(rp.id, rc, fields(body), reservedMayEqualTotal(ctx));
      const updated = await logic.serial(() => providers.mutate(rp.id, (cur) => {
        if (!cur.inventories[rc]) {
          throw badRequest(`No inventory record with resource class for resource provider ${rp.id}: No inventory of class ${rc} found.`);
        }
        return { inventories: { ...cur.inventories, [rc]: inv } };
      }, { expectedGeneration: body.resource_provider_generation }));
      return json(oneView(inv, updated.generation), 200, ctx, updated.updated_at);
    },
    deleteInventory: async (ctx) => {
      authorize(engine, ctx, 'placement:resource_providers:inventories:delete');
      await provider(ctx);
      await logic.serial(() => providers.deleteInventory(ctx.params.uuid, ctx.params.resource_class));
      return noContent();
    },
  };
}
