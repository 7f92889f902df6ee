// Fixed IP allocation. Each allocated (subnet, address) is a document whose id is
// `<subnet_id>/<address>`; the store refuses a second insert of the same id, so two requests
// can never hold the same address, whatever the interleaving. A request that loses a race
// simply picks another candidate.
import { DuplicateKeyError } from '../../../platform/store/store.ts';
import type { NeutronDb, Resource } from '../context.ts';
import { ipAlreadyAllocated } from '../errors.ts';
import { poolRanges, type Pool } from './allocation-pools.ts';
import { formatIp, parseIp, type IpVersion } from './ip-address.ts';

const CANDIDATE_WINDOW = 64;
const MAX_RACES = 50;

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

/** Some free addresses of the pools, scanning from their start past the allocated ones. */
function candidates(version: IpVersion, pools: Pool[], taken: Set<string>, want: number): string[] {
  const out: string[] = [];
  for (const range of poolRanges(pools)) {
    for (let v = range.first; v <= range.last && out.length < want; v++) {
      const ip = formatIp(version, v);
      if (!taken.has(ip)) out.push(ip);
    }
    if (out.length >= want) break;
  }
  return out;
}

/** Claims any free address of the subnet's pools; undefined when the pools are exhausted. */
export async function claimAnyAddress(db: NeutronDb, subnet: Resource, portId: string): Promise<string | undefined> {
  const version = subnet.ip_version as IpVersion;
  for (let race = 0; race < MAX_RACES; race++) {
    const held = await db.ipAllocations.find({ subnet_id: subnet.id });
    const taken = new Set(held.map((a) => a.ip_address as string));
    const free = candidates(version, subnet.allocation_pools, taken, CANDIDATE_WINDOW);
    if (free.length === 0) return undefined;
    // a random pick among the first free ones spreads concurrent requests apart
    const ip = free[Math.floor(Math.random() * free.length)];
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
}

export async function releasePortAddresses(db: NeutronDb, portId: string): Promise<void> {
  await db.ipAllocations.deleteMany({ port_id: portId });
}

export const canonical = (ip: string) => {
  const p = parseIp(ip);
  return p ? formatIp(p.version, p.value) : ip;
};
