// nova-scheduler: asks Placement for allocation candidates (RAM, vCPU and disk with their
// allocation ratios), runs the host filters and weighers on them, and claims the resources of
// the best host for the consumer (the instance) before answering the conductor.
import type { Bus, Subscription } from '../../../../platform/bus/bus.ts';
import { ApiError } from '../../../../platform/http/api-error.ts';
import type { Agents } from '../context.ts';
import { collectionOf, SCHEDULER_TOPIC } from '../context.ts';
import { nodesOf, servicesOf, DEFAULT_AZ, CONTROL_HOST, ensureService } from '../../simulated-hosts.ts';
import { aggregatesOf } from '../../aggregates.ts';
import { serversOf, type FlavorSnapshot } from '../../servers/record.ts';
import { serverGroupsOf } from '../../server-groups.ts';
import { freeResources, resourcesOf, type HostState, type RequestSpec } from './host-state.ts';
import { DEFAULT_FILTERS, type HostFilter } from './filters.ts';
import { weighHosts } from './weighers.ts';

export const NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.';

export class NoValidHost extends Error {
  constructor(message = NO_VALID_HOST) {
    super(message);
    this.name = 'NoValidHost';
  }
}

export interface Selection {
  host: string;
  node: string;
  nodeId: string;
  zone: string;
  allocations: Record<string, Record<string, number>>;
}

export interface SelectArgs {
  instanceId: string;
  /** the flavor to place; the instance's own when absent */
  flavor?: FlavorSnapshot;
  ignoreHosts?: string[];
  /** the consumer to claim for (the instance; a resize claims the new flavor for it too) */
  consumer?: string;
  /** a host the request names (unshelve to a host, 2.91) */
  forceHost?: string;
}

/** seconds without a heartbeat after which a compute service counts as down (Nova's service_down_time) */
export const serviceDownTimeMs = () => 1000 * (Number(process.env.STACKGATE_SERVICE_DOWN_TIME) || 60);

export class Scheduler {
  private readonly agents: Agents;
  private readonly filters: HostFilter[];
  #subscription?: Subscription;

  constructor(agents: Agents, filters: HostFilter[] = DEFAULT_FILTERS) {
    this.agents = agents;
    this.filters = filters;
  }

  async start(bus: Bus = this.agents.bus): Promise<void> {
    await ensureService(this.agents.nova, 'nova-scheduler', CONTROL_HOST, 'internal');
    this.#subscription = await bus.serve(SCHEDULER_TOPIC, async (method, args) => {
      if (method !== 'select_destinations') throw new Error(`scheduler: unknown method ${method}`);
      return this.selectDestinations(args as unknown as SelectArgs);
    });
  }

  async stop(): Promise<void> {
    await this.#subscription?.close();
  }

  /** picks and claims a host; throws NoValidHost when none fits */
  async selectDestinations(args: SelectArgs): Promise<Selection> {
    const { nova, placement } = this.agents;
    const server = await collectionOf(nova, serversOf).get(args.instanceId);
    if (!server) throw new Error(`Instance ${args.instanceId} could not be found.`);
    const consumer = args.consumer ?? server.id;
    // a redelivered request finds its claim already made
    const existing = await placement.getAllocations(consumer);
    const flavor = args.flavor ?? server.flavor;
    const spec = await this.requestSpec(server, flavor, args.ignoreHosts ?? []);
    if (args.forceHost) spec.forceHost = args.forceHost;
    const resources = resourcesOf(flavor, spec.volumeBacked);
    const { candidates } = await placement.getAllocationCandidates({
      groups: [{ suffix: '', resources, required: [], forbidden: [], memberOf: [], forbiddenAggs: [] }],
      rootRequired: [], rootForbidden: [], sameSubtree: [], nested: true,
    });
    const hosts = await this.hostStates(candidates.map((c) => c.allocations), spec);
    let passing = hosts;
    for (const f of this.filters) passing = passing.filter((h) => f.passes(h, spec));
    if (!args.flavor && Object.keys(existing).length > 0) {
      const held = hosts.find((h) => existing[h.node.id]) ?? passing.find((h) => existing[h.node.id]);
      if (held) return this.selection(held, existing);
    }
    for (const host of weighHosts(passing, spec)) {
      try {
        await placement.claim([{ consumer, allocations: host.allocations, project_id: server.project_id, user_id: server.user_id, consumer_type: 'INSTANCE' }]);
        return this.selection(host, host.allocations);
      } catch (error) {
        // taken meanwhile by another claim: the next host may still fit
        if (error instanceof ApiError && error.status === 409) continue;
        throw error;
      }
    }
    throw new NoValidHost();
  }

  private selection(host: HostState, allocations: Record<string, Record<string, number>>): Selection {
    return { host: host.host, node: host.node.hypervisor_hostname, nodeId: host.node.id, zone: host.zone, allocations };
  }

  private async requestSpec(server: Awaited<ReturnType<ReturnType<typeof serversOf>['get']>> & object, flavor: FlavorSnapshot, ignoreHosts: string[]): Promise<RequestSpec> {
    const { nova } = this.agents;
    let zone = server.requested_availability_zone ?? null;
    let forceHost: string | null = null;
    if (zone && zone.includes(':')) {
      const [z, h] = zone.split(':');
      zone = z || null;
      forceHost = h || null;
    }
    const hint = server.scheduler_hints?.group;
    const groupId = server.server_group_id ?? (typeof hint === 'string' ? hint : Array.isArray(hint) ? String(hint[0]) : null);
    const groups = collectionOf(nova, serverGroupsOf);
    const group = (groupId ? await groups.get(groupId) : undefined) ?? (await groups.findOne({ members: { $contains: server.id } }));
    const groupHosts = new Map<string, number>();
    if (group) {
      const others = group.members.filter((m) => m !== server.id);
      if (others.length > 0) {
        for (const member of await collectionOf(nova, serversOf).find({ id: { $in: others }, deleted: false })) {
          if (member.host) groupHosts.set(member.host, (groupHosts.get(member.host) ?? 0) + 1);
        }
      }
    }
    const volumeBacked = !server.image_ref && server.block_device_mapping.some((b) => b.boot_index === 0 && b.destination_type === 'volume');
    return {
      instanceId: server.id, projectId: server.project_id, userId: server.user_id, flavor,
      availabilityZone: zone, forceHost, group, groupHosts, volumeBacked, ignoreHosts,
    };
  }

  private async hostStates(candidates: Array<Record<string, Record<string, number>>>, spec: RequestSpec): Promise<HostState[]> {
    const { nova, placement } = this.agents;
    const [nodes, services, aggregates, providers] = await Promise.all([
      collectionOf(nova, nodesOf).find(), collectionOf(nova, servicesOf).find({ binary: 'nova-compute' }), collectionOf(nova, aggregatesOf).find(), placement.providers.list(),
    ]);
    const now = this.agents.clock.now();
    const out: HostState[] = [];
    for (const allocations of candidates) {
      const rpIds = Object.keys(allocations);
      const node = nodes.find((n) => rpIds.includes(n.id));
      const provider = providers.find((p) => node && p.id === node.id);
      if (!node || !provider) continue; // a provider that is no compute node of ours
      const service = services.find((s) => s.host === node.host);
      const hostAggregates = aggregates.filter((a) => a.hosts.includes(node.host));
      const zone = hostAggregates.map((a) => a.metadata.availability_zone).find((z): z is string => !!z) ?? service?.zone ?? DEFAULT_AZ;
      const f = freeResources(provider);
      out.push({
        host: node.host, node, service, zone, aggregates: hostAggregates, provider, allocations,
        up: !!service && !service.forced_down && now - service.updated_at <= serviceDownTimeMs(),
        freeRamMb: f.ram, freeVcpus: f.vcpus, freeDiskGb: f.disk, groupMembersHere: spec.groupHosts.get(node.host) ?? 0,
      });
    }
    return out;
  }
}
