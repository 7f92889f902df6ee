// From directory entries to Keystone's records: attribute lookup (names are
// case-insensitive in LDAP), the three forms of "enabled", DNs and filters.
import type { Entry } from 'ldapts';
import type { ResolvedLdapOptions } from './config.ts';

/** The values of an attribute, whatever case the server spelled its name in. */
export function values(entry: Entry, attribute: string): string[] {
  const wanted = attribute.toLowerCase();
  for (const [key, raw] of Object.entries(entry)) {
    if (key.toLowerCase() !== wanted) continue;
    const list = Array.isArray(raw) ? raw : [raw];
    return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
  }
  return [];
}

export function first(entry: Entry, attribute: string): string | undefined {
  return values(entry, attribute)[0];
}

function asBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === 'yes' || s === '1') return true;
  if (s === 'false' || s === 'no' || s === '0') return false;
  return undefined;
}

/**
 * Keystone's three readings of the enabled attribute: an integer whose mask bits
 * mean "disabled" (AD: 514 & 2), a boolean inverted (nsAccountLock), or a plain boolean.
 */
export function isEnabled(raw: string | undefined, o: ResolvedLdapOptions): boolean {
  if (o.user_enabled_mask) {
    const value = Number.parseInt(String(raw ?? o.user_enabled_default), 10);
    if (Number.isNaN(value)) return false;
    return (value & o.user_enabled_mask) !== o.user_enabled_mask;
  }
  const parsed = raw === undefined ? asBoolean(o.user_enabled_default) : asBoolean(raw);
  if (parsed === undefined) return false;
  return o.user_enabled_invert ? !parsed : parsed;
}

/** RFC 4515 escaping of a value placed in a filter. */
export function escapeValue(v: string): string {
  return v.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function eq(attribute: string, value: string): string {
  return `(${attribute}=${escapeValue(value)})`;
}

/** ANDs filters, accepting an operator's filter with or without its parentheses. */
export function and(...parts: Array<string | undefined>): string {
  const kept = parts.filter((p): p is string => !!p).map((p) => (p.startsWith('(') ? p : `(${p})`));
  return kept.length === 1 ? kept[0] : `(&${kept.join('')})`;
}

export function or(parts: string[]): string {
  return parts.length === 1 ? parts[0] : `(|${parts.join('')})`;
}

/** The first RDN of a DN as attribute and (unescaped) value. */
export function firstRdn(dn: string): { attribute: string; value: string } | undefined {
  let i = 0;
  let rdn = '';
  while (i < dn.length) {
    const c = dn[i];
    if (c === '\\' && i + 1 < dn.length) {
      rdn += dn.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === ',' || c === '+') break;
    rdn += c;
    i++;
  }
  const eqAt = rdn.indexOf('=');
  if (eqAt < 1) return undefined;
  const attribute = rdn.slice(0, eqAt).trim();
  const escaped = rdn.slice(eqAt + 1).trim();
  const value = escaped.replace(/\\([0-9a-fA-F]{2}|.)/g, (_m, x: string) => (x.length === 2 ? String.fromCharCode(Number.parseInt(x, 16)) : x));
  return { attribute, value };
}

/** DNs compare case-insensitively and without spaces around separators, for our purposes. */
export function normalizeDn(dn: string): string {
  return dn
    .split(',')
    .map((part) => part.trim().replace(/\s*=\s*/, '='))
    .join(',')
    .toLowerCase();
}
