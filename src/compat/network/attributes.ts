// Resource attribute maps in the manner of Neutron's: which attributes a POST or PUT may carry,
// their defaults, conversions and validations, and how list filters convert their values.
import { httpBadRequest, invalidAttribute } from './errors.ts';

export type Converter = (value: unknown, name: string) => unknown;

export interface AttributeSpec {
  allowPost: boolean;
  allowPut: boolean;
  /** required on POST when there is no default */
  required?: boolean;
  /** the value when a POST leaves the attribute out (a function is called per request) */
  default?: unknown;
  convert?: Converter;
  /** how a query-string filter value becomes comparable with the attribute's value */
  filter?: 'string' | 'boolean' | 'integer' | 'list' | 'none';
  sortable?: boolean;
}

export type AttributeMap = Record<string, AttributeSpec>;

/** project ownership, description, name: present on (almost) every standard resource */
export const STANDARD_ATTRIBUTES: AttributeMap = {
  id: { allowPost: false, allowPut: false, filter: 'string', sortable: true },
  name: { allowPost: true, allowPut: true, default: '', convert: string(255), filter: 'string', sortable: true },
  description: { allowPost: true, allowPut: true, default: '', convert: string(255), filter: 'string', sortable: true },
  tenant_id: { allowPost: true, allowPut: false, convert: string(255), filter: 'string', sortable: true },
  project_id: { allowPost: true, allowPut: false, convert: string(255), filter: 'string', sortable: true },
  tags: { allowPost: false, allowPut: false, filter: 'none' },
  created_at: { allowPost: false, allowPut: false, filter: 'string', sortable: true },
  updated_at: { allowPost: false, allowPut: false, filter: 'string', sortable: true },
  revision_number: { allowPost: false, allowPut: false, filter: 'integer', sortable: true },
};

export function string(max?: number): Converter {
  return (value, name) => {
    if (typeof value !== 'string') throw invalidAttribute(name, `'${pyRepr(value)}' is not a valid string`);
    if (max !== undefined && value.length > max) throw invalidAttribute(name, `'${value}' exceeds maximum length of ${max}`);
    return value;
  };
}

export const nullableString = (max?: number): Converter => (value, name) => (value === null ? null : string(max)(value, name));

/** Neutron's convert_to_boolean: booleans, "true"/"false" in any case, 0/1 */
export const boolean: Converter = (value, name) => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && ['true', 'false'].includes(value.toLowerCase())) return value.toLowerCase() === 'true';
  if (value === 0 || value === 1 || value === '0' || value === '1') return Number(value) === 1;
  throw invalidAttribute(name, `'${pyRepr(value)}' cannot be converted to boolean`);
};

export const integer = (min?: number, max?: number): Converter => (value, name) => {
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalidAttribute(name, `'${pyRepr(value)}' is not an integer`);
  if (min !== undefined && n < min) throw invalidAttribute(name, `'${n}' is too small - must be at least '${min}'`);
  if (max !== undefined && n > max) throw invalidAttribute(name, `'${n}' is too large - must be no larger than '${max}'`);
  return n;
};

export const nullableInteger = (min?: number, max?: number): Converter => (value, name) =>
  value === null ? null : integer(min, max)(value, name);

export const oneOf = (values: Array<string | null>): Converter => (value, name) => {
  if (!values.includes(value as string | null)) {
    throw invalidAttribute(name, `'${pyRepr(value)}' is not in [${values.map((v) => pyRepr(v)).join(', ')}]`);
  }
  return value;
};

export const uuidOrNull: Converter = (value, name) => (value === null ? null : uuid(value, name));

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
export const uuid: Converter = (value, name) => {
  if (typeof value !== 'string' || !UUID.test(value)) throw invalidAttribute(name, `'${pyRepr(value)}' is not a valid UUID`);
  return value;
};

export const listOf = (item: Converter): Converter => (value, name) => {
  if (!Array.isArray(value)) throw invalidAttribute(name, `'${pyRepr(value)}' is not a list`);
  return value.map((v) => item(v, name));
};

export const dict: Converter = (value, name) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidAttribute(name, `'${pyRepr(value)}' is not a dictionary`);
  }
  return value;
};

/** Python's repr of a JSON value, for messages that quote the input as Neutron does */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === 'string' ? `'${v}'` : pyRepr(v))).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `'${k}': ${typeof v === 'string' ? `'${v}'` : pyRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

/** The resource's member from `{"<member>": {...}}`, or 400 as Neutron answers. */
export function memberBody(body: unknown, member: string): Record<string, unknown> {
  if (body === undefined || body === null) throw httpBadRequest('Resource body required');
  const inner = (body as Record<string, unknown>)[member];
  if (typeof body !== 'object' || inner === undefined) throw httpBadRequest(`Unable to find '${member}' in request body`);
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) throw httpBadRequest(`Unable to find '${member}' in request body`);
  return inner as Record<string, unknown>;
}

function unrecognized(input: Record<string, unknown>, map: AttributeMap): void {
  const extra = Object.keys(input).filter((k) => !(k in map));
  if (extra.length > 0) throw httpBadRequest(`Unrecognized attribute(s) '${extra.join(', ')}'`);
}

/**
 * A POST body checked against the map: unknown and read-only attributes refused, required ones
 * demanded, values converted, defaults filled. Also returns which attributes the caller set to
 * something other than their default (those are what attribute-level policy rules look at).
 */
export function prepareCreate(input: Record<string, unknown>, map: AttributeMap): { values: Record<string, any>; explicit: string[] } {
  unrecognized(input, map);
  const values: Record<string, any> = {};
  const explicit: string[] = [];
  for (const [name, spec] of Object.entries(map)) {
    const given = Object.hasOwn(input, name);
    if (given && !spec.allowPost) throw httpBadRequest(`Attribute '${name}' not allowed in POST`);
    if (!spec.allowPost) continue;
    if (!given) {
      if (spec.required) throw httpBadRequest(`Failed to parse request. Required attribute '${name}' not specified`);
      if ('default' in spec) {
        const d = spec.default;
        values[name] = typeof d === 'function' ? (d as () => unknown)() : typeof d === 'symbol' ? d : structuredClone(d);
      }
      continue;
    }
    values[name] = spec.convert ? spec.convert(input[name], name) : input[name];
    const dflt = typeof spec.default === 'function' ? undefined : spec.default;
    if (!('default' in spec) || JSON.stringify(values[name]) !== JSON.stringify(dflt)) explicit.push(name);
  }
  return { values, explicit };
}

/** A PUT body: only allowPut attributes, converted. */
export function prepareUpdate(input: Record<string, unknown>, map: AttributeMap): Record<string, any> {
  unrecognized(input, map);
  const values: Record<string, any> = {};
  for (const [name, value] of Object.entries(input)) {
    const spec = map[name];
    if (!spec.allowPut) throw httpBadRequest(`Cannot update read-only attribute ${name}`);
    values[name] = spec.convert ? spec.convert(value, name) : value;
  }
  return values;
}
