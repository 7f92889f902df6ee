// The dhcp_agent_scheduler and l3_agent_scheduler extensions: which DHCP agent serves a network
// and which L3 agent hosts a router, and the operator's moves between agents. By default the
// DHCP agent on the host of a network's DHCP port serves it and the first L3 agent hosts every
// router (the logical driver runs one of each); an operator's add or remove is kept as a record
// that overrides that default for the (agent, network or router) pair.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import type { Neutron, Resource } from './context.ts';
import { badRequestKind, conflictKind, httpBadRequest, networkNotFound, resourceNotFound, routerNotFound } from './errors.ts';
import { enforce } from './policy.ts';
import { listResponse } from './resource-collection.ts';
import { agentViews, AGENT_ATTRIBUTES } from './agents.ts';
import { networkView, NETWORK_ATTRIBUTES } from './networks.ts';
import { DHCP_OWNER } from './dhcp-ports.ts';
import { ROUTER_ATTRIBUTES, routerView } from './routers.ts';

type Kind = 'dhcp' | 'l3';
const AGENT_TYPE: Record<Kind, string> = { dhcp: 'DHCP agent', l3: 'L3 agent' };

interface Scheduling { id: string; state: 'added' | 'removed'; [field: string]: unknown }

const agentNotFound = (id: string) => resourceNotFound('AgentNotFound', 'Agent', id);

export function agentSchedulerHandlers(neutron: Neutron): Record<string, OperationHandler> {
  async function records() {
    return (await neutron.db()).raw.collection<Scheduling>('agent_scheduling');
  }
  const key = (kind: Kind, agentId: string, objectId: string) => `${kind}/${agentId}/${objectId}`;

  /** whether the agent serves the network (dhcp) or hosts the router (l3) */
  async function hosts(kind: Kind, agent: { id: string; host: string }, objectId: string, firstL3?: string): Promise<boolean> {
    const record = await (await records()).get(key(kind, agent.id, objectId));
    if (record) return record.state === 'added';
    const db = await neutron.db();
    if (kind === 'dhcp') {
      const port = await db.ports.findOne({ network_id: objectId, device_owner: DHCP_OWNER });
      return !!port && (port['binding:host_id'] === agent.host || !port['binding:host_id']);
    }
    return agent.id === firstL3;
  }

  async function typedAgent(kind: Kind, id: string) {
    const agent = (await agentViews(neutron)).find((a) => a.id === id);
    if (!agent) throw agentNotFound(id);
    if (agent.agent_type !== AGENT_TYPE[kind]) {
      throw kind === 'dhcp'
        ? badRequestKind('InvalidDHCPAgent', `Agent ${id} is not a valid DHCP Agent or has been disabled.`)
        : badRequestKind('InvalidL3Agent', `Agent ${id} is not a L3 Agent or has been disabled.`);
    }
    return agent;
  }

  async function firstL3Agent(): Promise<string | undefined> {
    return (await agentViews(neutron)).find((a) => a.agent_type === AGENT_TYPE.l3)?.id;
  }

  async function setState(kind: Kind, agentId: string, objectId: string, state: Scheduling['state']): Promise<void> {
    const coll = await records();
    const id = key(kind, agentId, objectId);
    if (await coll.get(id)) await coll.update(id, { state });
    else await coll.insert({ id, state });
  }

  function bodyId(ctx: RequestContext, name: string): string {
    const value = (ctx.body as Record<string, unknown> | undefined)?.[name];
    if (typeof value !== 'string' || value === '') throw httpBadRequest(`Failed to parse request. Required attribute '${name}' not specified`);
    return value;
  }

  return {
    listDhcpAgentsHostingNetwork: async (ctx) => {
      enforce(neutron, ctx, 'get_dhcp-agents', {});
      const db = await neutron.db();
      if (!(await db.networks.get(ctx.params.network_id))) throw networkNotFound(ctx.params.network_id);
      const agents = [];
      for (const agent of (await agentViews(neutron)).filter((a) => a.agent_type === AGENT_TYPE.dhcp)) {
        if (await hosts('dhcp', agent, ctx.params.network_id)) agents.push(agent);
      }
      return listResponse(ctx, { plural: 'agents', attributes: AGENT_ATTRIBUTES }, agents);
    },

    listDhcpAgentNetworks: async (ctx) => {
      enforce(neutron, ctx, 'get_dhcp-networks', {});
      const agent = await typedAgent('dhcp', ctx.params.agent_id);
      const db = await neutron.db();
      const served: Resource[] = [];
      for (const network of await db.networks.find({}, { sort: [['created_at', 'asc']] })) {
        if (await hosts('dhcp', agent, network.id)) served.push(network);
      }
      const views = await Promise.all(served.map((n) => networkView(neutron, ctx, n)));
      return listResponse(ctx, { plural: 'networks', attributes: NETWORK_ATTRIBUTES }, views);
    },

    addNetworkToDhcpAgent: async (ctx) => {
      enforce(neutron, ctx, 'create_dhcp-network', {});
      const agent = await typedAgent('dhcp', ctx.params.agent_id);
      const networkId = bodyId(ctx, 'network_id');
      if (!(await (await neutron.db()).networks.get(networkId))) throw networkNotFound(networkId);
      if (await hosts('dhcp', agent, networkId)) {
        throw conflictKind('NetworkHostedByDHCPAgent', `The network ${networkId} has been already hosted by the DHCP Agent ${agent.id}.`);
      }
      await setState('dhcp', agent.id, networkId, 'added');
      return { status: 201 };
    },

    removeNetworkFromDhcpAgent: async (ctx) => {
      enforce(neutron, ctx, 'delete_dhcp-network', {});
      const agent = await typedAgent('dhcp', ctx.params.agent_id);
      const networkId = ctx.params.network_id;
      if (!(await hosts('dhcp', agent, networkId))) {
        throw conflictKind('NetworkNotHostedByDhcpAgent', `The network ${networkId} is not hosted by the DHCP agent ${agent.id}.`);
      }
      await setState('dhcp', agent.id, networkId, 'removed');
      return { status: 204 };
    },

    listL3AgentsHostingRouter: async (ctx) => {
      enforce(neutron, ctx, 'get_l3-agents', {});
      const db = await neutron.db();
      if (!(await db.routers.get(ctx.params.router_id))) throw routerNotFound(ctx.params.router_id);
      const first = await firstL3Agent();
      const agents = [];
      for (const agent of (await agentViews(neutron)).filter((a) => a.agent_type === AGENT_TYPE.l3)) {
        if (await hosts('l3', agent, ctx.params.router_id, first)) agents.push(agent);
      }
      return listResponse(ctx, { plural: 'agents', attributes: AGENT_ATTRIBUTES }, agents);
    },

    listL3AgentRouters: async (ctx) => {
      enforce(neutron, ctx, 'get_l3-routers', {});
      const agent = await typedAgent('l3', ctx.params.agent_id);
      const first = await firstL3Agent();
      const db = await neutron.db();
      const hosted: Resource[] = [];
      for (const router of await db.routers.find({}, { sort: [['created_at', 'asc']] })) {
        if (await hosts('l3', agent, router.id, first)) hosted.push(router);
      }
      return listResponse(ctx, { plural: 'routers', attributes: ROUTER_ATTRIBUTES }, hosted.map((r) => routerView(neutron, ctx, r)));
    },

    addRouterToL3Agent: async (ctx) => {
      enforce(neutron, ctx, 'create_l3-router', {});
      const agent = await typedAgent('l3', ctx.params.agent_id);
      const routerId = bodyId(ctx, 'router_id');
      if (!(await (await neutron.db()).routers.get(routerId))) throw routerNotFound(routerId);
      if (await hosts('l3', agent, routerId, await firstL3Agent())) {
        throw conflictKind('RouterHostedByL3Agent', `The router ${routerId} has been already hosted by the L3 Agent ${agent.id}.`);
      }
      await setState('l3', agent.id, routerId, 'added');
      return { status: 201 };
    },

    removeRouterFromL3Agent: async (ctx) => {
      enforce(neutron, ctx, 'delete_l3-router', {});
      const agent = await typedAgent('l3', ctx.params.agent_id);
      const routerId = ctx.params.router_id;
      if (!(await hosts('l3', agent, routerId, await firstL3Agent()))) {
        throw conflictKind('RouterNotHostedByL3Agent', `The router ${routerId} is not hosted by L3 agent ${agent.id}.`);
      }
      await setState('l3', agent.id, routerId, 'removed');
      return { status: 204 };
    },
  };
}
