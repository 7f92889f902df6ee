// The compute agent's side of Neutron, in process: ports for the requested networks (created
// with device_owner compute:<zone> and bound to the host, so they go ACTIVE), the server's
// network info cache (addresses), and their release: ports Nova created are deleted, the
// user's own are unbound and handed back.
import type { Neutron, Resource } from '../../network/context.ts';
import { bindingFields, createPortRecord, deletePortRecord } from '../../network/ports.ts';
import { updateResource } from '../../network/standard-attrs.ts';
import type { CachedAddress, ServerRecord } from '../servers/record.ts';
import type { GuestSpec } from '../../../backends/compute/driver.ts';

export class NetworkAllocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkAllocationError';
  }
}

export interface NetworkInfo {
  addresses: Record<string, CachedAddress[]>;
  nics: GuestSpec['nics'];
  /** the ports this allocation created (deleted with the server) */
  created: string[];
}

const EMPTY: NetworkInfo = { addresses: {}, nics: [], created: [] };

/** the networks `auto` means: the project's own (oldest first), else a shared one */
async function autoNetwork(neutron: Neutron, projectId: string): Promise<Resource | undefined> {
  const db = await neutron.db();
  const own = (await db.networks.find({ tenant_id: projectId }, { sort: [['created_at', 'asc']] })).filter((n) => !n['router:external']);
  const withSubnet = async (list: Resource[]) => {
    for (const n of list) if ((await db.subnets.count({ network_id: n.id })) > 0) return n;
    return list[0];
  };
  if (own.length) return withSubnet(own);
  const shared = (await db.networks.find({ shared: true }, { sort: [['created_at', 'asc']] })).filter((n) => !n['router:external']);
  return shared.length ? withSubnet(shared) : undefined;
}

async function securityGroupIds(neutron: Neutron, server: ServerRecord): Promise<string[] | undefined> {
  const names = server.security_groups ?? [];
  if (names.length === 0 || (names.length === 1 && names[0] === 'default')) return undefined; // Neutron's default group
  const db = await neutron.db();
  const ids: string[] = [];
  for (const name of names) {
    const byId = await db.securityGroups.get(name);
    if (byId) {
      ids.push(byId.id);
      continue;
    }
    const byName = await db.securityGroups.findOne({ tenant_id: server.project_id, name });
    if (!byName) throw new NetworkAllocationError(`Security group ${name} not found for project ${server.project_id}.`);
    ids.push(byName.id);
  }
  return ids;
}

async function bindExisting(neutron: Neutron, port: Resource, server: ServerRecord, host: string): Promise<Resource> {
  const db = await neutron.db();
  const network = await db.networks.get(port.network_id);
  return updateResource(neutron, db.ports, port.id, async (current) => {
    const set: Record<string, unknown> = { device_id: server.id, device_owner: `compute:${server.availability_zone ?? 'nova'}`, 'binding:host_id': host };
    Object.assign(set, await bind(neutron, { ...current, ...set } as Resource, network));
    return set;
  }, () => new NetworkAllocationError(`Port ${port.id} could not be found.`));
}

async function bind(neutron: Neutron, doc: Resource, network: Resource | undefined): Promise<Record<string, unknown>> {
  if (!network) return { 'binding:vif_type': 'unbound', 'binding:vif_details': {}, status: 'DOWN' };
  // ports made before the binding extension's defaults were stored may lack these two
  return bindingFields(neutron, { ...doc, 'binding:vnic_type': doc['binding:vnic_type'] ?? 'normal', 'binding:profile': doc['binding:profile'] ?? {} }, network);
}

async function infoOf(neutron: Neutron, ports: Resource[], created: string[]): Promise<NetworkInfo> {
  const db = await neutron.db();
  const out: NetworkInfo = { addresses: {}, nics: [], created };
  for (const port of ports) {
    const network = await db.networks.get(port.network_id);
    const name = network?.name || port.network_id;
    const ips = (port.fixed_ips as Array<{ ip_address: string }>).map((f) => f.ip_address);
    (out.addresses[name] ??= []).push(...ips.map((addr): CachedAddress => ({
      addr, version: addr.includes(':') ? 6 : 4, type: 'fixed', mac: port.mac_address, port_id: port.id, network_id: port.network_id,
    })));
    out.nics.push({ portId: port.id, mac: port.mac_address, ips });
  }
  return out;
}

/** ports for the server's requested networks, bound to `host`; what was made is undone on failure */
export async function allocateForInstance(neutron: Neutron | undefined, server: ServerRecord, host: string): Promise<NetworkInfo> {
  if (!neutron) return EMPTY;
  const db = await neutron.db();
  // a redelivered build finds the ports it already made
  const already = await db.ports.find({ device_id: server.id });
  if (already.length > 0) return infoOf(neutron, already, server.nova_created_ports ?? already.map((p) => p.id));
  const requested = server.requested_networks;
  if (requested === 'none') return EMPTY;
  const wanted: Array<{ network?: Resource; port?: Resource; fixedIp?: string }> = [];
  const list = requested === 'auto' || !Array.isArray(requested) || requested.length === 0 ? [{ auto: 'auto' as const }] : requested;
  for (const r of list) {
    if (r.auto === 'none') return EMPTY;
    if (r.port) {
      const port = await db.ports.get(r.port);
      if (!port) throw new NetworkAllocationError(`Port id ${r.port} could not be found.`);
      if (port.device_id && port.device_id !== server.id) throw new NetworkAllocationError(`Port ${r.port} is still in use.`);
      wanted.push({ port });
    } else if (r.uuid) {
      const network = await db.networks.get(r.uuid);
      if (!network) throw new NetworkAllocationError(`Network ${r.uuid} could not be found.`);
      wanted.push({ network, fixedIp: r.fixed_ip });
    } else {
      const network = await autoNetwork(neutron, server.project_id);
      if (network) wanted.push({ network });
    }
  }
  const groups = await securityGroupIds(neutron, server);
  const ports: Resource[] = [];
  const created: string[] = [];
  try {
    for (const w of wanted) {
      if (w.port) {
        ports.push(await bindExisting(neutron, w.port, server, host));
        continue;
      }
      const values: Record<string, unknown> = {
        device_id: server.id, device_owner: `compute:${server.availability_zone ?? 'nova'}`, 'binding:host_id': host,
      };
      if (w.fixedIp) values.fixed_ips = [{ ip_address: w.fixedIp }];
      if (groups && w.network!.port_security_enabled !== false) values.security_groups = groups;
      const port = await createPortRecord(neutron, { network: w.network!, tenant_id: server.project_id, values });
      ports.push(port);
      created.push(port.id);
    }
  } catch (error) {
    await deallocateForInstance(neutron, { ...server, nova_created_ports: created });
    throw error instanceof NetworkAllocationError ? error : new NetworkAllocationError(error instanceof Error ? error.message : String(error));
  }
  return infoOf(neutron, ports, created);
}

/** moves the server's ports to another host (resize, unshelve), or unbinds them (host null: shelve offload) */
export async function rebindPorts(neutron: Neutron | undefined, server: ServerRecord, host: string | null): Promise<NetworkInfo> {
  if (!neutron) return EMPTY;
  const db = await neutron.db();
  const ports: Resource[] = [];
  for (const port of await db.ports.find({ device_id: server.id })) {
    const network = await db.networks.get(port.network_id);
    if (port['binding:host_id'] && port['binding:host_id'] !== host) await neutron.driver.unbindPort(port.id, port['binding:host_id']);
    ports.push(await updateResource(neutron, db.ports, port.id, async (current) => {
      const set: Record<string, unknown> = { 'binding:host_id': host ?? '' };
      Object.assign(set, await bind(neutron, { ...current, ...set } as Resource, network));
      return set;
    }, () => new NetworkAllocationError(`Port ${port.id} could not be found.`)));
  }
  return infoOf(neutron, ports, server.nova_created_ports ?? []);
}

/** deletes the ports Nova created for the server and unbinds the ones the user brought */
export async function deallocateForInstance(neutron: Neutron | undefined, server: ServerRecord): Promise<void> {
  if (!neutron) return;
  const db = await neutron.db();
  const created = new Set(server.nova_created_ports ?? []);
  for (const port of await db.ports.find({ device_id: server.id })) {
    if (created.has(port.id)) {
      await deletePortRecord(neutron, port);
      continue;
    }
    if (port['binding:host_id']) await neutron.driver.unbindPort(port.id, port['binding:host_id']);
    await updateResource(neutron, db.ports, port.id, () => ({
      device_id: '', device_owner: '', 'binding:host_id': '', 'binding:vif_type': 'unbound', 'binding:vif_details': {}, status: 'DOWN',
    }), () => new Error('gone')).catch(() => undefined);
  }
}
