// /v2.0/floatingips: addresses allocated from an external network (each held by a
// `network:floatingip` port), associated with a fixed IP of a port that a router with a gateway
// on that external network can reach.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { uuid } from '../../platform/ids.ts';
import { memberBody, nullableString, prepareCreate, prepareUpdate, STANDARD_ATTRIBUTES, uuid as uuidCheck, uuidOrNull, type AttributeMap } from './attributes.ts';
import type { Neutron, NeutronDb, Resource } from './context.ts';
import { badResourceRequest, conflictKind, floatingIpNotFound, invalidAttribute, networkNotFound, notFoundKind, portNotFound } from './errors.ts';
import { enforce, enforceOrHide } from './policy.ts';
import { listResponse, selectedFields, selectFields } from './resource-collection.ts';
import { checkIfMatch, newStandardAttributes, owningProject, ownerView, updateResource } from './standard-attrs.ts';
import { createPortRecord, deletePortRecord, portTarget } from './ports.ts';
import { containsIp, parseCidr, parseIp, canonicalIp } from './ipam/ip-address.ts';
import { routerInterfaces } from './routers.ts';
import { checkQuota } from './quotas.ts';

export const FLOATINGIP_OWNER = 'network:floatingip';

const ipAddress = (value: unknown, name: string) => {
  const ip = typeof value === 'string' ? canonicalIp(value) : undefined;
  if (!ip) throw invalidAttribute(name, `'${String(value)}' is not a valid IP address`);
  return ip;
};

export const FLOATINGIP_ATTRIBUTES: AttributeMap = {
  ...STANDARD_ATTRIBUTES,
  name: { allowPost: false, allowPut: false, filter: 'none' },
  floating_ip_address: { allowPost: true, allowPut: false, convert: ipAddress, filter: 'string', sortable: true },
  subnet_id: { allowPost: true, allowPut: false, default: null, convert: uuidOrNull, filter: 'none' },
  floating_network_id: { allowPost: true, allowPut: false, required: true, convert: uuidCheck, filter: 'string', sortable: true },
  router_id: { allowPost: false, allowPut: false, filter: 'string', sortable: true },
  port_id: { allowPost: true, allowPut: true, default: null, convert: uuidOrNull, filter: 'string', sortable: true },
  fixed_ip_address: { allowPost: true, allowPut: true, default: null, convert: (v, n) => (v === null ? null : ipAddress(v, n)), filter: 'string', sortable: true },
  status: { allowPost: false, allowPut: false, filter: 'string', sortable: true },
  port_details: { allowPost: false, allowPut: false, filter: 'none' },
  qos_policy_id: { allowPost: false, allowPut: false, filter: 'none' },
  port_forwardings: { allowPost: false, allowPut: false, filter: 'none' },
  description: { ...STANDARD_ATTRIBUTES.description, convert: nullableString(255) },
};

export const floatingIpTarget = (doc: Resource) => ({ ...doc, project_id: doc.tenant_id });

function portDetails(port: Resource | undefined): Record<string, unknown> | null {
  if (!port) return null;
  return {
    name: port.name, network_id: port.network_id, mac_address: port.mac_address, admin_state_up: port.admin_state_up,
    status: port.status, device_id: port.device_id, device_owner: port.device_owner,
  };
}

export function floatingIpView(doc: Resource, port?: Resource): Record<string, unknown> {
  return {
    id: doc.id,
    ...ownerView(doc),
    floating_ip_address: doc.floating_ip_address,
    floating_network_id: doc.floating_network_id,
    router_id: doc.router_id,
    port_id: doc.port_id,
    fixed_ip_address: doc.fixed_ip_address,
    status: doc.status,
    description: doc.description,
    qos_policy_id: null,
    port_details: doc.port_id ? portDetails(port) : null,
    port_forwardings: [],
    tags: doc.tags,
    created_at: doc.created_at,
    updated_at: doc.updated_at,
    revision_number: doc.revision_number,
  };
}

interface Association { port_id: string | null; fixed_ip_address: string | null; router_id: string | null }

/** Which fixed IP of the port the floating IP maps to, and which router gives it a way out. */
async function associate(neutron: Neutron, ctx: RequestContext, db: NeutronDb, fip: { id: string; floating_network_id: string; floating_ip_address: string },
  portId: string | null, fixedIp: string | null): Promise<Association> {
  if (portId === null) return { port_id: null, fixed_ip_address: null, router_id: null };
  const port = await db.ports.get(portId);
  const network = port && (await db.networks.get(port.network_id));
  if (!port || !neutron.engine.allows(ctx, 'get_port', portTarget(port, network))) throw portNotFound(portId);
  if (String(port.device_owner).startsWith('network:') && port.device_owner !== 'network:compute') {
    throw badResourceRequest('floatingip', `Port ${portId} has owner ${port.device_owner} and therefore cannot be assigned a floating IP`);
  }
  const v4 = (port.fixed_ips as Array<{ subnet_id: string; ip_address: string }>).filter((f) => parseIp(f.ip_address)?.version === 4);
  let chosen: { subnet_id: string; ip_address: string } | undefined;
  if (fixedIp !== null) {
    chosen = v4.find((f) => f.ip_address === fixedIp);
    if (!chosen) throw badResourceRequest('floatingip', `Port ${portId} does not have fixed ip ${fixedIp}`);
  } else {
    if (v4.length === 0) throw badResourceRequest('floatingip', `Cannot add floating IP to port ${portId} that has no fixed IPv4 addresses`);
    if (v4.length > 1) {
      throw badResourceRequest('floatingip', `Port ${portId} has multiple fixed IPv4 addresses. Must provide a specific IPv4 address when assigning a floating IP`);
    }
    chosen = v4[0];
  }
  const taken = (await db.floatingips.find({ port_id: portId })).find((f) => f.id !== fip.id && f.fixed_ip_address === chosen.ip_address);
  if (taken) {
    throw conflictKind('FloatingIPPortAlreadyAssociated',
      `Cannot associate floating IP ${fip.floating_ip_address} (${fip.id}) with port ${portId} using fixed IP ${chosen.ip_address}, as that fixed IP already has a floating IP on external network ${taken.floating_network_id}.`);
  }
  const routers = (await db.routers.find({})).filter((r) => r.external_gateway_info?.network_id === fip.floating_network_id);
  for (const router of routers) {
    const interfaces = await routerInterfaces(db, router.id);
    if (interfaces.some((p) => p.network_id === port.network_id && p.fixed_ips.some((f: { subnet_id: string }) => f.subnet_id === chosen.subnet_id))) {
      return { port_id: portId, fixed_ip_address: chosen.ip_address, router_id: router.id };
    }
  }
  throw notFoundKind('ExternalGatewayForFloatingIPNotFound',
    `External network ${fip.floating_network_id} is not reachable from subnet ${chosen.subnet_id}.  Therefore, cannot associate Port ${portId} with a Floating IP.`);
}

/** A port going away takes its floating IP associations with it (Neutron disassociates them). */
export async function disassociatePortFloatingIps(neutron: Neutron, portId: string): Promise<void> {
  const db = await neutron.db();
  for (const fip of await db.floatingips.find({ port_id: portId })) {
    await updateResource(neutron, db.floatingips, fip.id, () => ({ port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN' }), () => floatingIpNotFound(fip.id));
  }
}

export function floatingIpHandlers(neutron: Neutron): Record<string, OperationHandler> {
  async function view(db: NeutronDb, doc: Resource) {
    return floatingIpView(doc, doc.port_id ? await db.ports.get(doc.port_id) : undefined);
  }

  return {
    listFloatingIps: async (ctx) => {
      const db = await neutron.db();
      const docs = await db.floatingips.find({}, { sort: [['created_at', 'asc']] });
      const visible = docs.filter((d) => neutron.engine.allows(ctx, 'get_floatingip', floatingIpTarget(d)));
      const views = await Promise.all(visible.map((d) => view(db, d)));
      return listResponse(ctx, { plural: 'floatingips', attributes: FLOATINGIP_ATTRIBUTES }, views);
    },

    showFloatingIp: async (ctx) => {
      const db = await neutron.db();
      const doc = await db.floatingips.get(ctx.params.floatingip_id);
      if (!doc || !neutron.engine.allows(ctx, 'get_floatingip', floatingIpTarget(doc))) throw floatingIpNotFound(ctx.params.floatingip_id);
      return { status: 200, body: { floatingip: selectFields(await view(db, doc), selectedFields(ctx)) } };
    },

    createFloatingIp: async (ctx) => {
      const input = memberBody(ctx.body, 'floatingip');
      const { values, explicit } = prepareCreate(input, FLOATINGIP_ATTRIBUTES);
      const owner = owningProject(ctx, values);
      enforce(neutron, ctx, 'create_floatingip', { ...values, project_id: owner }, explicit);
      const db = await neutron.db();
      const network = await db.networks.get(values.floating_network_id);
      if (!network) throw networkNotFound(values.floating_network_id);
      if (!network['router:external']) throw badResourceRequest('floatingip', `Network ${network.id} is not a valid external network`);
      await checkQuota(neutron, 'floatingip', owner);
      const subnets = (await db.subnets.find({ network_id: network.id }, { sort: [['created_at', 'asc']] })).filter((s) => s.ip_version === 4);
      let request: { subnet_id?: string; ip_address?: string };
      if (values.subnet_id) {
        if (!subnets.some((s) => s.id === values.subnet_id)) throw badResourceRequest('floatingip', `Subnet ${values.subnet_id} does not belong to network ${network.id}`);
        request = { subnet_id: values.subnet_id };
      } else if (values.floating_ip_address) {
        const ip = parseIp(values.floating_ip_address)!;
        const subnet = subnets.find((s) => containsIp(parseCidr(s.cidr)!, ip));
        if (!subnet) throw badResourceRequest('floatingip', `Network ${network.id} does not contain any IPv4 subnet`);
        request = { subnet_id: subnet.id };
      } else {
        if (subnets.length === 0) throw badResourceRequest('floatingip', `Network ${network.id} does not contain any IPv4 subnet`);
        request = { subnet_id: subnets[0].id };
      }
      if (values.floating_ip_address) request.ip_address = values.floating_ip_address;
      const id = uuid();
      const port = await createPortRecord(neutron, {
        network,
        tenant_id: '',
        values: { name: '', device_id: id, device_owner: FLOATINGIP_OWNER, admin_state_up: true, fixed_ips: [request] },
      });
      const address = port.fixed_ips[0].ip_address as string;
      let assoc: Association;
      try {
        assoc = await associate(neutron, ctx, db, { id, floating_network_id: network.id, floating_ip_address: address }, values.port_id, values.fixed_ip_address);
      } catch (error) {
        await deletePortRecord(neutron, port);
        throw error;
      }
      const doc: Resource = {
        id,
        tenant_id: owner,
        description: values.description ?? '',
        floating_network_id: network.id,
        floating_ip_address: address,
        floating_port_id: port.id,
        ...assoc,
        status: assoc.port_id ? 'ACTIVE' : 'DOWN',
        ...newStandardAttributes(neutron),
      };
      await db.floatingips.insert(doc);
      if (assoc.router_id) await neutron.driver.routerUpdated({ routerId: assoc.router_id, portId: assoc.port_id ?? undefined });
      return { status: 201, body: { floatingip: await view(db, doc) } };
    },

    updateFloatingIp: async (ctx) => {
      const id = ctx.params.floatingip_id;
      const db = await neutron.db();
      const values = prepareUpdate(memberBody(ctx.body, 'floatingip'), FLOATINGIP_ATTRIBUTES);
      let previousRouter: string | null = null;
      const updated = await updateResource(neutron, db.floatingips, id, async (current) => {
        enforceOrHide(neutron, ctx, 'update_floatingip', 'get_floatingip', floatingIpTarget(current), () => floatingIpNotFound(id));
        checkIfMatch(ctx, current);
        previousRouter = current.router_id;
        const set: Record<string, unknown> = {};
        if ('description' in values) set.description = values.description ?? '';
        if ('port_id' in values) {
          const assoc = await associate(neutron, ctx, db, current as Resource & { floating_ip_address: string; floating_network_id: string },
            values.port_id, values.port_id === null ? null : values.fixed_ip_address ?? null);
          Object.assign(set, assoc, { status: assoc.port_id ? 'ACTIVE' : 'DOWN' });
        } else if ('fixed_ip_address' in values && values.fixed_ip_address !== null) {
          if (!current.port_id) throw badResourceRequest('floatingip', 'fixed_ip_address cannot be specified without a port_id');
          Object.assign(set, await associate(neutron, ctx, db, current as Resource & { floating_ip_address: string; floating_network_id: string }, current.port_id, values.fixed_ip_address));
        }
        return set;
      }, () => floatingIpNotFound(id));
      for (const r of new Set([previousRouter, updated.router_id].filter(Boolean) as string[])) await neutron.driver.routerUpdated({ routerId: r });
      return { status: 200, body: { floatingip: await view(db, updated) } };
    },

    deleteFloatingIp: async (ctx) => {
      const id = ctx.params.floatingip_id;
      const db = await neutron.db();
      const doc = await db.floatingips.get(id);
      if (!doc) throw floatingIpNotFound(id);
      enforceOrHide(neutron, ctx, 'delete_floatingip', 'get_floatingip', floatingIpTarget(doc), () => floatingIpNotFound(id));
      await db.floatingips.delete(id);
      const port = await db.ports.get(doc.floating_port_id);
      if (port) await deletePortRecord(neutron, port);
      if (doc.router_id) await neutron.driver.routerUpdated({ routerId: doc.router_id });
      return { status: 204 };
    },
  };
}
