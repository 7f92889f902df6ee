// A container database, as Swift's container broker keeps it: one SQLite file per container
// with a row per object (name, created_at, size, content_type, etag, deleted) and the
// container's own status, stats and metadata. Rows merge newest-created_at-wins, so updates
// may arrive in any order and replicas converge by exchanging rows.
import { createHash } from 'node:crypto';
import { StorageError } from './errors.ts';
import { listNames, rangeSql, type ListParams, type Listed } from './listing.ts';
import { InfoRowDb, mergeMetadata, prepared, transaction, type TimedMetadata } from './db-file.ts';
import { ZERO_TIMESTAMP } from '../common/timestamp.ts';

export interface ObjectRow {
  name: string;
  created_at: string;
  size: number;
  content_type: string;
  etag: string;
  deleted: number;
}

export interface ContainerInfo {
  account: string;
  container: string;
  createdAt: string;
  putTimestamp: string;
  deleteTimestamp: string;
  statusChangedAt: string;
  objectCount: number;
  bytesUsed: number;
  metadata: TimedMetadata;
  /** what was last sent to the account: lets the updater skip unchanged containers */
  reportedPutTimestamp: string;
  reportedDeleteTimestamp: string;
  reportedObjectCount: number;
  reportedBytesUsed: number;
}

/** A container's whole replicable state: what one replica pushes to another. */
export interface ContainerState {
  info: Pick<ContainerInfo, 'account' | 'container' | 'createdAt' | 'putTimestamp' | 'deleteTimestamp' | 'metadata'>;
  rows: ObjectRow[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS object (
  name TEXT PRIMARY KEY, created_at TEXT NOT NULL, size INTEGER NOT NULL,
  content_type TEXT NOT NULL, etag TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_object_deleted_name ON object (deleted, name);
-- statsTimestamp's MAX(created_at) after every object update: without it, a scan of the container
CREATE INDEX IF NOT EXISTS ix_object_created_at ON object (created_at);
CREATE TABLE IF NOT EXISTS container_info (
  id INTEGER PRIMARY KEY CHECK (id = 1), account TEXT NOT NULL, container TEXT NOT NULL,
  created_at TEXT NOT NULL, put_timestamp TEXT NOT NULL, delete_timestamp TEXT NOT NULL,
  status_changed_at TEXT NOT NULL, object_count INTEGER NOT NULL, bytes_used INTEGER NOT NULL,
  metadata TEXT NOT NULL, reported_put_timestamp TEXT NOT NULL, reported_delete_timestamp TEXT NOT NULL,
  reported_object_count INTEGER NOT NULL, reported_bytes_used INTEGER NOT NULL
);`;

export class ContainerDb extends InfoRowDb {
  constructor(path: string) {
    super(path, SCHEMA, 'container_info');
  }

  /** Creates the info row if absent (a PUT, a replicated state or an object update may come first). */
  initialize(account: string, container: string, timestamp: string): void {
    prepared(this.db, `INSERT OR IGNORE INTO container_info VALUES (1, ?, ?, ?, ?, ?, ?, 0, 0, '{}', ?, ?, 0, 0)`)
      .run(account, container, timestamp, ZERO_TIMESTAMP, ZERO_TIMESTAMP, timestamp, ZERO_TIMESTAMP, ZERO_TIMESTAMP);
  }

  info(): ContainerInfo {
    const r = prepared(this.db, 'SELECT * FROM container_info').get() as Record<string, string & number> | undefined;
    if (!r) throw new StorageError(404, 'container not found');
    return {
      account: r.account, container: r.container, createdAt: r.created_at, putTimestamp: r.put_timestamp,
      deleteTimestamp: r.delete_timestamp, statusChangedAt: r.status_changed_at, objectCount: r.object_count,
      bytesUsed: r.bytes_used, metadata: JSON.parse(r.metadata) as TimedMetadata,
      reportedPutTimestamp: r.reported_put_timestamp, reportedDeleteTimestamp: r.reported_delete_timestamp,
      reportedObjectCount: r.reported_object_count, reportedBytesUsed: r.reported_bytes_used,
    };
  }

  /** Swift's rule: deleted when the DELETE is newer than the last PUT and no object is left. */
  isDeleted(info = this.info()): boolean {
    return info.deleteTimestamp > info.putTimestamp && info.objectCount === 0;
  }

  /** A container PUT: returns whether it (re)created the container. */
  put(timestamp: string, metadata: TimedMetadata): boolean {
    return transaction(this.db, () => {
      const info = this.info();
      const wasDeleted = info.putTimestamp === ZERO_TIMESTAMP || this.isDeleted(info);
      if (timestamp > info.putTimestamp) {
        prepared(this.db, 'UPDATE container_info SET put_timestamp = ?, status_changed_at = ?').run(timestamp, wasDeleted ? timestamp : info.statusChangedAt);
      }
      this.writeMetadata(mergeMetadata(info.metadata, metadata));
      return wasDeleted;
    });
  }

  /** A container DELETE: refused (409) while objects remain. */
  delete(timestamp: string): void {
    transaction(this.db, () => {
      const info = this.info();
      if (info.objectCount > 0) throw new StorageError(409, 'There was a conflict when trying to complete your request.');
      if (timestamp > info.deleteTimestamp) prepared(this.db, 'UPDATE container_info SET delete_timestamp = ?, status_changed_at = ?').run(timestamp, timestamp);
    });
  }

  /** Merges object rows, newest created_at per name wins; keeps the stats in step. */
  mergeObjects(rows: ObjectRow[]): void {
    transaction(this.db, () => {
      const get = prepared(this.db, 'SELECT created_at, size, deleted FROM object WHERE name = ?');
      const upsert = prepared(this.db, 'INSERT OR REPLACE INTO object (name, created_at, size, content_type, etag, deleted) VALUES (?, ?, ?, ?, ?, ?)');
      let dCount = 0;
      let dBytes = 0;
      for (const row of rows) {
        const old = get.get(row.name) as { created_at: string; size: number; deleted: number } | undefined;
        if (old && old.created_at >= row.created_at) continue;
        if (old && !old.deleted) {
          dCount--;
          dBytes -= old.size;
        }
        if (!row.deleted) {
          dCount++;
          dBytes += row.size;
        }
        upsert.run(row.name, row.created_at, row.deleted ? 0 : row.size, row.content_type, row.etag, row.deleted ? 1 : 0);
      }
      if (dCount || dBytes) prepared(this.db, 'UPDATE container_info SET object_count = object_count + ?, bytes_used = bytes_used + ?').run(dCount, dBytes);
    });
  }

  getObjectRow(name: string): ObjectRow | undefined {
    return prepared(this.db, 'SELECT * FROM object WHERE name = ?').get(name) as ObjectRow | undefined;
  }

  listObjects(params: ListParams): Listed<ObjectRow>[] {
    return listNames((q) => {
      const { where, params: args, order } = rangeSql(q);
      return prepared(this.db, `SELECT * FROM object WHERE deleted = 0 AND ${where} ORDER BY ${order} LIMIT ?`).all(...args, q.limit) as unknown as ObjectRow[];
    }, params);
  }

  /** The newest change the stats reflect: lets the account keep the newest stats of any replica. */
  statsTimestamp(info = this.info()): string {
    const row = prepared(this.db, 'SELECT MAX(created_at) AS t FROM object').get() as { t: string | null };
    return [row.t ?? ZERO_TIMESTAMP, info.putTimestamp, info.deleteTimestamp].sort().at(-1)!;
  }

  setReported(info: ContainerInfo): void {
    prepared(this.db, 'UPDATE container_info SET reported_put_timestamp = ?, reported_delete_timestamp = ?, reported_object_count = ?, reported_bytes_used = ?')
      .run(info.putTimestamp, info.deleteTimestamp, info.objectCount, info.bytesUsed);
  }

  /** A digest of the replicable state: equal digests mean the replicas are in sync. */
  digest(): string {
    const md5 = createHash('md5');
    const info = this.info();
    md5.update(JSON.stringify([info.putTimestamp, info.deleteTimestamp, Object.entries(info.metadata).sort()]));
    for (const row of prepared(this.db, 'SELECT name, created_at, deleted FROM object ORDER BY name').iterate() as Iterable<ObjectRow>) {
      md5.update(`${row.name}\u0000${row.created_at}\u0000${row.deleted}\n`);
    }
    return md5.digest('hex');
  }

  exportState(): ContainerState {
    const info = this.info();
    const rows = prepared(this.db, 'SELECT * FROM object ORDER BY name').all() as unknown as ObjectRow[];
    return {
      info: { account: info.account, container: info.container, createdAt: info.createdAt, putTimestamp: info.putTimestamp, deleteTimestamp: info.deleteTimestamp, metadata: info.metadata },
      rows,
    };
  }

  mergeState(state: ContainerState): void {
    this.initialize(state.info.account, state.info.container, state.info.createdAt);
    this.mergeObjects(state.rows);
    transaction(this.db, () => {
      const info = this.info();
      if (state.info.putTimestamp > info.putTimestamp) prepared(this.db, 'UPDATE container_info SET put_timestamp = ?').run(state.info.putTimestamp);
      if (state.info.deleteTimestamp > info.deleteTimestamp) prepared(this.db, 'UPDATE container_info SET delete_timestamp = ?').run(state.info.deleteTimestamp);
      if (state.info.createdAt < info.createdAt) prepared(this.db, 'UPDATE container_info SET created_at = ?').run(state.info.createdAt);
      this.writeMetadata(mergeMetadata(info.metadata, state.info.metadata));
    });
  }
}
