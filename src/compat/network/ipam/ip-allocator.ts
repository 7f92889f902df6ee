// Fixed IP allocation. Each allocated (subnet, address) is a document whose id is
// `<subnet_id>/<address>`; the store refuses a second insert of the same id, so two requests
// can never hold the same address, whatever the interleaving. A request that loses a race
// simply picks another candidate.
//
// Finding free candidates reads the allocations window by window (an indexed lookup of a few
// hundred addresses) from a per-subnet hint: the lowest address this process last saw free.
// The hint is only a starting point: when nothing is free past it the pools are read again from
// their start, so exhaustion is always decided on the whole pool, and a release in another
// process is found then too.
import { DuplicateKeyError } from '../../../platform/store/store.ts';
import type { NeutronDb, Resource } from '../context.ts';
import { ipAlreadyAllocated } from '../errors.ts';
import { poolRanges, type Pool } from './allocation-pools.ts';
import { formatIp, parseIp, type IpVersion } from './ip-address.ts';

const CANDIDATE_WINDOW = 64;
const MAX_RACES = 50;
/** addresses looked up per store query */
const SCAN_WINDOW = 256;

/** subnet id -> the lowest address value that may be free (as far as this process knows) */
const lowestFree = new Map<string, bigint>();

function lowerHint(subnetId: string, ip: string): void {
  const p = parseIp(ip);
  if (!p) return;
  const hint = lowestFree.get(subnetId);
  if (hint !== undefined && p.value < hint) lowestFree.set(subnetId, p.value);
}

const allocationId = (subnetId: string, ip: string) => `${subnetId}/${ip}`;

/** Claims one given address; throws IpAddressAlreadyAllocated when someone holds it. */
export async function claimAddress(db: NeutronDb, subnet: Resource, ip: string, portId: string): Promise<void> {
  try {
    await db.ipAllocations.insert({ id: allocationId(subnet.id, ip), subnet_id: subnet.id, network_id: subnet.network_id, ip_address: ip, port_id: portId });
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw ipAlreadyAllocated(ip, subnet.id);
    throw error;
  }
}

/** Up to `want` free addresses of the pools in address order, from `from` on. */
async function candidates(db: NeutronDb, subnet: Resource, pools: Pool[], from: bigint, want: number): Promise<Array<{ ip: string; value: bigint }>> {
  const version = subnet.ip_version as IpVersion;
  const out: Array<{ ip: string; value: bigint }> = [];
  for (const range of poolRanges(pools).sort((a, b) => (a.first < b.first ? -1 : 1))) {
    let v = range.first > from ? range.first : from;
    while (v <= range.last && out.length < want) {
      const window: Array<{ ip: string; value: bigint }> = [];
      for (; v <= range.last && window.length < SCAN_WINDOW; v++) window.push({ ip: formatIp(version, v), value: v });
      const held = await db.ipAllocations.find({ subnet_id: subnet.id, ip_address: { $in: window.map((w) => w.ip) } });
      const taken = new Set(held.map((a) => a.ip_address as string));
      for (const w of window) if (!taken.has(w.ip) && out.length < want) out.push(w);
    }
    if (out.length >= want) break;
  }
  return out;
}

/** Claims any free address of the subnet's pools; undefined when the pools are exhausted. */
export async function claimAnyAddress(db: NeutronDb, subnet: Resource, portId: string): Promise<string | undefined> {
  for (let race = 0; race < MAX_RACES; race++) {
    const hint = lowestFree.get(subnet.id);
    let free = await candidates(db, subnet, subnet.allocation_pools, hint ?? 0n, CANDIDATE_WINDOW);
    if (free.length === 0 && hint !== undefined) free = await candidates(db, subnet, subnet.allocation_pools, 0n, CANDIDATE_WINDOW);
    if (free.length === 0) {
      lowestFree.delete(subnet.id);
      return undefined;
    }
    lowestFree.set(subnet.id, free[0].value);
    // a random pick among the first free ones spreads concurrent requests apart
    const ip = free[Math.floor(Math.random() * free.length)].ip;
    try {
      await db.ipAllocations.insert({ id: allocationId(subnet.id, ip), subnet_id: subnet.id, network_id: subnet.network_id, ip_address: ip, port_id: portId });
      return ip;
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
    }
  }
  return undefined;
}

export async function releaseAddress(db: NeutronDb, subnetId: string, ip: string): Promise<void> {
  await db.ipAllocations.delete(allocationId(subnetId, ip));
  lowerHint(subnetId, ip);
}

export async function releasePortAddresses(db: NeutronDb, portId: string): Promise<void> {
  const held = await db.ipAllocations.find({ port_id: portId });
  await db.ipAllocations.deleteMany({ port_id: portId });
  for (const a of held) lowerHint(a.subnet_id as string, a.ip_address as string);
}

export const canonical = (ip: string) => {
  const p = parseIp(ip);
  return p ? formatIp(p.version, p.value) : ip;
};
