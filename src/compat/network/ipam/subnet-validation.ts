// The checks Neutron makes on a subnet's addressing: its CIDR, gateway, DNS servers, host routes
// and IPv6 modes.
import { badRequestKind, conflictKind, invalidAttribute, invalidInput } from '../errors.ts';
import { formatCidr, formatIp, networkOf, parseCidr, parseIp, firstIp, lastIp, type Cidr, type IpVersion } from './ip-address.ts';
import { poolRanges, type Pool } from './allocation-pools.ts';

export const IPV6_MODES = ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac'];

export function checkCidr(value: unknown, ipVersion: IpVersion): Cidr {
  const cidr = parseCidr(value);
  if (!cidr || typeof value !== 'string' || !value.includes('/')) throw invalidAttribute('cidr', `'${String(value)}' is not a valid IP subnet`);
  const canonical = networkOf(cidr);
  if (canonical.network !== cidr.network) {
    throw invalidAttribute('cidr', `'${value}' isn't a recognized IP subnet cidr, '${formatCidr(canonical)}' is recommended`);
  }
  if (cidr.version !== ipVersion) throw invalidInput(`Cidr ${value} does not match ip_version ${ipVersion}`);
  if (cidr.prefixlen === 0) throw invalidInput(`0.0.0.0/0 and ::/0 are not permitted as subnet cidr`);
  return canonical;
}

export function checkGateway(value: unknown, cidr: Cidr): string {
  const ip = parseIp(value);
  if (!ip || ip.version !== cidr.version) throw invalidAttribute('gateway_ip', `'${String(value)}' is not a valid IP address`);
  if (cidr.version === 4 && cidr.prefixlen <= 30 && (ip.value === firstIp(cidr) || ip.value === lastIp(cidr))) {
    throw invalidInput(`Gateway is not valid on subnet`);
  }
  return formatIp(ip.version, ip.value);
}

export function checkGatewayOutsidePools(gateway: string | null, pools: Pool[]): void {
  if (!gateway) return;
  const gw = parseIp(gateway)!.value;
  for (const [i, r] of poolRanges(pools).entries()) {
    if (gw >= r.first && gw <= r.last) {
      throw conflictKind('GatewayConflictWithAllocationPools', `Gateway ip ${gateway} conflicts with allocation pool ${pools[i].start}-${pools[i].end}`);
    }
  }
}

export function checkNameservers(value: unknown, version: IpVersion): string[] {
  if (!Array.isArray(value)) throw invalidAttribute('dns_nameservers', `'${String(value)}' is not a list`);
  const seen = new Set<string>();
  return value.map((v) => {
    const ip = parseIp(v);
    if (!ip) throw invalidAttribute('dns_nameservers', `'${String(v)}' is not a valid nameserver. '${String(v)}' is not a valid IP address`);
    void version;
    const s = formatIp(ip.version, ip.value);
    if (seen.has(s)) throw invalidAttribute('dns_nameservers', `Duplicate nameserver '${String(v)}'`);
    seen.add(s);
    return String(v);
  });
}

export function checkHostRoutes(value: unknown, version: IpVersion): Array<{ destination: string; nexthop: string }> {
  if (!Array.isArray(value)) throw invalidAttribute('host_routes', `'${String(value)}' is not a list`);
  const seen = new Set<string>();
  return value.map((r) => {
    const route = r as Record<string, unknown>;
    if (!route || typeof route !== 'object' || !('destination' in route) || !('nexthop' in route)) {
      throw invalidAttribute('host_routes', `Validation of dictionary's keys failed. Expected keys: {'destination', 'nexthop'}`);
    }
    const dest = parseCidr(route.destination);
    const hop = parseIp(route.nexthop);
    if (!dest) throw invalidAttribute('host_routes', `'${String(route.destination)}' is not a valid IP subnet`);
    if (!hop) throw invalidAttribute('host_routes', `'${String(route.nexthop)}' is not a valid IP address`);
    if (dest.version !== version || hop.version !== version) {
      throw badRequestKind('InvalidInput', `Invalid input for operation: Host route ${String(route.destination)} does not match ip_version ${version}.`);
    }
    const key = `${formatCidr(networkOf(dest))}|${formatIp(hop.version, hop.value)}`;
    if (seen.has(key)) throw invalidAttribute('host_routes', `Duplicate hostroute '${String(route.destination)}'`);
    seen.add(key);
    return { destination: formatCidr(networkOf(dest)), nexthop: formatIp(hop.version, hop.value) };
  });
}

export function checkIpv6Modes(ipVersion: IpVersion, ra: string | null, address: string | null, enableDhcp: boolean): void {
  if (ra === null && address === null) return;
  if (ipVersion !== 6) throw invalidInput('ipv6_ra_mode or ipv6_address_mode cannot be set when ip_version is 4');
  if (!enableDhcp) throw invalidInput('ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False');
  if (ra !== null && address !== null && ra !== address) {
    throw invalidInput(`ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${address}' is not valid. If both attributes are set, they must be the same value`);
  }
}

/** Subnets whose ports get their address from the MAC (SLAAC and stateless DHCPv6). */
export const isAutoAddressSubnet = (subnet: Record<string, any>): boolean =>
  subnet.ip_version === 6 &&
  (subnet.ipv6_address_mode === 'slaac' || subnet.ipv6_address_mode === 'dhcpv6-stateless' ||
    (subnet.ipv6_address_mode == null && (subnet.ipv6_ra_mode === 'slaac' || subnet.ipv6_ra_mode === 'dhcpv6-stateless')));

export { parseCidr };
