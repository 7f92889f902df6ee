// The region hierarchy: parents must exist, no region may become its own
// ancestor, and a subtree with endpoints may not be deleted.
import { ApiError, notFound } from '../../platform/http/api-error.ts';
import type { IdentityDb } from '../identity-db.ts';
import type { RegionRecord } from '../model.ts';

export const regionNotFound = (id: string | null | undefined) => notFound(`Could not find region: ${id}.`);

export async function requireRegion(db: IdentityDb, id: string): Promise<RegionRecord> {
  const region = await db.regions.get(id);
  if (!region) throw regionNotFound(id);
  return region;
}

/** 400 when making `parentId` the parent of `regionId` would close a loop. */
export async function assertNoCycle(db: IdentityDb, regionId: string, parentId: string): Promise<void> {
  const seen = new Set<string>();
  let current: string | null = parentId;
  while (current !== null && !seen.has(current)) {
    if (current === regionId) {
      throw new ApiError(400, `The specified parent region ${parentId} would create a circular region hierarchy.`);
    }
    seen.add(current);
    current = (await db.regions.get(current))?.parent_region_id ?? null;
  }
}

/** The region and all regions below it, parents before children. */
export async function subtree(db: IdentityDb, rootId: string): Promise<string[]> {
  const order = [rootId];
  for (let i = 0; i < order.length; i++) {
    for (const child of await db.regions.find({ parent_region_id: order[i] })) {
      if (!order.includes(child.id)) order.push(child.id);
    }
  }
  return order;
}

/** Deletes a region with its descendants, as Keystone does; 403 when any of them has endpoints. */
export async function deleteRegionTree(db: IdentityDb, id: string): Promise<void> {
  await requireRegion(db, id);
  const ids = await subtree(db, id);
  if ((await db.endpoints.count({ region_id: { $in: ids } })) > 0) {
    throw new ApiError(403, `Unable to delete region ${id} because it or its child regions have associated endpoints.`);
  }
  for (const regionId of ids.reverse()) await db.regions.delete(regionId);
}
