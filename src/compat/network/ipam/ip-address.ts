// IP addresses and prefixes as (version, bigint), so one code path serves IPv4 and IPv6.
import { isIP } from 'node:net';

export type IpVersion = 4 | 6;
export interface Ip { version: IpVersion; value: bigint }
export interface Cidr { version: IpVersion; network: bigint; prefixlen: number }

export const bitsOf = (v: IpVersion) => (v === 4 ? 32 : 128);

export function parseIp(text: unknown): Ip | undefined {
  if (typeof text !== 'string') return undefined;
  const kind = isIP(text);
  if (kind === 4) {
    // Neutron refuses leading zeros (ambiguous octal); node's isIP already does.
    return { version: 4, value: text.split('.').reduce((a, o) => (a << 8n) | BigInt(Number(o)), 0n) };
  }
  if (kind === 6) return { version: 6, value: parseIpv6(text) };
  return undefined;
}

function parseIpv6(text: string): bigint {
  let s = text.toLowerCase();
  const v4 = s.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const n = parseIp(v4[1])!.value;
    s = `${s.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, rest] = s.split('::');
  const h = head ? head.split(':') : [];
  const r = rest ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill('0'), ...r];
  return groups.reduce((a, g) => (a << 16n) | BigInt(`0x${g}`), 0n);
}

export function formatIp(version: IpVersion, value: bigint): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (value >> BigInt(112 - 16 * i)) & 0xffffn);
  // the longest run of two or more zero groups becomes '::' (RFC 5952)
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0n) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0n) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export const canonicalIp = (text: string): string | undefined => {
  const ip = parseIp(text);
  return ip && formatIp(ip.version, ip.value);
};

/** `10.0.0.0/24`; `strict` refuses host bits (Neutron's subnet cidr rule). */
export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const bits = bitsOf(ip.version);
  const lenText = slash < 0 ? String(bits) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return undefined;
  const prefixlen = Number(lenText);
  if (prefixlen > bits) return undefined;
  return { version: ip.version, network: ip.value, prefixlen };
}

export const hostMask = (c: Cidr) => (1n << BigInt(bitsOf(c.version) - c.prefixlen)) - 1n;
export const networkOf = (c: Cidr): Cidr => ({ ...c, network: c.network & ~hostMask(c) });
export const firstIp = (c: Cidr) => networkOf(c).network;
export const lastIp = (c: Cidr) => networkOf(c).network | hostMask(c);
export const cidrSize = (c: Cidr) => hostMask(c) + 1n;
export const formatCidr = (c: Cidr) => `${formatIp(c.version, c.network)}/${c.prefixlen}`;
export const containsIp = (c: Cidr, ip: Ip) => ip.version === c.version && ip.value >= firstIp(c) && ip.value <= lastIp(c);
export const cidrsOverlap = (a: Cidr, b: Cidr) =>
  a.version === b.version && firstIp(a) <= lastIp(b) && firstIp(b) <= lastIp(a);
export const cidrContains = (outer: Cidr, inner: Cidr) =>
  outer.version === inner.version && firstIp(inner) >= firstIp(outer) && lastIp(inner) <= lastIp(outer);
