// Resource providers and what hangs off them: the tree (parent/root), generations,
// inventories, aggregates and traits. Every change goes through `mutate`, a
// compare-and-set on the provider that bumps its generation, so a change made by
// someone else in between is a 409 placement.concurrent_update, never a lost write.
import { DuplicateKeyError } from '../../platform/store/store.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Filter } from '../../platform/store/store.ts';
import { uuid as newUuid } from '../../platform/ids.ts';
import { MAX_INT, type Inventory, type PlacementDb, type ProviderRecord } from './model.ts';
import type { Catalog } from './catalog.ts';
import { CODES, badRequest, conflict, notFound } from './errors.ts';

export type StoredProvider = ProviderRecord & { _rev: number };

export const INVENTORY_DEFAULTS: Omit<Inventory, 'total'> = {
  reserved: 0,
  min_unit: 1,
  max_unit: MAX_INT,
  step_size: 1,
  allocation_ratio: 1.0,
};

/** how much of a class can be allocated in all: (total - reserved) * allocation_ratio */
export function capacityOf(inv: Inventory): number {
  return Math.trunc((inv.total - inv.reserved) * inv.allocation_ratio);
}

export function generationConflict(message = 'resource provider generation conflict') {
  return conflict(message, CODES.CONCURRENT_UPDATE);
}

export class Providers {
  readonly db: PlacementDb;
  readonly catalog: Catalog;
  readonly clock: Clock;
  constructor(db: PlacementDb, catalog: Catalog, clock: Clock) {
    this.db = db;
    this.catalog = catalog;
    this.clock = clock;
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  async get(uuid: string): Promise<StoredProvider | undefined> {
    return this.db.providers.get(uuid);
  }

  async require(uuid: string, message?: string): Promise<StoredProvider> {
    const rp = await this.db.providers.get(uuid);
    if (!rp) throw notFound(message ?? `No resource provider with uuid ${uuid} found`);
    return rp;
  }

  async list(filter: Filter = {}): Promise<StoredProvider[]> {
    return this.db.providers.find(filter, { sort: [['created_at', 'asc']] });
  }

  async create(input: { name: string; uuid?: string; parent_provider_uuid?: string | null }): Promise<StoredProvider> {
    const id = input.uuid ?? newUuid();
    let root = id;
    const parent = input.parent_provider_uuid ?? null;
    if (parent !== null) {
      const p = await this.db.providers.get(parent);
      if (!p) {
        throw badRequest(`Unable to create resource provider "${input.name}", ${id}: Object action create failed because: parent provider UUID does not exist.`);
      }
      root = p.root_provider_uuid;
    }
    if (parent === id) {
      throw badRequest(`Unable to create resource provider "${input.name}", ${id}: Object action create failed because: parent provider UUID cannot be same as UUID. Please set parent provider UUID to None if there is no parent.`);
    }
    const now = this.now();
    const record: ProviderRecord = {
      id, name: input.name, generation: 0, parent_provider_uuid: parent, root_provider_uuid: root,
      inventories: {}, usages: {}, aggregates: [], traits: [], created_at: now, updated_at: now,
    };
    if (await this.db.providers.get(id)) throw conflict(`Conflicting resource provider uuid: ${id} already exists.`, CODES.DUPLICATE_NAME);
    try {
      return await this.db.providers.insert(record);
    } catch (error) {
      if (error instanceof DuplicateKeyError) {
        const byId = await this.db.providers.get(id);
        const what = byId ? `uuid: ${id}` : `name: ${input.name}`;
        throw conflict(`Conflicting resource provider ${what} already exists.`, CODES.DUPLICATE_NAME);
      }
      throw error;
    }
  }

  /**
   * Applies `change` to the provider read at generation `expected` (or the current one),
   * bumping the generation. A generation that moved meanwhile is a 409.
   */
  async mutate(
    uuid: string,
    change: (rp: StoredProvider) => Partial<ProviderRecord> | Promise<Partial<ProviderRecord>>,
    options: { expectedGeneration?: number; conflictMessage?: string; bump?: boolean } = {},
  ): Promise<StoredProvider> {
    const rp = await this.require(uuid);
    if (options.expectedGeneration !== undefined && rp.generation !== options.expectedGeneration) {
      throw generationConflict(options.conflictMessage);
    }
    const set = await change(rp);
    const bump = options.bump ?? true;
    const updated = await this.db.providers.update(
      uuid,
      { ...set, ...(bump ? { generation: rp.generation + 1 } : {}), updated_at: this.now() },
      { ifRev: rp._rev },
    );
    if (!updated) throw generationConflict(options.conflictMessage);
    return updated;
  }

  async update(uuid: string, input: { name?: string; parent_provider_uuid?: string | null }, allowReparenting: boolean): Promise<StoredProvider> {
    const rp = await this.require(uuid);
    const set: Partial<ProviderRecord> = {};
    let movedRoot: string | undefined;
    if (input.name !== undefined) set.name = input.name;
    if ('parent_provider_uuid' in input) {
      const parent = input.parent_provider_uuid ?? null;
      const failed = (action: string, reason: string) =>
        badRequest(`Unable to save resource provider ${uuid}: Object action ${action} failed because: ${reason}`);
      if (parent !== rp.parent_provider_uuid) {
        if (parent !== null) {
          const p = await this.db.providers.get(parent);
          if (!p) throw failed('create', 'parent provider UUID does not exist.');
          if (rp.parent_provider_uuid !== null && !allowReparenting) throw failed('update', 're-parenting a provider is not currently allowed.');
          const subtree = await this.subtree(rp);
          if (subtree.some((s) => s.id === parent)) throw failed('update', 'creating loop in the provider tree is not allowed.');
          if (rp.parent_provider_uuid === null && !allowReparenting && rp.root_provider_uuid === rp.id) {
            // before 1.37 a root may get a parent only if it has none (allowed)
          }
          set.parent_provider_uuid = parent;
          movedRoot = p.root_provider_uuid;
        } else {
          if (!allowReparenting) throw failed('update', 'un-parenting a provider is not currently allowed.');
          set.parent_provider_uuid = null;
          movedRoot = rp.id;
        }
      }
    }
    let updated: StoredProvider | undefined;
    try {
      updated = await this.db.providers.update(uuid, { ...set, generation: rp.generation + 1, updated_at: this.now(), ...(movedRoot ? { root_provider_uuid: movedRoot } : {}) }, { ifRev: rp._rev });
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw conflict(`Conflicting resource provider ${input.name} already exists.`, CODES.DUPLICATE_NAME);
      throw error;
    }
    if (!updated) throw generationConflict();
    if (movedRoot) {
      for (const d of await this.subtree(updated)) {
        if (d.id !== uuid) await this.db.providers.update(d.id, { root_provider_uuid: movedRoot });
      }
    }
    return updated;
  }

  /** the provider and all its descendants */
  async subtree(rp: ProviderRecord): Promise<StoredProvider[]> {
    const tree = await this.db.providers.find({ root_provider_uuid: rp.root_provider_uuid });
    const children = new Map<string, StoredProvider[]>();
    for (const p of tree) {
      if (p.parent_provider_uuid) children.set(p.parent_provider_uuid, [...(children.get(p.parent_provider_uuid) ?? []), p]);
    }
    const out: StoredProvider[] = [];
    const walk = (id: string) => {
      const self = tree.find((p) => p.id === id);
      if (self) out.push(self);
      for (const c of children.get(id) ?? []) walk(c.id);
    };
    walk(rp.id);
    return out;
  }

  async delete(uuid: string): Promise<void> {
    const rp = await this.db.providers.get(uuid);
    if (!rp) throw notFound(`No resource provider with uuid ${uuid} found for delete`);
    if ((await this.db.consumers.count({ providers: { $contains: uuid } })) > 0) {
      throw conflict(`Unable to delete resource provider ${uuid}: Resource provider has allocations.`, CODES.PROVIDER_IN_USE);
    }
    if ((await this.db.providers.count({ parent_provider_uuid: uuid })) > 0) {
      throw conflict(`Unable to delete parent resource provider ${uuid}: It has child resource providers.`, CODES.PROVIDER_CANNOT_DELETE_PARENT);
    }
    await this.db.providers.delete(uuid);
  }

  // --- inventories -------------------------------------------------------------

  /** fills the defaults and checks reserved/total as the given microversion allows */
  normalizeInventory(uuid: string, rc: string, raw: Partial<Inventory> & { total: number }, reservedMayEqualTotal: boolean): Inventory {
    const inv: Inventory = { ...INVENTORY_DEFAULTS, ...stripUndefined(raw) } as Inventory;
    if (inv.reserved > inv.total || (!reservedMayEqualTotal && inv.reserved === inv.total && inv.reserved !== 0)) {
      const tail = reservedMayEqualTotal ? 'The reserved value is greater than total.' : 'The reserved value is greater than or equal to total.';
      throw badRequest(`Unable to update inventory for resource provider ${uuid}: Invalid inventory for '${rc}' on resource provider '${uuid}'. ${tail}`);
    }
    if (inv.min_unit > inv.max_unit) {
      throw badRequest(`Unable to update inventory for resource provider ${uuid}: Invalid inventory for '${rc}' on resource provider '${uuid}'. min_unit is greater than max_unit.`);
    }
    return inv;
  }

  /** replaces every inventory; classes that still have allocations cannot go */
  async setInventories(uuid: string, inventories: Record<string, Inventory>, expectedGeneration?: number): Promise<StoredProvider> {
    for (const rc of Object.keys(inventories)) {
      if (!(await this.catalog.resourceClassExists(rc))) {
        throw badRequest(`Unknown resource class in inventory for resource provider ${uuid}: No such resource class ${rc}.`);
      }
    }
    return this.mutate(uuid, (rp) => {
      const removedInUse = Object.keys(rp.inventories).filter((rc) => !(rc in inventories) && (rp.usages[rc] ?? 0) > 0);
      if (removedInUse.length) {
        throw conflict(`update conflict: Inventory for '${removedInUse.join(', ')}' on resource provider '${uuid}' in use.`, CODES.INVENTORY_INUSE);
      }
      return { inventories };
    }, { expectedGeneration });
  }

  async deleteInventories(uuid: string): Promise<StoredProvider> {
    return this.mutate(uuid, (rp) => {
      const inUse = Object.keys(rp.inventories).filter((rc) => (rp.usages[rc] ?? 0) > 0);
      if (inUse.length) {
        throw conflict(`Inventory for '${inUse.join(', ')}' on resource provider '${uuid}' in use.`, CODES.INVENTORY_INUSE);
      }
      return { inventories: {} };
    });
  }

  async deleteInventory(uuid: string, rc: string): Promise<StoredProvider> {
    return this.mutate(uuid, (rp) => {
      if (!rp.inventories[rc]) throw notFound(`No inventory of class ${rc} found for delete`);
      if ((rp.usages[rc] ?? 0) > 0) {
        throw conflict(`Unable to delete inventory of class ${rc}: Inventory for '${rc}' on resource provider '${uuid}' in use.`, CODES.INVENTORY_INUSE);
      }
      const inventories = { ...rp.inventories };
      delete inventories[rc];
      return { inventories };
    });
  }

  async isResourceClassInUse(rc: string): Promise<boolean> {
    const all = await this.db.providers.find({});
    return all.some((p) => p.inventories[rc] !== undefined);
  }

  // --- aggregates and traits -------------------------------------------------------

  async setAggregates(uuid: string, aggregates: string[], expectedGeneration?: number): Promise<StoredProvider> {
    return this.mutate(uuid, () => ({ aggregates: [...new Set(aggregates)] }), {
      expectedGeneration,
      conflictMessage: "Resource provider's generation already changed. Please update the generation and try again.",
    });
  }

  async setTraits(uuid: string, traits: string[], expectedGeneration?: number): Promise<StoredProvider> {
    const missing = await this.catalog.missingTraits(traits);
    await this.require(uuid);
    if (expectedGeneration !== undefined && (await this.require(uuid)).generation !== expectedGeneration) {
      throw generationConflict("Resource provider's generation already changed. Please update the generation and try again.");
    }
    if (missing.length) throw badRequest(`No such trait ${missing.join(', ')}`);
    return this.mutate(uuid, () => ({ traits: [...new Set(traits)].sort() }), {
      expectedGeneration,
      conflictMessage: "Resource provider's generation already changed. Please update the generation and try again.",
    });
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
