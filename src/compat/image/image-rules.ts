// Checks of client-supplied image attributes, with Glance's wording: the image
// schema's constraints (400) and the read-only / reserved attribute rules (403).
import { ApiError, badRequest } from '../../platform/http/api-error.ts';
import { CONTAINER_FORMATS, DISK_FORMATS, READ_ONLY_ATTRIBUTES, RESERVED_ATTRIBUTES, VISIBILITIES } from './model.ts';

const UUID = /^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$/;

export function schemaError(message: string): ApiError {
  return badRequest(`Provided object does not match schema 'image': ${message}`);
}

function enumList(values: readonly (string | null)[]): string {
  return `[${values.map((v) => (v === null ? 'None' : `'${v}'`)).join(', ')}]`;
}

/** Validates one attribute's value against Glance's image schema. */
export function checkAttribute(key: string, value: unknown): void {
  switch (key) {
    case 'id':
      if (typeof value !== 'string' || !UUID.test(value)) throw schemaError(`${JSON.stringify(value)} does not match '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'`);
      return;
    case 'name':
      if (value !== null && typeof value !== 'string') throw schemaError(`${JSON.stringify(value)} is not of type 'null', 'string'`);
      if (typeof value === 'string' && value.length > 255) throw schemaError(`'${value.slice(0, 20)}...' is too long`);
      return;
    case 'visibility':
      if (!VISIBILITIES.includes(value as never)) throw schemaError(`${JSON.stringify(value)} is not one of ${enumList(VISIBILITIES)}`);
      return;
    case 'disk_format':
      if (value !== null && !DISK_FORMATS.includes(value as never)) throw schemaError(`'${String(value)}' is not one of ${enumList([null, ...DISK_FORMATS])}`);
      return;
    case 'container_format':
      if (value !== null && !CONTAINER_FORMATS.includes(value as never)) throw schemaError(`'${String(value)}' is not one of ${enumList([null, ...CONTAINER_FORMATS])}`);
      return;
    case 'protected':
    case 'os_hidden':
      if (typeof value !== 'boolean') throw schemaError(`${JSON.stringify(value)} is not of type 'boolean'`);
      return;
    case 'min_ram':
    case 'min_disk':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw schemaError(`${JSON.stringify(value)} is not of type 'integer'`);
      if (value < 0) throw schemaError(`${value} is less than the minimum of 0`);
      if (value > 2 ** 31 - 1) throw badRequest(`'${key}' value must be no higher than 2147483647`);
      return;
    case 'owner':
      if (value !== null && typeof value !== 'string') throw schemaError(`${JSON.stringify(value)} is not of type 'null', 'string'`);
      if (typeof value === 'string' && value.length > 255) throw schemaError(`'${value}' is too long`);
      return;
    case 'tags':
      checkTags(value);
      return;
    default:
      if (typeof value !== 'string') throw schemaError(`${JSON.stringify(value)} is not of type 'string'`);
      if (key.length > 255) throw badRequest(`Property name ${key.slice(0, 40)}... is too long`);
      if (value.length > 65535) throw schemaError(`value of '${key}' is too long`);
  }
}

export function checkTags(value: unknown): asserts value is string[] {
  if (!Array.isArray(value)) throw schemaError(`${JSON.stringify(value)} is not of type 'array'`);
  for (const tag of value) {
    if (typeof tag !== 'string') throw schemaError(`${JSON.stringify(tag)} is not of type 'string'`);
    if (tag.length > 255) throw schemaError(`'${tag}' is too long`);
  }
  if (new Set(value).size !== value.length) throw schemaError(`${JSON.stringify(value)} has non-unique elements`);
}

/** The 403s Glance gives for attributes a client may never set. */
export function checkWritable(key: string, options: { creating: boolean }): void {
  if (READ_ONLY_ATTRIBUTES.has(key) || (!options.creating && key === 'id')) {
    throw new ApiError(403, `Attribute '${key}' is read-only.`);
  }
  if (RESERVED_ATTRIBUTES.has(key) || key.startsWith('os_glance')) throw new ApiError(403, `Attribute '${key}' is reserved.`);
}
