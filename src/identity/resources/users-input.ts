// Checks of user and group request bodies that the api-ref leaves to the handlers,
// so that a wrong type gets Keystone's 400 message instead of being coerced.
import { badRequest } from '../../platform/http/api-error.ts';

/** How Python (and so Keystone's messages) prints a JSON value. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v as object).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

export function invalidField(field: string, message: string) {
  return badRequest(`Invalid input for field '${field}': ${message}`);
}

function typeName(expected: string[]): string {
  return expected.length === 1 ? `'${expected[0]}'` : `[${expected.map((t) => `'${t}'`).join(', ')}]`;
}

function checkType(field: string, v: unknown, expected: string[]): void {
  const actual = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? 'number' : typeof v;
  if (!expected.includes(actual)) throw invalidField(field, `${pyRepr(v)} is not of type ${typeName(expected)}`);
}

/** Keystone's name: 1 to 255 characters, not only whitespace. Returned trimmed. */
export function checkName(field: string, v: unknown): string {
  checkType(field, v, ['string']);
  const s = v as string;
  if (s.length < 1) throw invalidField(field, `${pyRepr(s)} is too short`);
  if (s.length > 255) throw invalidField(field, `${pyRepr(s)} is too long`);
  if (!/\S/.test(s)) throw invalidField(field, `${pyRepr(s)} does not match '[\\S]+'`);
  return s.trim();
}

/** Keystone's id_string: 1 to 64 of letters, digits and dashes. */
export function checkId(field: string, v: unknown, nullable = false): string | null {
  if (v === null && nullable) return null;
  checkType(field, v, nullable ? ['string', 'null'] : ['string']);
  const s = v as string;
  if (s.length < 1) throw invalidField(field, `${pyRepr(s)} is too short`);
  if (s.length > 64) throw invalidField(field, `${pyRepr(s)} is too long`);
  if (!/^[a-zA-Z0-9-]+$/.test(s)) throw invalidField(field, `${pyRepr(s)} does not match '^[a-zA-Z0-9-]+$'`);
  return s;
}

export function checkBoolean(field: string, v: unknown): boolean {
  checkType(field, v, ['boolean']);
  return v as boolean;
}

export function checkNullableString(field: string, v: unknown): string | null {
  checkType(field, v, ['string', 'null']);
  return v as string | null;
}

const BOOLEAN_OPTIONS = [
  'ignore_change_password_upon_first_use',
  'ignore_password_expiry',
  'ignore_lockout_failure_attempts',
  'ignore_user_inactivity',
  'lock_password',
  'multi_factor_auth_enabled',
];

/** The user options Keystone knows; a null value asks to remove the option. */
export function checkUserOptions(v: unknown): Record<string, unknown> {
  checkType('options', v, ['object']);
  const options = v as Record<string, unknown>;
  for (const [key, value] of Object.entries(options)) {
    const field = `options/${key}`;
    if (BOOLEAN_OPTIONS.includes(key)) {
      checkType(field, value, ['boolean', 'null']);
    } else if (key === 'multi_factor_auth_rules') {
      if (value === null) continue;
      checkType(field, value, ['array', 'null']);
      (value as unknown[]).forEach((rule, i) => {
        checkType(`${field}/${i}`, rule, ['array']);
        const methods = rule as unknown[];
        if (methods.length < 1) throw invalidField(`${field}/${i}`, `${pyRepr(methods)} is too short`);
        methods.forEach((m, j) => checkType(`${field}/${i}/${j}`, m, ['string']));
        if (new Set(methods).size !== methods.length) throw invalidField(`${field}/${i}`, `${pyRepr(methods)} has non-unique elements`);
      });
    } else {
      throw invalidField('options', `Additional properties are not allowed (${pyRepr(key)} was unexpected)`);
    }
  }
  return options;
}
