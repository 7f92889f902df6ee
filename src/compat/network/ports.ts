// /v2.0/ports: ports with fixed IPs from the IPAM, MACs from the base MAC, port binding through
// the network driver, security groups, port security, allowed address pairs and extra DHCP options.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import { uuid } from '../../platform/ids.ts';
import {
  boolean, dict, memberBody, prepareCreate, prepareUpdate, STANDARD_ATTRIBUTES, string, uuid as uuidCheck, type AttributeMap,
} from './attributes.ts';
import type { Neutron, NeutronDb, Resource } from './context.ts';
import { badRequestKind, conflictKind, invalidAttribute, macInUse, portNotFound, securityGroupNotFound } from './errors.ts';
import { enforce, enforceOrHide, isAdmin, nestedAttributes, stripByPolicy } from './policy.ts';
import { findListed, listResponse, selectedFields, selectFields, queryValues, type StoreListSpec } from './resource-collection.ts';
import { checkIfMatch, newStandardAttributes, owningProject, ownerView, updateResource } from './standard-attrs.ts';
import { allocatePortAddresses, parseFixedIpRequests, type FixedIp } from './ipam/port-addresses.ts';
import { releaseAddress, releasePortAddresses } from './ipam/ip-allocator.ts';
import { canonicalMac, randomMac } from './ipam/mac-address.ts';
import { parseCidr, parseIp } from './ipam/ip-address.ts';
import { ensureDefaultSecurityGroup } from './default-security-group.ts';
import { networkTarget, visibleNetwork } from './networks.ts';
import { checkQuota } from './quotas.ts';

const VNIC_TYPES = ['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical', 'virtio-forwarder', 'smart-nic', 'vdpa', 'accelerator-direct', 'accelerator-direct-physical', 'remote-managed'];
const MAX_ADDRESS_PAIRS = 10;

export const PORT_ATTRIBUTES: AttributeMap = {
  ...STANDARD_ATTRIBUTES,
  network_id: { allowPost: true, allowPut: false, required: true, convert: uuidCheck, filter: 'string', sortable: true },
  admin_state_up: { allowPost: true, allowPut: true, default: true, convert: boolean, filter: 'boolean', sortable: true },
  mac_address: { allowPost: true, allowPut: true, filter: 'string', sortable: true },
  fixed_ips: { allowPost: true, allowPut: true, filter: 'none' },
  device_id: { allowPost: true, allowPut: true, default: '', convert: string(255), filter: 'string', sortable: true },
  device_owner: { allowPost: true, allowPut: true, default: '', convert: string(255), filter: 'string', sortable: true },
  status: { allowPost: false, allowPut: false, filter: 'string', sortable: true },
  security_groups: { allowPost: true, allowPut: true, filter: 'list' },
  port_security_enabled: { allowPost: true, allowPut: true, convert: boolean, filter: 'boolean' },
  allowed_address_pairs: { allowPost: true, allowPut: true, filter: 'none' },
  extra_dhcp_opts: { allowPost: true, allowPut: true, filter: 'none' },
  'binding:host_id': { allowPost: true, allowPut: true, default: '', convert: string(255), filter: 'string' },
  'binding:vnic_type': { allowPost: true, allowPut: true, default: 'normal', filter: 'string',
    convert: (v, n) => { if (!VNIC_TYPES.includes(v as string)) throw invalidAttribute(n, `'${String(v)}' is not in [${VNIC_TYPES.map((t) => `'${t}'`).join(', ')}]`); return v; } },
  'binding:profile': { allowPost: true, allowPut: true, default: {}, convert: (v, n) => (v === null ? {} : dict(v, n)), filter: 'none' },
  'binding:vif_type': { allowPost: false, allowPut: false, filter: 'string' },
  'binding:vif_details': { allowPost: false, allowPut: false, filter: 'none' },
};

const isNetworkDevice = (owner: string) => owner.startsWith('network:');

export const portTarget = (doc: Resource, network?: Resource) => ({
  ...doc,
  project_id: doc.tenant_id,
  network_device: isNetworkDevice(String(doc.device_owner ?? '')),
  'network:tenant_id': network?.tenant_id,
  'network:project_id': network?.tenant_id,
  shared: network?.shared ?? false,
});

export function portView(neutron: Neutron, ctx: RequestContext, doc: Resource, network?: Resource): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: doc.id,
    name: doc.name,
    network_id: doc.network_id,
    ...ownerView(doc),
    mac_address: doc.mac_address,
    admin_state_up: doc.admin_state_up,
    status: doc.status,
    device_id: doc.device_id,
    device_owner: doc.device_owner,
    fixed_ips: doc.fixed_ips,
    allowed_address_pairs: doc.allowed_address_pairs,
    extra_dhcp_opts: doc.extra_dhcp_opts,
    security_groups: doc.security_groups,
    description: doc.description,
    'binding:vnic_type': doc['binding:vnic_type'],
    'binding:profile': doc['binding:profile'],
    'binding:host_id': doc['binding:host_id'],
    'binding:vif_type': doc['binding:vif_type'],
    'binding:vif_details': doc['binding:vif_details'],
    port_security_enabled: doc.port_security_enabled,
    tags: doc.tags,
    created_at: doc.created_at,
    updated_at: doc.updated_at,
    revision_number: doc.revision_number,
  };
  return stripByPolicy(neutron, ctx, 'get_port', view, portTarget(doc, network));
}

function checkAddressPairs(value: unknown): Array<{ ip_address: string; mac_address?: string }> {
  if (!Array.isArray(value)) throw invalidAttribute('allowed_address_pairs', `'${JSON.stringify(value)}' is not a list`);
  if (value.length > MAX_ADDRESS_PAIRS) {
    throw badRequestKind('AllowedAddressPairExhausted', `The number of allowed address pair exceeds the maximum ${MAX_ADDRESS_PAIRS}.`);
  }
  const seen = new Set<string>();
  return value.map((raw) => {
    const p = raw as Record<string, unknown>;
    if (!p || typeof p !== 'object') throw invalidAttribute('allowed_address_pairs', `'${JSON.stringify(raw)}' is not a dictionary`);
    if (p.ip_address === undefined) throw badRequestKind('AllowedAddressPairsMissingIP', 'AllowedAddressPair must contain ip_address');
    const extra = Object.keys(p).filter((k) => k !== 'ip_address' && k !== 'mac_address');
    if (extra.length) throw invalidAttribute('allowed_address_pairs', `Unrecognized attribute(s) '${extra.join(', ')}'`);
    if (!parseIp(p.ip_address) && !parseCidr(p.ip_address)) {
      throw invalidAttribute('allowed_address_pairs', `'${String(p.ip_address)}' is not a valid IP address`);
    }
    if (p.mac_address !== undefined && !canonicalMac(p.mac_address)) {
      throw invalidAttribute('allowed_address_pairs', `'${String(p.mac_address)}' is not a valid MAC address`);
    }
    const key = `${p.ip_address}|${p.mac_address ?? ''}`;
    if (seen.has(key)) {
      throw badRequestKind('DuplicateAddressPairInRequest', `Request contains duplicate address pair: mac_address ${p.mac_address ?? 'None'} ip_address ${p.ip_address}.`);
    }
    seen.add(key);
    return p.mac_address === undefined ? { ip_address: String(p.ip_address) } : { ip_address: String(p.ip_address), mac_address: canonicalMac(p.mac_address)! };
  });
}

function checkDhcpOpts(value: unknown): Array<{ opt_name: string; opt_value: string; ip_version: number }> {
  if (!Array.isArray(value)) throw invalidAttribute('extra_dhcp_opts', `'${JSON.stringify(value)}' is not a list`);
  return value.map((raw) => {
    const o = raw as Record<string, unknown>;
    if (!o || typeof o !== 'object' || typeof o.opt_name !== 'string' || o.opt_name === '') {
      throw invalidAttribute('extra_dhcp_opts', `'${JSON.stringify(raw)}' is not a valid extra DHCP option`);
    }
    const version = o.ip_version === undefined ? 4 : Number(o.ip_version);
    if (version !== 4 && version !== 6) throw invalidAttribute('extra_dhcp_opts', `${String(o.ip_version)} is not in [4, 6]`);
    return { opt_name: o.opt_name, opt_value: o.opt_value === null ? '' : String(o.opt_value), ip_version: version };
  });
}

async function checkSecurityGroups(db: NeutronDb, ctx: RequestContext, value: unknown, tenant: string): Promise<string[]> {
  if (!Array.isArray(value)) throw invalidAttribute('security_groups', `'${JSON.stringify(value)}' is not a list`);
  const ids = [...new Set(value.map((v) => uuidCheck(v, 'security_groups') as string))];
  for (const id of ids) {
    const sg = await db.securityGroups.get(id);
    const admin = (ctx.auth?.roles ?? []).includes('admin');
    if (!sg || (!admin && sg.tenant_id !== tenant)) throw securityGroupNotFound(id);
  }
  return ids;
}

async function claimMac(db: NeutronDb, networkId: string, requested: string | undefined, baseMac: string): Promise<string> {
  if (requested !== undefined) {
    try {
      await db.macAllocations.insert({ id: `${networkId}/${requested}`, network_id: networkId });
      return requested;
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw macInUse(requested, networkId);
      throw error;
    }
  }
  for (let i = 0; i < 16; i++) {
    const mac = randomMac(baseMac);
    try {
      await db.macAllocations.insert({ id: `${networkId}/${mac}`, network_id: networkId });
      return mac;
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
    }
  }
  throw conflictKind('MacAddressGenerationFailure', `Unable to generate unique mac on network ${networkId}.`);
}

const UNBOUND = { 'binding:vif_type': 'unbound', 'binding:vif_details': {} };

/** Binds (or unbinds) through the driver; returns the binding fields and status to store. */
export async function bindingFields(neutron: Neutron, doc: Resource, network: Resource): Promise<Record<string, unknown>> {
  const host = doc['binding:host_id'] as string;
  if (!host) return { ...UNBOUND, status: 'DOWN' };
  const result = await neutron.driver.bindPort({
    portId: doc.id, networkId: doc.network_id, macAddress: doc.mac_address, fixedIps: doc.fixed_ips, deviceOwner: doc.device_owner,
    hostId: host, vnicType: doc['binding:vnic_type'], profile: doc['binding:profile'],
    network: {
      id: network.id, networkType: network['provider:network_type'], physicalNetwork: network['provider:physical_network'],
      segmentationId: network['provider:segmentation_id'], mtu: network.mtu,
    },
  });
  return {
    'binding:vif_type': result.vifType,
    'binding:vif_details': result.vifDetails,
    status: doc.admin_state_up && result.vifType !== 'binding_failed' ? result.status : 'DOWN',
  };
}

export interface NewPort {
  network: Resource;
  tenant_id: string;
  values: Record<string, any>;
  ctx?: RequestContext;
}

/** Creates a port record with its addresses and MAC; used by the API and by the DHCP port logic. */
export async function createPortRecord(neutron: Neutron, port: NewPort): Promise<Resource> {
  const db = await neutron.db();
  const { network, values } = port;
  const id = uuid();
  const portSecurity = values.port_security_enabled ?? network.port_security_enabled;
  const owner = String(values.device_owner ?? '');
  if (portSecurity === false && Array.isArray(values.security_groups) && values.security_groups.length > 0) {
    throw conflictKind('PortSecurityAndIPRequiredForSecurityGroups', 'Port security must be enabled and port must have an IP address in order to use security groups.');
  }
  const pairs = values.allowed_address_pairs === undefined ? [] : checkAddressPairs(values.allowed_address_pairs);
  if (portSecurity === false && pairs.length > 0) {
    throw conflictKind('AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');
  }
  const dhcpOpts = values.extra_dhcp_opts === undefined ? [] : checkDhcpOpts(values.extra_dhcp_opts);
  let securityGroups: string[] = [];
  if (values.security_groups !== undefined) securityGroups = port.ctx ? await checkSecurityGroups(db, port.ctx, values.security_groups, port.tenant_id) : values.security_groups;
  else if (portSecurity !== false && !isNetworkDevice(owner)) securityGroups = [(await ensureDefaultSecurityGroup(neutron, port.tenant_id))!].filter(Boolean);
  let mac: string | undefined;
  if (values.mac_address !== undefined) {
    mac = canonicalMac(values.mac_address);
    if (!mac) throw invalidAttribute('mac_address', `'${String(values.mac_address)}' is not a valid MAC address`);
  }
  const requests = values.fixed_ips === undefined ? undefined : parseFixedIpRequests(values.fixed_ips);
  mac = await claimMac(db, network.id, mac, neutron.config.baseMac);
  let fixedIps: FixedIp[];
  try {
    const subnets = await db.subnets.find({ network_id: network.id }, { sort: [['created_at', 'asc']] });
    fixedIps = await allocatePortAddresses(db, network.id, subnets, requests, id, mac);
  } catch (error) {
    await db.macAllocations.delete(`${network.id}/${mac}`);
    throw error;
  }
  const pairsWithMac = pairs.map((p) => ({ ip_address: p.ip_address, mac_address: p.mac_address ?? mac }));
  const doc: Resource = {
    id,
    name: values.name ?? '',
    description: values.description ?? '',
    network_id: network.id,
    tenant_id: port.tenant_id,
    mac_address: mac,
    admin_state_up: values.admin_state_up ?? true,
    status: 'DOWN',
    device_id: values.device_id ?? '',
    device_owner: owner,
    fixed_ips: fixedIps,
    allowed_address_pairs: pairsWithMac,
    extra_dhcp_opts: dhcpOpts,
    security_groups: portSecurity === false ? [] : securityGroups,
    port_security_enabled: portSecurity,
    'binding:host_id': values['binding:host_id'] ?? '',
    'binding:vnic_type': values['binding:vnic_type'] ?? 'normal',
    'binding:profile': values['binding:profile'] ?? {},
    ...UNBOUND,
    ...newStandardAttributes(neutron),
  };
  Object.assign(doc, await bindingFields(neutron, doc, network));
  try {
    await db.ports.insert(doc);
  } catch (error) {
    await releasePortAddresses(db, id);
    await db.macAllocations.delete(`${network.id}/${mac}`);
    throw error;
  }
  return doc;
}

/** Router and floating IP ports go with their router or floating IP, never through DELETE /ports. */
async function preventL3PortDeletion(db: NeutronDb, doc: Resource): Promise<void> {
  const owner = String(doc.device_owner ?? '');
  const routerPort = ['network:router_interface', 'network:router_gateway', 'network:router_interface_distributed', 'network:ha_router_replicated_interface'].includes(owner);
  const device = routerPort ? await db.routers.get(doc.device_id) : owner === 'network:floatingip' ? await db.floatingips.get(doc.device_id) : undefined;
  if (device) {
    throw conflictKind('ServicePortInUse', `Port ${doc.id} cannot be deleted directly via the port API: has device owner ${owner}.`);
  }
}

export async function deletePortRecord(neutron: Neutron, doc: Resource): Promise<void> {
  const db = await neutron.db();
  await db.ports.delete(doc.id);
  // Neutron disassociates the floating IPs of a port that goes away
  for (const fip of await db.floatingips.find({ port_id: doc.id })) {
    await db.floatingips.update(fip.id, { port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN', revision_number: fip.revision_number + 1 });
  }
  await releasePortAddresses(db, doc.id);
  await db.macAllocations.delete(`${doc.network_id}/${doc.mac_address}`);
  if (doc['binding:host_id']) await neutron.driver.unbindPort(doc.id, doc['binding:host_id']);
  await neutron.driver.portDeleted(doc.id, doc.network_id);
}

/** ports=filters that are not plain attributes: fixed_ips=ip_address=..., subnet_id=..., ip_address_substr=... */
function fixedIpsFilter(item: Record<string, any>, values: string[]): boolean {
  const ips: FixedIp[] = item.fixed_ips ?? [];
  return values.every((v) => {
    const eq = v.indexOf('=');
    if (eq < 0) return true;
    const key = v.slice(0, eq), want = v.slice(eq + 1);
    if (key === 'ip_address') return ips.some((f) => f.ip_address === want);
    if (key === 'subnet_id') return ips.some((f) => f.subnet_id === want);
    if (key === 'ip_address_substr') return ips.some((f) => f.ip_address.includes(want));
    return true;
  });
}

/** port attributes stored under their API names with the values the API shows */
const STORED_PORT_FIELDS: Record<string, string> = Object.fromEntries([
  'id', 'name', 'description', 'network_id', 'tenant_id', 'mac_address', 'admin_state_up', 'status', 'device_id', 'device_owner',
  'binding:host_id', 'binding:vnic_type', 'security_groups', 'port_security_enabled', 'revision_number', 'created_at', 'updated_at',
].map((k) => [k, k]).concat([['project_id', 'tenant_id']]));

const PORT_LIST = { plural: 'ports', attributes: PORT_ATTRIBUTES, customFilters: { fixed_ips: fixedIpsFilter } };

/**
 * `fixed_ips=ip_address=...` and `fixed_ips=subnet_id=...` answered from the IP allocations (one
 * indexed lookup each) as a condition on port ids; substring filters stay in memory.
 */
async function fixedIpsCondition(db: NeutronDb, ctx: RequestContext): Promise<Pick<StoreListSpec, 'extra' | 'extraCovers'>> {
  const values = queryValues(ctx, 'fixed_ips');
  let ids: Set<string> | undefined;
  let covers = values.length > 0;
  for (const v of values) {
    const eq = v.indexOf('=');
    const key = eq < 0 ? '' : v.slice(0, eq), want = v.slice(eq + 1);
    if (key !== 'ip_address' && key !== 'subnet_id') {
      if (eq >= 0) covers = false;
      continue;
    }
    const held = new Set((await db.ipAllocations.find({ [key]: want })).map((a) => a.port_id as string));
    ids = ids === undefined ? held : new Set([...ids].filter((id) => held.has(id)));
  }
  if (ids === undefined) return { extraCovers: covers ? ['fixed_ips'] : [] };
  return { extra: { id: { $in: [...ids] } }, extraCovers: covers ? ['fixed_ips'] : [] };
}

export function portHandlers(neutron: Neutron): Record<string, OperationHandler> {
  async function networkOf(id: string): Promise<Resource | undefined> {
    return (await neutron.db()).networks.get(id);
  }

  return {
    listPorts: async (ctx) => {
      const db = await neutron.db();
      await ensureDefaultSecurityGroup(neutron, ctx.auth?.projectId);
      const byFixedIp = await fixedIpsCondition(db, ctx);
      const { docs, paged } = await findListed(ctx, db.ports, { spec: PORT_LIST, stored: STORED_PORT_FIELDS, allVisible: isAdmin(ctx), ...byFixedIp });
      const networkIds = [...new Set(docs.map((d) => d.network_id as string))];
      const networks = new Map((await db.networks.find({ id: { $in: networkIds } })).map((n) => [n.id, n]));
      const views = docs
        .filter((d) => neutron.engine.allows(ctx, 'get_port', portTarget(d, networks.get(d.network_id))))
        .map((d) => portView(neutron, ctx, d, networks.get(d.network_id)));
      return listResponse(ctx, PORT_LIST, views, paged);
    },

    showPort: async (ctx) => {
      const db = await neutron.db();
      const doc = await db.ports.get(ctx.params.port_id);
      const network = doc && (await networkOf(doc.network_id));
      if (!doc || !neutron.engine.allows(ctx, 'get_port', portTarget(doc, network))) throw portNotFound(ctx.params.port_id);
      return { status: 200, body: { port: selectFields(portView(neutron, ctx, doc, network), selectedFields(ctx)) } };
    },

    createPort: async (ctx) => {
      const input = memberBody(ctx.body, 'port');
      const { values, explicit } = prepareCreate(input, PORT_ATTRIBUTES);
      const tenant = owningProject(ctx, values);
      const network = await visibleNetwork(neutron, ctx, values.network_id);
      const attrs = [...explicit, ...nestedAttributes('fixed_ips', values.fixed_ips), ...nestedAttributes('allowed_address_pairs', values.allowed_address_pairs)];
      if ('fixed_ips' in input) attrs.push('fixed_ips');
      const target = { ...portTarget({ ...values, id: '', tenant_id: tenant }, network) };
      enforce(neutron, ctx, 'create_port', target, attrs);
      await checkQuota(neutron, 'port', tenant);
      for (const key of ['mac_address', 'fixed_ips', 'security_groups', 'allowed_address_pairs', 'extra_dhcp_opts', 'port_security_enabled', 'binding:host_id', 'binding:vnic_type', 'binding:profile']) {
        if (!(key in input)) delete values[key];
      }
      const doc = await createPortRecord(neutron, { network, tenant_id: tenant, values, ctx });
      return { status: 201, body: { port: portView(neutron, ctx, doc, network) } };
    },

    updatePort: async (ctx) => {
      const id = ctx.params.port_id;
      const db = await neutron.db();
      const input = memberBody(ctx.body, 'port');
      const values = prepareUpdate(input, PORT_ATTRIBUTES);
      let network: Resource | undefined;
      let released: FixedIp[] = [];
      let oldMac: string | undefined;
      const updated = await updateResource(neutron, db.ports, id, async (current) => {
        network = await networkOf(current.network_id);
        const target = portTarget(current, network);
        const changed = Object.keys(values).filter((k) => JSON.stringify(values[k]) !== JSON.stringify(current[k]));
        const attrs = [...changed, ...nestedAttributes('fixed_ips', changed.includes('fixed_ips') ? values.fixed_ips : undefined),
          ...nestedAttributes('allowed_address_pairs', changed.includes('allowed_address_pairs') ? values.allowed_address_pairs : undefined)];
        enforceOrHide(neutron, ctx, 'update_port', 'get_port', target, () => portNotFound(id), attrs);
        checkIfMatch(ctx, current);
        const set: Record<string, unknown> = {};
        for (const k of ['name', 'description', 'admin_state_up', 'device_id', 'device_owner', 'binding:host_id', 'binding:vnic_type', 'binding:profile']) {
          if (k in values) set[k] = values[k];
        }
        const portSecurity = 'port_security_enabled' in values ? values.port_security_enabled : current.port_security_enabled;
        set.port_security_enabled = portSecurity;
        let groups: string[] = current.security_groups;
        if ('security_groups' in values) groups = await checkSecurityGroups(db, ctx, values.security_groups ?? [], current.tenant_id);
        let pairs = current.allowed_address_pairs;
        if ('allowed_address_pairs' in values) {
          pairs = checkAddressPairs(values.allowed_address_pairs ?? []).map((p) => ({ ip_address: p.ip_address, mac_address: p.mac_address ?? current.mac_address }));
        }
        if (portSecurity === false) {
          if (groups.length > 0 && 'security_groups' in values) {
            throw conflictKind('PortSecurityAndIPRequiredForSecurityGroups', 'Port security must be enabled and port must have an IP address in order to use security groups.');
          }
          if (groups.length > 0) {
            throw conflictKind('PortSecurityPortHasSecurityGroup', 'Port has security group associated. Cannot disable port security or IP address until security group is removed.');
          }
          if (pairs.length > 0) throw conflictKind('AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');
        }
        set.security_groups = groups;
        set.allowed_address_pairs = pairs;
        if ('extra_dhcp_opts' in values) {
          // Neutron removes an option given with a null value and replaces the others
          const given = Array.isArray(values.extra_dhcp_opts) ? values.extra_dhcp_opts as Array<Record<string, unknown>> : [];
          const removed = new Set(given.filter((o) => o && o.opt_value === null).map((o) => `${o.opt_name}/${o.ip_version ?? 4}`));
          const added = checkDhcpOpts(given.filter((o) => o && o.opt_value !== null));
          const kept = (current.extra_dhcp_opts as Array<{ opt_name: string; ip_version: number }>).filter(
            (o) => !removed.has(`${o.opt_name}/${o.ip_version}`) && !added.some((a) => a.opt_name === o.opt_name && a.ip_version === o.ip_version),
          );
          set.extra_dhcp_opts = [...kept, ...added];
        }
        if ('mac_address' in values && values.mac_address !== current.mac_address) {
          const mac = canonicalMac(values.mac_address);
          if (!mac) throw invalidAttribute('mac_address', `'${String(values.mac_address)}' is not a valid MAC address`);
          await claimMac(db, current.network_id, mac, neutron.config.baseMac);
          set.mac_address = mac;
          oldMac = current.mac_address;
        }
        if ('fixed_ips' in values) {
          const requests = parseFixedIpRequests(values.fixed_ips ?? []);
          const subnets = await db.subnets.find({ network_id: current.network_id }, { sort: [['created_at', 'asc']] });
          const keep: FixedIp[] = current.fixed_ips;
          const fixed = await allocatePortAddresses(db, current.network_id, subnets, requests, id, (set.mac_address as string) ?? current.mac_address, keep);
          released = keep.filter((k) => !fixed.some((f) => f.subnet_id === k.subnet_id && f.ip_address === k.ip_address));
          set.fixed_ips = fixed;
        }
        const merged = { ...current, ...set } as Resource;
        if (current['binding:host_id'] && current['binding:host_id'] !== merged['binding:host_id']) {
          await neutron.driver.unbindPort(id, current['binding:host_id']);
        }
        if (('binding:host_id' in values || 'admin_state_up' in values || 'binding:profile' in values) && network) {
          Object.assign(set, await bindingFields(neutron, merged, network));
        }
        return set;
      }, () => portNotFound(id));
      for (const r of released) await releaseAddress(db, r.subnet_id, r.ip_address);
      if (oldMac) await db.macAllocations.delete(`${updated.network_id}/${oldMac}`);
      return { status: 200, body: { port: portView(neutron, ctx, updated, network) } };
    },

    deletePort: async (ctx) => {
      const id = ctx.params.port_id;
      const db = await neutron.db();
      const doc = await db.ports.get(id);
      if (!doc) throw portNotFound(id);
      const network = await networkOf(doc.network_id);
      enforceOrHide(neutron, ctx, 'delete_port', 'get_port', portTarget(doc, network), () => portNotFound(id));
      await preventL3PortDeletion(db, doc);
      await deletePortRecord(neutron, doc);
      return { status: 204 };
    },
  };
}

export { networkTarget };
