// Placement's records and its database. A provider document carries its inventories,
// the running usage per resource class, aggregates and traits, so that one
// compare-and-set on the provider (its `_rev`) guards every change that must agree
// with its capacity; a consumer document carries that consumer's allocations.
import type { Collection, Database, Store } from '../../platform/store/store.ts';

export const MAX_INT = 0x7fffffff;
/** the project and user that allocations written before 1.8 belong to */
export const INCOMPLETE_CONSUMER_ID = '00000000-0000-0000-0000-000000000000';

export interface Inventory {
  total: number;
  reserved: number;
  min_unit: number;
  max_unit: number;
  step_size: number;
  allocation_ratio: number;
}

export interface ProviderRecord {
  id: string;
  name: string;
  generation: number;
  parent_provider_uuid: string | null;
  root_provider_uuid: string;
  inventories: Record<string, Inventory>;
  /** sum of every consumer's allocation per resource class */
  usages: Record<string, number>;
  aggregates: string[];
  traits: string[];
  created_at: string;
  updated_at: string;
  [key: string]: unknown;
}

export interface ConsumerRecord {
  id: string;
  project_id: string;
  user_id: string;
  /** null for consumers written before 1.38 ("unknown") */
  consumer_type: string | null;
  generation: number;
  /** provider uuid -> resource class -> amount */
  allocations: Record<string, Record<string, number>>;
  /** the providers of `allocations`, for lookups by provider */
  providers: string[];
  created_at: string;
  updated_at: string;
  [key: string]: unknown;
}

export interface NamedRecord {
  id: string;
  created_at: string;
  [key: string]: unknown;
}

export interface PlacementDb {
  providers: Collection<ProviderRecord>;
  consumers: Collection<ConsumerRecord>;
  /** custom resource classes only; the standard ones live in code */
  resourceClasses: Collection<NamedRecord>;
  /** custom traits only; the standard ones live in code */
  traits: Collection<NamedRecord>;
}

export async function openPlacementDb(store: Store): Promise<PlacementDb> {
  const db: Database = await store.database('placement');
  return {
    providers: db.collection<ProviderRecord>('resource_providers', {
      unique: [['name']],
      indexes: [['root_provider_uuid'], ['parent_provider_uuid']],
    }),
    consumers: db.collection<ConsumerRecord>('consumers', { indexes: [['project_id'], ['user_id']] }),
    resourceClasses: db.collection<NamedRecord>('resource_classes'),
    traits: db.collection<NamedRecord>('traits'),
  };
}
