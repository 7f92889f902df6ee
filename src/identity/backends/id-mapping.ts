// Keystone's id mapping with its sha256 generator: an entity of a non-default
// backend gets a public id that is the SHA-256 (hex) of its domain id, entity type
// and local id, fed in that order (the sorted attribute names). The mapping is
// kept in the identity database so that a public id can be routed back to its
// domain and local id; being deterministic, it is the same after any restart.
import { createHash } from 'node:crypto';
import type { Collection, Database, Doc } from '../../platform/store/store.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';

export type EntityType = 'user' | 'group';

export interface IdMappingRecord extends Doc {
  /** the public id */
  id: string;
  local_id: string;
  domain_id: string;
  entity_type: EntityType;
}

export function publicIdOf(domainId: string, entityType: EntityType, localId: string): string {
  return createHash('sha256').update(domainId, 'utf8').update(entityType, 'utf8').update(localId, 'utf8').digest('hex');
}

/** Public ids made by the generator are 64 hex digits; any other id is never mapped. */
export function mayBeMapped(id: string): boolean {
  return id.length === 64 && /^[0-9a-f]+$/.test(id);
}

export class IdMappings {
  private readonly records: Collection<IdMappingRecord & { public_id: string }>;
  private readonly known = new Map<string, IdMappingRecord>();

  constructor(db: Database) {
    this.records = db.collection<IdMappingRecord & { public_id: string }>('id_mappings', { unique: [['domain_id', 'local_id', 'entity_type']] });
  }

  /** The public id of an entity, recording the mapping the first time it is seen. */
  async publicId(domainId: string, entityType: EntityType, localId: string): Promise<string> {
    const id = publicIdOf(domainId, entityType, localId);
    if (this.known.has(id)) return id;
    const record = { id, public_id: id, local_id: localId, domain_id: domainId, entity_type: entityType };
    if (!(await this.records.get(id))) {
      try {
        await this.records.insert(record);
      } catch (error) {
        if (!(error instanceof DuplicateKeyError)) throw error;
      }
    }
    this.known.set(id, record);
    return id;
  }

  /** Where a public id points, if it is a mapped one. */
  async lookup(publicId: string): Promise<IdMappingRecord | undefined> {
    if (!mayBeMapped(publicId)) return undefined;
    const cached = this.known.get(publicId);
    if (cached) return cached;
    const stored = await this.records.get(publicId);
    if (!stored) return undefined;
    const record: IdMappingRecord = { id: stored.id, local_id: stored.local_id, domain_id: stored.domain_id, entity_type: stored.entity_type };
    this.known.set(publicId, record);
    return record;
  }
}
