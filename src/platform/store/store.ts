// The store: one database per service, typed documents in named collections.
// Two implementations sit behind this interface (embedded SQLite, MongoDB) and
// pass one contract suite, so services never know which one they run on.

/** Every stored document has a string id. The store adds `_rev` (see Collection.update). */
export interface Doc {
  id: string;
  [field: string]: unknown;
}

export type Scalar = string | number | boolean | null;

/**
 * A condition on one field. A bare scalar means equality; `null` matches a
 * missing field as well as an explicit null.
 */
export type Condition =
  | Scalar
  | { $in: Scalar[] }
  | { $nin: Scalar[] }
  | { $ne: Scalar }
  | { $gt?: Scalar; $gte?: Scalar; $lt?: Scalar; $lte?: Scalar }
  /** the field is an array that holds this value */
  | { $contains: Scalar }
  /** the field is an array that holds every one of these values */
  | { $containsAll: Scalar[] }
  /** the field is an array that holds at least one of these values */
  | { $containsAny: Scalar[] }
  /** case-sensitive substring / prefix match on a string field */
  | { $prefix: string };

/** Conditions on fields (dotted paths reach into sub-documents); all must hold. */
export type Filter = Record<string, Condition>;

export type SortDirection = 'asc' | 'desc';

export interface FindOptions {
  /** sort keys in order; `id` ascending is always appended as the final tie-break */
  sort?: Array<[field: string, direction: SortDirection]>;
  limit?: number;
  /** id of the last document of the previous page; the page starts after it in sort order */
  marker?: string;
}

export interface CollectionSpec {
  /** sets of fields whose combined values must be unique (null/missing values take part as null) */
  unique?: string[][];
  /** fields worth an index for the queries this collection serves */
  indexes?: string[][];
}

export class DuplicateKeyError extends Error {
  readonly collection: string;
  constructor(collection: string, detail: string) {
    super(`duplicate key in ${collection}: ${detail}`);
    this.collection = collection;
  }
}

export class MarkerNotFoundError extends Error {
  readonly marker: string;
  constructor(marker: string) {
    super(`marker ${marker} not found`);
    this.marker = marker;
  }
}

/** What `update` may do beyond setting fields. */
export interface UpdateOptions {
  /** compare-and-set: apply only if the stored `_rev` equals this */
  ifRev?: number;
}

export interface Collection<T extends Doc> {
  readonly name: string;
  get(id: string): Promise<(T & { _rev: number }) | undefined>;
  findOne(filter: Filter): Promise<(T & { _rev: number }) | undefined>;
  find(filter?: Filter, options?: FindOptions): Promise<Array<T & { _rev: number }>>;
  count(filter?: Filter): Promise<number>;
  /** inserts a new document with `_rev` 1; throws DuplicateKeyError on id or unique clash */
  insert(doc: T): Promise<T & { _rev: number }>;
  /**
   * Sets the given top-level fields (a field set to `undefined` is removed) and bumps `_rev`.
   * Returns the new document, or undefined when the id does not exist or `ifRev` did not match.
   * Throws DuplicateKeyError when the change would break a unique set.
   */
  update(id: string, set: Partial<T>, options?: UpdateOptions): Promise<(T & { _rev: number }) | undefined>;
  /** removes the document; false when it did not exist */
  delete(id: string): Promise<boolean>;
  deleteMany(filter: Filter): Promise<number>;
}

export interface Database {
  readonly name: string;
  collection<T extends Doc>(name: string, spec?: CollectionSpec): Collection<T>;
}

export interface Store {
  /** the database of one service ("identity", "compute", ...); created on first use */
  database(service: string): Promise<Database>;
  close(): Promise<void>;
}
