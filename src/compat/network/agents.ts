// /v2.0/agents and /v2.0/availability_zones: what the network driver reports.
import type { OperationHandler } from '../../platform/http/service-api.ts';
import type { Neutron } from './context.ts';
import { resourceNotFound } from './errors.ts';
import { enforce } from './policy.ts';
import { listResponse, selectedFields, selectFields } from './resource-collection.ts';
import { boolean, memberBody, prepareUpdate, string, type AttributeMap } from './attributes.ts';

export const AGENT_ATTRIBUTES: AttributeMap = Object.fromEntries(
  ['id', 'agent_type', 'binary', 'topic', 'host', 'availability_zone', 'created_at', 'started_at', 'heartbeat_timestamp']
    .map((k) => [k, { allowPost: false, allowPut: false, filter: 'string' as const, sortable: true }]),
);
AGENT_ATTRIBUTES.alive = { allowPost: false, allowPut: false, filter: 'boolean', sortable: true };
AGENT_ATTRIBUTES.admin_state_up = { allowPost: false, allowPut: true, convert: boolean, filter: 'boolean', sortable: true };
AGENT_ATTRIBUTES.description = { allowPost: false, allowPut: true, convert: string(255), filter: 'string' };

const AZ_ATTRIBUTES: AttributeMap = {
  name: { allowPost: false, allowPut: false, filter: 'string', sortable: true },
  resource: { allowPost: false, allowPut: false, filter: 'string', sortable: true },
  state: { allowPost: false, allowPut: false, filter: 'string', sortable: true },
};

const agentNotFound = (id: string) => resourceNotFound('AgentNotFound', 'Agent', id);

/** The agents as the API shows them: the driver's report with the operator's changes (admin_state_up, description). */
export async function agentViews(neutron: Neutron) {
  const db = await neutron.db();
  const overrides = db.raw.collection<{ id: string; admin_state_up?: boolean; description?: string | null }>('agent_settings');
  const reported = await neutron.driver.agents();
  return Promise.all(reported.map(async (a) => {
    const o = await overrides.get(a.id);
    return { ...a, admin_state_up: o?.admin_state_up ?? true, description: o?.description ?? null, resources_synced: null };
  }));
}

export function agentHandlers(neutron: Neutron): Record<string, OperationHandler> {
  const agents = () => agentViews(neutron);
  return {
    listAgents: async (ctx) => {
      // a list shows what the caller may read, so a non-admin gets an empty list, not a 403
      const visible = neutron.engine.allows(ctx, 'get_agent', {}) ? await agents() : [];
      return listResponse(ctx, { plural: 'agents', attributes: AGENT_ATTRIBUTES }, visible);
    },
    showAgent: async (ctx) => {
      enforce(neutron, ctx, 'get_agent', {});
      const agent = (await agents()).find((a) => a.id === ctx.params.agent_id);
      if (!agent) throw agentNotFound(ctx.params.agent_id);
      return { status: 200, body: { agent: selectFields(agent, selectedFields(ctx)) } };
    },
    updateAgent: async (ctx) => {
      enforce(neutron, ctx, 'update_agent', {});
      const values = prepareUpdate(memberBody(ctx.body, 'agent'), AGENT_ATTRIBUTES);
      const list = await agents();
      const agent = list.find((a) => a.id === ctx.params.agent_id);
      if (!agent) throw agentNotFound(ctx.params.agent_id);
      const db = await neutron.db();
      const overrides = db.raw.collection<{ id: string; admin_state_up?: boolean; description?: string | null }>('agent_settings');
      const next = { id: agent.id, admin_state_up: values.admin_state_up ?? agent.admin_state_up, description: 'description' in values ? values.description : agent.description };
      if (await overrides.get(agent.id)) await overrides.update(agent.id, next);
      else await overrides.insert(next);
      return { status: 200, body: { agent: { ...agent, ...next } } };
    },
    listAvailabilityZones: async (ctx) => {
      enforce(neutron, ctx, 'get_availability_zone', {});
      return listResponse(ctx, { plural: 'availability_zones', attributes: AZ_ATTRIBUTES }, await neutron.driver.availabilityZones());
    },
  };
}
