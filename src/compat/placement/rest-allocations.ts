// /allocations/{consumer_uuid}, POST /allocations (1.13), /usages (1.9),
// POST /reshaper (1.30) and GET /allocation_candidates (1.10).
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { PlacementLogic } from './placement-logic.ts';
import type { ConsumerWrite } from './allocations.ts';
import { sumAllocations } from './allocations.ts';
import { capacityOf } from './providers.ts';
import type { RequestGroup } from './allocation-candidates.ts';
import { badRequest } from './errors.ts';
import { canonicalUuid, isUuidLike, jsonBody, queryAll, queryOne, rawQuery } from './request-validation.ts';
import { authorize, json, mv, noContent, since } from './rest-support.ts';
import { parseMemberOf, parseRequired, parseResources, traitNames } from './rest-query.ts';

const UUID_PATTERN = '^[0-9a-fA-F-]{36}$';
const RESOURCES = { type: 'object', minProperties: 1, additionalProperties: false, patternProperties: { '^[A-Z0-9_]+$': { type: 'integer', minimum: 1 } } };
const ID = { type: 'string', minLength: 1, maxLength: 255 };
const LIST_FORM = (withOwner: boolean) => ({
  type: 'object', required: ['allocations', ...(withOwner ? ['project_id', 'user_id'] : [])], additionalProperties: false,
  properties: {
    allocations: {
      type: 'array', minItems: 1,
      items: {
        type: 'object', required: ['resource_provider', 'resources'], additionalProperties: false,
        properties: {
          resource_provider: { type: 'object', required: ['uuid'], additionalProperties: false, properties: { uuid: { type: 'string', format: 'uuid' } } },
          resources: RESOURCES,
        },
      },
    },
    ...(withOwner ? { project_id: ID, user_id: ID } : {}),
  },
});
function dictForm(v: (x: string) => boolean, deletable: boolean): object {
  const required = ['allocations', 'project_id', 'user_id'];
  const properties: Record<string, object> = {
    allocations: {
      type: 'object', minProperties: deletable ? 0 : 1, additionalProperties: false,
      patternProperties: { [UUID_PATTERN]: { type: 'object', required: ['resources'], additionalProperties: false, properties: { generation: { type: 'integer' }, resources: RESOURCES } } },
    },
    project_id: ID, user_id: ID,
  };
  if (v('1.28')) {
    properties.consumer_generation = { type: ['integer', 'null'] };
    required.push('consumer_generation');
  }
  if (v('1.34')) properties.mappings = { type: 'object', minProperties: 1, patternProperties: { '^[a-zA-Z0-9_-]{1,64}$': { type: 'array', minItems: 1, items: { type: 'string', format: 'uuid' } } } };
  if (v('1.38')) {
    properties.consumer_type = { type: 'string', pattern: '^[A-Z0-9_]+$', minLength: 1, maxLength: 255 };
    required.push('consumer_type');
  }
  return { type: 'object', required, additionalProperties: false, properties };
}

function consumerWrite(ctx: RequestContext, consumer: string, body: any): ConsumerWrite {
  let allocations: Record<string, Record<string, number>> = {};
  if (Array.isArray(body.allocations)) {
    for (const a of body.allocations) allocations[canonicalUuid(a.resource_provider.uuid)] = a.resources;
  } else {
    allocations = Object.fromEntries(Object.entries<any>(body.allocations).map(([rp, a]) => [canonicalUuid(rp), a.resources]));
  }
  return {
    consumer, allocations, project_id: body.project_id, user_id: body.user_id,
    checkGeneration: mv(ctx, '1.28'), consumer_generation: body.consumer_generation,
    consumer_type: mv(ctx, '1.38') ? body.consumer_type : undefined,
  };
}

export function allocationHandlers(engine: IdentityEngine, logic: PlacementLogic): Record<string, OperationHandler> {
  const v = (ctx: RequestContext) => (x: string) => mv(ctx, x);
  return {
    showAllocations: async (ctx) => {
      authorize(engine, ctx, 'placement:allocations:list');
      const c = await logic.allocations.consumer(ctx.params.consumer_uuid);
      const allocations: Record<string, unknown> = {};
      for (const [rp, resources] of Object.entries(c?.allocations ?? {})) {
        allocations[rp] = { resources, generation: (await logic.providers.get(rp))?.generation };
      }
      const body: Record<string, unknown> = { allocations };
      if (c && mv(ctx, '1.12')) {
        body.project_id = c.project_id;
        body.user_id = c.user_id;
        if (mv(ctx, '1.28')) body.consumer_generation = c.generation;
        if (mv(ctx, '1.38')) body.consumer_type = c.consumer_type ?? 'unknown';
      }
      return json(body, 200, ctx, c?.updated_at);
    },
    putAllocations: async (ctx) => {
      authorize(engine, ctx, 'placement:allocations:update');
      const consumer = ctx.params.consumer_uuid;
      if (!isUuidLike(consumer)) throw badRequest(`Malformed consumer_uuid: ${consumer}`);
      const schema = mv(ctx, '1.12') ? dictForm(v(ctx), mv(ctx, '1.28')) : LIST_FORM(mv(ctx, '1.8'));
      const body = jsonBody(ctx, schema);
      await logic.claim([consumerWrite(ctx, canonicalUuid(consumer), body)]);
      return noContent();
    },
    deleteAllocations: async (ctx) => {
      authorize(engine, ctx, 'placement:allocations:delete');
      await logic.deleteAllocations(ctx.params.consumer_uuid);
      return noContent();
    },
    postAllocations: async (ctx) => {
      since(ctx, '1.13', 405);
      authorize(engine, ctx, 'placement:allocations:manage');
      const body = jsonBody(ctx, { type: 'object', minProperties: 1, additionalProperties: false, patternProperties: { [UUID_PATTERN]: dictForm(v(ctx), true) } });
      const writes = Object.entries<any>(body).map(([consumer, entry]) => consumerWrite(ctx, canonicalUuid(consumer), entry));
      await logic.serial(() => logic.allocations.replace(writes, (rp) => `Unable to allocate inventory Allocation for resource provider '${rp}' that does not exist.`));
      return noContent();
    },

    listUsages: async (ctx) => {
      since(ctx, '1.9');
      const projectId = queryOne(ctx, 'project_id');
      if (projectId === undefined) throw badRequest("Invalid query string parameters: 'project_id' is a required property");
      const extra = Object.keys(rawQuery(ctx)).find((k) => !['project_id', 'user_id', ...(mv(ctx, '1.38') ? ['consumer_type'] : [])].includes(k));
      if (extra) throw badRequest(`Invalid query string parameters: Additional properties are not allowed ('${extra}' was unexpected)`);
      authorize(engine, ctx, 'placement:usages', { project_id: projectId });
      const consumerType = mv(ctx, '1.38') ? queryOne(ctx, 'consumer_type') : undefined;
      const consumers = await logic.allocations.projectUsages(projectId, queryOne(ctx, 'user_id'), consumerType);
      if (!mv(ctx, '1.38')) return json({ usages: sumAllocations(consumers) }, 200, ctx);
      const groups = new Map<string, typeof consumers>();
      for (const c of consumers) {
        const t = c.consumer_type ?? 'unknown';
        groups.set(t, [...(groups.get(t) ?? []), c]);
      }
      const usages: Record<string, unknown> = {};
      if (consumerType === 'all') usages.all = { consumer_count: consumers.length, ...sumAllocations(consumers) };
      else for (const [t, list] of groups) usages[t] = { consumer_count: list.length, ...sumAllocations(list) };
      return json({ usages }, 200, ctx);
    },

    reshape: async (ctx) => {
      since(ctx, '1.30');
      authorize(engine, ctx, 'placement:reshaper:reshape');
      const body = jsonBody(ctx, {
        type: 'object', required: ['inventories', 'allocations'], additionalProperties: false,
        properties: {
          inventories: {
            type: 'object', additionalProperties: false,
            patternProperties: { [UUID_PATTERN]: { type: 'object', required: ['resource_provider_generation', 'inventories'], additionalProperties: false, properties: { resource_provider_generation: { type: 'integer' }, inventories: { type: 'object' } } } },
          },
          allocations: { type: 'object', additionalProperties: false, patternProperties: { [UUID_PATTERN]: dictForm(v(ctx), true) } },
        },
      });
      await logic.reshape({
        inventories: Object.fromEntries(Object.entries<any>(body.inventories).map(([rp, e]) => [canonicalUuid(rp), e])),
        allocations: Object.entries<any>(body.allocations).map(([c, e]) => consumerWrite(ctx, canonicalUuid(c), e)),
      });
      return noContent();
    },

    listAllocationCandidates: async (ctx) => {
      since(ctx, '1.10');
      authorize(engine, ctx, 'placement:allocation_candidates:list');
      const groups = new Map<string, RequestGroup>();
      const group = (suffix: string) => {
        let g = groups.get(suffix);
        if (!g) groups.set(suffix, (g = { suffix, resources: {}, required: [], forbidden: [], memberOf: [], forbiddenAggs: [] }));
        return g;
      };
      const suffixPattern = mv(ctx, '1.33') ? '[a-zA-Z0-9_-]{1,64}' : '[1-9][0-9]*';
      const keyRe = new RegExp(`^(resources|required|member_of|in_tree)(${mv(ctx, '1.25') ? suffixPattern : ''})?$`);
      const allowed = new Set(['group_policy', 'limit', 'root_required', 'same_subtree']);
      for (const key of Object.keys(rawQuery(ctx))) {
        const m = keyRe.exec(key);
        const known = m && (m[1] !== 'required' || mv(ctx, '1.17')) && (m[1] !== 'member_of' || mv(ctx, '1.21')) && (m[1] !== 'in_tree' || mv(ctx, '1.31'));
        const extraOk = allowed.has(key) && ((key === 'limit' && mv(ctx, '1.16')) || (key === 'group_policy' && mv(ctx, '1.25')) || (key === 'root_required' && mv(ctx, '1.35')) || (key === 'same_subtree' && mv(ctx, '1.36')));
        if (!known && !extraOk) throw badRequest(`Invalid query string parameters: Additional properties are not allowed ('${key}' was unexpected)`);
        if (!m) continue;
        const [, kind, suffix = ''] = m;
        const g = group(suffix);
        if (kind === 'resources') g.resources = parseResources(queryOne(ctx, key)!, key);
        if (kind === 'required') {
          const t = parseRequired(ctx, queryAll(ctx, key), mv(ctx, '1.22'), key);
          g.required.push(...t.required);
          g.forbidden.push(...t.forbidden);
        }
        if (kind === 'member_of') {
          const mo = parseMemberOf(ctx, queryAll(ctx, key), key);
          g.memberOf.push(...mo.anyOf);
          g.forbiddenAggs.push(...mo.forbidden);
        }
        if (kind === 'in_tree') {
          const t = queryOne(ctx, key)!;
          if (!isUuidLike(t)) throw badRequest(`Invalid query string parameters: Expected '${key}' parameter to be a format of uuid. Got: ${t}`);
          g.inTree = canonicalUuid(t);
        }
      }
      const sameSubtree = queryAll(ctx, 'same_subtree').map((s) => s.split(','));
      for (const [suffix, g] of groups) {
        if (suffix === '' && Object.keys(g.resources).length === 0 && groups.size === 1) break;
        if (Object.keys(g.resources).length === 0 && !(mv(ctx, '1.36') && sameSubtree.some((s) => s.includes(suffix)))) {
          if (suffix !== '' || g.required.length || g.memberOf.length) {
            throw badRequest(`All traits parameters must be associated with resources.  Found the following orphaned traits keys: required${suffix}`);
          }
        }
      }
      const unsuffixed = groups.get('');
      if (unsuffixed && Object.keys(unsuffixed.resources).length === 0 && !unsuffixed.required.length && !unsuffixed.memberOf.length && !unsuffixed.forbidden.length && !unsuffixed.inTree) groups.delete('');
      if (![...groups.values()].some((g) => Object.keys(g.resources).length > 0)) {
        throw badRequest(mv(ctx, '1.25') ? "At least one request group (`resources` or `resources{$S}`) is required." : "'resources' is a required property");
      }
      const numbered = [...groups.keys()].filter((s) => s !== '');
      const policy = queryOne(ctx, 'group_policy');
      if (policy !== undefined && !['none', 'isolate'].includes(policy)) {
        throw badRequest(`Invalid query string parameters: '${policy}' is not one of ['none', 'isolate']`);
      }
      if (numbered.length > 1 && policy === undefined) {
        throw badRequest('The "group_policy" parameter is required when specifying more than one "resources{$S}" parameter.');
      }
      let limit: number | undefined;
      const rawLimit = queryOne(ctx, 'limit');
      if (rawLimit !== undefined) {
        if (!/^[1-9][0-9]*$/.test(rawLimit)) throw badRequest(`Invalid query string parameters: '${rawLimit}' does not match '^[1-9][0-9]*$'`);
        limit = Number(rawLimit);
      }
      const rootReq = parseRequired(ctx, queryAll(ctx, 'root_required'), true, 'root_required');
      const allTraits = [...[...groups.values()].flatMap((g) => traitNames({ required: g.required, forbidden: g.forbidden })), ...traitNames(rootReq)];
      const missingTraits = await logic.catalog.missingTraits(allTraits);
      if (missingTraits.length) throw badRequest(`Invalid trait(s) in "required" parameter: No such trait(s): ${missingTraits.join(', ')}.`);
      for (const g of groups.values()) {
        for (const rc of Object.keys(g.resources)) {
          if (!(await logic.catalog.resourceClassExists(rc))) throw badRequest(`Invalid resource class in resources parameter: No such resource class ${rc}.`);
        }
      }
      const { candidates, trees } = await logic.getAllocationCandidates({
        groups: [...groups.values()], groupPolicy: policy as 'none' | 'isolate' | undefined,
        rootRequired: rootReq.required, rootForbidden: rootReq.forbidden, sameSubtree, limit, nested: mv(ctx, '1.29'),
      });
      const allocation_requests = candidates.map((c) => {
        if (!mv(ctx, '1.12')) {
          return { allocations: Object.entries(c.allocations).map(([rp, resources]) => ({ resource_provider: { uuid: rp }, resources })) };
        }
        const out: Record<string, unknown> = { allocations: Object.fromEntries(Object.entries(c.allocations).map(([rp, resources]) => [rp, { resources }])) };
        if (mv(ctx, '1.34')) out.mappings = c.mappings;
        return out;
      });
      const requested = new Set([...groups.values()].flatMap((g) => Object.keys(g.resources)));
      const provider_summaries: Record<string, unknown> = {};
      const inRequests = new Set(candidates.flatMap((c) => Object.keys(c.allocations)));
      for (const tree of trees.values()) {
        for (const rp of tree) {
          if (!mv(ctx, '1.29') && !inRequests.has(rp.id)) continue;
          const resources: Record<string, unknown> = {};
          for (const [rc, inv] of Object.entries(rp.inventories)) {
            if (!mv(ctx, '1.27') && !requested.has(rc)) continue;
            resources[rc] = { capacity: capacityOf(inv), used: rp.usages[rc] ?? 0 };
          }
          const summary: Record<string, unknown> = { resources };
          if (mv(ctx, '1.17')) summary.traits = rp.traits;
          if (mv(ctx, '1.29')) {
            summary.parent_provider_uuid = rp.parent_provider_uuid;
            summary.root_provider_uuid = rp.root_provider_uuid;
          }
          provider_summaries[rp.id] = summary;
        }
      }
      return json({ allocation_requests, provider_summaries }, 200, ctx);
    },
  };
}
