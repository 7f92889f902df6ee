// What container and account databases share: one SQLite file per container/account
// (Swift's layout), a small cache of open handles, and Swift's per-key metadata with timestamps.
// Durability: the databases run in WAL mode with synchronous=NORMAL. A commit is an append to
// the WAL, in the OS's hands before the answer, so it survives a crash of the process (kill -9);
// only a power loss can drop the last updates, as with Swift, whose container updates go to an
// unsynced .pending file. The object data itself is fsynced before success (disk-object.ts).
// The databases are used synchronously on the event loop, which every storage server of an
// all-in-one shares: a journal_mode=DELETE, synchronous=FULL commit (four fsyncs) stalled every
// request in the process, and object PUTs, each updating three container and three account
// replicas, ran at a fifth of Swift's rate.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { hashDir, isHash, partitionDir, type DataKind } from './paths.ts';

/** Swift stores metadata as {name: [value, timestamp]}; an empty value marks a deletion. */
export type TimedMetadata = Record<string, [string, string]>;

export function mergeMetadata(current: TimedMetadata, incoming: TimedMetadata): TimedMetadata {
  const out: TimedMetadata = { ...current };
  for (const [key, [value, ts]] of Object.entries(incoming)) {
    const have = out[key];
    if (!have || have[1] < ts) out[key] = [value, ts];
  }
  return out;
}

/** The metadata a client sees: newest value of each key, deleted (empty) keys left out. */
export function visibleMetadata(meta: TimedMetadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, [v]] of Object.entries(meta)) if (v !== '') out[k] = v;
  return out;
}

export function openDbFile(path: string, schema: string): DatabaseSync {
  mkdirSync(join(path, '..'), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
  db.exec(schema);
  return db;
}

const statements = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

/** A prepared statement, compiled once per open database: every object update runs the same few. */
export function prepared(db: DatabaseSync, sql: string): StatementSync {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement;
}

export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

/** A bounded cache of open database handles, keyed by file path. */
export class DbCache<T extends { close(): void }> {
  private readonly open = new Map<string, T>();
  private readonly limit: number;
  constructor(limit = 128) {
    this.limit = limit;
  }
  get(path: string, create: () => T): T {
    let db = this.open.get(path);
    if (db) {
      this.open.delete(path);
      this.open.set(path, db);
      return db;
    }
    db = create();
    this.open.set(path, db);
    if (this.open.size > this.limit) {
      const [oldest, handle] = this.open.entries().next().value as [string, T];
      this.open.delete(oldest);
      handle.close();
    }
    return db;
  }
  drop(path: string): void {
    const db = this.open.get(path);
    if (db) {
      db.close();
      this.open.delete(path);
    }
  }
  dropUnder(prefix: string): void {
    for (const path of [...this.open.keys()]) if (path.startsWith(prefix)) this.drop(path);
  }
  closeAll(): void {
    for (const db of this.open.values()) db.close();
    this.open.clear();
  }
}

export function dbPath(devicesDir: string, device: string, kind: DataKind, part: number | string, hash: string): string {
  return join(hashDir(devicesDir, device, kind, part, hash), `${hash}.db`);
}

/** Every database file of a device and kind, with its partition and hash. */
export function* listDbFiles(devicesDir: string, device: string, kind: DataKind): Generator<{ part: string; hash: string; path: string }> {
  const root = join(devicesDir, device, kind);
  if (!existsSync(root)) return;
  for (const part of readdirSync(root)) {
    if (!/^\d+$/.test(part)) continue;
    const pdir = partitionDir(devicesDir, device, kind, part);
    for (const suffix of safeList(pdir)) {
      for (const hash of safeList(join(pdir, suffix))) {
        if (!isHash(hash)) continue;
        const path = join(pdir, suffix, hash, `${hash}.db`);
        if (existsSync(path)) yield { part, hash, path };
      }
    }
  }
}

export function removeDbFile(path: string): void {
  rmSync(join(path, '..'), { recursive: true, force: true });
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * What Swift's account and container brokers share: one SQLite file with a single info row
 * (table `<kind>_info`) holding the status timestamps and the timed metadata that merges.
 */
export abstract class InfoRowDb {
  readonly db: DatabaseSync;
  readonly path: string;
  readonly #infoTable: string;

  constructor(path: string, schema: string, infoTable: string) {
    this.path = path;
    this.#infoTable = infoTable;
    this.db = openDbFile(path, schema);
  }

  abstract info(): { metadata: TimedMetadata };

  close(): void {
    this.db.close();
  }

  initialized(): boolean {
    return prepared(this.db, `SELECT 1 FROM ${this.#infoTable}`).get() !== undefined;
  }

  updateMetadata(metadata: TimedMetadata): void {
    transaction(this.db, () => this.writeMetadata(mergeMetadata(this.info().metadata, metadata)));
  }

  protected writeMetadata(meta: TimedMetadata): void {
    prepared(this.db, `UPDATE ${this.#infoTable} SET metadata = ?`).run(JSON.stringify(meta));
  }
}
