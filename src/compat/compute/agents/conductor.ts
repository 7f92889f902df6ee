// nova-conductor: the orchestration that spans hosts. It asks the scheduler for a host (a call)
// when a server is built, unshelved, resized or migrated, records what was chosen, and casts the
// work to that host's compute agent. A server nobody can place goes to ERROR with Nova's
// "No valid host was found" fault. It also routes the API's actions to the right host and
// deletes servers that have none.
import type { Subscription } from '../../../platform/bus/bus.ts';
import { RemoteError } from '../../../platform/bus/bus.ts';
import { uuid } from '../../../platform/ids.ts';
import { logger } from '../../../platform/log.ts';
import { CONTROL_HOST, ensureService } from '../simulated-hosts.ts';
import { POWER, type FlavorSnapshot, type ServerRecord } from '../servers/record.ts';
import {
  actionEvent, collectionOf, CONDUCTOR_TOPIC, computeTopic, faultOf, freeAllocations, getServer, InstanceGone, mutateServer, SCHEDULER_TOPIC,
  type Agents, type RequestInfo,
} from './context.ts';
import { releaseInstance, retryOf } from './compute-agent.ts';
import { migrationsOf, nextMigrationSeq } from './migrations.ts';
import { loadFlavor } from '../flavors.ts';
import type { Selection, SelectArgs } from './scheduler/scheduler.ts';

const log = logger('nova-conductor');

/** Nova's scheduler max_attempts: a build is tried on this many hosts at most */
const MAX_ATTEMPTS = Number(process.env.STACKGATE_SCHEDULER_MAX_ATTEMPTS) || 3;

/** how many servers of one request are scheduled at once */
const BUILD_CONCURRENCY = 8;

/** the compute method each API action becomes on the server's host */
const HOST_ACTIONS: Record<string, string> = {
  stop: 'stop', start: 'start', reboot: 'reboot', pause: 'pause', unpause: 'unpause', suspend: 'suspend', resume: 'resume',
  rescue: 'rescue', unrescue: 'unrescue', rebuild: 'rebuild', createImage: 'createImage', shelve: 'shelve', shelveOffload: 'shelveOffload',
  revertResize: 'revert_resize',
};

/** Nova's action names for the instance-action record */
const ACTION_NAMES: Record<string, string> = { migrate: 'migrate', resize: 'resize', unshelve: 'unshelve', evacuate: 'evacuate', confirmResize: 'confirmResize' };

class ScheduleFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoValidHost';
  }
}

export class Conductor {
  private readonly agents: Agents;
  #subscription?: Subscription;

  constructor(agents: Agents) {
    this.agents = agents;
  }

  async start(): Promise<void> {
    await ensureService(this.agents.nova, 'nova-conductor', CONTROL_HOST, 'internal');
    this.#subscription = await this.agents.bus.serve(CONDUCTOR_TOPIC, async (method, args) => {
      try {
        return await this.handle(method, args);
      } catch (error) {
        if (!(error instanceof InstanceGone)) log.warn('conductor task failed', { method, error: String(error) });
        return { ok: false, error: String(error) };
      }
    });
  }

  async stop(): Promise<void> {
    await this.#subscription?.close();
  }

  private async handle(method: string, args: Record<string, unknown>): Promise<unknown> {
    const info = args.info as RequestInfo;
    switch (method) {
      case 'build_instances':
        return this.buildInstances(args.serverIds as string[], info);
      case 'action':
        return this.action(String(args.serverId), String(args.action), (args.params ?? {}) as Record<string, unknown>, info);
      case 'delete_instance':
        return this.deleteInstance(String(args.serverId), info);
      default:
        throw new Error(`conductor: unknown method ${method}`);
    }
  }

  private async select(args: SelectArgs): Promise<Selection> {
    try {
      return (await this.agents.bus.call(SCHEDULER_TOPIC, 'select_destinations', args as unknown as Record<string, unknown>)) as Selection;
    } catch (error) {
      if (error instanceof RemoteError && error.remoteName === 'NoValidHost') throw new ScheduleFailed(error.message);
      throw error;
    }
  }

  // --- build -------------------------------------------------------------------------------------

  private async buildInstances(serverIds: string[], info: RequestInfo): Promise<void> {
    const queue = [...serverIds];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        await this.scheduleAndBuild(id, info).catch((error) => {
          if (!(error instanceof InstanceGone)) log.warn('build failed', { server: id, error: String(error) });
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(BUILD_CONCURRENCY, queue.length) }, worker));
  }

  private async scheduleAndBuild(id: string, info: RequestInfo): Promise<void> {
    const server = await getServer(this.agents, id);
    if (!server || server.deleted || server.vm_state !== 'building') return;
    if (server.host) {
      // a redelivered request: the host was chosen already
      await this.agents.bus.cast(computeTopic(server.host), 'build_and_run_instance', { serverId: id, info });
      return;
    }
    const retry = retryOf(server);
    const exhausted = () => new ScheduleFailed(`Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${id}.`);
    let selection: Selection;
    try {
      if (retry.attempts >= MAX_ATTEMPTS) throw exhausted();
      selection = await actionEvent(this.agents, id, 'create', 'conductor_schedule_and_build_instances', info, CONTROL_HOST, async () => {
        try {
          return await this.select({ instanceId: id, ignoreHosts: retry.hosts });
        } catch (error) {
          throw error instanceof ScheduleFailed && retry.attempts > 0 ? exhausted() : error;
        }
      });
    } catch (error) {
      if (error instanceof ScheduleFailed) {
        const fault = faultOf(this.agents, error, 500)!;
        if (retry.last) fault.details = retry.last;
        await mutateServer(this.agents, id, (cur) => (cur.deleted ? undefined : {
          vm_state: 'error', task_state: null, power_state: POWER.NOSTATE, fault,
        }));
        return;
      }
      throw error;
    }
    const placed = await mutateServer(this.agents, id, (cur) => (cur.deleted || cur.task_state === 'deleting' ? undefined : {
      host: selection.host, node: selection.node, availability_zone: selection.zone,
    }));
    if (placed.host !== selection.host) {
      // deleted while it was being scheduled
      await freeAllocations(this.agents, id);
      return;
    }
    await this.agents.bus.cast(computeTopic(selection.host), 'build_and_run_instance', { serverId: id, info });
  }

  // --- actions -----------------------------------------------------------------------------------

  private async action(id: string, action: string, params: Record<string, unknown>, info: RequestInfo): Promise<void> {
    const server = await getServer(this.agents, id);
    if (!server || server.deleted) return;
    switch (action) {
      case 'resize':
      case 'migrate':
        return this.migrateServer(server, action, params, info);
      case 'unshelve':
        return this.unshelve(server, params, info);
      case 'confirmResize': {
        const migration = server.migration_id ? await collectionOf(this.agents.nova, migrationsOf).get(server.migration_id) : undefined;
        if (!migration) return;
        await this.agents.bus.cast(computeTopic(migration.source_compute), 'confirm_resize', { serverId: id, info });
        return;
      }
    }
    const method = HOST_ACTIONS[action];
    if (!method || !server.host) {
      const reason = method ? `Instance ${id} has no host to ${action} on.` : `The ${action} action is not supported by this cloud.`;
      await actionEvent(this.agents, id, ACTION_NAMES[action] ?? action, `conductor_${action}`, info, CONTROL_HOST, async () => {
        await mutateServer(this.agents, id, (cur) => (cur.deleted ? undefined : { task_state: null, fault: faultOf(this.agents, new Error(reason), 400) }));
        throw new Error(reason);
      }).catch(() => undefined);
      return;
    }
    await this.agents.bus.cast(computeTopic(server.host), method, { ...params, serverId: id, info });
  }

  private async unshelve(server: ServerRecord, params: Record<string, unknown>, info: RequestInfo): Promise<void> {
    if (server.vm_state === 'shelved') {
      // not offloaded yet: the host still has it; the guest just powers on again
      if (!server.host) return;
      await this.agents.bus.cast(computeTopic(server.host), 'unshelve_instance', { serverId: server.id, info });
      return;
    }
    if (server.vm_state !== 'shelved_offloaded') return;
    try {
      // 2.77 lets the zone change (null: any zone); 2.91 names a host
      const zone = params.availabilityZone ?? params.availability_zone;
      if (zone !== undefined) await mutateServer(this.agents, server.id, () => ({ requested_availability_zone: typeof zone === 'string' ? zone : null }));
      const forceHost = typeof params.host === 'string' ? params.host : undefined;
      const selection = await actionEvent(this.agents, server.id, 'unshelve', 'conductor_unshelve_instance', info, CONTROL_HOST, () => this.select({ instanceId: server.id, forceHost }));
      await mutateServer(this.agents, server.id, (cur) => (cur.deleted ? undefined : { host: selection.host, node: selection.node, availability_zone: selection.zone }));
      await this.agents.bus.cast(computeTopic(selection.host), 'unshelve_instance', { serverId: server.id, info });
    } catch (error) {
      // nowhere to go: it stays offloaded, with the reason as its fault
      await mutateServer(this.agents, server.id, (cur) => (cur.deleted ? undefined : { task_state: null, fault: faultOf(this.agents, error) }));
    }
  }

  /** resize (new flavor) or cold migration (same flavor, another host) */
  private async migrateServer(server: ServerRecord, action: 'resize' | 'migrate', params: Record<string, unknown>, info: RequestInfo): Promise<void> {
    if (server.migration_id || !server.host || !server.node) return; // redelivered, or nothing to move
    const { placement, nova } = this.agents;
    let newFlavor: FlavorSnapshot = server.flavor;
    if (action === 'resize') {
      try {
        newFlavor = await this.flavorFor(server, params);
      } catch (error) {
        await mutateServer(this.agents, server.id, (cur) => (cur.deleted ? undefined : { task_state: null, fault: faultOf(this.agents, error, 400) }));
        return;
      }
    }
    const migrationId = uuid();
    const now = this.agents.clock.now();
    // the source's resources move to the migration (Nova's allocation swap); the scheduler then claims the new flavor for the instance
    const held = await placement.getAllocations(server.id);
    await placement.claim([
      { consumer: migrationId, allocations: held, project_id: server.project_id, user_id: server.user_id, consumer_type: 'MIGRATION' },
      { consumer: server.id, allocations: {} },
    ]);
    let selection: Selection;
    try {
      selection = await actionEvent(this.agents, server.id, action, 'conductor_migrate_server', info, CONTROL_HOST, () => this.select({
        instanceId: server.id, flavor: newFlavor, ignoreHosts: action === 'migrate' ? [server.host!] : [],
      }));
    } catch (error) {
      await placement.claim([
        { consumer: server.id, allocations: held, project_id: server.project_id, user_id: server.user_id, consumer_type: 'INSTANCE' },
        { consumer: migrationId, allocations: {} },
      ]);
      await mutateServer(this.agents, server.id, (cur) => (cur.deleted ? undefined : { task_state: null, fault: faultOf(this.agents, error) }));
      return;
    }
    await collectionOf(nova, migrationsOf).insert({
      id: migrationId, seq: await nextMigrationSeq(nova), instance_uuid: server.id, migration_type: action === 'resize' ? 'resize' : 'migration',
      status: 'pre-migrating', source_compute: server.host, source_node: server.node, dest_compute: selection.host, dest_node: selection.node,
      dest_host: '127.0.0.1', old_instance_type_id: server.flavor.id, new_instance_type_id: newFlavor.id,
      project_id: server.project_id, user_id: server.user_id, created_at: now, updated_at: now,
    });
    await mutateServer(this.agents, server.id, (cur) => ({
      migration_id: migrationId, old_flavor: cur.flavor, new_flavor: newFlavor, old_vm_state: cur.vm_state,
    }));
    await this.agents.bus.cast(computeTopic(selection.host), 'prep_resize', { serverId: server.id, info });
  }

  /** the flavor a resize goes to: given whole, or by id (`flavorId`, `flavorRef`) from the flavors collection */
  private async flavorFor(server: ServerRecord, params: Record<string, unknown>): Promise<FlavorSnapshot> {
    if (params.flavor && typeof params.flavor === 'object') return params.flavor as FlavorSnapshot;
    if (server.new_flavor) return server.new_flavor;
    const id = String(params.flavorId ?? params.flavorRef ?? params.flavor_id ?? '');
    const f = await loadFlavor(this.agents.nova, id);
    return {
      id: f.id, name: f.name, vcpus: f.vcpus, ram: f.memory_mb, disk: f.root_gb, ephemeral: f.ephemeral_gb, swap: f.swap,
      extra_specs: { ...f.extra_specs }, description: f.description,
    };
  }

  // --- delete ------------------------------------------------------------------------------------

  private async deleteInstance(id: string, info: RequestInfo): Promise<void> {
    const server = await getServer(this.agents, id);
    if (!server || server.deleted) return;
    if (server.host) {
      await this.agents.bus.cast(computeTopic(server.host), 'terminate_instance', { serverId: id, info });
      return;
    }
    // never placed, or offloaded: nothing runs anywhere, the conductor frees what is held (Nova's local delete)
    await actionEvent(this.agents, id, 'delete', 'conductor_local_delete', info, CONTROL_HOST, () => releaseInstance(this.agents, server, info));
  }
}
