// os-interface: a server's ports. Attaching creates a port on the asked (or the one available)
// network, or binds the user's port, with device_id = the server and the server's host; the
// server's network info cache (record.addresses) follows. Detaching deletes a port Nova made and
// unbinds a user's own, as Nova does.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../../platform/http/api-error.ts';
import type { PolicyRuleDefault } from '../../identity/policy/enforcer.ts';
import type { Resource } from '../network/context.ts';
import { invalidField, isAdmin, json, since, type Nova } from './support.ts';
import { neutronOf } from './neutron-proxy.ts';
import { findServer, invalidStateMessage } from './server-lookup.ts';
import { serversOf, type CachedAddress, type ServerRecord } from './servers/record.ts';

const POLICY = 'os_compute_api:os-attach-interfaces:';
export const INTERFACE_RULES: PolicyRuleDefault[] = [
  ...['list', 'show'].map((n) => ({ name: `${POLICY}${n}`, checkStr: 'rule:project_reader_or_admin', scopeTypes: ['project' as const] })),
  ...['create', 'delete'].map((n) => ({ name: `${POLICY}${n}`, checkStr: 'rule:project_member_or_admin', scopeTypes: ['project' as const] })),
];

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const INTERFACE_STATES = ['active', 'paused', 'stopped'];

/** the tag a port was attached with (2.49), kept on the server record by port id */
const tagsOf = (server: ServerRecord) => (server.interface_tags ?? {}) as Record<string, string | null>;

function view(ctx: RequestContext, server: ServerRecord, port: Resource): Record<string, unknown> {
  const v: Record<string, unknown> = {
    net_id: port.network_id, port_id: port.id, mac_addr: port.mac_address, port_state: port.status,
    fixed_ips: (port.fixed_ips ?? []).map((f: { subnet_id: string; ip_address: string }) => ({ subnet_id: f.subnet_id, ip_address: f.ip_address })),
  };
  if (since(ctx, '2.70')) v.tag = tagsOf(server)[port.id] ?? null;
  return v;
}

function parseBody(ctx: RequestContext): { netId?: string; portId?: string; ip?: string; tag?: string } {
  const body = ctx.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('Invalid input: the body is not an object');
  const att = body.interfaceAttachment;
  if (att === undefined) {
    const extra = Object.keys(body);
    if (extra.length) throw invalidField('body', body, `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
    return {};
  }
  if (typeof att !== 'object' || att === null || Array.isArray(att)) throw invalidField('interfaceAttachment', att, `${JSON.stringify(att)} is not of type 'object'`);
  const allowed = ['net_id', 'port_id', 'fixed_ips', ...(since(ctx, '2.49') ? ['tag'] : [])];
  const extra = Object.keys(att).filter((k) => !allowed.includes(k));
  if (extra.length) throw invalidField('interfaceAttachment', att, `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
  for (const field of ['net_id', 'port_id']) {
    if (att[field] !== undefined && (typeof att[field] !== 'string' || !UUID.test(att[field]))) throw invalidField(field, att[field], `'${String(att[field])}' is not a 'uuid'`);
  }
  let ip: string | undefined;
  if (att.fixed_ips !== undefined) {
    if (!Array.isArray(att.fixed_ips) || att.fixed_ips.length > 1) throw invalidField('fixed_ips', att.fixed_ips, `${JSON.stringify(att.fixed_ips)} is too long`);
    const first = att.fixed_ips[0];
    if (first !== undefined) {
      if (typeof first !== 'object' || first === null || typeof first.ip_address !== 'string') throw invalidField('fixed_ips', att.fixed_ips, "'ip_address' is a required property");
      ip = first.ip_address;
    }
  }
  if (att.tag !== undefined && (typeof att.tag !== 'string' || att.tag.length > 60 || /[/,]/.test(att.tag))) {
    throw invalidField('tag', att.tag, `'${String(att.tag)}' does not match '^[^,/]*$'`);
  }
  if (att.net_id && att.port_id) throw badRequest('Must not input both network_id and port_id');
  if (ip && !att.net_id) throw badRequest('Must input network_id when request IP address');
  return { netId: att.net_id, portId: att.port_id, ip, tag: att.tag };
}

/** the network info cache entries of one port */
async function addressesOf(nova: Nova, port: Resource): Promise<{ name: string; entries: CachedAddress[] }> {
  const network = await (await neutronOf(nova).neutron.db()).networks.get(port.network_id);
  const entries = (port.fixed_ips ?? []).map((f: { ip_address: string }): CachedAddress => ({
    addr: f.ip_address, version: f.ip_address.includes(':') ? 6 : 4, type: 'fixed', mac: port.mac_address, port_id: port.id, network_id: port.network_id,
  }));
  return { name: network?.name || port.network_id, entries };
}

export function interfaceHandlers(nova: Nova): Record<string, OperationHandler> {
  const proxy = () => neutronOf(nova);

  async function changeServer(id: string, change: (s: ServerRecord) => Partial<ServerRecord>): Promise<void> {
    const servers = serversOf(nova);
    for (let i = 0; i < 50; i++) {
      const current = await servers.get(id);
      if (!current) return;
      if (await servers.update(id, { ...change(current), updated_at: nova.clock.now() }, { ifRev: current._rev })) return;
    }
    throw new Error(`instance ${id}: too many concurrent updates`);
  }

  async function showPort(ctx: RequestContext, portId: string): Promise<Resource> {
    try {
      return (await proxy().call(ctx, 'showPort', { params: { port_id: portId } })).body.port;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) throw notFound(`Port ${portId} could not be found.`);
      if (error instanceof ApiError && error.status === 403) throw forbidden(error.message);
      throw error;
    }
  }

  /** the network a request without net_id or port_id gets: the only one the project may use */
  async function onlyNetwork(ctx: RequestContext, server: ServerRecord): Promise<string> {
    const db = await proxy().neutron.db();
    const own = (await db.networks.find({ tenant_id: server.project_id })).filter((n) => !n['router:external']);
    const shared = (await db.networks.find({ shared: true })).filter((n) => !n['router:external'] && n.tenant_id !== server.project_id);
    const usable = [...own, ...shared];
    if (usable.length === 0) throw badRequest(`No specific network was requested and none are available for project '${server.project_id}'.`);
    if (usable.length > 1) throw badRequest('More than one possible network found. Specify network ID(s) to select which one(s) to connect to.');
    return usable[0].id;
  }

  async function attach(ctx: RequestContext, server: ServerRecord, request: ReturnType<typeof parseBody>): Promise<{ port: Resource; created: boolean }> {
    const bindFields = { device_id: server.id, device_owner: `compute:${server.availability_zone ?? 'nova'}`, 'binding:host_id': server.host ?? '' };
    if (request.portId) {
      const port = await showPort(ctx, request.portId);
      if (port.device_id) throw conflict(`Port ${port.id} is still in use.`);
      const bound = await proxy().callAsService(ctx, 'updatePort', { params: { port_id: port.id }, body: { port: bindFields } });
      return { port: bound.body.port, created: false };
    }
    const networkId = request.netId ?? (await onlyNetwork(ctx, server));
    try {
      await proxy().call(ctx, 'showNetwork', { params: { network_id: networkId } });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) throw notFound(`Network ${networkId} could not be found.`);
      throw error;
    }
    const port: Record<string, unknown> = { network_id: networkId, tenant_id: server.project_id, ...bindFields };
    if (request.ip) port.fixed_ips = [{ ip_address: request.ip }];
    try {
      const created = await proxy().callAsService(ctx, 'createPort', { body: { port } });
      return { port: created.body.port, created: true };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.kind === 'IpAddressAlreadyAllocated') throw conflict(`Fixed IP ${request.ip} is already in use.`);
      if (error.kind === 'IpAddressGenerationFailure') throw badRequest(`No fixed IP addresses available for network: ${networkId}`);
      if (error.kind === 'OverQuota') throw forbidden('Maximum number of ports exceeded');
      if (error.status === 400) throw badRequest(error.message);
      throw error;
    }
  }

  const checkLock = (ctx: RequestContext, server: ServerRecord) => {
    if (server.locked && !isAdmin(nova, ctx)) throw conflict(`Instance ${server.id} is locked`);
  };

  return {
    listInterfaces: async (ctx) => {
      const server = await findServer(nova, ctx, ctx.params.server_id);
      nova.engine.authorize(ctx, `${POLICY}list`, { project_id: server.project_id });
      const ports = (await proxy().call(ctx, 'listPorts', { query: { device_id: server.id } })).body.ports as Resource[];
      return json({ interfaceAttachments: ports.map((p) => view(ctx, server, p)) });
    },

    showInterface: async (ctx) => {
      const server = await findServer(nova, ctx, ctx.params.server_id);
      nova.engine.authorize(ctx, `${POLICY}show`, { project_id: server.project_id });
      const port = await showPort(ctx, ctx.params.port_id);
      if (port.device_id !== server.id) throw notFound(`Instance ${server.id} does not have a port with id ${port.id}`);
      return json({ interfaceAttachment: view(ctx, server, port) });
    },

    attachInterface: async (ctx) => {
      const request = parseBody(ctx);
      const server = await findServer(nova, ctx, ctx.params.server_id);
      nova.engine.authorize(ctx, `${POLICY}create`, { project_id: server.project_id });
      checkLock(ctx, server);
      if (!INTERFACE_STATES.includes(server.vm_state) || server.task_state) throw conflict(invalidStateMessage(server, 'attach_interface'));
      const { port, created } = await attach(ctx, server, request);
      const { name, entries } = await addressesOf(nova, port);
      await changeServer(server.id, (s) => ({
        addresses: { ...s.addresses, [name]: [...(s.addresses[name] ?? []).filter((a) => a.port_id !== port.id), ...entries] },
        nova_created_ports: created ? [...(s.nova_created_ports ?? []), port.id] : s.nova_created_ports,
        interface_tags: { ...tagsOf(s), [port.id]: request.tag ?? null },
      }));
      const fresh = (await serversOf(nova).get(server.id)) ?? server;
      return json({ interfaceAttachment: view(ctx, fresh, port) });
    },

    detachInterface: async (ctx) => {
      const server = await findServer(nova, ctx, ctx.params.server_id);
      nova.engine.authorize(ctx, `${POLICY}delete`, { project_id: server.project_id });
      checkLock(ctx, server);
      if (!INTERFACE_STATES.includes(server.vm_state) || server.task_state) throw conflict(invalidStateMessage(server, 'detach_interface'));
      const portId = ctx.params.port_id;
      const port = (await proxy().serverPorts(server.id)).find((p) => p.id === portId);
      if (!port) throw notFound(`Port ${portId} is not attached`);
      if ((server.nova_created_ports ?? []).includes(portId)) {
        await proxy().callAsService(ctx, 'deletePort', { params: { port_id: portId } });
      } else {
        await proxy().callAsService(ctx, 'updatePort', { params: { port_id: portId }, body: { port: { device_id: '', device_owner: '', 'binding:host_id': '' } } });
      }
      await changeServer(server.id, (s) => {
        const addresses: ServerRecord['addresses'] = {};
        for (const [net, list] of Object.entries(s.addresses)) {
          const kept = list.filter((a) => a.port_id !== portId);
          if (kept.length) addresses[net] = kept;
        }
        const tags = { ...tagsOf(s) };
        delete tags[portId];
        return { addresses, nova_created_ports: (s.nova_created_ports ?? []).filter((p) => p !== portId), interface_tags: tags };
      });
      return { status: 202 };
    },
  };
}
