// /v2.0/auto-allocated-topology/{project_id} ("Get Me A Network"): on first GET a project gets a
// network with one subnet from each default subnet pool and a router uplinked to the default
// external network (`is_default`), all made through the same operations the API serves; later
// GETs return the same network; DELETE takes the topology down. `?fields=dry-run` only checks
// that the deployment could build one.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import type { Neutron, Resource } from './context.ts';
import { ApiError } from '../../platform/http/api-error.ts';
import { badResourceRequest, conflictKind } from './errors.ts';
import { enforce } from './policy.ts';
import { selectedFields } from './resource-collection.ts';
import { defaultExternalNetwork } from './networks.ts';

const DRY_RUN = 'dry-run';

const autoAllocationFailure = (reason: string) => conflictKind('AutoAllocationFailure', `Deployment error: ${reason}.`);
const notAuthorized = () => new ApiError(403, 'Not authorized.', { kind: 'NotAuthorized' });

/**
 * The topology's pieces are made on the project's behalf with the operator's rights, as Neutron's
 * plugin calls do: default pools and the default external network need not be the caller's.
 */
function elevated(ctx: RequestContext): RequestContext {
  if (!ctx.auth) return ctx;
  const roles = [...new Set([...ctx.auth.roles, 'admin'])];
  const credentials = { ...ctx.auth.credentials, roles: [...new Set([...((ctx.auth.credentials.roles as string[]) ?? []), 'admin'])] };
  return { ...ctx, auth: { ...ctx.auth, roles, credentials } };
}

async function defaultPools(neutron: Neutron): Promise<Resource[]> {
  const db = await neutron.db();
  const pools: Resource[] = [];
  for (const version of [4, 6]) {
    const pool = await db.subnetpools.findOne({ is_default: true, ip_version: version });
    if (pool) pools.push(pool);
  }
  return pools;
}

function view(networkId: string, projectId: string) {
  return { auto_allocated_topology: { id: networkId, tenant_id: projectId, project_id: projectId } };
}

export function autoAllocatedTopologyHandlers(neutron: Neutron, operations: () => Record<string, OperationHandler>): Record<string, OperationHandler> {
  /** the project the topology is for: `None` means the caller's own; others only for admins */
  function projectOf(ctx: RequestContext): string {
    let project = ctx.params.project_id;
    if (project === 'None') project = ctx.auth?.projectId ?? project;
    const admin = (ctx.auth?.roles ?? []).includes('admin');
    if (!admin && project !== ctx.auth?.projectId) throw notAuthorized();
    return project;
  }

  async function call(ctx: RequestContext, operationId: string, params: Record<string, string>, body?: unknown) {
    const response = await operations()[operationId]({ ...elevated(ctx), operationId, params, body, query: {} });
    return response.body as Record<string, any>;
  }

  async function build(ctx: RequestContext, project: string, external: Resource): Promise<string> {
    const pools = await defaultPools(neutron);
    if (pools.length === 0) throw autoAllocationFailure('No default subnetpools defined');
    const network = (await call(ctx, 'createNetwork', {}, { network: { name: 'auto_allocated_network', admin_state_up: false, tenant_id: project, shared: false } })).network;
    let router: Record<string, any> | undefined;
    const attached: string[] = [];
    try {
      const subnets: string[] = [];
      for (const pool of pools) {
        const subnet = (await call(ctx, 'createSubnet', {}, {
          subnet: { name: `auto_allocated_subnet_v${pool.ip_version}`, network_id: network.id, tenant_id: project, ip_version: pool.ip_version, subnetpool_id: pool.id },
        })).subnet;
        subnets.push(subnet.id);
      }
      router = (await call(ctx, 'createRouter', {}, {
        router: { name: 'auto_allocated_router', external_gateway_info: { network_id: external.id }, tenant_id: project, admin_state_up: true },
      })).router;
      for (const subnet of subnets) {
        await call(ctx, 'addRouterInterface', { router_id: router!.id }, { subnet_id: subnet });
        attached.push(subnet);
      }
      const db = await neutron.db();
      await db.autoAllocatedTopologies.insert({ id: project, network_id: network.id, router_id: router!.id });
      await call(ctx, 'updateNetwork', { network_id: network.id }, { network: { admin_state_up: true } });
      return network.id as string;
    } catch (error) {
      await cleanup(ctx, network.id, router?.id, attached);
      const db = await neutron.db();
      // a concurrent request for the same project won: its topology is the answer
      const winner = await db.autoAllocatedTopologies.get(project);
      if (winner) return winner.network_id as string;
      if (error instanceof ApiError && error.status < 500) {
        const reason = error.status === 400 || error.status === 404 ? 'Unable to provide tenant private network' : error.message.replace(/\.$/, '');
        throw autoAllocationFailure(reason);
      }
      throw error;
    }
  }

  /** removes what exists of a topology; pieces already gone are fine */
  async function cleanup(ctx: RequestContext, networkId: string, routerId: string | undefined, subnets: string[]): Promise<void> {
    const ignoreNotFound = async (work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
    };
    if (routerId) {
      for (const subnet of subnets) await ignoreNotFound(() => call(ctx, 'removeRouterInterface', { router_id: routerId }, { subnet_id: subnet }));
      await ignoreNotFound(() => call(ctx, 'deleteRouter', { router_id: routerId }));
    }
    await ignoreNotFound(() => call(ctx, 'deleteNetwork', { network_id: networkId }));
  }

  return {
    showAutoAllocatedTopology: async (ctx) => {
      const project = projectOf(ctx);
      enforce(neutron, ctx, 'get_auto_allocated_topology', { project_id: project, tenant_id: project });
      const fields = selectedFields(ctx);
      const external = async () => {
        const found = await defaultExternalNetwork(neutron);
        if (!found) throw autoAllocationFailure('No default router:external network');
        return found;
      };
      if (fields.includes(DRY_RUN)) {
        await external();
        if ((await defaultPools(neutron)).length === 0) throw autoAllocationFailure('No default subnetpools defined');
        return { status: 200, body: { auto_allocated_topology: { id: 'dry-run=pass', tenant_id: project, project_id: project } } };
      }
      if (fields.length > 0) throw badResourceRequest('auto_allocate', 'Unrecognized field');
      const db = await neutron.db();
      const existing = await db.autoAllocatedTopologies.get(project);
      if (existing) return { status: 200, body: view(existing.network_id, project) };
      const networkId = await build(ctx, project, await external());
      return { status: 200, body: view(networkId, project) };
    },

    deleteAutoAllocatedTopology: async (ctx) => {
      const project = projectOf(ctx);
      enforce(neutron, ctx, 'delete_auto_allocated_topology', { project_id: project, tenant_id: project });
      const db = await neutron.db();
      const topology = await db.autoAllocatedTopologies.get(project);
      if (topology) {
        const subnets = (await db.subnets.find({ network_id: topology.network_id })).map((s) => s.id);
        await cleanup(ctx, topology.network_id, topology.router_id, subnets);
        await db.autoAllocatedTopologies.delete(project);
      }
      return { status: 204 };
    },
  };
}
