// The in-process client of Placement: what Nova's scheduler and the compute agents
// call without going through HTTP, and what the REST handlers sit on. Writes are
// serialized within the process; across processes the providers' compare-and-set
// (their generations) keeps usages and inventories consistent.
import type { Store } from '../../platform/store/store.ts';
import { systemClock, type Clock } from '../../platform/clock.ts';
import { openPlacementDb, type Inventory, type PlacementDb } from './model.ts';
import { Catalog } from './catalog.ts';
import { Providers, generationConflict, type StoredProvider } from './providers.ts';
import { AllocationStore, type Allocations, type ConsumerWrite } from './allocations.ts';
import { findCandidates, type Candidate, type CandidateQuery } from './allocation-candidates.ts';
import { badRequest } from './errors.ts';

export interface ReshapeRequest {
  inventories: Record<string, { resource_provider_generation: number; inventories: Record<string, Inventory> }>;
  allocations: ConsumerWrite[];
}

export class PlacementLogic {
  readonly db: PlacementDb;
  readonly catalog: Catalog;
  readonly providers: Providers;
  readonly allocations: AllocationStore;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(db: PlacementDb, clock: Clock) {
    this.db = db;
    this.catalog = new Catalog(db, clock);
    this.providers = new Providers(db, this.catalog, clock);
    this.allocations = new AllocationStore(db, this.providers, clock);
  }

  static async open(store: Store, clock: Clock = systemClock): Promise<PlacementLogic> {
    return new PlacementLogic(await openPlacementDb(store), clock);
  }

  /** runs `fn` after every write queued before it */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  createProvider(input: { name: string; uuid?: string; parent_provider_uuid?: string | null }): Promise<StoredProvider> {
    return this.serial(() => this.providers.create(input));
  }

  /** the provider with that uuid, created (with that name) when missing */
  ensureProvider(input: { name: string; uuid: string; parent_provider_uuid?: string | null }): Promise<StoredProvider> {
    return this.serial(async () => (await this.providers.get(input.uuid)) ?? this.providers.create(input));
  }

  /** replaces the provider's inventories; the defaults fill omitted fields */
  setInventory(
    uuid: string,
    inventories: Record<string, Partial<Inventory> & { total: number }>,
    expectedGeneration?: number,
  ): Promise<StoredProvider> {
    return this.serial(async () => {
      const full: Record<string, Inventory> = {};
      for (const [rc, inv] of Object.entries(inventories)) full[rc] = this.providers.normalizeInventory(uuid, rc, inv, true);
      return this.providers.setInventories(uuid, full, expectedGeneration);
    });
  }

  /** writes (replaces) the allocations of one or more consumers, or 409 when they do not fit */
  claim(writes: ConsumerWrite[]): Promise<void> {
    return this.serial(() => this.allocations.replace(writes, (rp) => `Allocation for resource provider '${rp}' that does not exist.`));
  }

  deleteAllocations(consumer: string): Promise<void> {
    return this.serial(() => this.allocations.deleteFor(consumer));
  }

  async getAllocations(consumer: string): Promise<Allocations> {
    return (await this.allocations.consumer(consumer))?.allocations ?? {};
  }

  async getAllocationCandidates(query: CandidateQuery): Promise<{ candidates: Candidate[]; trees: Map<string, StoredProvider[]> }> {
    return findCandidates(await this.providers.list(), query);
  }

  /** moves inventories and allocations in one step (POST /reshaper) */
  reshape(request: ReshapeRequest): Promise<void> {
    return this.serial(async () => {
      const previous = new Map<string, Record<string, Inventory>>();
      for (const [uuid, entry] of Object.entries(request.inventories)) {
        const rp = await this.providers.get(uuid);
        if (!rp) throw badRequest(`Resource provider(s) ${uuid} not found`);
        if (rp.generation !== entry.resource_provider_generation) throw generationConflict();
        for (const rc of Object.keys(entry.inventories)) {
          if (!(await this.catalog.resourceClassExists(rc))) throw badRequest(`No such resource class ${rc}.`);
        }
      }
      try {
        for (const [uuid, entry] of Object.entries(request.inventories)) {
          const inventories: Record<string, Inventory> = {};
          for (const [rc, inv] of Object.entries(entry.inventories)) inventories[rc] = this.providers.normalizeInventory(uuid, rc, inv, true);
          const before = await this.providers.mutate(uuid, (rp) => {
            previous.set(uuid, rp.inventories);
            return { inventories };
          }, { expectedGeneration: entry.resource_provider_generation });
          void before;
        }
        await this.allocations.replace(request.allocations, (rp) => `Resource provider(s) ${rp} not found`);
        // allocations moved away: what is left must still fit the new inventories
        for (const uuid of Object.keys(request.inventories)) {
          const rp = (await this.providers.get(uuid))!;
          const lost = Object.keys(rp.usages).filter((rc) => (rp.usages[rc] ?? 0) > 0 && !rp.inventories[rc]);
          if (lost.length) throw badRequest(`Inventory for '${lost.join(', ')}' on resource provider '${uuid}' in use.`);
        }
      } catch (error) {
        for (const [uuid, inventories] of previous) await this.providers.mutate(uuid, () => ({ inventories })).catch(() => undefined);
        throw error;
      }
    });
  }
}
