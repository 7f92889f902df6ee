// The in-process port API Nova uses: create a server's port on a network, bind it to the server and
// its host, unbind it, delete it, and read a server's addresses as Nova shows them. Each call keeps
// the same invariants as the REST API (IPAM, MACs, quotas, security groups, driver binding); the
// caller is the compute service acting for `projectId`, so visibility is checked against that
// project rather than through the network policy of an HTTP request.
import type { Neutron, Resource } from './context.ts';
import { conflictKind, networkNotFound, portNotFound, securityGroupNotFound } from './errors.ts';
import { bindingFields, createPortRecord, deletePortRecord } from './ports.ts';
import { effectiveNetwork, rbacGrants } from './rbac-policies.ts';
import { checkQuota } from './quotas.ts';
import { updateResource } from './standard-attrs.ts';
import { parseIp } from './ipam/ip-address.ts';

export const COMPUTE_DEVICE_OWNER = 'compute:nova';

export interface ComputePortRequest {
  projectId: string;
  networkId: string;
  /** as the API's fixed_ips: `[{ip_address}]` for Nova's `fixed_ip`, or subnet ids */
  fixedIps?: Array<{ subnet_id?: string; ip_address?: string }>;
  /** security group ids of the project; absent: the project's default group */
  securityGroups?: string[];
  name?: string;
}

export interface ComputeBinding {
  deviceId: string;
  hostId: string;
  /** `compute:<availability zone>`; Nova's default zone gives `compute:nova` */
  deviceOwner?: string;
}

/** The network as `projectId` sees it (own, shared, or shared with it by RBAC), or NetworkNotFound. */
export async function networkForProject(neutron: Neutron, projectId: string, networkId: string): Promise<Resource> {
  const db = await neutron.db();
  const network = effectiveNetwork(await db.networks.get(networkId), await rbacGrants(db, networkId), projectId);
  if (!network || (network.tenant_id !== projectId && !network.shared)) throw networkNotFound(networkId);
  return network;
}

/** Security group ids from names or ids as Nova's `security_groups` gives them (NotFound for an unknown one). */
export async function securityGroupIds(neutron: Neutron, projectId: string, namesOrIds: string[]): Promise<string[]> {
  const db = await neutron.db();
  const ids: string[] = [];
  for (const wanted of namesOrIds) {
    const byId = await db.securityGroups.get(wanted);
    if (byId && byId.tenant_id === projectId) {
      ids.push(byId.id);
      continue;
    }
    const byName = await db.securityGroups.find({ tenant_id: projectId, name: wanted });
    if (byName.length === 0) throw securityGroupNotFound(wanted);
    if (byName.length > 1) throw conflictKind('DuplicateSecurityGroupName', `Multiple security groups of project ${projectId} are named ${wanted}.`);
    ids.push(byName[0].id);
  }
  return [...new Set(ids)];
}

/** Creates an unbound port for a server (status DOWN until bindComputePort). */
export async function createComputePort(neutron: Neutron, request: ComputePortRequest): Promise<Resource> {
  const network = await networkForProject(neutron, request.projectId, request.networkId);
  await checkQuota(neutron, 'port', request.projectId);
  const values: Record<string, unknown> = { name: request.name ?? '', admin_state_up: true, device_id: '', device_owner: '' };
  if (request.fixedIps !== undefined) values.fixed_ips = request.fixedIps;
  if (request.securityGroups !== undefined) values.security_groups = request.securityGroups;
  return createPortRecord(neutron, { network, tenant_id: request.projectId, values });
}

/**
 * Attaches a port to a server on a host: device_id/device_owner set, bound through the network
 * driver, ACTIVE when the driver bound it. A port another device holds is PortInUse (409).
 */
export async function bindComputePort(neutron: Neutron, portId: string, binding: ComputeBinding): Promise<Resource> {
  const db = await neutron.db();
  return updateResource(neutron, db.ports, portId, async (current) => {
    if (current.device_id && current.device_id !== binding.deviceId) {
      throw conflictKind('PortInUse', `Unable to complete operation on port ${portId} for network ${current.network_id}. Port already has an attached device ${current.device_id}.`);
    }
    const network = await db.networks.get(current.network_id);
    if (!network) throw networkNotFound(current.network_id);
    if (current['binding:host_id'] && current['binding:host_id'] !== binding.hostId) await neutron.driver.unbindPort(portId, current['binding:host_id']);
    const set = { device_id: binding.deviceId, device_owner: binding.deviceOwner ?? COMPUTE_DEVICE_OWNER, 'binding:host_id': binding.hostId };
    return { ...set, ...(await bindingFields(neutron, { ...current, ...set } as Resource, network)) };
  }, () => portNotFound(portId));
}

/** Detaches a port from its server (interface detach of a port the user made): unbound, DOWN, kept. */
export async function unbindComputePort(neutron: Neutron, portId: string): Promise<Resource> {
  const db = await neutron.db();
  return updateResource(neutron, db.ports, portId, async (current) => {
    if (current['binding:host_id']) await neutron.driver.unbindPort(portId, current['binding:host_id']);
    return { device_id: '', device_owner: '', 'binding:host_id': '', 'binding:vif_type': 'unbound', 'binding:vif_details': {}, status: 'DOWN' };
  }, () => portNotFound(portId));
}

/** Deletes a port (a server's own port when the server or the interface goes); gone already is fine. */
export async function deleteComputePort(neutron: Neutron, portId: string): Promise<boolean> {
  const db = await neutron.db();
  const doc = await db.ports.get(portId);
  if (!doc) return false;
  await deletePortRecord(neutron, doc);
  return true;
}

export async function getPort(neutron: Neutron, portId: string): Promise<Resource | undefined> {
  return (await neutron.db()).ports.get(portId);
}

/** The ports attached to a device (a server id), oldest first. */
export async function portsOfDevice(neutron: Neutron, deviceId: string): Promise<Resource[]> {
  return (await neutron.db()).ports.find({ device_id: deviceId }, { sort: [['created_at', 'asc']] });
}

export interface ServerAddress {
  version: 4 | 6;
  addr: string;
  'OS-EXT-IPS:type': 'fixed' | 'floating';
  'OS-EXT-IPS-MAC:mac_addr': string;
}

/** A server's `addresses` as Nova renders them: by network name, fixed IPs then their floating IPs. */
export async function serverAddresses(neutron: Neutron, deviceId: string): Promise<Record<string, ServerAddress[]>> {
  const db = await neutron.db();
  const out: Record<string, ServerAddress[]> = {};
  for (const port of await portsOfDevice(neutron, deviceId)) {
    const network = await db.networks.get(port.network_id);
    const label = network?.name || port.network_id;
    const list = (out[label] ??= []);
    const floating = await db.floatingips.find({ port_id: port.id });
    for (const fixed of port.fixed_ips as Array<{ ip_address: string }>) {
      list.push({ version: parseIp(fixed.ip_address)!.version, addr: fixed.ip_address, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': port.mac_address });
      for (const fip of floating.filter((f) => f.fixed_ip_address === fixed.ip_address)) {
        list.push({ version: 4, addr: fip.floating_ip_address, 'OS-EXT-IPS:type': 'floating', 'OS-EXT-IPS-MAC:mac_addr': port.mac_address });
      }
    }
  }
  return out;
}

/** Nova's add/remove security group actions map to the security groups of the server's ports. */
export async function setPortSecurityGroups(neutron: Neutron, portId: string, groupIds: string[]): Promise<Resource> {
  const db = await neutron.db();
  return updateResource(neutron, db.ports, portId, (current) => {
    if (current.port_security_enabled === false && groupIds.length > 0) {
      throw conflictKind('PortSecurityAndIPRequiredForSecurityGroups', 'Port security must be enabled and port must have an IP address in order to use security groups.');
    }
    return { security_groups: [...new Set(groupIds)] };
  }, () => portNotFound(portId));
}
