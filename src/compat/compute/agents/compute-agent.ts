// nova-compute for one host: registers the host (service, compute node, Placement inventory),
// serves `compute.<host>` and runs each guest operation through the driver, moving the
// server's task_state step by step as Nova does, recording instance action events, and leaving
// the record in its final vm_state/power_state with task_state null. Handlers are idempotent
// (the bus delivers at least once) and serialized per instance (Nova's instance lock).
import type { Subscription } from '../../../platform/bus/bus.ts';
import { uuid } from '../../../platform/ids.ts';
import { logger } from '../../../platform/log.ts';
import { DriverError, type ComputeDriver, type GuestSpec, type RebootType } from '../../../backends/compute/driver.ts';
import { DEFAULT_AZ, ensureComputeNode, ensureService, servicesOf } from '../simulated-hosts.ts';
import { POWER, type FlavorSnapshot, type ServerRecord } from '../servers/record.ts';
import {
  actionEvent, collectionOf, CONDUCTOR_TOPIC, computeTopic, faultOf, freeAllocations, getServer, InstanceGone, mutateServer, serviceContext,
  type Agents, type RequestInfo,
} from './context.ts';
import { allocateForInstance, deallocateForInstance, rebindPorts } from './network.ts';
import { migrationsOf, type MigrationRecord } from './migrations.ts';
import { releaseServerVolumes } from '../volume-attachments.ts';

const log = logger('nova-compute');

/** Nova's default allocation ratios and reserved host memory */
export const ALLOCATION_RATIOS = {
  cpu: Number(process.env.STACKGATE_CPU_ALLOCATION_RATIO) || 4.0,
  ram: Number(process.env.STACKGATE_RAM_ALLOCATION_RATIO) || 1.0,
  disk: Number(process.env.STACKGATE_DISK_ALLOCATION_RATIO) || 1.0,
};
const RESERVED_HOST_MEMORY_MB = 512;
const HEARTBEAT_MS = 10_000;

export interface ComputeAgentOptions {
  host: string;
  driver: ComputeDriver;
  /** seconds a shelved server waits before offload; 0 at once (Nova's default), -1 never */
  shelvedOffloadTime?: number;
}

type Args = { serverId: string; info: RequestInfo } & Record<string, unknown>;

export class ComputeAgent {
  readonly host: string;
  readonly driver: ComputeDriver;
  private readonly agents: Agents;
  private readonly shelvedOffloadTime: number;
  private readonly locks = new Map<string, Promise<unknown>>();
  #subscription?: Subscription;
  #heartbeat?: NodeJS.Timeout;

  constructor(agents: Agents, options: ComputeAgentOptions) {
    this.agents = agents;
    this.host = options.host;
    this.driver = options.driver;
    this.shelvedOffloadTime = options.shelvedOffloadTime ?? (Number(process.env.STACKGATE_SHELVED_OFFLOAD_TIME ?? 0) || 0);
  }

  /** registers the host and its inventory, then serves its topic */
  async start(): Promise<void> {
    const { nova, placement } = this.agents;
    await ensureService(nova, 'nova-compute', this.host, DEFAULT_AZ);
    const resources = this.driver.getAvailableResource();
    const node = await ensureComputeNode(nova, this.host, resources);
    await placement.ensureProvider({ name: node.hypervisor_hostname, uuid: node.id });
    await placement.setInventory(node.id, {
      VCPU: { total: resources.vcpus, allocation_ratio: ALLOCATION_RATIOS.cpu, max_unit: resources.vcpus },
      MEMORY_MB: { total: resources.memoryMb, reserved: RESERVED_HOST_MEMORY_MB, allocation_ratio: ALLOCATION_RATIOS.ram, max_unit: resources.memoryMb },
      DISK_GB: { total: resources.diskGb, allocation_ratio: ALLOCATION_RATIOS.disk, max_unit: resources.diskGb },
    });
    this.#subscription = await this.agents.bus.serve(computeTopic(this.host), (method, args) => this.dispatch(method, args as Args));
    this.#heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  async stop(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    await this.#subscription?.close();
  }

  private async beat(): Promise<void> {
    const services = collectionOf(this.agents.nova, servicesOf);
    const mine = await services.findOne({ host: this.host, binary: 'nova-compute' }).catch(() => undefined);
    if (mine) await services.update(mine.id, { updated_at: this.agents.clock.now() }).catch(() => undefined);
  }

  private async dispatch(method: string, args: Args): Promise<unknown> {
    const run = () => this.handle(method, args);
    const previous = this.locks.get(args.serverId) ?? Promise.resolve();
    const mine = previous.then(run, run);
    const tail = mine.catch(() => undefined);
    this.locks.set(args.serverId, tail);
    void tail.then(() => { if (this.locks.get(args.serverId) === tail) this.locks.delete(args.serverId); });
    try {
      return await mine;
    } catch (error) {
      // the server's fault and the action event already tell it; a cast has nobody to answer
      if (!(error instanceof InstanceGone)) log.warn('compute operation failed', { host: this.host, method, server: args.serverId, error: String(error) });
      return { ok: false, error: String(error) };
    }
  }

  private async handle(method: string, args: Args): Promise<unknown> {
    const server = await getServer(this.agents, args.serverId);
    if (!server || server.deleted) return undefined;
    switch (method) {
      case 'build_and_run_instance': return this.build(server, args.info);
      case 'terminate_instance': return this.terminate(server, args.info);
      case 'stop': return this.simple(server, args.info, 'stop', 'compute_stop_instance', ['powering-off'], (g) => this.driver.powerOff(g), { vm_state: 'stopped', power_state: POWER.SHUTDOWN });
      case 'start': return this.simple(server, args.info, 'start', 'compute_start_instance', ['powering-on'], (g) => this.driver.powerOn(g), { vm_state: 'active', power_state: POWER.RUNNING });
      case 'reboot': return this.reboot(server, args.info, args.type === 'HARD' ? 'HARD' : 'SOFT');
      case 'pause': return this.simple(server, args.info, 'pause', 'compute_pause_instance', ['pausing'], (g) => this.driver.pause(g), { vm_state: 'paused', power_state: POWER.PAUSED });
      case 'unpause': return this.simple(server, args.info, 'unpause', 'compute_unpause_instance', ['unpausing'], (g) => this.driver.unpause(g), { vm_state: 'active', power_state: POWER.RUNNING });
      case 'suspend': return this.simple(server, args.info, 'suspend', 'compute_suspend_instance', ['suspending'], (g) => this.driver.suspend(g), { vm_state: 'suspended', power_state: POWER.SUSPENDED });
      case 'resume': return this.simple(server, args.info, 'resume', 'compute_resume_instance', ['resuming'], (g) => this.driver.resume(g), { vm_state: 'active', power_state: POWER.RUNNING });
      case 'rescue': return this.simple(server, args.info, 'rescue', 'compute_rescue_instance', ['rescuing'], (g) => this.driver.rescue(g, String(args.imageRef ?? args.rescueImageRef ?? '')), { vm_state: 'rescued', power_state: POWER.RUNNING }, { old_vm_state: server.vm_state });
      case 'unrescue': return this.simple(server, args.info, 'unrescue', 'compute_unrescue_instance', ['unrescuing'], (g) => this.driver.unrescue(g), { vm_state: 'active', power_state: POWER.RUNNING, old_vm_state: null });
      case 'rebuild': return this.rebuild(server, args.info, args);
      case 'createImage': return this.snapshot(server, args.info, String(args.imageId ?? ''));
      case 'shelve': return this.shelve(server, args.info, typeof args.imageId === 'string' ? args.imageId : undefined);
      case 'shelveOffload': return this.offload(server, args.info, 'shelveOffload');
      case 'unshelve_instance': return this.unshelve(server, args.info);
      case 'prep_resize': return this.prepResize(server, args.info, args);
      case 'resize_instance': return this.resizeInstance(server, args.info, args);
      case 'finish_resize': return this.finishResize(server, args.info, args);
      case 'confirm_resize': return this.confirmResize(server, args.info);
      case 'revert_resize': return this.revertResize(server, args.info);
      case 'finish_revert_resize': return this.finishRevertResize(server, args.info);
      default:
        throw new Error(`compute: unknown method ${method}`);
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  private guest(server: ServerRecord, flavor: FlavorSnapshot = server.flavor): GuestSpec {
    const byPort = new Map<string, { portId: string; mac: string; ips: string[] }>();
    for (const list of Object.values(server.addresses ?? {})) {
      for (const a of list) {
        const nic = byPort.get(a.port_id) ?? { portId: a.port_id, mac: a.mac, ips: [] };
        nic.ips.push(a.addr);
        byPort.set(a.port_id, nic);
      }
    }
    return {
      id: server.id, name: server.name, hostname: server.hostname || server.name, imageRef: server.image_ref,
      flavor: { name: flavor.name, vcpus: flavor.vcpus, ram: flavor.ram, disk: flavor.disk },
      metadata: server.metadata ?? {}, nics: [...byPort.values()],
      knownPowerState: server.power_state as GuestSpec['knownPowerState'], knownConsole: server.console_log ?? [],
    };
  }

  /** sets fields unless the server went away or is being deleted meanwhile */
  private step(id: string, set: Partial<ServerRecord>): Promise<ServerRecord> {
    return mutateServer(this.agents, id, (cur) => (cur.deleted ? undefined : set));
  }

  private console(id: string): string[] {
    return this.driver.getConsoleOutput(id).slice(-500);
  }

  private async failed(id: string, error: unknown, set: Partial<ServerRecord> = { vm_state: 'error' }): Promise<void> {
    await mutateServer(this.agents, id, (cur) => (cur.deleted ? undefined : { task_state: null, fault: faultOf(this.agents, error), ...set })).catch(() => undefined);
  }

  private info(server: ServerRecord, info: RequestInfo | undefined): RequestInfo {
    return info ?? { requestId: `req-${uuid()}`, projectId: server.project_id, userId: server.user_id };
  }

  // --- build and delete ------------------------------------------------------------------------

  private async build(server: ServerRecord, info: RequestInfo): Promise<void> {
    if (server.host !== this.host || server.vm_state !== 'building') return; // not ours, or done already
    await actionEvent(this.agents, server.id, 'create', 'compute__do_build_and_run_instance', this.info(server, info), this.host, async () => {
      try {
        let s = await this.step(server.id, { task_state: 'networking' });
        const net = await allocateForInstance(this.agents.neutron, s, this.host);
        s = await this.step(server.id, { task_state: 'block_device_mapping', addresses: net.addresses, nova_created_ports: net.created });
        s = await this.step(server.id, { task_state: 'spawning' });
        await this.driver.spawn({ ...this.guest(s), nics: net.nics, knownConsole: [] });
        const done = await mutateServer(this.agents, server.id, (cur) => (cur.deleted || cur.task_state === 'deleting' ? undefined : {
          vm_state: 'active', task_state: null, power_state: POWER.RUNNING, launched_at: this.agents.clock.now(), console_log: this.console(server.id), progress: 0,
        }));
        if (done.deleted) await this.driver.destroy(this.guest(done));
      } catch (error) {
        if (error instanceof InstanceGone) throw error;
        const current = await getServer(this.agents, server.id);
        if (current) {
          await this.driver.destroy(this.guest(current)).catch(() => undefined);
          await deallocateForInstance(this.agents.neutron, current).catch(() => undefined);
        }
        await freeAllocations(this.agents, server.id).catch(() => undefined);
        if (error instanceof DriverError && current && !current.deleted && current.task_state !== 'deleting') {
          // Nova reschedules a failed spawn on another host (max_attempts), unless the host was forced
          const retry = retryOf(current);
          const tried = { attempts: retry.attempts + 1, hosts: [...new Set([...retry.hosts, this.host])], last: `${error.name}: ${error.message}` };
          await mutateServer(this.agents, server.id, (cur) => (cur.deleted ? undefined : {
            host: null, node: null, task_state: 'scheduling', addresses: {}, nova_created_ports: [], pending: { ...(cur.pending ?? {}), retry: tried },
          }));
          await this.agents.bus.cast(CONDUCTOR_TOPIC, 'build_instances', { serverIds: [server.id], info });
          throw error;
        }
        await this.failed(server.id, error, { vm_state: 'error', power_state: POWER.NOSTATE, addresses: {} });
        throw error;
      }
    });
  }

  private async terminate(server: ServerRecord, info: RequestInfo): Promise<void> {
    await actionEvent(this.agents, server.id, 'delete', 'compute_terminate_instance', this.info(server, info), this.host, async () => {
      await this.driver.destroy(this.guest(server));
      await releaseInstance(this.agents, server, info);
    });
  }

  // --- power and state actions -----------------------------------------------------------------

  private async simple(
    server: ServerRecord, info: RequestInfo, action: string, event: string, expectedTasks: string[],
    op: (g: GuestSpec) => Promise<void>, done: Partial<ServerRecord>, before: Partial<ServerRecord> = {}, imageToDelete?: string,
  ): Promise<void> {
    if (server.task_state !== null && !expectedTasks.includes(server.task_state)) return; // another action owns it
    if (server.task_state === null && server.vm_state === done.vm_state) return; // redelivered after it finished
    await actionEvent(this.agents, server.id, action, event, this.info(server, info), this.host, async () => {
      try {
        if (Object.keys(before).length) await this.step(server.id, before);
        await op(this.guest(server));
        await this.step(server.id, { ...done, task_state: null, console_log: this.console(server.id) });
        if (imageToDelete && this.agents.images) {
          await this.agents.images.delete(serviceContext(this.info(server, info), 'image', 'deleteImage'), imageToDelete).catch(() => undefined);
        }
      } catch (error) {
        await this.failed(server.id, error);
        throw error;
      }
    });
  }

  private async reboot(server: ServerRecord, info: RequestInfo, type: RebootType): Promise<void> {
    const hard = type === 'HARD';
    if (server.task_state === null) return;
    await actionEvent(this.agents, server.id, 'reboot', 'compute_reboot_instance', this.info(server, info), this.host, async () => {
      try {
        await this.step(server.id, { task_state: hard ? 'reboot_pending_hard' : 'reboot_pending' });
        await this.step(server.id, { task_state: hard ? 'reboot_started_hard' : 'reboot_started' });
        await this.driver.reboot(this.guest(server), type);
        await this.step(server.id, { vm_state: 'active', power_state: POWER.RUNNING, task_state: null, console_log: this.console(server.id) });
      } catch (error) {
        await this.failed(server.id, error);
        throw error;
      }
    });
  }

  private async rebuild(server: ServerRecord, info: RequestInfo, args: Args): Promise<void> {
    if (server.task_state === null) return;
    await actionEvent(this.agents, server.id, 'rebuild', 'compute_rebuild_instance', this.info(server, info), this.host, async () => {
      try {
        const imageRef = typeof args.imageRef === 'string' && args.imageRef ? args.imageRef : server.image_ref;
        let s = await this.step(server.id, { task_state: 'rebuilding', image_ref: imageRef });
        await this.driver.powerOff(this.guest(s));
        s = await this.step(server.id, { task_state: 'rebuild_block_device_mapping' });
        s = await this.step(server.id, { task_state: 'rebuild_spawning' });
        await this.driver.rebuild(this.guest(s));
        const stopped = server.vm_state === 'stopped';
        if (stopped) await this.driver.powerOff(this.guest(s));
        await this.step(server.id, {
          vm_state: stopped ? 'stopped' : 'active', power_state: stopped ? POWER.SHUTDOWN : POWER.RUNNING, task_state: null,
          launched_at: this.agents.clock.now(), console_log: this.console(server.id),
        });
      } catch (error) {
        await this.failed(server.id, error);
        throw error;
      }
    });
  }

  /** createImage: the root disk streams into the Glance image the API created (queued) */
  private async snapshot(server: ServerRecord, info: RequestInfo, imageId: string): Promise<void> {
    if (server.task_state === null) return;
    const who = this.info(server, info);
    await actionEvent(this.agents, server.id, 'createImage', 'compute_snapshot_instance', who, this.host, async () => {
      try {
        const images = this.agents.images;
        if (!images) throw new Error('No image service is available to upload the snapshot to.');
        const ctx = serviceContext({ ...who, projectId: server.project_id }, 'image', 'uploadImageFile');
        await this.step(server.id, { task_state: 'image_pending_upload' });
        const image = await images.find(ctx, imageId);
        if (image.status !== 'queued') return; // uploaded by an earlier delivery
        await this.step(server.id, { task_state: 'image_uploading' });
        await images.upload(ctx, imageId, await this.driver.snapshot(this.guest(server), image.disk_format ?? 'qcow2'));
        await this.step(server.id, { task_state: null });
      } catch (error) {
        // a failed snapshot leaves the server as it was (Nova reverts the task state only)
        await mutateServer(this.agents, server.id, (cur) => (cur.deleted ? undefined : { task_state: null })).catch(() => undefined);
        const images = this.agents.images;
        if (images && imageId) await images.delete(serviceContext(who, 'image', 'deleteImage'), imageId).catch(() => undefined);
        throw error;
      }
    });
  }

  // --- shelve ------------------------------------------------------------------------------------

  private async shelve(server: ServerRecord, info: RequestInfo, imageId: string | undefined): Promise<void> {
    if (server.task_state === null) return;
    const who = this.info(server, info);
    await actionEvent(this.agents, server.id, 'shelve', 'compute_shelve_instance', who, this.host, async () => {
      try {
        await this.step(server.id, { task_state: 'shelving_image_pending_upload' });
        const shelvedImage = await this.shelveSnapshot(server, who, imageId);
        await this.driver.powerOff(this.guest(server));
        await this.step(server.id, {
          vm_state: 'shelved', power_state: POWER.SHUTDOWN, task_state: null, shelved_image_id: shelvedImage ?? null, console_log: this.console(server.id),
        });
      } catch (error) {
        await this.failed(server.id, error);
        throw error;
      }
    });
    if (this.shelvedOffloadTime === 0) {
      const current = await getServer(this.agents, server.id);
      if (current && !current.deleted && current.vm_state === 'shelved') await this.offload(current, who, 'shelve');
    } else if (this.shelvedOffloadTime > 0) {
      void this.agents.clock.sleep(this.shelvedOffloadTime * 1000).then(async () => {
        const current = await getServer(this.agents, server.id);
        if (current && !current.deleted && current.vm_state === 'shelved' && current.task_state === null) {
          await this.agents.bus.cast(computeTopic(this.host), 'shelveOffload', { serverId: server.id, info: who, periodic: true });
        }
      }).catch(() => undefined);
    }
  }

  /** the image a shelve keeps of the disk, named `<server>-shelved` as Nova names it */
  private async shelveSnapshot(server: ServerRecord, who: RequestInfo, imageId: string | undefined): Promise<string | undefined> {
    const images = this.agents.images;
    if (!images || server.image_ref === '') return undefined; // volume-backed: nothing local to keep
    const ctx = serviceContext({ ...who, projectId: server.project_id }, 'image', 'uploadImageFile');
    await this.step(server.id, { task_state: 'shelving_image_uploading' });
    if (imageId) {
      const image = await images.find(ctx, imageId);
      if (image.status === 'queued') await images.upload(ctx, imageId, await this.driver.snapshot(this.guest(server), image.disk_format ?? 'qcow2'));
      return imageId;
    }
    const base = server.image_ref ? await images.find(ctx, server.image_ref).catch(() => undefined) : undefined;
    const diskFormat = base?.disk_format && ['qcow2', 'raw'].includes(base.disk_format) ? base.disk_format : 'qcow2';
    const image = await images.createImageFromStream(ctx, {
      name: `${server.name}-shelved`, disk_format: diskFormat, container_format: base?.container_format ?? 'bare',
      instance_uuid: server.id, image_type: 'snapshot', base_image_ref: server.image_ref,
    }, await this.driver.snapshot(this.guest(server), diskFormat));
    return image.id;
  }

  private async offload(server: ServerRecord, info: RequestInfo, action: string): Promise<void> {
    if (server.vm_state !== 'shelved') return;
    await actionEvent(this.agents, server.id, action, 'compute_shelve_offload_instance', this.info(server, info), this.host, async () => {
      try {
        const s = await this.step(server.id, { task_state: 'shelving_offloading' });
        await this.driver.destroy(this.guest(s));
        await rebindPorts(this.agents.neutron, s, null);
        await freeAllocations(this.agents, server.id);
        await this.step(server.id, { vm_state: 'shelved_offloaded', power_state: POWER.NOSTATE, task_state: null, host: null, node: null });
      } catch (error) {
        await this.failed(server.id, error);
        throw error;
      }
    });
  }

  /** the conductor has placed (and claimed for) the server on this host */
  private async unshelve(server: ServerRecord, info: RequestInfo): Promise<void> {
    if (server.host === this.host && server.vm_state === 'shelved') {
      // not offloaded yet: the guest is still here, it only powers on again
      return this.simple(server, info, 'unshelve', 'compute_unshelve_instance', ['unshelving'], (g) => this.driver.powerOn(g),
        { vm_state: 'active', power_state: POWER.RUNNING, shelved_image_id: null }, {}, server.shelved_image_id ?? undefined);
    }
    if (server.host !== this.host || server.vm_state !== 'shelved_offloaded') return;
    await actionEvent(this.agents, server.id, 'unshelve', 'compute_unshelve_instance', this.info(server, info), this.host, async () => {
      try {
        let s = await this.step(server.id, { task_state: 'spawning' });
        const net = await rebindPorts(this.agents.neutron, s, this.host);
        s = await this.step(server.id, { addresses: Object.keys(net.addresses).length ? net.addresses : s.addresses });
        await this.driver.spawn(this.guest(s));
        await this.step(server.id, { vm_state: 'active', power_state: POWER.RUNNING, task_state: null, shelved_image_id: null, console_log: this.console(server.id) });
        if (server.shelved_image_id && this.agents.images) {
          await this.agents.images.delete(serviceContext(this.info(server, info), 'image', 'deleteImage'), server.shelved_image_id).catch(() => undefined);
        }
      } catch (error) {
        await freeAllocations(this.agents, server.id).catch(() => undefined);
        await this.failed(server.id, error, { vm_state: 'error', host: null, node: null });
        throw error;
      }
    });
  }

  // --- resize and cold migration -----------------------------------------------------------------
  // dest: prep_resize -> source: resize_instance -> dest: finish_resize (VERIFY_RESIZE);
  // then source: confirm_resize, or dest: revert_resize -> source: finish_revert_resize.

  private async migration(server: ServerRecord): Promise<MigrationRecord | undefined> {
    return server.migration_id ? collectionOf(this.agents.nova, migrationsOf).get(server.migration_id) : undefined;
  }

  private async setMigration(id: string, set: Partial<MigrationRecord>): Promise<void> {
    await collectionOf(this.agents.nova, migrationsOf).update(id, { ...set, updated_at: this.agents.clock.now() });
  }

  private async migrationFailed(server: ServerRecord, migration: MigrationRecord | undefined, error: unknown): Promise<void> {
    if (migration) await this.setMigration(migration.id, { status: 'error' }).catch(() => undefined);
    await this.failed(server.id, error);
  }

  private actionOf(migration: MigrationRecord): string {
    return migration.migration_type === 'resize' ? 'resize' : 'migrate';
  }

  private async prepResize(server: ServerRecord, info: RequestInfo, args: Args): Promise<void> {
    const migration = await this.migration(server);
    if (!migration || migration.status !== 'pre-migrating' || migration.dest_compute !== this.host) return;
    await actionEvent(this.agents, server.id, this.actionOf(migration), 'compute_prep_resize', this.info(server, info), this.host, async () => {
      await this.step(server.id, { task_state: 'resize_prep' });
      await this.agents.bus.cast(computeTopic(migration.source_compute), 'resize_instance', { serverId: server.id, info, flavor: args.flavor });
    });
  }

  private async resizeInstance(server: ServerRecord, info: RequestInfo, args: Args): Promise<void> {
    const migration = await this.migration(server);
    if (!migration || migration.status !== 'pre-migrating' || migration.source_compute !== this.host) return;
    await actionEvent(this.agents, server.id, this.actionOf(migration), 'compute_resize_instance', this.info(server, info), this.host, async () => {
      try {
        await this.setMigration(migration.id, { status: 'migrating' });
        await this.step(server.id, { task_state: 'resize_migrating' });
        await this.driver.migrateDiskAndPowerOff(this.guest(server), migration.dest_compute!);
        await this.setMigration(migration.id, { status: 'post-migrating' });
        await this.step(server.id, { task_state: 'resize_migrated', console_log: this.console(server.id) });
        await this.agents.bus.cast(computeTopic(migration.dest_compute!), 'finish_resize', { serverId: server.id, info, flavor: args.flavor });
      } catch (error) {
        await this.migrationFailed(server, migration, error);
        throw error;
      }
    });
  }

  private async finishResize(server: ServerRecord, info: RequestInfo, _args: Args): Promise<void> {
    const migration = await this.migration(server);
    if (!migration || migration.status !== 'post-migrating' || migration.dest_compute !== this.host) return;
    await actionEvent(this.agents, server.id, this.actionOf(migration), 'compute_finish_resize', this.info(server, info), this.host, async () => {
      try {
        let s = await this.step(server.id, { task_state: 'resize_finish' });
        const newFlavor = s.new_flavor ?? s.flavor;
        const net = await rebindPorts(this.agents.neutron, s, this.host);
        const powerOn = s.old_vm_state !== 'stopped';
        s = await this.step(server.id, { host: this.host, node: migration.dest_node, addresses: Object.keys(net.addresses).length ? net.addresses : s.addresses });
        await this.driver.finishMigration(this.guest(s, newFlavor), powerOn);
        await this.setMigration(migration.id, { status: 'finished' });
        await this.step(server.id, {
          vm_state: 'resized', task_state: null, flavor: newFlavor, old_flavor: server.old_flavor ?? server.flavor,
          power_state: powerOn ? POWER.RUNNING : POWER.SHUTDOWN, console_log: this.console(server.id),
        });
      } catch (error) {
        await this.migrationFailed(server, migration, error);
        throw error;
      }
    });
  }

  /** on the source: drop the copy kept for a revert and the resources the migration held */
  private async confirmResize(server: ServerRecord, info: RequestInfo): Promise<void> {
    const migration = await this.migration(server);
    if (!migration || migration.source_compute !== this.host || !['finished', 'confirming'].includes(migration.status)) return;
    await actionEvent(this.agents, server.id, 'confirmResize', 'compute_confirm_resize', this.info(server, info), this.host, async () => {
      try {
        await this.setMigration(migration.id, { status: 'confirming' });
        await this.driver.confirmMigration(this.guest(server));
        await freeAllocations(this.agents, migration.id);
        await this.setMigration(migration.id, { status: 'confirmed' });
        const stopped = server.power_state === POWER.SHUTDOWN;
        await this.step(server.id, {
          vm_state: stopped ? 'stopped' : 'active', task_state: null, old_flavor: null, new_flavor: null, old_vm_state: null, migration_id: null,
        });
      } catch (error) {
        await this.migrationFailed(server, migration, error);
        throw error;
      }
    });
  }

  /** on the destination: tear the new guest down, then the source takes the server back */
  private async revertResize(server: ServerRecord, info: RequestInfo): Promise<void> {
    const migration = await this.migration(server);
    if (!migration || migration.dest_compute !== this.host || migration.status !== 'finished') return;
    await actionEvent(this.agents, server.id, 'revertResize', 'compute_revert_resize', this.info(server, info), this.host, async () => {
      try {
        await this.setMigration(migration.id, { status: 'reverting' });
        // the same host keeps one guest: it is reverted in place by finish_revert_resize
        if (migration.source_compute !== this.host) await this.driver.destroy(this.guest(server));
        await this.agents.bus.cast(computeTopic(migration.source_compute), 'finish_revert_resize', { serverId: server.id, info });
      } catch (error) {
        await this.migrationFailed(server, migration, error);
        throw error;
      }
    });
  }

  private async finishRevertResize(server: ServerRecord, info: RequestInfo): Promise<void> {
    const migration = await this.migration(server);
    if (!migration || migration.source_compute !== this.host || migration.status !== 'reverting') return;
    await actionEvent(this.agents, server.id, 'revertResize', 'compute_finish_revert_resize', this.info(server, info), this.host, async () => {
      try {
        const { placement } = this.agents;
        // the source's resources go back from the migration to the instance
        const held = await placement.getAllocations(migration.id);
        await placement.claim([
          { consumer: server.id, allocations: held, project_id: server.project_id, user_id: server.user_id, consumer_type: 'INSTANCE' },
          { consumer: migration.id, allocations: {} },
        ]);
        const oldFlavor = server.old_flavor ?? server.flavor;
        let s = await this.step(server.id, { host: this.host, node: migration.source_node });
        const net = await rebindPorts(this.agents.neutron, s, this.host);
        const powerOn = server.old_vm_state !== 'stopped';
        s = await this.step(server.id, { addresses: Object.keys(net.addresses).length ? net.addresses : s.addresses });
        await this.driver.finishRevertMigration(this.guest(s, oldFlavor), powerOn);
        await this.setMigration(migration.id, { status: 'reverted' });
        await this.step(server.id, {
          vm_state: powerOn ? 'active' : 'stopped', power_state: powerOn ? POWER.RUNNING : POWER.SHUTDOWN, task_state: null,
          flavor: oldFlavor, old_flavor: null, new_flavor: null, old_vm_state: null, migration_id: null, console_log: this.console(server.id),
        });
      } catch (error) {
        await this.migrationFailed(server, migration, error);
        throw error;
      }
    });
  }
}

/** the build attempts a server has had, as Nova's request spec keeps them */
export function retryOf(server: ServerRecord): { attempts: number; hosts: string[]; last?: string } {
  const retry = (server.pending?.retry ?? {}) as { attempts?: number; hosts?: string[]; last?: string };
  return { attempts: retry.attempts ?? 0, hosts: retry.hosts ?? [], last: retry.last };
}

/** what deleting a server frees, wherever it runs: ports, volumes, Placement allocations, the shelved image; then the soft delete */
export async function releaseInstance(agents: Agents, server: ServerRecord, info: RequestInfo): Promise<void> {
  if (agents.store) {
    // the record handed in may predate an attach that finished since; detach what is attached now
    const current = (await getServer(agents, server.id)) ?? server;
    // a volume Cinder will not detach must not keep the server from going away (Nova logs and goes on)
    await releaseServerVolumes(agents.store, agents.clock, current).catch((error: unknown) => {
      log.warn('could not release the volumes of a deleted server', { server: server.id, error: String(error) });
    });
  }
  await deallocateForInstance(agents.neutron, server);
  await freeAllocations(agents, server.id);
  if (server.migration_id) {
    await freeAllocations(agents, server.migration_id).catch(() => undefined);
  }
  if (server.shelved_image_id && agents.images) {
    await agents.images.delete(serviceContext(info, 'image', 'deleteImage'), server.shelved_image_id).catch(() => undefined);
  }
  const now = agents.clock.now();
  await mutateServer(agents, server.id, (cur) => (cur.deleted ? undefined : {
    deleted: true, vm_state: 'deleted', task_state: null, power_state: POWER.NOSTATE, deleted_at: now, terminated_at: now,
  }));
}
