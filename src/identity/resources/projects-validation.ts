// Input rules for projects and domains (they share one record, so they share the
// rules): names, tags, options, booleans. Errors are 400s worded the way Keystone's
// JSON-schema validation words them, so clients that match on them keep working.
import { badRequest } from '../../platform/http/api-error.ts';

export const MAX_TAGS = 80;
export const TAG_PATTERN = '^[^,/]*$';
const NAME_PATTERN = '[\\S]+';
const ID_STRING_PATTERN = '^[a-zA-Z0-9-]+$';

/** Python's repr() of a JSON value, as jsonschema quotes offending values. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
}

function invalid(field: string, message: string): Error {
  return badRequest(`Invalid input for field '${field}': ${message}`);
}

const typeName = (type: string) => (type === 'string' ? "'string'" : type === 'boolean' ? "'boolean'" : type === 'array' ? "'array'" : "'object'");

export function checkString(value: unknown, field: string, rules: { min?: number; max?: number; pattern?: string; nullable?: boolean }): void {
  if (value === null && rules.nullable) return;
  if (typeof value !== 'string') throw invalid(field, `${pyRepr(value)} is not of type ${rules.nullable ? "'string', 'null'" : typeName('string')}`);
  // Lengths count code points, as Python does.
  const length = [...value].length;
  if (rules.min !== undefined && length < rules.min) throw invalid(field, `${pyRepr(value)} is too short`);
  if (rules.max !== undefined && length > rules.max) throw invalid(field, `${pyRepr(value)} is too long`);
  // jsonschema patterns search anywhere in the string, like Python's re.search.
  if (rules.pattern !== undefined && !new RegExp(rules.pattern, 'u').test(value)) {
    throw invalid(field, `${pyRepr(value)} does not match ${pyRepr(rules.pattern)}`);
  }
}

export function checkName(value: unknown, field = 'name'): void {
  checkString(value, field, { min: 1, max: 64, pattern: NAME_PATTERN });
}

export function checkDescription(value: unknown): void {
  checkString(value, 'description', { nullable: true });
}

/** Keystone's id_string: what domain_id and parent_id may look like in a body. */
export function checkIdString(value: unknown, field: string): void {
  checkString(value, field, { min: 1, max: 64, pattern: ID_STRING_PATTERN, nullable: true });
}

export function checkBoolean(value: unknown, field: string): void {
  if (typeof value !== 'boolean') throw invalid(field, `${pyRepr(value)} is not of type 'boolean'`);
}

export function checkTag(value: unknown, field = 'tags'): void {
  checkString(value, field, { min: 1, max: 255, pattern: TAG_PATTERN });
}

export function checkTags(value: unknown, field = 'tags'): asserts value is string[] {
  if (!Array.isArray(value)) throw invalid(field, `${pyRepr(value)} is not of type 'array'`);
  if (value.length > MAX_TAGS) throw invalid(field, `${pyRepr(value)} is too long`);
  value.forEach((tag, i) => checkTag(tag, `${field}/${i}`));
  if (new Set(value).size !== value.length) throw invalid(field, `${pyRepr(value)} has non-unique elements`);
}

/** Projects and domains know one resource option: `immutable` (boolean, or null to unset). */
export function checkOptions(value: unknown): asserts value is Record<string, boolean | null> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('options', `${pyRepr(value)} is not of type 'object'`);
  }
  for (const [key, v] of Object.entries(value)) {
    if (key !== 'immutable') throw invalid('options', `Additional properties are not allowed (${pyRepr(key)} was unexpected)`);
    if (v !== null && typeof v !== 'boolean') throw invalid('options/immutable', `${pyRepr(v)} is not of type 'boolean', 'null'`);
  }
}

/** Options after a change: null removes an option, as Keystone does. */
export function mergeOptions(current: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> {
  const next = { ...current };
  for (const [k, v] of Object.entries(change)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  return next;
}

/** The request body's member object (`{"project": {...}}`); an absent one validates as `{}`, as in Keystone. */
export function memberOf(body: unknown, key: string): Record<string, unknown> {
  const v = (body as Record<string, unknown> | undefined)?.[key];
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest(`Invalid input for field '${key}': ${pyRepr(v)} is not of type 'object'`);
  return v as Record<string, unknown>;
}
