// A subnet's allocation pools: the default ones (the whole range without the network address,
// the IPv4 broadcast and the gateway) and the validation of pools a caller gives.
import { badRequestKind, invalidAttribute } from '../errors.ts';
import { formatCidr, formatIp, lastIp, firstIp, parseIp, type Cidr } from './ip-address.ts';

export interface Pool { start: string; end: string }
export interface PoolRange { first: bigint; last: bigint }

export function usableRange(cidr: Cidr): PoolRange | undefined {
  let first = firstIp(cidr);
  let last = lastIp(cidr);
  if (cidr.version === 4 && cidr.prefixlen <= 30) {
    first += 1n;
    last -= 1n;
  } else if (cidr.version === 6 && cidr.prefixlen < 128) {
    // the subnet-router anycast address is never handed out
    first += 1n;
  }
  return first <= last ? { first, last } : undefined;
}

export function defaultPools(cidr: Cidr, gateway: string | null): Pool[] {
  const range = usableRange(cidr);
  if (!range) return [];
  const gw = gateway ? parseIp(gateway)?.value : undefined;
  const ranges: PoolRange[] = [];
  if (gw !== undefined && gw >= range.first && gw <= range.last) {
    if (gw > range.first) ranges.push({ first: range.first, last: gw - 1n });
    if (gw < range.last) ranges.push({ first: gw + 1n, last: range.last });
  } else ranges.push(range);
  return ranges.map((r) => ({ start: formatIp(cidr.version, r.first), end: formatIp(cidr.version, r.last) }));
}

export function poolRanges(pools: Pool[]): PoolRange[] {
  return pools.map((p) => ({ first: parseIp(p.start)!.value, last: parseIp(p.end)!.value }));
}

/** Checks pools given on create or update; returns them with canonical addresses. */
export function validatePools(input: unknown, cidr: Cidr, subnetId: string): Pool[] {
  if (!Array.isArray(input)) throw invalidAttribute('allocation_pools', `Invalid data format for IP pool: '${JSON.stringify(input)}'`);
  const pools: Array<Pool & PoolRange> = [];
  for (const raw of input) {
    const p = raw as Record<string, unknown>;
    if (!p || typeof p !== 'object' || !('start' in p) || !('end' in p) || Object.keys(p).length !== 2) {
      throw invalidAttribute('allocation_pools', `Invalid data format for IP pool: '${JSON.stringify(raw)}'`);
    }
    const start = parseIp(p.start), end = parseIp(p.end);
    if (!start || !end) throw invalidAttribute('allocation_pools', `'${String(!start ? p.start : p.end)}' is not a valid IP address`);
    const pretty = `{'start': '${p.start}', 'end': '${p.end}'}`;
    if (start.version !== cidr.version || end.version !== cidr.version || start.value > end.value) {
      throw badRequestKind('InvalidAllocationPool', `The allocation pool ${p.start}-${p.end} is not valid.`);
    }
    const range = usableRange(cidr);
    if (!range || start.value < firstIp(cidr) || end.value > lastIp(cidr)) {
      throw badRequestKind('OutOfBoundsAllocationPool', `The allocation pool ${p.start}-${p.end} spans beyond the subnet cidr ${formatCidr(cidr)}.`);
    }
    void pretty;
    pools.push({ start: formatIp(cidr.version, start.value), end: formatIp(cidr.version, end.value), first: start.value, last: end.value });
  }
  const sorted = [...pools].sort((a, b) => (a.first < b.first ? -1 : 1));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].first <= sorted[i - 1].last) {
      throw badRequestKind(
        'OverlappingAllocationPools',
        `Found overlapping allocation pools: ${sorted[i - 1].start}-${sorted[i - 1].end} and ${sorted[i].start}-${sorted[i].end} for subnet ${subnetId}.`,
      );
    }
  }
  return pools.map(({ start, end }) => ({ start, end }));
}
