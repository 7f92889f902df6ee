// Consumers and their allocations. A write names, for each consumer, the whole set
// of its allocations (replace-all, as upstream); it is checked against each
// provider's inventory (min_unit, max_unit, step_size and capacity) and then applied
// as per-provider usage deltas with compare-and-set, then the consumer records.
import type { Clock } from '../../platform/clock.ts';
import { INCOMPLETE_CONSUMER_ID, type ConsumerRecord, type PlacementDb } from './model.ts';
import { capacityOf, type Providers, type StoredProvider } from './providers.ts';
import { CODES, badRequest, conflict, notFound } from './errors.ts';

export type Allocations = Record<string, Record<string, number>>;

export interface ConsumerWrite {
  consumer: string;
  allocations: Allocations;
  project_id?: string;
  user_id?: string;
  /** checked when `checkGeneration`: null means "this consumer must not exist yet" */
  consumer_generation?: number | null;
  checkGeneration?: boolean;
  consumer_type?: string | null;
}

const MAX_RETRIES = 5;

export class AllocationStore {
  readonly db: PlacementDb;
  readonly providers: Providers;
  readonly clock: Clock;
  constructor(db: PlacementDb, providers: Providers, clock: Clock) {
    this.db = db;
    this.providers = providers;
    this.clock = clock;
  }

  async consumer(uuid: string): Promise<(ConsumerRecord & { _rev: number }) | undefined> {
    return this.db.consumers.get(uuid);
  }

  async forProvider(uuid: string): Promise<ConsumerRecord[]> {
    return this.db.consumers.find({ providers: { $contains: uuid } });
  }

  /**
   * Replaces the allocations of every named consumer at once. `missingProvider` words
   * the 400 for an allocation against a provider that does not exist.
   */
  async replace(writes: ConsumerWrite[], missingProvider: (rp: string) => string): Promise<void> {
    const existing = new Map<string, (ConsumerRecord & { _rev: number }) | undefined>();
    for (const w of writes) {
      const current = await this.db.consumers.get(w.consumer);
      existing.set(w.consumer, current);
      if (w.checkGeneration) {
        if (current && current.generation !== w.consumer_generation) {
          throw conflict(`consumer generation conflict - expected ${current.generation} but got ${w.consumer_generation ?? null}`, CODES.CONCURRENT_UPDATE);
        }
        if (!current && w.consumer_generation !== null && w.consumer_generation !== undefined) {
          throw conflict(`consumer generation conflict - expected null but got ${w.consumer_generation}`, CODES.CONCURRENT_UPDATE);
        }
      }
    }
    // usage deltas per provider and class, and the amounts each consumer asks
    const deltas = new Map<string, Record<string, number>>();
    const add = (rp: string, rc: string, n: number) => {
      const d = deltas.get(rp) ?? {};
      d[rc] = (d[rc] ?? 0) + n;
      deltas.set(rp, d);
    };
    for (const w of writes) {
      for (const [rp, resources] of Object.entries(existing.get(w.consumer)?.allocations ?? {})) {
        for (const [rc, n] of Object.entries(resources)) add(rp, rc, -n);
      }
      for (const [rp, resources] of Object.entries(w.allocations)) {
        if (!(await this.providers.get(rp))) throw badRequest(missingProvider(rp));
        for (const [rc, n] of Object.entries(resources)) add(rp, rc, n);
      }
    }
    const applied: Array<[string, Record<string, number>]> = [];
    try {
      for (const [rp, delta] of deltas) {
        await this.applyDelta(rp, delta, (provider) => this.check(provider, writes, delta));
        applied.push([rp, delta]);
      }
    } catch (error) {
      for (const [rp, delta] of applied) await this.undoDelta(rp, delta);
      throw error;
    }
    const now = new Date(this.clock.now()).toISOString();
    for (const w of writes) {
      const current = existing.get(w.consumer);
      const providers = Object.keys(w.allocations).filter((rp) => Object.keys(w.allocations[rp]).length > 0);
      if (providers.length === 0) {
        if (current) await this.db.consumers.delete(w.consumer);
        continue;
      }
      const record: ConsumerRecord = {
        id: w.consumer,
        project_id: w.project_id ?? current?.project_id ?? INCOMPLETE_CONSUMER_ID,
        user_id: w.user_id ?? current?.user_id ?? INCOMPLETE_CONSUMER_ID,
        consumer_type: w.consumer_type ?? current?.consumer_type ?? null,
        generation: (current?.generation ?? 0) + 1,
        allocations: w.allocations,
        providers,
        created_at: current?.created_at ?? now,
        updated_at: now,
      };
      if (current) {
        const ok = await this.db.consumers.update(w.consumer, record, { ifRev: current._rev });
        if (!ok) throw conflict('consumer generation conflict - the consumer was updated meanwhile', CODES.CONCURRENT_UPDATE);
      } else {
        await this.db.consumers.insert(record);
      }
    }
  }

  /** every class this write raises on `provider` must fit its inventory */
  private check(provider: StoredProvider, writes: ConsumerWrite[], delta: Record<string, number>): void {
    const rp = provider.id;
    for (const w of writes) {
      for (const [rc, n] of Object.entries(w.allocations[rp] ?? {})) {
        const inv = provider.inventories[rc];
        if (!inv) throw conflict(`Unable to allocate inventory: Inventory for '${rc}' on resource provider '${rp}' invalid.`);
        if (n < inv.min_unit || n > inv.max_unit || n % inv.step_size !== 0) {
          throw conflict(`Unable to allocate inventory: Unable to create allocation for '${rc}' on resource provider '${rp}'. The requested amount would violate inventory constraints.`);
        }
      }
    }
    for (const [rc, d] of Object.entries(delta)) {
      if (d <= 0) continue;
      const inv = provider.inventories[rc];
      if (!inv) throw conflict(`Unable to allocate inventory: Inventory for '${rc}' on resource provider '${rp}' invalid.`);
      if ((provider.usages[rc] ?? 0) + d > capacityOf(inv)) {
        throw conflict(`Unable to allocate inventory: Unable to create allocation for '${rc}' on resource provider '${rp}'. The requested amount would exceed the capacity.`);
      }
    }
  }

  private async applyDelta(rp: string, delta: Record<string, number>, check: (p: StoredProvider) => void): Promise<void> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const provider = await this.providers.get(rp);
      if (!provider) throw badRequest(`Allocation for resource provider '${rp}' that does not exist.`);
      check(provider);
      const usages = { ...provider.usages };
      for (const [rc, d] of Object.entries(delta)) {
        usages[rc] = Math.max(0, (usages[rc] ?? 0) + d);
        if (usages[rc] === 0) delete usages[rc];
      }
      const ok = await this.db.providers.update(rp, { usages, generation: provider.generation + 1 }, { ifRev: provider._rev });
      if (ok) return;
    }
    throw conflict('Inventory and/or allocations changed while attempting to allocate: Another thread concurrently updated the data. Please retry your update', CODES.CONCURRENT_UPDATE);
  }

  private async undoDelta(rp: string, delta: Record<string, number>): Promise<void> {
    const negated = Object.fromEntries(Object.entries(delta).map(([rc, d]) => [rc, -d]));
    await this.applyDelta(rp, negated, () => undefined);
  }

  async deleteFor(consumer: string): Promise<void> {
    const current = await this.db.consumers.get(consumer);
    if (!current) throw notFound(`No allocations for consumer '${consumer}'`);
    await this.replace([{ consumer, allocations: {} }], (rp) => `Allocation for resource provider '${rp}' that does not exist.`);
  }

  /** usages of a project (and user), grouped by consumer type from 1.38 */
  async projectUsages(projectId: string, userId?: string, consumerType?: string): Promise<ConsumerRecord[]> {
    const consumers = await this.db.consumers.find(userId !== undefined ? { project_id: projectId, user_id: userId } : { project_id: projectId });
    if (consumerType === undefined || consumerType === 'all') return consumers;
    if (consumerType === 'unknown') return consumers.filter((c) => c.consumer_type === null);
    return consumers.filter((c) => c.consumer_type === consumerType);
  }
}

export function sumAllocations(consumers: ConsumerRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of consumers) {
    for (const resources of Object.values(c.allocations)) {
      for (const [rc, n] of Object.entries(resources)) out[rc] = (out[rc] ?? 0) + n;
    }
  }
  return out;
}
