// Subnet pools hand out prefixes: the first free block of the asked length inside the pool's
// prefixes that overlaps no subnet already allocated from the pool.
import { cidrContains, cidrsOverlap, formatCidr, parseCidr, firstIp, lastIp, bitsOf, type Cidr } from './ip-address.ts';

export function allocatePrefix(poolPrefixes: string[], used: string[], prefixlen: number): string | undefined {
  const taken = used.map((u) => parseCidr(u)!).filter(Boolean);
  for (const text of poolPrefixes) {
    const outer = parseCidr(text)!;
    if (prefixlen < outer.prefixlen || prefixlen > bitsOf(outer.version)) continue;
    const step = 1n << BigInt(bitsOf(outer.version) - prefixlen);
    for (let start = firstIp(outer); start + step - 1n <= lastIp(outer); start += step) {
      const candidate: Cidr = { version: outer.version, network: start, prefixlen };
      const clash = taken.find((t) => cidrsOverlap(t, candidate));
      if (!clash) return formatCidr(candidate);
      // jump past the clashing block when it is larger than one step
      const clashEnd = lastIp(clash);
      if (clashEnd > start + step - 1n) start = clashEnd + 1n - step;
    }
  }
  return undefined;
}

export function prefixWithinPool(poolPrefixes: string[], cidr: Cidr): boolean {
  return poolPrefixes.some((p) => cidrContains(parseCidr(p)!, cidr));
}
