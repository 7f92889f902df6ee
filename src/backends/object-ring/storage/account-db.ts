// An account database, as Swift's account broker keeps it: one SQLite file per account with
// a row per container (put/delete timestamps, object count, bytes used) and the account's
// status and metadata. Container rows merge by timestamps, so replicas converge by
// exchanging rows and late stats never overwrite newer ones.
import { createHash } from 'node:crypto';
import { StorageError } from './errors.ts';
import { listNames, rangeSql, type ListParams, type Listed } from './listing.ts';
import { InfoRowDb, mergeMetadata, prepared, transaction, type TimedMetadata } from './db-file.ts';
import { ZERO_TIMESTAMP, maxTimestamp } from '../common/timestamp.ts';

export interface ContainerRow {
  name: string;
  put_timestamp: string;
  delete_timestamp: string;
  object_count: number;
  bytes_used: number;
  deleted: number;
  /** the time of the container change these stats reflect: newer stats win */
  stats_timestamp: string;
}

export interface AccountInfo {
  account: string;
  createdAt: string;
  putTimestamp: string;
  deleteTimestamp: string;
  containerCount: number;
  objectCount: number;
  bytesUsed: number;
  metadata: TimedMetadata;
}

export interface AccountState {
  info: Pick<AccountInfo, 'account' | 'createdAt' | 'putTimestamp' | 'deleteTimestamp' | 'metadata'>;
  rows: ContainerRow[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS container (
  name TEXT PRIMARY KEY, put_timestamp TEXT NOT NULL, delete_timestamp TEXT NOT NULL,
  object_count INTEGER NOT NULL, bytes_used INTEGER NOT NULL, deleted INTEGER NOT NULL,
  stats_timestamp TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS account_info (
  id INTEGER PRIMARY KEY CHECK (id = 1), account TEXT NOT NULL, created_at TEXT NOT NULL,
  put_timestamp TEXT NOT NULL, delete_timestamp TEXT NOT NULL, metadata TEXT NOT NULL
);`;

export class AccountDb extends InfoRowDb {
  constructor(path: string) {
    super(path, SCHEMA, 'account_info');
  }

  initialize(account: string, timestamp: string): void {
    prepared(this.db, `INSERT OR IGNORE INTO account_info VALUES (1, ?, ?, ?, ?, '{}')`).run(account, timestamp, ZERO_TIMESTAMP, ZERO_TIMESTAMP);
  }

  info(): AccountInfo {
    const r = prepared(this.db, 'SELECT * FROM account_info').get() as Record<string, string> | undefined;
    if (!r) throw new StorageError(404, 'account not found');
    const stats = prepared(this.db, 'SELECT COUNT(*) AS c, COALESCE(SUM(object_count), 0) AS o, COALESCE(SUM(bytes_used), 0) AS b FROM container WHERE deleted = 0').get() as { c: number; o: number; b: number };
    return {
      account: r.account, createdAt: r.created_at, putTimestamp: r.put_timestamp, deleteTimestamp: r.delete_timestamp,
      containerCount: stats.c, objectCount: stats.o, bytesUsed: stats.b, metadata: JSON.parse(r.metadata) as TimedMetadata,
    };
  }

  isDeleted(info = this.info()): boolean {
    return info.deleteTimestamp > info.putTimestamp;
  }

  put(timestamp: string, metadata: TimedMetadata): boolean {
    return transaction(this.db, () => {
      const info = this.info();
      const created = info.putTimestamp === ZERO_TIMESTAMP || this.isDeleted(info);
      if (timestamp > info.putTimestamp) prepared(this.db, 'UPDATE account_info SET put_timestamp = ?').run(timestamp);
      this.writeMetadata(mergeMetadata(info.metadata, metadata));
      return created;
    });
  }

  delete(timestamp: string): void {
    transaction(this.db, () => {
      const info = this.info();
      if (timestamp > info.deleteTimestamp) prepared(this.db, 'UPDATE account_info SET delete_timestamp = ?').run(timestamp);
    });
  }

  /** Merges container rows: newest put/delete timestamps win, and the newest stats. */
  mergeContainers(rows: ContainerRow[]): void {
    transaction(this.db, () => {
      const get = prepared(this.db, 'SELECT * FROM container WHERE name = ?');
      const upsert = prepared(this.db, 'INSERT OR REPLACE INTO container VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const row of rows) {
        const old = get.get(row.name) as ContainerRow | undefined;
        const put = maxTimestamp(old?.put_timestamp, row.put_timestamp);
        const del = maxTimestamp(old?.delete_timestamp, row.delete_timestamp);
        const newerStats = !old || row.stats_timestamp >= old.stats_timestamp;
        const stats = newerStats ? row : old;
        const deleted = del > put ? 1 : 0;
        upsert.run(row.name, put, del, deleted ? 0 : stats.object_count, deleted ? 0 : stats.bytes_used, deleted, maxTimestamp(old?.stats_timestamp, row.stats_timestamp));
      }
    });
  }

  getContainerRow(name: string): ContainerRow | undefined {
    return prepared(this.db, 'SELECT * FROM container WHERE name = ?').get(name) as ContainerRow | undefined;
  }

  listContainers(params: ListParams): Listed<ContainerRow>[] {
    return listNames((q) => {
      const { where, params: args, order } = rangeSql(q);
      return prepared(this.db, `SELECT * FROM container WHERE deleted = 0 AND ${where} ORDER BY ${order} LIMIT ?`).all(...args, q.limit) as unknown as ContainerRow[];
    }, params);
  }

  digest(): string {
    const md5 = createHash('md5');
    const info = this.info();
    md5.update(JSON.stringify([info.putTimestamp, info.deleteTimestamp, Object.entries(info.metadata).sort()]));
    for (const r of prepared(this.db, 'SELECT * FROM container ORDER BY name').iterate() as Iterable<ContainerRow>) {
      md5.update(`${r.name}\u0000${r.put_timestamp}\u0000${r.delete_timestamp}\u0000${r.stats_timestamp}\u0000${r.object_count}\u0000${r.bytes_used}\n`);
    }
    return md5.digest('hex');
  }

  exportState(): AccountState {
    const info = this.info();
    return {
      info: { account: info.account, createdAt: info.createdAt, putTimestamp: info.putTimestamp, deleteTimestamp: info.deleteTimestamp, metadata: info.metadata },
      rows: prepared(this.db, 'SELECT * FROM container ORDER BY name').all() as unknown as ContainerRow[],
    };
  }

  mergeState(state: AccountState): void {
    this.initialize(state.info.account, state.info.createdAt);
    this.mergeContainers(state.rows);
    transaction(this.db, () => {
      const info = this.info();
      if (state.info.putTimestamp > info.putTimestamp) prepared(this.db, 'UPDATE account_info SET put_timestamp = ?').run(state.info.putTimestamp);
      if (state.info.deleteTimestamp > info.deleteTimestamp) prepared(this.db, 'UPDATE account_info SET delete_timestamp = ?').run(state.info.deleteTimestamp);
      this.writeMetadata(mergeMetadata(info.metadata, state.info.metadata));
    });
  }
}
