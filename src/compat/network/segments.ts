// Provider segments of networks: project networks get a VXLAN id from the configured ranges;
// admins may ask for flat, vlan, vxlan or local explicitly. Each (type, physical network, id)
// is a document whose id is the lock, so no two networks share a segment.
import { DuplicateKeyError } from '../../platform/store/store.ts';
import type { Neutron, NeutronDb } from './context.ts';
import { conflictKind, invalidInput, noNetworkAvailable } from './errors.ts';

export interface Segment {
  'provider:network_type': string;
  'provider:physical_network': string | null;
  'provider:segmentation_id': number | null;
}

const segmentKey = (s: Segment) => `${s['provider:network_type']}/${s['provider:physical_network'] ?? ''}/${s['provider:segmentation_id'] ?? 0}`;

export const NETWORK_TYPES = ['flat', 'vlan', 'vxlan', 'local'];

/** The MTU Neutron computes for a segment from global_physnet_mtu (VXLAN over IPv4 costs 50 bytes). */
export function segmentMtu(neutron: Neutron, segment: Segment): number {
  return segment['provider:network_type'] === 'vxlan' ? neutron.config.globalPhysnetMtu - 50 : neutron.config.globalPhysnetMtu;
}

async function claim(db: NeutronDb, segment: Segment, networkId: string): Promise<boolean> {
  try {
    await db.segmentAllocations.insert({ id: segmentKey(segment), network_id: networkId, ...segment });
    return true;
  } catch (error) {
    if (error instanceof DuplicateKeyError) return false;
    throw error;
  }
}

async function claimFromRanges(db: NeutronDb, base: Omit<Segment, 'provider:segmentation_id'>, ranges: Array<[number, number]>, networkId: string): Promise<Segment> {
  const taken = new Set(
    (await db.segmentAllocations.find({ 'provider:network_type': base['provider:network_type'] })).map((s) => `${s['provider:physical_network'] ?? ''}/${s['provider:segmentation_id']}`),
  );
  for (const [lo, hi] of ranges) {
    for (let id = lo; id <= hi; id++) {
      if (taken.has(`${base['provider:physical_network'] ?? ''}/${id}`)) continue;
      const segment = { ...base, 'provider:segmentation_id': id };
      if (await claim(db, segment, networkId)) return segment;
    }
  }
  throw noNetworkAvailable();
}

/** Validates the provider attributes given (admin only, by policy) and claims the segment. */
export async function allocateSegment(neutron: Neutron, db: NeutronDb, given: Partial<Segment>, networkId: string): Promise<Segment> {
  const type = given['provider:network_type'];
  const physnet = given['provider:physical_network'] ?? null;
  const segId = given['provider:segmentation_id'] ?? null;
  if (type === undefined) {
    if (physnet !== null || segId !== null) throw invalidInput('network_type required');
    return claimFromRanges(db, { 'provider:network_type': 'vxlan', 'provider:physical_network': null }, neutron.config.vniRanges, networkId);
  }
  if (!NETWORK_TYPES.includes(type)) throw invalidInput(`network_type value '${type}' not supported`);
  if (type === 'flat' || type === 'vlan') {
    if (physnet === null) throw invalidInput(`physical_network required for ${type} provider network`);
    if (!neutron.config.physicalNetworks.includes(physnet)) throw invalidInput(`physical_network '${physnet}' unknown for ${type} provider network`);
  } else if (physnet !== null) {
    throw invalidInput(`provider:physical_network specified for ${type} network`);
  }
  if (type === 'flat') {
    if (segId !== null) throw invalidInput('segmentation_id specified for flat provider network');
    const segment = { 'provider:network_type': 'flat', 'provider:physical_network': physnet, 'provider:segmentation_id': null };
    if (!(await claim(db, segment, networkId))) throw conflictKind('FlatNetworkInUse', `Unable to create the flat network. Physical network ${physnet} is in use.`);
    return segment;
  }
  if (type === 'local') {
    if (segId !== null) throw invalidInput('segmentation_id specified for local network');
    return { 'provider:network_type': 'local', 'provider:physical_network': null, 'provider:segmentation_id': null };
  }
  if (type === 'vlan') {
    if (segId === null) return claimFromRanges(db, { 'provider:network_type': 'vlan', 'provider:physical_network': physnet }, neutron.config.vlanRanges[physnet!] ?? [[1, 4094]], networkId);
    if (segId < 1 || segId > 4094) throw invalidInput(`segmentation_id out of range (1 through 4094)`);
    const segment = { 'provider:network_type': 'vlan', 'provider:physical_network': physnet, 'provider:segmentation_id': segId };
    if (!(await claim(db, segment, networkId))) {
      throw conflictKind('VlanIdInUse', `Unable to create the network. The VLAN ${segId} on physical network ${physnet} is in use.`);
    }
    return segment;
  }
  if (segId === null) return claimFromRanges(db, { 'provider:network_type': 'vxlan', 'provider:physical_network': null }, neutron.config.vniRanges, networkId);
  if (segId < 1 || segId > 16777215) throw invalidInput('segmentation_id out of range (1 through 16777215)');
  const segment = { 'provider:network_type': 'vxlan', 'provider:physical_network': null, 'provider:segmentation_id': segId };
  if (!(await claim(db, segment, networkId))) throw conflictKind('TunnelIdInUse', `Unable to create the network. The tunnel ID ${segId} is in use.`);
  return segment;
}

export async function releaseSegment(db: NeutronDb, segment: Segment): Promise<void> {
  if (segment['provider:network_type'] === 'local') return;
  await db.segmentAllocations.delete(segmentKey(segment));
}
