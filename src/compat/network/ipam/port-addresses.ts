// Which fixed IPs a port gets: the ones it asks for (by subnet, by address or both), or, when it
// asks for none, one address from an IPv4 subnet, one from a stateful IPv6 subnet, and the
// EUI-64 address on every SLAAC subnet of its network, as Neutron's IPAM does.
import type { NeutronDb, Resource } from '../context.ts';
import { invalidInput, invalidIpForNetwork, invalidIpForSubnet, ipGenerationFailure, invalidAttribute } from '../errors.ts';
import { claimAddress, claimAnyAddress, releaseAddress } from './ip-allocator.ts';
import { containsIp, firstIp, formatIp, lastIp, parseCidr, parseIp } from './ip-address.ts';
import { eui64Address } from './eui64.ts';
import { isAutoAddressSubnet } from './subnet-validation.ts';

export interface FixedIp { subnet_id: string; ip_address: string }
export interface FixedIpRequest { subnet_id?: string; ip_address?: string }

export function parseFixedIpRequests(value: unknown): FixedIpRequest[] {
  if (!Array.isArray(value)) throw invalidAttribute('fixed_ips', `'${JSON.stringify(value)}' is not a list`);
  return value.map((raw) => {
    const r = raw as Record<string, unknown>;
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw invalidAttribute('fixed_ips', `'${JSON.stringify(raw)}' is not a dictionary`);
    const extra = Object.keys(r).filter((k) => k !== 'subnet_id' && k !== 'ip_address');
    if (extra.length) throw invalidAttribute('fixed_ips', `Unrecognized attribute(s) '${extra.join(', ')}'`);
    if (r.ip_address !== undefined && !parseIp(r.ip_address)) throw invalidAttribute('fixed_ips', `'${String(r.ip_address)}' is not a valid IP address`);
    if (r.subnet_id !== undefined && typeof r.subnet_id !== 'string') throw invalidAttribute('fixed_ips', `'${String(r.subnet_id)}' is not a valid UUID`);
    return { subnet_id: r.subnet_id as string | undefined, ip_address: r.ip_address as string | undefined };
  });
}

function isUsable(subnet: Resource, ip: string): boolean {
  const cidr = parseCidr(subnet.cidr)!;
  const p = parseIp(ip)!;
  if (!containsIp(cidr, p)) return false;
  if (cidr.version === 4 && cidr.prefixlen <= 30 && (p.value === firstIp(cidr) || p.value === lastIp(cidr))) return false;
  if (cidr.version === 6 && cidr.prefixlen < 127 && p.value === firstIp(cidr)) return false;
  return true;
}

/**
 * Claims the port's addresses; on any failure releases what it claimed, so a refused request
 * leaves no trace in the IPAM.
 */
export async function allocatePortAddresses(
  db: NeutronDb,
  networkId: string,
  subnets: Resource[],
  requests: FixedIpRequest[] | undefined,
  portId: string,
  mac: string,
  keep: FixedIp[] = [],
): Promise<FixedIp[]> {
  const claimed: FixedIp[] = [];
  const result: FixedIp[] = [];
  try {
    if (requests === undefined) {
      for (const version of [4, 6]) {
        const candidates = subnets.filter((s) => s.ip_version === version && !isAutoAddressSubnet(s));
        if (candidates.length === 0) continue;
        let got: FixedIp | undefined;
        for (const subnet of candidates) {
          const ip = await claimAnyAddress(db, subnet, portId);
          if (ip) { got = { subnet_id: subnet.id, ip_address: ip }; break; }
        }
        if (!got) throw ipGenerationFailure(networkId);
        claimed.push(got);
        result.push(got);
      }
      for (const subnet of subnets.filter(isAutoAddressSubnet)) {
        const ip = eui64Address(parseCidr(subnet.cidr)!, mac);
        await claimAddress(db, subnet, ip, portId);
        claimed.push({ subnet_id: subnet.id, ip_address: ip });
        result.push({ subnet_id: subnet.id, ip_address: ip });
      }
      return result;
    }
    for (const request of requests) {
      let subnet: Resource | undefined;
      const ip = request.ip_address !== undefined ? formatIp(parseIp(request.ip_address)!.version, parseIp(request.ip_address)!.value) : undefined;
      if (request.subnet_id !== undefined) {
        subnet = subnets.find((s) => s.id === request.subnet_id);
        if (!subnet) {
          throw invalidInput(`Failed to create port on network ${networkId}, because fixed_ips included invalid subnet ${request.subnet_id}`);
        }
        if (ip !== undefined && !isUsable(subnet, ip)) throw invalidIpForSubnet(request.ip_address!);
      } else if (ip !== undefined) {
        subnet = subnets.find((s) => isUsable(s, ip));
        if (!subnet) throw invalidIpForNetwork(request.ip_address!);
      } else {
        throw invalidInput('IP allocation requires subnet_id or ip_address');
      }
      const kept = keep.find((k) => k.subnet_id === subnet!.id && (ip === undefined || k.ip_address === ip));
      if (kept && !result.includes(kept)) {
        result.push(kept);
        continue;
      }
      if (isAutoAddressSubnet(subnet)) {
        if (ip !== undefined) {
          throw invalidInput(`IPv6 address ${request.ip_address} cannot be directly assigned to a port on subnet ${subnet.id} as the subnet is configured for automatic addresses`);
        }
        const auto = eui64Address(parseCidr(subnet.cidr)!, mac);
        await claimAddress(db, subnet, auto, portId);
        claimed.push({ subnet_id: subnet.id, ip_address: auto });
        result.push({ subnet_id: subnet.id, ip_address: auto });
        continue;
      }
      if (ip !== undefined) {
        await claimAddress(db, subnet, ip, portId);
        claimed.push({ subnet_id: subnet.id, ip_address: ip });
        result.push({ subnet_id: subnet.id, ip_address: ip });
      } else {
        const got = await claimAnyAddress(db, subnet, portId);
        if (!got) throw ipGenerationFailure(networkId);
        claimed.push({ subnet_id: subnet.id, ip_address: got });
        result.push({ subnet_id: subnet.id, ip_address: got });
      }
    }
    return result;
  } catch (error) {
    for (const c of claimed) await releaseAddress(db, c.subnet_id, c.ip_address);
    throw error;
  }
}
