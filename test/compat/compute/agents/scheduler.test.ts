// The scheduler on a real store and Placement, with compute agents registering simulated hosts:
// capacity with allocation ratios, availability zones, disabled services, aggregate extra specs,
// server group (anti-)affinity, weighing, and "No valid host was found".
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../../src/platform/store/index.ts';
import type { Store } from '../../../../src/platform/store/store.ts';
import { InProcessBus } from '../../../../src/platform/bus/in-process.ts';
import { systemClock } from '../../../../src/platform/clock.ts';
import { uuid } from '../../../../src/platform/ids.ts';
import { placementLogicFor } from '../../../../src/compat/placement/index.ts';
import type { IdentityEngine } from '../../../../src/identity/engine.ts';
import { ComputeCell } from '../../../../src/compat/compute/agents/cell.ts';
import { NoValidHost, Scheduler } from '../../../../src/compat/compute/agents/scheduler/scheduler.ts';
import { weighHosts } from '../../../../src/compat/compute/agents/scheduler/weighers.ts';
import { aggregateInstanceExtraSpecsFilter } from '../../../../src/compat/compute/agents/scheduler/filters.ts';
import type { HostState, RequestSpec } from '../../../../src/compat/compute/agents/scheduler/host-state.ts';
import { aggregatesOf } from '../../../../src/compat/compute/aggregates.ts';
import { servicesOf } from '../../../../src/compat/compute/simulated-hosts.ts';
import { serverGroupsOf } from '../../../../src/compat/compute/server-groups.ts';
import { serversOf, type ServerRecord } from '../../../../src/compat/compute/servers/record.ts';
import type { Agents } from '../../../../src/compat/compute/agents/context.ts';
import { SMALL } from './helpers.ts';

describe('nova scheduler', () => {
  let dir: string;
  let store: Store;
  let bus: InProcessBus;
  let cell: ComputeCell;
  let agents: Agents;
  let scheduler: Scheduler;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stackgate-sched-'));
    store = await openStore({ kind: 'sqlite', dataDir: dir });
    bus = new InProcessBus();
    cell = new ComputeCell({
      store, bus, clock: systemClock, identity: undefined as unknown as IdentityEngine,
      hosts: { count: 3, vcpus: 2, memoryMb: 2560, diskGb: 20 }, timing: 'instant', failures: new Map(),
    });
    for (const h of ['compute-1', 'compute-2', 'compute-3']) await cell.startCompute(h);
    agents = await cell.agents();
    scheduler = new Scheduler(agents);
  });
  after(async () => {
    await cell.stop();
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const servers = () => serversOf(agents.nova);
  const server = async (fields: Partial<ServerRecord> = {}) => {
    const id = uuid();
    return servers().insert({
      id, name: id, project_id: 'p1', user_id: 'u1', created_at: 0, updated_at: 0, launched_at: null, terminated_at: null, deleted: false,
      deleted_at: null, vm_state: 'building', task_state: 'scheduling', power_state: 0, old_vm_state: null, progress: 0, host: null, node: null,
      availability_zone: null, requested_availability_zone: null, flavor: SMALL, old_flavor: null, new_flavor: null, image_ref: 'i',
      key_name: null, key_data: null, user_data: null, metadata: {}, tags: [], description: null, hostname: id, locked: false,
      locked_reason: null, access_ip_v4: '', access_ip_v6: '', config_drive: '', reservation_id: 'r', launch_index: 0, security_groups: [],
      requested_networks: 'none', block_device_mapping: [], scheduler_hints: {}, server_group_id: null, addresses: {}, volumes_attached: [],
      fault: null, console_log: [], pending: null, ...fields,
    });
  };
  /** schedules and records the host, as the conductor does */
  const place = async (fields: Partial<ServerRecord> = {}) => {
    const s = await server(fields);
    const sel = await scheduler.selectDestinations({ instanceId: s.id });
    await servers().update(s.id, { host: sel.host, node: sel.node });
    return sel;
  };

  beforeEach(async () => {
    const placement = await placementLogicFor(store);
    for (const s of await servers().find({ deleted: false })) {
      if (Object.keys(await placement.getAllocations(s.id)).length) await placement.deleteAllocations(s.id);
      await servers().update(s.id, { deleted: true });
    }
    for (const a of await aggregatesOf(agents.nova).find()) await aggregatesOf(agents.nova).delete(a.id);
    for (const s of await servicesOf(agents.nova).find()) await servicesOf(agents.nova).update(s.id, { disabled: false, updated_at: Date.now() });
  });

  it('claims the flavor in Placement and spreads by free RAM', async () => {
    const first = await place();
    const second = await place();
    const third = await place();
    assert.equal(new Set([first.host, second.host, third.host]).size, 3);
    const placement = await placementLogicFor(store);
    const rp = (await placement.providers.list()).find((p) => p.name === first.host)!;
    assert.deepEqual(rp.usages, { VCPU: 1, MEMORY_MB: 512, DISK_GB: 1 });
  });

  it('honours the allocation ratios: 4 x 2 vCPUs per host, RAM at 1.0 with 512 MB reserved', async () => {
    const cpuHeavy = { ...SMALL, id: 'c', vcpus: 2, ram: 64 };
    for (let i = 0; i < 12; i++) await place({ flavor: cpuHeavy });
    await assert.rejects(place({ flavor: { ...SMALL, id: 'c1', vcpus: 1, ram: 64 } }), NoValidHost);
  });

  it('answers NoValidHost with Nova\'s message when no host has the RAM', async () => {
    await assert.rejects(place({ flavor: { ...SMALL, id: 'big', ram: 2049 } }), (e: Error) => e instanceof NoValidHost && /^No valid host was found\. /.test(e.message));
    await place({ flavor: { ...SMALL, id: 'fits', ram: 2048 } });
  });

  it('keeps to the asked availability zone, and an admin can pin zone:host', async () => {
    const agg = await aggregatesOf(agents.nova).insert({ id: uuid(), seq: 1, name: 'az2', hosts: ['compute-2'], metadata: { availability_zone: 'az2' }, created_at: 0, updated_at: null });
    const sel = await place({ requested_availability_zone: 'az2' });
    assert.equal(sel.host, 'compute-2');
    assert.equal(sel.zone, 'az2');
    await assert.rejects(place({ requested_availability_zone: 'elsewhere' }), NoValidHost);
    assert.equal((await place({ requested_availability_zone: 'nova:compute-3' })).host, 'compute-3');
    await aggregatesOf(agents.nova).delete(agg.id);
  });

  it('skips disabled and silent compute services', async () => {
    const services = servicesOf(agents.nova);
    const [c1, c2] = await Promise.all(['compute-1', 'compute-2'].map((host) => services.findOne({ host, binary: 'nova-compute' })));
    await services.update(c1!.id, { disabled: true });
    await services.update(c2!.id, { updated_at: Date.now() - 3600_000 });
    for (let i = 0; i < 3; i++) assert.equal((await place()).host, 'compute-3');
  });

  it('matches flavor extra specs against aggregate metadata', async () => {
    await aggregatesOf(agents.nova).insert({ id: uuid(), seq: 2, name: 'ssd', hosts: ['compute-3'], metadata: { ssd: 'true' }, created_at: 0, updated_at: null });
    const flavor = { ...SMALL, id: 'ssd', extra_specs: { 'aggregate_instance_extra_specs:ssd': 'true', 'hw:cpu_policy': 'shared' } };
    for (let i = 0; i < 2; i++) assert.equal((await place({ flavor })).host, 'compute-3');
    const spec = { flavor: { ...SMALL, extra_specs: { tier: '<or> gold <or> silver' } } } as unknown as RequestSpec;
    const host = (metadata: Record<string, string>) => ({ aggregates: [{ metadata }] }) as unknown as HostState;
    assert.equal(aggregateInstanceExtraSpecsFilter.passes(host({ tier: 'silver' }), spec), true);
    assert.equal(aggregateInstanceExtraSpecsFilter.passes(host({ tier: 'bronze' }), spec), false);
    assert.equal(aggregateInstanceExtraSpecsFilter.passes(host({}), spec), false);
  });

  it('places anti-affinity members apart and affinity members together', async () => {
    const groups = serverGroupsOf(agents.nova);
    const anti = await groups.insert({ id: uuid(), name: 'anti', project_id: 'p1', user_id: 'u1', policy: 'anti-affinity', rules: {}, members: [], created_at: 0 });
    const hosts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await server({ server_group_id: anti.id });
      await groups.update(anti.id, { members: [...(await groups.get(anti.id))!.members, s.id] });
      const sel = await scheduler.selectDestinations({ instanceId: s.id });
      await servers().update(s.id, { host: sel.host });
      hosts.push(sel.host);
    }
    assert.equal(new Set(hosts).size, 3);
    const fourth = await server({ server_group_id: anti.id });
    await groups.update(anti.id, { members: [...(await groups.get(anti.id))!.members, fourth.id] });
    await assert.rejects(scheduler.selectDestinations({ instanceId: fourth.id }), NoValidHost);

    const aff = await groups.insert({ id: uuid(), name: 'aff', project_id: 'p1', user_id: 'u1', policy: 'affinity', rules: {}, members: [], created_at: 0 });
    const together: string[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await server({ scheduler_hints: { group: aff.id } });
      await groups.update(aff.id, { members: [...(await groups.get(aff.id))!.members, s.id] });
      const sel = await scheduler.selectDestinations({ instanceId: s.id });
      await servers().update(s.id, { host: sel.host });
      together.push(sel.host);
    }
    assert.equal(new Set(together).size, 1);
  });

  it('weighs by free RAM and vCPUs, best first', () => {
    const h = (host: string, freeRamMb: number, freeVcpus: number) => ({ host, freeRamMb, freeVcpus, freeDiskGb: 0 }) as HostState;
    const spec = { groupHosts: new Map() } as unknown as RequestSpec;
    assert.deepEqual(weighHosts([h('a', 100, 1), h('b', 900, 1), h('c', 500, 8)], spec).map((x) => x.host), ['c', 'b', 'a']);
  });
});
