// Validation and normalisation shared by the store implementations. Field names end up inside
// SQL text (JSON paths) and Mongo operator documents, so they are checked against a strict
// alphabet here, once, before either implementation sees them.
import type { Condition, Filter, FindOptions, Scalar, SortDirection } from './store.ts';

const SEGMENT = '[A-Za-z0-9_:-]+';
const FIELD_PATH = new RegExp(`^${SEGMENT}(\\.${SEGMENT})*$`);
const TOP_LEVEL_FIELD = new RegExp(`^${SEGMENT}$`);
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** a dotted path usable in filters, sorts and index specs */
export function checkFieldPath(field: string): string {
  if (typeof field !== 'string' || !FIELD_PATH.test(field)) throw new Error(`invalid field path ${JSON.stringify(field)}`);
  return field;
}

/** a field name a document may hold at its top level (no dots: those would mean a path) */
export function checkTopLevelField(field: string): string {
  if (!TOP_LEVEL_FIELD.test(field)) throw new Error(`invalid field name ${JSON.stringify(field)}`);
  return field;
}

/** service and collection names become file, table and database names */
export function checkName(kind: string, name: string): string {
  if (typeof name !== 'string' || !NAME.test(name) || name.length > 60) throw new Error(`invalid ${kind} name ${JSON.stringify(name)}`);
  return name;
}

export type RangeOp = '$gt' | '$gte' | '$lt' | '$lte';
export type Term =
  | { op: '$eq' | '$ne' | '$contains'; value: Scalar }
  | { op: RangeOp; value: string | number | boolean }
  | { op: '$in' | '$nin' | '$containsAll' | '$containsAny'; values: Scalar[] }
  | { op: '$prefix'; value: string };

function checkScalar(value: unknown, where: string): Scalar {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new Error(`${where}: expected a string, finite number, boolean or null`);
}

function checkScalars(value: unknown, where: string): Scalar[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected an array`);
  return value.map((v) => checkScalar(v, where));
}

/** one condition as a list of terms that must all hold */
export function conditionTerms(field: string, condition: Condition): Term[] {
  if (condition === null || typeof condition !== 'object') return [{ op: '$eq', value: checkScalar(condition, field) }];
  const terms: Term[] = [];
  for (const [op, value] of Object.entries(condition)) {
    const where = `${field}.${op}`;
    switch (op) {
      case '$ne':
      case '$contains':
        terms.push({ op, value: checkScalar(value, where) });
        break;
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        const bound = checkScalar(value, where);
        // null has no place in an order shared by both backends
        if (bound === null) throw new Error(`${where}: a range bound cannot be null`);
        terms.push({ op, value: bound });
        break;
      }
      case '$in':
      case '$nin':
      case '$containsAll':
      case '$containsAny':
        terms.push({ op, values: checkScalars(value, where) });
        break;
      case '$prefix':
        if (typeof value !== 'string') throw new Error(`${where}: expected a string`);
        terms.push({ op, value });
        break;
      default:
        throw new Error(`${field}: unknown operator ${JSON.stringify(op)}`);
    }
  }
  if (terms.length === 0) throw new Error(`${field}: empty condition`);
  return terms;
}

/** the filter's fields (checked) with their terms */
export function filterTerms(filter: Filter = {}): Array<[field: string, terms: Term[]]> {
  return Object.entries(filter).map(([field, condition]) => [checkFieldPath(field), conditionTerms(field, condition)]);
}

/** the sort keys with `id` ascending appended as final tie-break (keys after an explicit `id` never matter) */
export function sortKeys(sort: FindOptions['sort'] = []): Array<[string, SortDirection]> {
  const keys: Array<[string, SortDirection]> = [];
  for (const [field, direction] of sort) {
    checkFieldPath(field);
    if (direction !== 'asc' && direction !== 'desc') throw new Error(`invalid sort direction ${JSON.stringify(direction)}`);
    keys.push([field, direction]);
    if (field === 'id') return keys;
  }
  keys.push(['id', 'asc']);
  return keys;
}

export function checkLimit(limit: number | undefined): number | undefined {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new Error(`invalid limit ${limit}`);
  return limit;
}

/** the `set` argument of update split into fields to write and fields to remove */
export function splitUpdate(id: string, set: Record<string, unknown>): { fields: Record<string, unknown>; removed: string[] } {
  const fields: Record<string, unknown> = {};
  const removed: string[] = [];
  for (const [key, value] of Object.entries(set)) {
    if (key === '_rev') continue;
    if (key === 'id') {
      if (value !== undefined && value !== id) throw new Error('update cannot change a document id');
      continue;
    }
    checkTopLevelField(key);
    if (value === undefined) removed.push(key);
    else fields[key] = value;
  }
  return { fields, removed };
}

/** the document's fields other than id and _rev, with their names checked */
export function docBody(doc: Record<string, unknown>): { id: string; body: Record<string, unknown> } {
  const { id, _rev, ...body } = doc;
  if (typeof id !== 'string' || id === '') throw new Error('a document needs a non-empty string id');
  for (const key of Object.keys(body)) checkTopLevelField(key);
  return { id, body };
}
