// MAC addresses drawn from a base MAC: octets that are zero in the base are random, as with
// Neutron's base_mac = fa:16:3e:00:00:00.
import { randomBytes } from 'node:crypto';

export const DEFAULT_BASE_MAC = 'fa:16:3e:00:00:00';

export function randomMac(base = DEFAULT_BASE_MAC): string {
  const fixed = base.toLowerCase().split(':');
  const random = randomBytes(6);
  return fixed.map((o, i) => (o === '00' ? random[i].toString(16).padStart(2, '0') : o)).join(':');
}

const MAC = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;

/** the canonical (lower-case, colon) form, or undefined when not a unicast-usable MAC */
export function canonicalMac(text: unknown): string | undefined {
  if (typeof text !== 'string' || !MAC.test(text)) return undefined;
  const mac = text.toLowerCase().replaceAll('-', ':');
  if (mac === '00:00:00:00:00:00' || mac === 'ff:ff:ff:ff:ff:ff') return undefined;
  return mac;
}
