// The embedded store: one SQLite file per service, one table per collection, documents as JSON.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import {
  DuplicateKeyError, MarkerNotFoundError,
  type Collection, type CollectionSpec, type Database, type Doc, type Filter, type FindOptions, type Scalar, type Store,
} from './store.ts';
import { checkFieldPath, checkLimit, checkName, docBody, filterTerms, sortKeys, splitUpdate, type Term } from './query.ts';

interface Sql { sql: string; params: SQLInputValue[] }
type Row = { id: string; rev: number; doc: string };

/** SQL for one field: its value and its JSON type name, both as SQL expressions */
interface FieldSql { value: string; type: string; path?: string }

/** `$."a"."b"`: segments are checked, so they hold no quote of either kind */
function jsonPath(field: string): string {
  return '$' + checkFieldPath(field).split('.').map((s) => `."${s}"`).join('');
}

function fieldSql(field: string): FieldSql {
  if (field === 'id') return { value: 'id', type: `'text'` };
  if (field === '_rev') return { value: 'rev', type: `'integer'` };
  const path = jsonPath(field);
  return { value: `json_extract(doc, '${path}')`, type: `json_type(doc, '${path}')`, path };
}

// json_extract turns JSON true/false into 1/0, so booleans are told apart from numbers by type.
function typeGuard(f: FieldSql, v: string | number | boolean): string {
  if (typeof v === 'string') return `${f.type} = 'text'`;
  if (typeof v === 'number') return `${f.type} IN ('integer', 'real')`;
  return `${f.type} IN ('true', 'false')`;
}

function bind(v: string | number | boolean): SQLInputValue {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

function eqSql(f: FieldSql, v: Scalar, params: SQLInputValue[]): string {
  if (v === null) return `${f.value} IS NULL`;
  // the json_extract term lets an expression index serve boolean lookups too
  if (typeof v === 'boolean') return `(${f.value} = ${Number(v)} AND ${f.type} = '${v}')`;
  params.push(v);
  return `(${f.value} = ? AND ${typeGuard(f, v)})`;
}

function inSql(f: FieldSql, values: Scalar[], params: SQLInputValue[]): string {
  const parts: string[] = [];
  for (const kind of ['string', 'number'] as const) {
    const same = values.filter((v) => typeof v === kind) as Array<string | number>;
    if (same.length === 0) continue;
    params.push(...same);
    parts.push(`(${f.value} IN (${same.map(() => '?').join(', ')}) AND ${typeGuard(f, same[0])})`);
  }
  const bools = [...new Set(values.filter((v) => typeof v === 'boolean'))];
  if (bools.length > 0) parts.push(`(${f.value} IN (${bools.map(Number).join(', ')}) AND ${f.type} IN (${bools.map((b) => `'${b}'`).join(', ')}))`);
  if (values.includes(null)) parts.push(`${f.value} IS NULL`);
  return parts.length === 0 ? '0' : `(${parts.join(' OR ')})`;
}

/** negation where an unknown (SQL NULL) counts as "did not match", so the negation holds */
const not = (sql: string): string => `NOT ifnull(${sql}, 0)`;

/** the elements of a JSON array field, seen as a field of their own */
const ELEMENT: FieldSql = { value: 'value', type: 'type' };

function arraySql(f: FieldSql, field: string, element: (params: SQLInputValue[]) => string, params: SQLInputValue[]): string {
  if (!f.path) throw new Error(`${field} is not an array field`);
  return `(${f.type} = 'array' AND EXISTS (SELECT 1 FROM json_each(doc, '${f.path}') WHERE ${element(params)}))`;
}

function termSql(field: string, term: Term, params: SQLInputValue[]): string {
  const f = fieldSql(field);
  switch (term.op) {
    case '$eq': return eqSql(f, term.value, params);
    case '$ne': return not(eqSql(f, term.value, params));
    case '$in': return inSql(f, term.values, params);
    case '$nin': return not(inSql(f, term.values, params));
    case '$gt': case '$gte': case '$lt': case '$lte': {
      const op = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[term.op];
      params.push(bind(term.value));
      return `(${f.value} ${op} ? AND ${typeGuard(f, term.value)})`;
    }
    case '$prefix':
      params.push(term.value, term.value);
      return `(${f.type} = 'text' AND substr(${f.value}, 1, length(?)) = ?)`;
    case '$contains': {
      const value = term.value;
      return arraySql(f, field, (p) => eqSql(ELEMENT, value, p), params);
    }
    case '$containsAny': {
      const values = term.values;
      return arraySql(f, field, (p) => inSql(ELEMENT, values, p), params);
    }
    case '$containsAll':
      if (term.values.length === 0) return `${f.type} = 'array'`;
      return `(${term.values.map((v) => arraySql(f, field, (p) => eqSql(ELEMENT, v, p), params)).join(' AND ')})`;
  }
}

function whereSql(filter: Filter | undefined): Sql {
  const params: SQLInputValue[] = [];
  const parts = filterTerms(filter).flatMap(([field, terms]) => terms.map((t) => termSql(field, t, params)));
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

function isConstraintError(e: unknown): e is Error {
  // SQLITE_CONSTRAINT_PRIMARYKEY and SQLITE_CONSTRAINT_UNIQUE
  const code = (e as { errcode?: number }).errcode;
  return code === 1555 || code === 2067;
}

function toDoc<T extends Doc>(row: Row): T & { _rev: number } {
  return { id: row.id, ...JSON.parse(row.doc), _rev: Number(row.rev) };
}

class SqliteCollection<T extends Doc> implements Collection<T> {
  readonly name: string;
  readonly #table: string;
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase, name: string) {
    this.#db = db;
    this.name = name;
    this.#table = `"${name}"`;
  }

  #run<R>(fn: () => R): R {
    try {
      return fn();
    } catch (e) {
      if (isConstraintError(e)) throw new DuplicateKeyError(this.name, e.message);
      throw e;
    }
  }

  async get(id: string) {
    const row = this.#db.statement(`SELECT id, rev, doc FROM ${this.#table} WHERE id = ?`).get(id) as Row | undefined;
    return row && toDoc<T>(row);
  }

  async findOne(filter: Filter) {
    return (await this.find(filter, { limit: 1 }))[0];
  }

  async find(filter?: Filter, options: FindOptions = {}) {
    const where = whereSql(filter);
    const keys = sortKeys(options.sort).map(([field, dir]) => ({ f: fieldSql(field), dir }));
    const limit = checkLimit(options.limit);
    if (options.marker !== undefined) where.sql += ` AND (${this.#afterMarker(options.marker, keys, where.params)})`;
    let sql = `SELECT id, rev, doc FROM ${this.#table} WHERE ${where.sql} ORDER BY ${keys.map((k) => `${k.f.value} ${k.dir.toUpperCase()}`).join(', ')}`;
    if (limit !== undefined) {
      sql += ' LIMIT ?';
      where.params.push(limit);
    }
    return (this.#db.statement(sql).all(...where.params) as Row[]).map((row) => toDoc<T>(row));
  }

  /** keyset condition: rows strictly after the marker document in the sort order (NULL sorts first) */
  #afterMarker(marker: string, keys: Array<{ f: FieldSql; dir: string }>, params: SQLInputValue[]): string {
    const columns = keys.map((k, i) => `${k.f.value} AS k${i}`).join(', ');
    const row = this.#db.statement(`SELECT ${columns} FROM ${this.#table} WHERE id = ?`).get(marker) as Record<string, SQLInputValue> | undefined;
    if (!row) throw new MarkerNotFoundError(marker);
    const branches: string[] = [];
    const equalSoFar: string[] = [];
    const equalParams: SQLInputValue[] = [];
    keys.forEach(({ f, dir }, i) => {
      const m = row[`k${i}`];
      let after: string | undefined;
      const afterParams: SQLInputValue[] = [];
      if (dir === 'asc') {
        after = m === null ? `${f.value} IS NOT NULL` : `${f.value} > ?`;
        if (m !== null) afterParams.push(m);
      } else if (m !== null) {
        after = `(${f.value} < ? OR ${f.value} IS NULL)`;
        afterParams.push(m);
      }
      if (after) {
        branches.push(`(${[...equalSoFar, after].join(' AND ')})`);
        params.push(...equalParams, ...afterParams);
      }
      equalSoFar.push(`${f.value} IS ?`);
      equalParams.push(m);
    });
    return branches.length ? branches.join(' OR ') : '0';
  }

  async count(filter?: Filter) {
    const where = whereSql(filter);
    const row = this.#db.statement(`SELECT count(*) AS n FROM ${this.#table} WHERE ${where.sql}`).get(...where.params) as { n: number };
    return Number(row.n);
  }

  async insert(doc: T) {
    const { id, body } = docBody(doc);
    const json = JSON.stringify(body);
    this.#run(() => this.#db.statement(`INSERT INTO ${this.#table} (id, rev, doc) VALUES (?, 1, ?)`).run(id, json));
    return toDoc<T>({ id, rev: 1, doc: json });
  }

  async update(id: string, set: Partial<T>, options: { ifRev?: number } = {}) {
    const { fields, removed } = splitUpdate(id, set);
    const params: SQLInputValue[] = [];
    let doc = 'doc';
    const written = Object.entries(fields);
    if (written.length) {
      doc = `json_set(${doc}, ${written.map(() => '?, json(?)').join(', ')})`;
      for (const [key, value] of written) params.push(`$."${key}"`, JSON.stringify(value));
    }
    if (removed.length) {
      doc = `json_remove(${doc}, ${removed.map(() => '?').join(', ')})`;
      params.push(...removed.map((key) => `$."${key}"`));
    }
    // one statement, so the revision check and the write cannot be split by another writer
    let sql = `UPDATE ${this.#table} SET doc = ${doc}, rev = rev + 1 WHERE id = ?`;
    params.push(id);
    if (options.ifRev !== undefined) {
      sql += ' AND rev = ?';
      params.push(options.ifRev);
    }
    const row = this.#run(() => this.#db.statement(`${sql} RETURNING id, rev, doc`).get(...params)) as Row | undefined;
    return row && toDoc<T>(row);
  }

  async delete(id: string) {
    return Number(this.#db.statement(`DELETE FROM ${this.#table} WHERE id = ?`).run(id).changes) > 0;
  }

  async deleteMany(filter: Filter) {
    const where = whereSql(filter);
    return Number(this.#db.statement(`DELETE FROM ${this.#table} WHERE ${where.sql}`).run(...where.params).changes);
  }
}

// A unique index must treat null and missing as one value that clashes (as MongoDB does), but
// SQLite lets NULLs repeat in a UNIQUE index, so it indexes the JSON text with 'null' for missing.
function uniqueExpr(field: string): string {
  return field === 'id' ? 'id' : `ifnull(doc -> '${jsonPath(field)}', 'null')`;
}

class SqliteDatabase implements Database {
  readonly name: string;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  /** collections whose tables and indexes this connection has already made sure of */
  readonly #ensured = new Set<string>();

  constructor(name: string, file: string) {
    this.name = name;
    this.#db = new DatabaseSync(file);
    this.#db.exec('PRAGMA busy_timeout = 10000');
    // WAL with synchronous=NORMAL: a commit has been written into the WAL file (the OS page
    // cache) when the statement returns, so it survives kill -9 of this process; only a power
    // loss or OS crash can drop the last commits, because the WAL is fsynced at checkpoints.
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec('PRAGMA synchronous = NORMAL');
  }

  /** prepared statements are cached, never data: other processes may write the same file */
  statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  collection<T extends Doc>(name: string, spec: CollectionSpec = {}): Collection<T> {
    checkName('collection', name);
    const table = `"${name}"`;
    // the DDL is idempotent but costs a schema lookup per statement; callers ask for their
    // collections on every request, so it runs once per connection and spec
    const key = JSON.stringify([name, spec.unique ?? [], spec.indexes ?? []]);
    if (this.#ensured.has(key)) return new SqliteCollection<T>(this, name);
    const ddl = [`CREATE TABLE IF NOT EXISTS ${table} (id TEXT PRIMARY KEY, rev INTEGER NOT NULL, doc TEXT NOT NULL)`];
    for (const fields of spec.unique ?? []) {
      ddl.push(`CREATE UNIQUE INDEX IF NOT EXISTS "${name}:unique:${fields.map(checkFieldPath).join(',')}" ON ${table} (${fields.map(uniqueExpr).join(', ')})`);
    }
    // unique sets also get a plain index: queries use json_extract, which the unique index does not
    for (const fields of [...(spec.indexes ?? []), ...(spec.unique ?? [])]) {
      if (fields.length === 1 && fields[0] === 'id') continue;
      ddl.push(`CREATE INDEX IF NOT EXISTS "${name}:index:${fields.map(checkFieldPath).join(',')}" ON ${table} (${fields.map((f) => fieldSql(f).value).join(', ')})`);
    }
    for (const sql of ddl) this.#db.exec(sql);
    this.#ensured.add(key);
    return new SqliteCollection<T>(this, name);
  }

  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}

export function openSqliteStore(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true });
  const databases = new Map<string, SqliteDatabase>();
  let closed = false;
  return {
    async database(service: string) {
      if (closed) throw new Error('store is closed');
      checkName('service', service);
      let db = databases.get(service);
      if (!db) {
        db = new SqliteDatabase(service, join(dataDir, `${service}.sqlite`));
        databases.set(service, db);
      }
      return db;
    },
    async close() {
      closed = true;
      for (const db of databases.values()) db.close();
      databases.clear();
    },
  };
}
