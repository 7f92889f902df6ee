// The MongoDB store: one database per service (`<prefix>_<service>`), the document id as `_id`.
import { MongoClient, type Collection as MongoCollection, type Db, type Document, type Filter as MongoFilter } from 'mongodb';
import {
  DuplicateKeyError, MarkerNotFoundError,
  type Collection, type CollectionSpec, type Database, type Doc, type Filter, type FindOptions, type Store,
} from './store.ts';
import { checkFieldPath, checkLimit, checkName, docBody, filterTerms, sortKeys, splitUpdate, type Term } from './query.ts';

interface Stored { _id: string; _rev: number; [field: string]: unknown }

const mongoPath = (field: string): string => (field === 'id' ? '_id' : checkFieldPath(field));

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function termFilter(path: string, term: Term): Document {
  switch (term.op) {
    case '$eq': case '$ne': case '$gt': case '$gte': case '$lt': case '$lte':
      return { [path]: { [term.op]: term.value } };
    case '$in': case '$nin':
      return { [path]: { [term.op]: term.values } };
    case '$prefix':
      return { [path]: { $type: 'string', $regex: `^${escapeRegExp(term.value)}` } };
    case '$contains':
      return { [path]: { $elemMatch: { $eq: term.value } } };
    case '$containsAny':
      return { [path]: { $elemMatch: { $in: term.values } } };
    case '$containsAll':
      if (term.values.length === 0) return { [path]: { $type: 'array' } };
      return { $and: term.values.map((v) => ({ [path]: { $elemMatch: { $eq: v } } })) };
  }
}

function toMongoFilter(filter?: Filter): Document {
  const and = filterTerms(filter).flatMap(([field, terms]) => terms.map((t) => termFilter(mongoPath(field), t)));
  return and.length ? { $and: and } : {};
}

function valueAt(doc: Document, path: string): unknown {
  let value: unknown = doc;
  for (const segment of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Document)[segment] : undefined;
  return value ?? null;
}

function fromStored<T extends Doc>(stored: Stored): T & { _rev: number } {
  const { _id, _rev, ...body } = stored;
  return { id: _id, ...body, _rev } as unknown as T & { _rev: number };
}

function isDuplicateKey(e: unknown): e is Error {
  return (e as { code?: number }).code === 11000;
}

class MongoStoreCollection<T extends Doc> implements Collection<T> {
  readonly name: string;
  readonly #coll: MongoCollection<Stored>;
  readonly #ready: Promise<unknown>;

  constructor(coll: MongoCollection<Stored>, ready: Promise<unknown>) {
    this.name = coll.collectionName;
    this.#coll = coll;
    this.#ready = ready;
  }

  async #run<R>(fn: () => Promise<R>): Promise<R> {
    await this.#ready;
    try {
      return await fn();
    } catch (e) {
      if (isDuplicateKey(e)) throw new DuplicateKeyError(this.name, e.message);
      throw e;
    }
  }

  async get(id: string) {
    const stored = await this.#run(() => this.#coll.findOne({ _id: id }));
    return stored ? fromStored<T>(stored) : undefined;
  }

  async findOne(filter: Filter) {
    return (await this.find(filter, { limit: 1 }))[0];
  }

  async find(filter?: Filter, options: FindOptions = {}) {
    const keys = sortKeys(options.sort).map(([field, dir]) => [mongoPath(field), dir] as const);
    const limit = checkLimit(options.limit);
    let query = toMongoFilter(filter);
    if (limit === 0) return [];
    if (options.marker !== undefined) query = { $and: [query, await this.#afterMarker(options.marker, keys)] };
    const sort: Record<string, 1 | -1> = {};
    for (const [path, dir] of keys) sort[path] = dir === 'asc' ? 1 : -1;
    const found = await this.#run(() => this.#coll.find(query as MongoFilter<Stored>, { sort, ...(limit ? { limit } : {}) }).toArray());
    return found.map((stored) => fromStored<T>(stored));
  }

  /** keyset condition: documents strictly after the marker in the sort order (null sorts first) */
  async #afterMarker(marker: string, keys: ReadonlyArray<readonly [string, string]>): Promise<Document> {
    const stored = await this.#run(() => this.#coll.findOne({ _id: marker }));
    if (!stored) throw new MarkerNotFoundError(marker);
    const branches: Document[] = [];
    const equalSoFar: Document[] = [];
    for (const [path, dir] of keys) {
      const m = valueAt(stored, path);
      let after: Document | undefined;
      if (dir === 'asc') after = m === null ? { [path]: { $ne: null } } : { [path]: { $gt: m } };
      else if (m !== null) after = { $or: [{ [path]: { $lt: m } }, { [path]: { $eq: null } }] };
      if (after) branches.push({ $and: [...equalSoFar, after] });
      equalSoFar.push({ [path]: { $eq: m } });
    }
    return { $or: branches };
  }

  async count(filter?: Filter) {
    const query = toMongoFilter(filter);
    return this.#run(() => this.#coll.countDocuments(query as MongoFilter<Stored>));
  }

  async insert(doc: T) {
    const { id, body } = docBody(doc);
    const stored: Stored = { _id: id, ...structuredClone(body), _rev: 1 };
    await this.#run(() => this.#coll.insertOne(stored));
    return fromStored<T>(stored);
  }

  async update(id: string, set: Partial<T>, options: { ifRev?: number } = {}) {
    const { fields, removed } = splitUpdate(id, set);
    const update: Document = { $inc: { _rev: 1 } };
    if (Object.keys(fields).length) update.$set = fields;
    if (removed.length) update.$unset = Object.fromEntries(removed.map((key) => [key, '']));
    // the revision check sits in the filter, so the server applies check and write atomically
    const query: Document = options.ifRev === undefined ? { _id: id } : { _id: id, _rev: options.ifRev };
    const stored = await this.#run(() => this.#coll.findOneAndUpdate(query as MongoFilter<Stored>, update, { returnDocument: 'after' }));
    return stored ? fromStored<T>(stored) : undefined;
  }

  async delete(id: string) {
    const result = await this.#run(() => this.#coll.deleteOne({ _id: id }));
    return result.deletedCount > 0;
  }

  async deleteMany(filter: Filter) {
    const query = toMongoFilter(filter);
    const result = await this.#run(() => this.#coll.deleteMany(query as MongoFilter<Stored>));
    return result.deletedCount;
  }
}

class MongoStoreDatabase implements Database {
  readonly name: string;
  readonly #db: Db;

  constructor(name: string, db: Db) {
    this.name = name;
    this.#db = db;
  }

  collection<T extends Doc>(name: string, spec: CollectionSpec = {}): Collection<T> {
    checkName('collection', name);
    const coll = this.#db.collection<Stored>(name);
    const indexes: Array<{ key: Record<string, 1>; name: string; unique?: boolean }> = [];
    const keyOf = (fields: string[]) => Object.fromEntries(fields.map((f) => [mongoPath(f), 1 as const]));
    for (const fields of spec.unique ?? []) {
      if (fields.length === 1 && fields[0] === 'id') continue;
      indexes.push({ key: keyOf(fields), name: `unique:${fields.join(',')}`, unique: true });
    }
    for (const fields of spec.indexes ?? []) indexes.push({ key: keyOf(fields), name: `index:${fields.join(',')}` });
    const ready = indexes.length ? coll.createIndexes(indexes) : Promise.resolve();
    // awaited by every operation; this only keeps an early failure from being reported as unhandled
    ready.catch(() => {});
    return new MongoStoreCollection<T>(coll, ready);
  }
}

export async function openMongoStore(url: string, options: { dbPrefix?: string } = {}): Promise<Store> {
  const prefix = checkName('database prefix', options.dbPrefix ?? 'stackgate');
  const client = await new MongoClient(url).connect();
  return {
    async database(service: string) {
      checkName('service', service);
      return new MongoStoreDatabase(service, client.db(`${prefix}_${service}`));
    },
    async close() {
      await client.close();
    },
  };
}
