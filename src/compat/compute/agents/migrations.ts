// The migration records of resizes and cold migrations, as Nova keeps them (os-migrations and
// servers/{id}/migrations read these). A migration's uuid is also the Placement consumer that
// holds the source host's resources until the resize is confirmed or reverted.
import type { Collection } from '../../../platform/store/store.ts';
import type { Nova } from '../support.ts';

export type MigrationStatus = 'pre-migrating' | 'migrating' | 'post-migrating' | 'finished' | 'confirming' | 'confirmed' | 'reverting' | 'reverted' | 'error';

export interface MigrationRecord {
  /** the uuid (Placement consumer) */
  id: string;
  /** the integer id the API shows */
  seq: number;
  instance_uuid: string;
  migration_type: 'resize' | 'migration' | 'evacuation';
  status: MigrationStatus;
  source_compute: string;
  source_node: string;
  dest_compute: string | null;
  dest_node: string | null;
  dest_host: string | null;
  old_instance_type_id: string;
  new_instance_type_id: string;
  project_id: string;
  user_id: string;
  created_at: number;
  updated_at: number;
  [k: string]: unknown;
}

export const migrationsOf = (nova: Nova): Collection<MigrationRecord> =>
  nova.db.collection<MigrationRecord>('migrations', { indexes: [['instance_uuid'], ['status']] });

export async function nextMigrationSeq(nova: Nova): Promise<number> {
  const last = await migrationsOf(nova).find({}, { sort: [['seq', 'desc']], limit: 1 });
  return (last[0]?.seq ?? 0) + 1;
}
