// The block storage records and the database they live in (`block_storage`: store names take no
// hyphen), with the defaults Cinder starts from.
import type { Collection, Database, Store } from '../../platform/store/store.ts';
import type { Clock } from '../../platform/clock.ts';
import { uuid } from '../../platform/ids.ts';
import type { BlockDriver } from '../../backends/block/driver.ts';
import { BackupStore } from '../../backends/block/backup-store.ts';

export interface VolumeRecord {
  [field: string]: unknown;
  id: string;
  project_id: string;
  user_id: string;
  name: string | null;
  description: string | null;
  status: string;
  attach_status: string;
  migration_status: string | null;
  size: number;
  availability_zone: string;
  bootable: boolean;
  multiattach: boolean;
  volume_type_id: string;
  snapshot_id: string | null;
  source_volid: string | null;
  metadata: Record<string, string>;
  /** Cinder's admin metadata: `readonly`, `attached_mode` */
  admin_metadata: Record<string, string>;
  attachments?: VolumeAttachment[];
  /** the ids in `attachments`, to find a volume by attachment id */
  attachment_ids?: string[];
  /** what Cinder keeps of the image a volume was made from (os-vol-image-meta): string values */
  volume_image_metadata?: Record<string, string> | null;
  /** `host@backend#pool`; null while no backend holds it (not scheduled) */
  host: string | null;
  service_uuid: string;
  created_at: number;
  updated_at: number | null;
}

/**
 * One attachment, made by the classic os-attach action (attached at once) or the attachments
 * API (reserved -> attaching -> attached); see attachments-logic.ts.
 */
export interface VolumeAttachment {
  attachment_id: string;
  server_id: string | null;
  host_name: string | null;
  device: string | null;
  mode: string;
  /** null until attached */
  attached_at: number | null;
  /** absent on classic attachments: attached */
  attach_status?: string;
  connector?: Record<string, unknown> | null;
  connection_info?: Record<string, unknown> | null;
  project_id?: string;
  created_at?: number;
}

export interface SnapshotRecord {
  [field: string]: unknown;
  id: string;
  project_id: string;
  user_id: string;
  volume_id: string;
  name: string | null;
  description: string | null;
  status: string;
  progress: string;
  size: number;
  metadata: Record<string, string>;
  created_at: number;
  updated_at: number | null;
}

export interface BackupRecord {
  [field: string]: unknown;
  id: string;
  project_id: string;
  user_id: string;
  volume_id: string;
  snapshot_id: string | null;
  name: string | null;
  description: string | null;
  status: string;
  size: number;
  object_count: number;
  container: string | null;
  availability_zone: string;
  is_incremental: boolean;
  parent_id: string | null;
  fail_reason: string | null;
  metadata: Record<string, string>;
  data_timestamp: number;
  created_at: number;
  updated_at: number | null;
}

export interface TransferRecord {
  [field: string]: unknown;
  id: string;
  volume_id: string;
  name: string | null;
  /** the project giving the volume away */
  source_project_id: string;
  /** hex sha256 of salt + auth key; the key itself is shown once, at create */
  salt: string;
  crypt_hash: string;
  no_snapshots: boolean;
  created_at: number;
}

/** a user message: why an asynchronous request failed (3.3) */
export interface MessageRecord {
  [field: string]: unknown;
  id: string;
  project_id: string;
  request_id: string;
  message_level: string;
  event_id: string;
  resource_type: string;
  resource_uuid: string | null;
  user_message: string;
  created_at: number;
  expires_at: number;
}

export interface VolumeTypeRecord {
  [field: string]: unknown;
  id: string;
  name: string;
  description: string | null;
  is_public: boolean;
  extra_specs: Record<string, string>;
  /** projects a private type is shared with */
  projects: string[];
  created_at: number;
}

export interface QuotaRecord {
  [field: string]: unknown;
  /** the project id */
  id: string;
  limits: Record<string, number>;
}

export const DEFAULT_TYPE_NAME = '__DEFAULT__';
export const AVAILABILITY_ZONE = 'nova';
export const HOST = 'stackgate';

export interface BlockStorage {
  db: Database;
  volumes: Collection<VolumeRecord>;
  snapshots: Collection<SnapshotRecord>;
  types: Collection<VolumeTypeRecord>;
  quotas: Collection<QuotaRecord>;
  backups: Collection<BackupRecord>;
  transfers: Collection<TransferRecord>;
  messages: Collection<MessageRecord>;
  /** where backups keep their chunks (`<dataDir>/backups`) */
  backupStore: BackupStore;
  driver: BlockDriver;
  clock: Clock;
  /** how long the "backend" takes before a creating/deleting/extending resource settles */
  settleDelayMs: number;
  /** the volume service's uuid, as `service_uuid` shows it */
  serviceUuid: string;
  /** the local path of a volume on its backend, for connection_info */
  devicePath: (volumeId: string) => string | undefined;
  /** work started in the background (driver calls), awaited on close */
  pending: Set<Promise<void>>;
  closed: boolean;
}

export async function openBlockStorage(store: Store, driver: BlockDriver, clock: Clock, settleDelayMs: number, backupRoot: string): Promise<BlockStorage> {
  const db = await store.database('block_storage');
  const storage: BlockStorage = {
    db,
    volumes: db.collection<VolumeRecord>('volumes', { indexes: [['project_id']] }),
    snapshots: db.collection<SnapshotRecord>('snapshots', { indexes: [['project_id'], ['volume_id']] }),
    types: db.collection<VolumeTypeRecord>('volume_types', { unique: [['name']] }),
    quotas: db.collection<QuotaRecord>('quotas'),
    backups: db.collection<BackupRecord>('backups', { indexes: [['project_id'], ['volume_id']] }),
    messages: db.collection<MessageRecord>('messages', { indexes: [['project_id']] }),
    transfers: db.collection<TransferRecord>('transfers', { indexes: [['source_project_id']], unique: [['volume_id']] }),
    backupStore: new BackupStore(backupRoot),
    driver,
    clock,
    settleDelayMs,
    serviceUuid: uuid(),
    devicePath: (volumeId) => driver.localPath?.(volumeId),
    pending: new Set(),
    closed: false,
  };
  if (!(await storage.types.findOne({ name: DEFAULT_TYPE_NAME }))) {
    try {
      await storage.types.insert({
        id: uuid(), name: DEFAULT_TYPE_NAME, description: 'Default Volume Type', is_public: true, extra_specs: {}, projects: [], created_at: clock.now(),
      });
    } catch {
      // another process created it first
    }
  }
  return storage;
}

/**
 * Runs backend work after the configured delay, outside the request, the way cinder-volume
 * answers the API asynchronously. Failures land in the record's status, not in the request.
 */
export function inBackground(storage: BlockStorage, work: () => Promise<void>): void {
  const task = (async () => {
    if (storage.settleDelayMs > 0) await storage.clock.sleep(storage.settleDelayMs);
    if (storage.closed) return;
    await work();
  })().catch(() => undefined);
  storage.pending.add(task);
  void task.finally(() => storage.pending.delete(task));
}

/** Cinder's timestamps: ISO 8601 with microseconds and no zone. */
export function cinderTime(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  return new Date(ms).toISOString().replace('Z', '000');
}
