// Field checks for the catalog, credential and application credential bodies,
// phrased as Keystone's JSON-schema validator phrases them, so clients that
// match on messages see the same text.
import { badRequest } from '../../platform/http/api-error.ts';

/** A value as Python's repr shows it inside Keystone's validation messages. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

export function invalidField(field: string, message: string): Error {
  return badRequest(`Invalid input for field '${field}': ${message}`);
}

export function requiredProperty(name: string): Error {
  return badRequest(`'${name}' is a required property`);
}

function typeName(type: string, nullable: boolean): string {
  return nullable ? `['${type}', 'null']` : `'${type}'`;
}

interface StringRules {
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
}

/** Checks an optional string field; returns it unchanged (undefined when absent). */
export function checkString(input: Record<string, unknown>, field: string, rules: StringRules = {}): string | null | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (value === null && rules.nullable) return null;
  if (typeof value !== 'string') throw invalidField(field, `${pythonRepr(value)} is not of type ${typeName('string', !!rules.nullable)}`);
  if (rules.minLength !== undefined && value.length < rules.minLength) {
    throw invalidField(field, rules.minLength === 1 ? `${pythonRepr(value)} should be non-empty` : `${pythonRepr(value)} is too short`);
  }
  if (rules.maxLength !== undefined && value.length > rules.maxLength) throw invalidField(field, `${pythonRepr(value)} is too long`);
  if (rules.pattern && !rules.pattern.test(value)) throw invalidField(field, `${pythonRepr(value)} does not match '${rules.pattern.source}'`);
  return value;
}

/** Keystone's boolean fields take JSON booleans only: "True" or "false" strings are refused. */
export function checkBoolean(input: Record<string, unknown>, field: string): boolean | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidField(field, `${pythonRepr(value)} is not of type 'boolean'`);
  return value;
}

/** PATCH bodies must change something. */
export function checkNotEmpty(input: Record<string, unknown>): void {
  if (Object.keys(input).length === 0) throw badRequest('{} does not have enough properties');
}

/** An `id` in a PATCH body must be the resource's own. */
export function checkMatchingId(input: Record<string, unknown>, id: string): void {
  if (input.id !== undefined && input.id !== id) throw badRequest('Cannot change ID');
}
