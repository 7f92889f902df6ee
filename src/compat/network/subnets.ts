// /v2.0/subnets: IPv4 and IPv6 subnets, with allocation pools, gateway, DNS servers, host routes,
// IPv6 modes, prefixes from subnet pools, and the network's DHCP port kept in step.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { uuid } from '../../platform/ids.ts';
import {
  boolean, listOf, memberBody, nullableString, oneOf, prepareCreate, prepareUpdate, STANDARD_ATTRIBUTES, string, uuid as uuidCheck, uuidOrNull, integer,
  type AttributeMap,
} from './attributes.ts';
import type { Neutron, Resource } from './context.ts';
import { badRequestKind, conflictKind, invalidAttribute, invalidInput, subnetInUse, subnetNotFound, subnetPoolNotFound } from './errors.ts';
import { enforce, enforceOrHide, isAdmin, stripByPolicy } from './policy.ts';
import { findListed, listResponse, selectedFields, selectFields } from './resource-collection.ts';
import { bumpRevision, checkIfMatch, newStandardAttributes, owningProject, ownerView, updateResource } from './standard-attrs.ts';
import { visibleNetwork } from './networks.ts';
import { cidrsOverlap, formatCidr, formatIp, parseCidr, firstIp, parseIp, type Cidr, type IpVersion } from './ipam/ip-address.ts';
import { defaultPools, validatePools, type Pool } from './ipam/allocation-pools.ts';
import {
  checkCidr, checkGateway, checkGatewayOutsidePools, checkHostRoutes, checkIpv6Modes, checkNameservers, IPV6_MODES, isAutoAddressSubnet,
} from './ipam/subnet-validation.ts';
import { allocatePrefix, prefixWithinPool } from './ipam/prefix-allocator.ts';
import { DHCP_OWNER, dhcpSubnetAdded, dhcpSubnetRemoved } from './dhcp-ports.ts';
import { canSeeSubnetPool } from './subnetpools.ts';
import { checkQuota } from './quotas.ts';
import { effectiveNetwork, rbacGrants } from './rbac-policies.ts';

const sentinel = Symbol('unset');

export const SUBNET_ATTRIBUTES: AttributeMap = {
  ...STANDARD_ATTRIBUTES,
  network_id: { allowPost: true, allowPut: false, required: true, convert: uuidCheck, filter: 'string', sortable: true },
  ip_version: { allowPost: true, allowPut: false, required: true, convert: (v, n) => oneOf([4, 6] as any)(integer()(v, n), n), filter: 'integer', sortable: true },
  cidr: { allowPost: true, allowPut: false, default: sentinel, filter: 'string', sortable: true },
  prefixlen: { allowPost: true, allowPut: false, default: sentinel, convert: integer(0, 128), filter: 'none' },
  subnetpool_id: { allowPost: true, allowPut: false, default: sentinel, convert: uuidOrNull, filter: 'string', sortable: true },
  use_default_subnetpool: { allowPost: true, allowPut: false, default: false, convert: boolean, filter: 'none' },
  gateway_ip: { allowPost: true, allowPut: true, default: sentinel, filter: 'string', sortable: true },
  allocation_pools: { allowPost: true, allowPut: true, default: sentinel, filter: 'none' },
  dns_nameservers: { allowPost: true, allowPut: true, default: [], filter: 'none' },
  host_routes: { allowPost: true, allowPut: true, default: [], filter: 'none' },
  enable_dhcp: { allowPost: true, allowPut: true, default: true, convert: boolean, filter: 'boolean', sortable: true },
  ipv6_ra_mode: { allowPost: true, allowPut: true, default: null, convert: oneOf([...IPV6_MODES, null]), filter: 'string', sortable: true },
  ipv6_address_mode: { allowPost: true, allowPut: true, default: null, convert: oneOf([...IPV6_MODES, null]), filter: 'string', sortable: true },
  service_types: { allowPost: true, allowPut: true, default: [], convert: listOf(string(255)), filter: 'list' },
  segment_id: { allowPost: true, allowPut: true, default: null, convert: uuidOrNull, filter: 'string' },
  shared: { allowPost: false, allowPut: false, filter: 'boolean' },
};

export const subnetTarget = (doc: Resource, network?: Resource) => ({
  ...doc,
  project_id: doc.tenant_id,
  shared: network?.shared ?? false,
  'network:tenant_id': network?.tenant_id,
  'network:project_id': network?.tenant_id,
});

export function subnetView(neutron: Neutron, ctx: RequestContext, doc: Resource, network?: Resource): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: doc.id,
    name: doc.name,
    ...ownerView(doc),
    network_id: doc.network_id,
    ip_version: doc.ip_version,
    subnetpool_id: doc.subnetpool_id,
    enable_dhcp: doc.enable_dhcp,
    ipv6_ra_mode: doc.ipv6_ra_mode,
    ipv6_address_mode: doc.ipv6_address_mode,
    gateway_ip: doc.gateway_ip,
    cidr: doc.cidr,
    allocation_pools: doc.allocation_pools,
    host_routes: doc.host_routes,
    dns_nameservers: doc.dns_nameservers,
    description: doc.description,
    service_types: doc.service_types,
    segment_id: doc.segment_id,
    tags: doc.tags,
    created_at: doc.created_at,
    updated_at: doc.updated_at,
    revision_number: doc.revision_number,
  };
  return stripByPolicy(neutron, ctx, 'get_subnet', view, subnetTarget(doc, network));
}

async function subnetCidr(neutron: Neutron, ctx: RequestContext, values: Record<string, any>, version: IpVersion, networkId: string): Promise<{ cidr: Cidr; poolId: string | null }> {
  const db = await neutron.db();
  let poolId: string | null = values.subnetpool_id === sentinel ? null : values.subnetpool_id;
  if (poolId === null && values.use_default_subnetpool) {
    const dflt = await db.subnetpools.findOne({ is_default: true, ip_version: version });
    if (!dflt) throw badRequestKind('BadRequest', `Bad subnets request: No default subnetpool found for IPv${version}.`);
    poolId = dflt.id;
  }
  if (poolId === null) {
    if (values.cidr === sentinel) throw badRequestKind('BadRequest', 'Bad subnets request: a subnetpool must be specified in the absence of a cidr.');
    return { cidr: checkCidr(values.cidr, version), poolId: null };
  }
  const pool = await db.subnetpools.get(poolId);
  if (!pool || !canSeeSubnetPool(neutron, ctx, pool)) throw subnetPoolNotFound(poolId);
  if (pool.ip_version !== version) throw invalidInput(`Cannot allocate IPv${version} subnet from IPv${pool.ip_version} subnet pool`);
  const used = (await db.subnets.find({ subnetpool_id: poolId })).map((s) => s.cidr as string);
  if (values.cidr !== sentinel) {
    const cidr = checkCidr(values.cidr, version);
    if (!prefixWithinPool(pool.prefixes, cidr)) throw badRequestKind('BadRequest', `Bad subnets request: Cidr ${formatCidr(cidr)} is not within the subnet pool ${poolId}.`);
    if (used.some((u) => cidrsOverlap(parseCidr(u)!, cidr))) {
      throw conflictKind('SubnetAllocationError', `Failed to allocate subnet: Address ${formatCidr(cidr)} is already in use in subnet pool ${poolId}.`);
    }
    return { cidr, poolId };
  }
  const prefixlen = values.prefixlen === sentinel ? pool.default_prefixlen : values.prefixlen;
  if (prefixlen < pool.min_prefixlen || prefixlen > pool.max_prefixlen) {
    throw badRequestKind('IllegalSubnetPoolPrefixLength', `Illegal prefix length ${prefixlen}: it must lie between ${pool.min_prefixlen} and ${pool.max_prefixlen}.`);
  }
  const allocated = allocatePrefix(pool.prefixes, used, prefixlen);
  if (!allocated) throw conflictKind('SubnetAllocationError', 'Failed to allocate subnet: Insufficient prefix space to allocate subnet size /' + prefixlen + '.');
  void networkId;
  return { cidr: parseCidr(allocated)!, poolId };
}

/** subnet attributes stored under their API names with the values the API shows */
const STORED_SUBNET_FIELDS: Record<string, string> = Object.fromEntries([
  'id', 'name', 'description', 'tenant_id', 'network_id', 'ip_version', 'cidr', 'subnetpool_id', 'gateway_ip', 'enable_dhcp',
  'ipv6_ra_mode', 'ipv6_address_mode', 'service_types', 'segment_id', 'revision_number', 'created_at', 'updated_at',
].map((k) => [k, k]).concat([['project_id', 'tenant_id']]));

const SUBNET_LIST = { plural: 'subnets', attributes: SUBNET_ATTRIBUTES };

export function subnetHandlers(neutron: Neutron): Record<string, OperationHandler> {
  /** the networks as the caller sees them (shared through RBAC included) */
  async function networksById(ctx: RequestContext): Promise<Map<string, Resource>> {
    const db = await neutron.db();
    const grants = await rbacGrants(db);
    return new Map((await db.networks.find()).map((n) => [n.id, effectiveNetwork(n, grants, ctx.auth?.projectId)]));
  }

  return {
    listSubnets: async (ctx) => {
      const db = await neutron.db();
      const networks = await networksById(ctx);
      const { docs, paged } = await findListed(ctx, db.subnets, { spec: SUBNET_LIST, stored: STORED_SUBNET_FIELDS, allVisible: isAdmin(ctx) });
      const views = docs
        .filter((d) => neutron.engine.allows(ctx, 'get_subnet', subnetTarget(d, networks.get(d.network_id))))
        .map((d) => subnetView(neutron, ctx, d, networks.get(d.network_id)));
      return listResponse(ctx, SUBNET_LIST, views, paged);
    },

    showSubnet: async (ctx) => {
      const db = await neutron.db();
      const doc = await db.subnets.get(ctx.params.subnet_id);
      const network = doc && effectiveNetwork(await db.networks.get(doc.network_id), await rbacGrants(db, doc.network_id), ctx.auth?.projectId);
      if (!doc || !neutron.engine.allows(ctx, 'get_subnet', subnetTarget(doc, network))) throw subnetNotFound(ctx.params.subnet_id);
      return { status: 200, body: { subnet: selectFields(subnetView(neutron, ctx, doc, network), selectedFields(ctx)) } };
    },

    createSubnet: async (ctx) => {
      const input = memberBody(ctx.body, 'subnet');
      const { values, explicit } = prepareCreate(input, SUBNET_ATTRIBUTES);
      const owner = owningProject(ctx, values);
      const network = await visibleNetwork(neutron, ctx, values.network_id);
      enforce(neutron, ctx, 'create_subnet', subnetTarget({ ...values, id: '', tenant_id: owner }, network), explicit.filter((e) => !['cidr', 'gateway_ip', 'allocation_pools', 'subnetpool_id', 'prefixlen'].includes(e)));
      await checkQuota(neutron, 'subnet', owner);
      const db = await neutron.db();
      const id = uuid();
      const version = values.ip_version as IpVersion;
      const { cidr, poolId } = await subnetCidr(neutron, ctx, values, version, network.id);
      for (const other of await db.subnets.find({ network_id: network.id })) {
        if (cidrsOverlap(parseCidr(other.cidr)!, cidr)) {
          throw invalidInput(`Requested subnet with cidr: ${formatCidr(cidr)} for network: ${network.id} overlaps with another subnet`);
        }
      }
      let gateway: string | null;
      if (values.gateway_ip === sentinel) gateway = formatIp(version, firstIp(cidr) + 1n);
      else gateway = values.gateway_ip === null ? null : checkGateway(values.gateway_ip, cidr);
      const pools: Pool[] = values.allocation_pools === sentinel || values.allocation_pools === null
        ? defaultPools(cidr, gateway)
        : validatePools(values.allocation_pools, cidr, id);
      if (values.allocation_pools !== sentinel && values.allocation_pools !== null) checkGatewayOutsidePools(gateway, pools);
      checkIpv6Modes(version, values.ipv6_ra_mode, values.ipv6_address_mode, values.enable_dhcp);
      if (isAutoAddressSubnet(values as any) && cidr.prefixlen !== 64) {
        throw invalidInput(`Invalid CIDR ${formatCidr(cidr)} for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64`);
      }
      const doc: Resource = {
        id,
        name: values.name,
        description: values.description,
        tenant_id: owner,
        network_id: network.id,
        ip_version: version,
        cidr: formatCidr(cidr),
        subnetpool_id: poolId,
        gateway_ip: gateway,
        allocation_pools: pools,
        dns_nameservers: checkNameservers(values.dns_nameservers, version),
        host_routes: checkHostRoutes(values.host_routes, version),
        enable_dhcp: values.enable_dhcp,
        ipv6_ra_mode: values.ipv6_ra_mode,
        ipv6_address_mode: values.ipv6_address_mode,
        service_types: values.service_types,
        segment_id: values.segment_id,
        ...newStandardAttributes(neutron),
      };
      await db.subnets.insert(doc);
      try {
        if (doc.enable_dhcp) await dhcpSubnetAdded(neutron, network, doc);
      } catch (error) {
        await db.subnets.delete(id);
        throw error;
      }
      await bumpRevision(neutron, db.networks, network.id);
      return { status: 201, body: { subnet: subnetView(neutron, ctx, doc, network) } };
    },

    updateSubnet: async (ctx) => {
      const id = ctx.params.subnet_id;
      const db = await neutron.db();
      const values = prepareUpdate(memberBody(ctx.body, 'subnet'), SUBNET_ATTRIBUTES);
      let network: Resource | undefined;
      let dhcpChange: boolean | undefined;
      const updated = await updateResource(neutron, db.subnets, id, async (current) => {
        network = await db.networks.get(current.network_id);
        const changed = Object.keys(values).filter((k) => JSON.stringify(values[k]) !== JSON.stringify(current[k]));
        enforceOrHide(neutron, ctx, 'update_subnet', 'get_subnet', subnetTarget(current, network), () => subnetNotFound(id), changed);
        checkIfMatch(ctx, current);
        const cidr = parseCidr(current.cidr)!;
        const version = current.ip_version as IpVersion;
        const set: Record<string, unknown> = {};
        for (const k of ['name', 'description', 'service_types', 'segment_id', 'enable_dhcp']) if (k in values) set[k] = values[k];
        if ('gateway_ip' in values) set.gateway_ip = values.gateway_ip === null ? null : checkGateway(values.gateway_ip, cidr);
        if ('allocation_pools' in values) set.allocation_pools = validatePools(values.allocation_pools ?? [], cidr, id);
        const pools = (set.allocation_pools ?? current.allocation_pools) as Pool[];
        if ('gateway_ip' in values || 'allocation_pools' in values) checkGatewayOutsidePools((set.gateway_ip ?? current.gateway_ip) as string | null, pools);
        if ('dns_nameservers' in values) set.dns_nameservers = checkNameservers(values.dns_nameservers ?? [], version);
        if ('host_routes' in values) set.host_routes = checkHostRoutes(values.host_routes ?? [], version);
        for (const k of ['ipv6_ra_mode', 'ipv6_address_mode']) {
          if (k in values && values[k] !== current[k]) throw invalidInput(`Cannot update read-only attribute ${k}`);
        }
        if ('enable_dhcp' in values && values.enable_dhcp !== current.enable_dhcp) {
          checkIpv6Modes(version, current.ipv6_ra_mode, current.ipv6_address_mode, values.enable_dhcp);
          dhcpChange = values.enable_dhcp;
        }
        return set;
      }, () => subnetNotFound(id));
      if (dhcpChange === true && network) await dhcpSubnetAdded(neutron, network, updated);
      if (dhcpChange === false) await dhcpSubnetRemoved(neutron, updated.network_id, id);
      return { status: 200, body: { subnet: subnetView(neutron, ctx, updated, network) } };
    },

    deleteSubnet: async (ctx) => {
      const id = ctx.params.subnet_id;
      const db = await neutron.db();
      const doc = await db.subnets.get(id);
      if (!doc) throw subnetNotFound(id);
      const network = await db.networks.get(doc.network_id);
      enforceOrHide(neutron, ctx, 'delete_subnet', 'get_subnet', subnetTarget(doc, network), () => subnetNotFound(id));
      const holders = await db.ipAllocations.find({ subnet_id: id });
      const portIds = [...new Set(holders.map((h) => h.port_id as string))];
      for (const portId of portIds) {
        const port = await db.ports.get(portId);
        if (!port) continue;
        // addresses of DHCP ports and of SLAAC subnets go with the subnet; others hold it
        if (port.device_owner !== DHCP_OWNER && !isAutoAddressSubnet(doc as any)) throw subnetInUse(id);
      }
      await dhcpSubnetRemoved(neutron, doc.network_id, id);
      for (const portId of portIds) {
        const port = await db.ports.get(portId);
        if (!port) continue;
        await db.ports.update(portId, { fixed_ips: port.fixed_ips.filter((f: { subnet_id: string }) => f.subnet_id !== id) });
      }
      await db.ipAllocations.deleteMany({ subnet_id: id });
      await db.subnets.delete(id);
      if (network) await bumpRevision(neutron, db.networks, network.id);
      return { status: 204 };
    },
  };
}

export { invalidAttribute, nullableString, parseIp };
