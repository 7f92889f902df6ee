// /v2.0/routers: routers with an external gateway (SNAT, external fixed IPs), interfaces added and
// removed by subnet or by port, extra routes, and the HA/DVR flags and availability zone hints as
// plain attributes (the logical backend has one L3 "agent": the driver's router events).
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { uuid } from '../../platform/ids.ts';
import { boolean, dict, listOf, memberBody, prepareCreate, prepareUpdate, pyRepr, STANDARD_ATTRIBUTES, string, uuid as uuidCheck, type AttributeMap } from './attributes.ts';
import type { Neutron, NeutronDb, Resource } from './context.ts';
import {
  badResourceRequest, badRequestKind, conflictKind, invalidAttribute, networkNotFound, notFoundKind, portNotFound, routerInUse, routerNotFound, subnetNotFound,
} from './errors.ts';
import { enforce, enforceOrHide, stripByPolicy } from './policy.ts';
import { listResponse, selectedFields, selectFields } from './resource-collection.ts';
import { checkIfMatch, newStandardAttributes, owningProject, ownerView, updateResource } from './standard-attrs.ts';
import { createPortRecord, deletePortRecord, portTarget } from './ports.ts';
import { subnetTarget } from './subnets.ts';
import { parseFixedIpRequests } from './ipam/port-addresses.ts';
import { cidrsOverlap, containsIp, networkOf, parseCidr, parseIp, formatCidr } from './ipam/ip-address.ts';
import { checkQuota } from './quotas.ts';

export const ROUTER_GATEWAY = 'network:router_gateway';
export const ROUTER_INTERFACE = 'network:router_interface';
const ROUTER_INTERFACE_OWNERS = [ROUTER_INTERFACE, 'network:router_interface_distributed', 'network:ha_router_replicated_interface'];
const MAX_ROUTES = 30;

export const ROUTER_ATTRIBUTES: AttributeMap = {
  ...STANDARD_ATTRIBUTES,
  admin_state_up: { allowPost: true, allowPut: true, default: true, convert: boolean, filter: 'boolean', sortable: true },
  status: { allowPost: false, allowPut: false, filter: 'string', sortable: true },
  external_gateway_info: { allowPost: true, allowPut: true, default: null, filter: 'none',
    convert: (v, n) => (v === null ? null : dict(v, n)) },
  // as Neutron's convert_none_to_empty_list: `routes: null` clears them
  routes: { allowPost: false, allowPut: true, convert: (v, n) => (v === null ? [] : listOf(dict)(v, n)), filter: 'none' },
  distributed: { allowPost: true, allowPut: true, default: false, convert: boolean, filter: 'boolean' },
  ha: { allowPost: true, allowPut: true, default: false, convert: boolean, filter: 'boolean' },
  availability_zone_hints: { allowPost: true, allowPut: false, default: [], convert: listOf(string(255)), filter: 'list' },
  availability_zones: { allowPost: false, allowPut: false, filter: 'list' },
  flavor_id: { allowPost: true, allowPut: false, default: null, filter: 'string' },
};

export const routerTarget = (doc: Resource) => ({ ...doc, project_id: doc.tenant_id });

export function routerView(neutron: Neutron, ctx: RequestContext, doc: Resource): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: doc.id,
    name: doc.name,
    ...ownerView(doc),
    admin_state_up: doc.admin_state_up,
    status: doc.status,
    external_gateway_info: doc.external_gateway_info,
    description: doc.description,
    availability_zones: [neutron.config.defaultAvailabilityZone],
    availability_zone_hints: doc.availability_zone_hints,
    routes: doc.routes,
    distributed: doc.distributed,
    ha: doc.ha,
    flavor_id: doc.flavor_id,
    tags: doc.tags,
    created_at: doc.created_at,
    updated_at: doc.updated_at,
    revision_number: doc.revision_number,
  };
  return stripByPolicy(neutron, ctx, 'get_router', view, routerTarget(doc));
}

/** The ports that attach subnets to the router. */
export async function routerInterfaces(db: NeutronDb, routerId: string): Promise<Resource[]> {
  const ports = await db.ports.find({ device_id: routerId });
  return ports.filter((p) => ROUTER_INTERFACE_OWNERS.includes(p.device_owner));
}

/** The subnets a router's interfaces sit on. */
export async function routerSubnetIds(db: NeutronDb, routerId: string): Promise<string[]> {
  return (await routerInterfaces(db, routerId)).flatMap((p) => p.fixed_ips.map((f: { subnet_id: string }) => f.subnet_id));
}

/** The attributes of an external_gateway_info the caller set, for the nested policy rules. */
function gatewayAttributes(info: Record<string, unknown> | null | undefined): string[] {
  if (!info) return [];
  return ['external_gateway_info', ...['network_id', 'enable_snat', 'external_fixed_ips'].filter((k) => k in info).map((k) => `external_gateway_info:${k}`)];
}

interface GatewayRequest { network_id: string; enable_snat: boolean; external_fixed_ips?: Array<{ subnet_id?: string; ip_address?: string }> }

function parseGateway(info: Record<string, unknown> | null): GatewayRequest | null {
  if (!info || Object.keys(info).length === 0) return null;
  const extra = Object.keys(info).filter((k) => !['network_id', 'enable_snat', 'external_fixed_ips', 'qos_policy_id'].includes(k));
  if (extra.length) throw invalidAttribute('external_gateway_info', `Unexpected keys supplied: ${extra.join(', ')}`);
  if (info.network_id === undefined) throw invalidAttribute('external_gateway_info', "Validation of dictionary's keys failed. Expected keys: {'network_id'} Provided keys: set()");
  const networkId = uuidCheck(info.network_id, 'external_gateway_info') as string;
  const snat = info.enable_snat === undefined ? true : (boolean(info.enable_snat, 'external_gateway_info') as boolean);
  const fixed = info.external_fixed_ips === undefined ? undefined : parseFixedIpRequests(info.external_fixed_ips);
  return { network_id: networkId, enable_snat: snat, external_fixed_ips: fixed };
}

export function routerHandlers(neutron: Neutron): Record<string, OperationHandler> {
  async function visibleRouter(ctx: RequestContext, id: string): Promise<Resource> {
    const doc = await (await neutron.db()).routers.get(id);
    if (!doc || !neutron.engine.allows(ctx, 'get_router', routerTarget(doc))) throw routerNotFound(id);
    return doc;
  }

  /** Creates the gateway port on the external network; returns the stored gateway info. */
  async function attachGateway(router: Resource, gw: GatewayRequest): Promise<{ info: Record<string, unknown>; portId: string }> {
    const db = await neutron.db();
    const network = await db.networks.get(gw.network_id);
    if (!network) throw networkNotFound(gw.network_id);
    if (!network['router:external']) throw badResourceRequest('router', `Network ${gw.network_id} is not an external network`);
    const subnets = await db.subnets.find({ network_id: network.id });
    if (gw.external_fixed_ips) {
      for (const f of gw.external_fixed_ips) {
        if (f.subnet_id && !subnets.some((s) => s.id === f.subnet_id)) {
          throw badResourceRequest('router', `Subnet ${f.subnet_id} does not belong to network ${network.id}`);
        }
      }
    }
    const port = await createPortRecord(neutron, {
      network,
      tenant_id: '',
      values: {
        name: '', device_id: router.id, device_owner: ROUTER_GATEWAY, admin_state_up: true,
        ...(gw.external_fixed_ips && gw.external_fixed_ips.length > 0 ? { fixed_ips: gw.external_fixed_ips } : {}),
      },
    });
    await db.ports.update(port.id, { status: 'ACTIVE' });
    await neutron.driver.routerUpdated({ routerId: router.id, portId: port.id });
    return {
      portId: port.id,
      info: { network_id: network.id, enable_snat: gw.enable_snat, external_fixed_ips: port.fixed_ips },
    };
  }

  async function detachGateway(router: Resource): Promise<void> {
    const db = await neutron.db();
    if (!router.gw_port_id) return;
    const port = await db.ports.get(router.gw_port_id);
    if (port) await deletePortRecord(neutron, port);
  }

  /** Refuses to drop a gateway that floating IPs of the router depend on. */
  async function checkGatewayUnused(router: Resource, nextNetwork: string | undefined): Promise<void> {
    const current = router.external_gateway_info?.network_id;
    if (!current || current === nextNetwork) return;
    const fips = await (await neutron.db()).floatingips.find({ router_id: router.id });
    if (fips.length > 0) {
      throw conflictKind('RouterExternalGatewayInUseByFloatingIp',
        `Gateway cannot be updated for router ${router.id}, since a gateway to external network ${current} is required by one or more floating IPs.`);
    }
  }

  async function checkRoutes(router: Resource, raw: unknown[]): Promise<Array<{ destination: string; nexthop: string }>> {
    const db = await neutron.db();
    if (raw.length > MAX_ROUTES) {
      throw badRequestKind('RoutesExhausted', `Unable to complete operation for ${router.id}. The number of routes exceeds the maximum ${MAX_ROUTES}.`);
    }
    const routes = raw.map((r) => {
      const route = r as Record<string, unknown>;
      const extra = Object.keys(route).filter((k) => k !== 'destination' && k !== 'nexthop');
      if (extra.length || route.destination === undefined || route.nexthop === undefined) {
        throw invalidAttribute('routes', `Validation of dictionary's keys failed. Expected keys: {'destination', 'nexthop'} Provided keys: {${Object.keys(route).map((k) => `'${k}'`).join(', ')}}`);
      }
      const cidr = parseCidr(route.destination);
      if (!cidr || typeof route.destination !== 'string' || !route.destination.includes('/')) {
        throw invalidAttribute('routes', `'${pyRepr(route.destination)}' is not a valid IP subnet`);
      }
      if (!parseIp(route.nexthop)) throw invalidAttribute('routes', `'${pyRepr(route.nexthop)}' is not a valid IP address`);
      return { destination: formatCidr(networkOf(cidr)), nexthop: String(route.nexthop) };
    });
    const seen = new Set<string>();
    for (const r of routes) {
      const key = `${r.destination}|${r.nexthop}`;
      if (seen.has(key)) throw invalidAttribute('routes', `Duplicate items in the list: '${pyRepr(r)}'`);
      seen.add(key);
    }
    const interfaces = await routerInterfaces(db, router.id);
    const subnets = await Promise.all(interfaces.flatMap((p) => p.fixed_ips.map((f: { subnet_id: string }) => db.subnets.get(f.subnet_id))));
    const routerIps = new Set(interfaces.flatMap((p) => p.fixed_ips.map((f: { ip_address: string }) => f.ip_address)));
    const invalid = (reason: string) => badRequestKind('InvalidRoutes', `Invalid format for routes: ${pyRepr(routes)}, ${reason}`);
    for (const r of routes) {
      const hop = parseIp(r.nexthop)!;
      if (routerIps.has(r.nexthop)) throw invalid('the nexthop is used by router');
      if (!subnets.some((s) => s && containsIp(parseCidr(s.cidr)!, hop))) throw invalid('the nexthop is not connected with router');
    }
    return routes;
  }

  function interfaceInfo(router: Resource, port: Resource, subnetId: string) {
    return {
      id: router.id, tenant_id: router.tenant_id, project_id: router.tenant_id, port_id: port.id, network_id: port.network_id,
      subnet_id: subnetId, subnet_ids: port.fixed_ips.map((f: { subnet_id: string }) => f.subnet_id),
    };
  }

  function interfaceBody(ctx: RequestContext): { subnet_id?: string; port_id?: string } {
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') throw badResourceRequest('router', 'Either subnet_id or port_id must be specified');
    const subnetId = body.subnet_id === undefined ? undefined : (uuidCheck(body.subnet_id, 'subnet_id') as string);
    const portId = body.port_id === undefined ? undefined : (uuidCheck(body.port_id, 'port_id') as string);
    return { subnet_id: subnetId, port_id: portId };
  }

  return {
    listRouters: async (ctx) => {
      const db = await neutron.db();
      const docs = await db.routers.find({}, { sort: [['created_at', 'asc']] });
      const views = docs.filter((d) => neutron.engine.allows(ctx, 'get_router', routerTarget(d))).map((d) => routerView(neutron, ctx, d));
      return listResponse(ctx, { plural: 'routers', attributes: ROUTER_ATTRIBUTES }, views);
    },

    showRouter: async (ctx) => {
      const doc = await visibleRouter(ctx, ctx.params.router_id);
      return { status: 200, body: { router: selectFields(routerView(neutron, ctx, doc), selectedFields(ctx)) } };
    },

    createRouter: async (ctx) => {
      const input = memberBody(ctx.body, 'router');
      const { values, explicit } = prepareCreate(input, ROUTER_ATTRIBUTES);
      const owner = owningProject(ctx, values);
      const gw = parseGateway(values.external_gateway_info);
      enforce(neutron, ctx, 'create_router', { ...values, project_id: owner }, [...explicit.filter((k) => k !== 'external_gateway_info'), ...gatewayAttributes(values.external_gateway_info)]);
      await checkQuota(neutron, 'router', owner);
      const db = await neutron.db();
      const doc: Resource = {
        id: uuid(),
        name: values.name,
        description: values.description,
        tenant_id: owner,
        admin_state_up: values.admin_state_up,
        status: 'ACTIVE',
        external_gateway_info: null,
        gw_port_id: null,
        routes: [],
        distributed: values.distributed,
        ha: values.ha,
        availability_zone_hints: values.availability_zone_hints,
        flavor_id: values.flavor_id,
        ...newStandardAttributes(neutron),
      };
      if (gw) {
        const network = await db.networks.get(gw.network_id);
        if (!network) throw networkNotFound(gw.network_id);
      }
      await db.routers.insert(doc);
      await neutron.driver.routerCreated({ routerId: doc.id });
      if (gw) {
        try {
          const { info, portId } = await attachGateway(doc, gw);
          Object.assign(doc, { external_gateway_info: info, gw_port_id: portId });
          await db.routers.update(doc.id, { external_gateway_info: info, gw_port_id: portId });
        } catch (error) {
          await db.routers.delete(doc.id);
          await neutron.driver.routerDeleted({ routerId: doc.id });
          throw error;
        }
      }
      return { status: 201, body: { router: routerView(neutron, ctx, doc) } };
    },

    updateRouter: async (ctx) => {
      const id = ctx.params.router_id;
      const db = await neutron.db();
      const values = prepareUpdate(memberBody(ctx.body, 'router'), ROUTER_ATTRIBUTES);
      const current = await db.routers.get(id);
      if (!current) throw routerNotFound(id);
      const changed = Object.keys(values).filter((k) => k !== 'external_gateway_info' && JSON.stringify(values[k]) !== JSON.stringify(current[k]));
      const gwGiven = 'external_gateway_info' in values;
      enforceOrHide(neutron, ctx, 'update_router', 'get_router', routerTarget(current), () => routerNotFound(id),
        [...changed, ...(gwGiven ? gatewayAttributes(values.external_gateway_info) : [])]);
      checkIfMatch(ctx, current);
      const set: Record<string, unknown> = {};
      for (const k of ['name', 'description', 'admin_state_up', 'distributed', 'ha']) if (k in values) set[k] = values[k];
      if ('routes' in values) set.routes = await checkRoutes(current, values.routes ?? []);
      if (gwGiven) {
        const gw = parseGateway(values.external_gateway_info);
        const old = current.external_gateway_info as GatewayRequest | null;
        const sameNetwork = gw && old && gw.network_id === old.network_id;
        const fixedChanged = gw?.external_fixed_ips !== undefined && JSON.stringify(gw.external_fixed_ips) !== JSON.stringify(old?.external_fixed_ips);
        if (sameNetwork && !fixedChanged) {
          set.external_gateway_info = { ...old, enable_snat: gw.enable_snat };
        } else {
          await checkGatewayUnused(current, gw?.network_id);
          if (gw) {
            const network = await db.networks.get(gw.network_id);
            if (!network) throw networkNotFound(gw.network_id);
            if (!network['router:external']) throw badResourceRequest('router', `Network ${gw.network_id} is not an external network`);
          }
          await detachGateway(current);
          set.external_gateway_info = null;
          set.gw_port_id = null;
          if (gw) {
            const { info, portId } = await attachGateway(current, gw);
            set.external_gateway_info = info;
            set.gw_port_id = portId;
          }
        }
      }
      const updated = await updateResource(neutron, db.routers, id, () => set, () => routerNotFound(id));
      await neutron.driver.routerUpdated({ routerId: id });
      return { status: 200, body: { router: routerView(neutron, ctx, updated) } };
    },

    deleteRouter: async (ctx) => {
      const id = ctx.params.router_id;
      const db = await neutron.db();
      const doc = await db.routers.get(id);
      if (!doc) throw routerNotFound(id);
      enforceOrHide(neutron, ctx, 'delete_router', 'get_router', routerTarget(doc), () => routerNotFound(id));
      if ((await routerInterfaces(db, id)).length > 0) throw routerInUse(id);
      await checkGatewayUnused(doc, undefined);
      await detachGateway(doc);
      await db.routers.delete(id);
      await neutron.driver.routerDeleted({ routerId: id });
      return { status: 204 };
    },

    addRouterInterface: async (ctx) => {
      const id = ctx.params.router_id;
      const db = await neutron.db();
      const router = await visibleRouter(ctx, id);
      enforce(neutron, ctx, 'add_router_interface', routerTarget(router));
      const { subnet_id: subnetId, port_id: portId } = interfaceBody(ctx);
      if (subnetId && portId) throw badResourceRequest('router', 'Cannot specify both subnet-id and port-id');
      if (!subnetId && !portId) throw badResourceRequest('router', 'Either subnet_id or port_id must be specified');
      const attached = await Promise.all((await routerSubnetIds(db, id)).map((s) => db.subnets.get(s)));
      const checkOverlap = (subnet: Resource) => {
        for (const other of attached) {
          if (!other) continue;
          if (other.id === subnet.id) throw badResourceRequest('router', `Router already has a port on subnet ${subnet.id}`);
          if (cidrsOverlap(parseCidr(other.cidr)!, parseCidr(subnet.cidr)!)) {
            throw badResourceRequest('router', `Cidr ${subnet.cidr} of subnet ${subnet.id} overlaps with cidr ${other.cidr} of subnet ${other.id}`);
          }
        }
      };
      let port: Resource;
      let mainSubnet: string;
      if (portId) {
        const found = await db.ports.get(portId);
        const network = found && (await db.networks.get(found.network_id));
        if (!found || !neutron.engine.allows(ctx, 'get_port', portTarget(found, network))) throw portNotFound(portId);
        if (found.device_id || found.device_owner) {
          throw conflictKind('PortInUse', `Unable to complete operation on port ${portId} for network ${found.network_id}. Port already has an attached device ${found.device_id}.`);
        }
        if (found.fixed_ips.length === 0) throw badResourceRequest('router', 'Router port must have at least one fixed IP');
        for (const f of found.fixed_ips) {
          const subnet = await db.subnets.get(f.subnet_id);
          if (subnet) checkOverlap(subnet);
        }
        port = (await db.ports.update(portId, { device_id: id, device_owner: ROUTER_INTERFACE, status: 'ACTIVE' }))!;
        mainSubnet = found.fixed_ips[0].subnet_id;
      } else {
        const subnet = await db.subnets.get(subnetId!);
        const network = subnet && (await db.networks.get(subnet.network_id));
        if (!subnet || !network || !neutron.engine.allows(ctx, 'get_subnet', subnetTarget(subnet, network))) throw subnetNotFound(subnetId!);
        if (!subnet.gateway_ip) throw badResourceRequest('router', 'Subnet for router interface must have a gateway IP');
        checkOverlap(subnet);
        const created = await createPortRecord(neutron, {
          network,
          tenant_id: router.tenant_id,
          values: { name: '', device_id: id, device_owner: ROUTER_INTERFACE, admin_state_up: true, fixed_ips: [{ subnet_id: subnet.id, ip_address: subnet.gateway_ip }] },
        });
        port = (await db.ports.update(created.id, { status: 'ACTIVE' }))!;
        mainSubnet = subnet.id;
      }
      await updateResource(neutron, db.routers, id, () => ({}), () => routerNotFound(id));
      await neutron.driver.routerInterfaceAdded({ routerId: id, portId: port.id, subnetId: mainSubnet });
      return { status: 200, body: interfaceInfo(router, port, mainSubnet) };
    },

    removeRouterInterface: async (ctx) => {
      const id = ctx.params.router_id;
      const db = await neutron.db();
      const router = await visibleRouter(ctx, id);
      enforce(neutron, ctx, 'remove_router_interface', routerTarget(router));
      const { subnet_id: subnetId, port_id: portId } = interfaceBody(ctx);
      if (!subnetId && !portId) throw badResourceRequest('router', 'Either subnet_id or port_id must be specified');
      const interfaces = await routerInterfaces(db, id);
      let port: Resource | undefined;
      if (portId) {
        port = interfaces.find((p) => p.id === portId);
        if (!port) throw notFoundKind('RouterInterfaceNotFound', `Router ${id} does not have an interface with id ${portId}`);
        if (subnetId && !port.fixed_ips.some((f: { subnet_id: string }) => f.subnet_id === subnetId)) {
          throw conflictKind('SubnetMismatchForPort', `Subnet on port ${portId} does not match the requested subnet ${subnetId}.`);
        }
      } else {
        port = interfaces.find((p) => p.fixed_ips.some((f: { subnet_id: string }) => f.subnet_id === subnetId));
        if (!port) throw notFoundKind('RouterInterfaceNotFoundForSubnet', `Router ${id} has no interface on subnet ${subnetId}`);
      }
      const subnetIds: string[] = port.fixed_ips.map((f: { subnet_id: string }) => f.subnet_id);
      const fips = await db.floatingips.find({ router_id: id });
      for (const sid of subnetIds) {
        const subnet = await db.subnets.get(sid);
        if (!subnet) continue;
        const cidr = parseCidr(subnet.cidr)!;
        if (fips.some((f) => f.fixed_ip_address && containsIp(cidr, parseIp(f.fixed_ip_address)!))) {
          throw conflictKind('RouterInterfaceInUseByFloatingIP',
            `Router interface for subnet ${sid} on router ${id} cannot be deleted, as it is required by one or more floating IPs.`);
        }
        if ((router.routes ?? []).some((r: { nexthop: string }) => containsIp(cidr, parseIp(r.nexthop)!))) {
          throw conflictKind('RouterInterfaceInUseByRoute',
            `Router interface for subnet ${sid} on router ${id} cannot be deleted, as it is required by one or more routes.`);
        }
      }
      await deletePortRecord(neutron, port);
      await updateResource(neutron, db.routers, id, () => ({}), () => routerNotFound(id));
      await neutron.driver.routerInterfaceRemoved({ routerId: id, portId: port.id, subnetId: subnetId ?? subnetIds[0] });
      return { status: 200, body: interfaceInfo(router, port, subnetId ?? subnetIds[0]) };
    },
  };
}
