// /v3/regions: the catalog's regions and their hierarchy.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, conflict } from '../../platform/http/api-error.ts';
import { hexId } from '../../platform/ids.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { RegionRecord } from '../../identity/model.ts';
import { assertNoCycle, deleteRegionTree, regionNotFound, requireRegion } from '../../identity/resources/regions-tree.ts';
import { checkMatchingId, checkNotEmpty, checkString } from '../../identity/resources/services-field-checks.ts';
import { bodyObject, collectionLinks, created, extraFields, noContent, ok, queryString, selfLink } from './support.ts';

const KNOWN = ['id', 'description', 'parent_region_id', 'links'] as const;

function view(ctx: RequestContext, r: RegionRecord) {
  return { ...r.extra, id: r.id, description: r.description, parent_region_id: r.parent_region_id, links: selfLink(ctx, `/v3/regions/${r.id}`) };
}

function checkFields(input: Record<string, unknown>): void {
  checkString(input, 'id');
  checkString(input, 'description', { nullable: true, maxLength: 255 });
  checkString(input, 'parent_region_id', { nullable: true });
}

export function regionHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const db = engine.db;

  async function create(ctx: RequestContext, input: Record<string, any>, id: string) {
    if (await db.regions.get(id)) throw conflict(`Conflict occurred attempting to store region - Duplicate ID, ${id}.`);
    const parent: string | null = input.parent_region_id ?? null;
    if (parent !== null && !(await db.regions.get(parent))) throw regionNotFound(parent);
    const record: RegionRecord = {
      id,
      description: input.description ?? '',
      parent_region_id: parent,
      extra: extraFields(input, KNOWN),
    };
    try {
      await db.regions.insert(record);
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw conflict(`Conflict occurred attempting to store region - Duplicate ID, ${id}.`);
      throw error;
    }
    await engine.changed();
    return created({ region: view(ctx, record) });
  }

  return {
    listRegions: async (ctx) => {
      engine.authorize(ctx, 'identity:list_regions');
      const parent = queryString(ctx, 'parent_region_id');
      const regions = await db.regions.find(parent !== undefined ? { parent_region_id: parent } : {});
      return ok({ regions: regions.map((r) => view(ctx, r)), links: collectionLinks(ctx) });
    },
    getRegion: async (ctx) => {
      engine.authorize(ctx, 'identity:get_region');
      return ok({ region: view(ctx, await requireRegion(db, ctx.params.region_id)) });
    },
    createRegion: async (ctx) => {
      engine.authorize(ctx, 'identity:create_region');
      const input = bodyObject(ctx, 'region');
      checkFields(input);
      // Keystone officially takes ids through PUT, but has always honoured one in POST.
      return create(ctx, input, input.id ? input.id : hexId());
    },
    createRegionWithId: async (ctx) => {
      engine.authorize(ctx, 'identity:create_region');
      const input = bodyObject(ctx, 'region');
      checkFields(input);
      const id = ctx.params.region_id;
      if (input.id !== undefined && input.id !== id) throw badRequest(`Conflicting region IDs specified: "${id}" != "${input.id}"`);
      return create(ctx, input, id);
    },
    updateRegion: async (ctx) => {
      engine.authorize(ctx, 'identity:update_region');
      const input = bodyObject(ctx, 'region');
      checkNotEmpty(input);
      checkFields(input);
      const id = ctx.params.region_id;
      checkMatchingId(input, id);
      const parent = input.parent_region_id;
      if (typeof parent === 'string' && !(await db.regions.get(parent))) throw regionNotFound(parent);
      const current = await requireRegion(db, id);
      if (typeof parent === 'string') await assertNoCycle(db, id, parent);
      const set: Partial<RegionRecord> = { extra: { ...current.extra, ...extraFields(input, KNOWN) } };
      if ('description' in input) set.description = input.description ?? '';
      if ('parent_region_id' in input) set.parent_region_id = parent ?? null;
      const updated = await db.regions.update(id, set);
      if (!updated) throw regionNotFound(id);
      await engine.changed();
      return ok({ region: view(ctx, updated) });
    },
    deleteRegion: async (ctx) => {
      engine.authorize(ctx, 'identity:delete_region');
      await deleteRegionTree(db, ctx.params.region_id);
      await engine.changed();
      return noContent();
    },
  };
}
