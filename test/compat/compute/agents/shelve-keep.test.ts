// Shelving with shelved_offload_time -1 (never offload): the server stays SHELVED on its host,
// holding its resources, and unshelve only powers it on again; the at-least-once bus may deliver
// an action twice, which changes nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../../src/platform/store/index.ts';
import type { Store } from '../../../../src/platform/store/store.ts';
import { InProcessBus } from '../../../../src/platform/bus/in-process.ts';
import { systemClock } from '../../../../src/platform/clock.ts';
import { uuid } from '../../../../src/platform/ids.ts';
import type { IdentityEngine } from '../../../../src/identity/engine.ts';
import { ComputeCell } from '../../../../src/compat/compute/agents/cell.ts';
import { ComputeAgent } from '../../../../src/compat/compute/agents/compute-agent.ts';
import { EngineClient } from '../../../../src/compat/compute/agents/engine-client.ts';
import { collectionOf, computeTopic, type Agents } from '../../../../src/compat/compute/agents/context.ts';
import { servicesOf } from '../../../../src/compat/compute/simulated-hosts.ts';
import { SimulatedDriver } from '../../../../src/backends/compute/simulated/index.ts';
import { POWER, serversOf, type ServerRecord } from '../../../../src/compat/compute/servers/record.ts';
import { SMALL } from './helpers.ts';

describe('shelve without offload, and redelivered messages', () => {
  let dir: string;
  let store: Store;
  let bus: InProcessBus;
  let cell: ComputeCell;
  let agents: Agents;
  let agent: ComputeAgent;
  let engine: EngineClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stackgate-shelve-'));
    store = await openStore({ kind: 'sqlite', dataDir: dir });
    bus = new InProcessBus();
    cell = new ComputeCell({ store, bus, clock: systemClock, identity: undefined as unknown as IdentityEngine, timing: 'instant', failures: new Map() });
    await cell.startConductor();
    await cell.startScheduler();
    agents = await cell.agents();
    const driver = new SimulatedDriver({ host: 'keep-1', clock: systemClock, resources: { vcpus: 4, memoryMb: 4096, diskGb: 40 } });
    agent = new ComputeAgent(agents, { host: 'keep-1', driver, shelvedOffloadTime: -1 });
    await agent.start();
    engine = new EngineClient(bus);
  });
  after(async () => {
    await agent.stop();
    await cell.stop();
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const servers = () => serversOf(agents.nova);
  const info = { requestId: 'req-1', projectId: 'p1', userId: 'u1' };
  const newServer = async (name: string) => {
    const id = uuid();
    await servers().insert({
      id, name, project_id: 'p1', user_id: 'u1', created_at: 0, updated_at: 0, launched_at: null, terminated_at: null, deleted: false,
      deleted_at: null, vm_state: 'building', task_state: 'scheduling', power_state: 0, old_vm_state: null, progress: 0, host: null, node: null,
      availability_zone: null, requested_availability_zone: null, flavor: SMALL, old_flavor: null, new_flavor: null, image_ref: 'i',
      key_name: null, key_data: null, user_data: null, metadata: {}, tags: [], description: null, hostname: name, locked: false,
      locked_reason: null, access_ip_v4: '', access_ip_v6: '', config_drive: '', reservation_id: 'r', launch_index: 0, security_groups: [],
      requested_networks: 'none', block_device_mapping: [], scheduler_hints: {}, server_group_id: null, addresses: {}, volumes_attached: [],
      fault: null, console_log: [], pending: null,
    });
    return id;
  };
  const wait = async (id: string, ok: (s: ServerRecord) => boolean) => {
    for (let i = 0; i < 500; i++) {
      const s = (await servers().get(id))!;
      if (ok(s)) return s;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.fail(`server ${id} did not settle: ${JSON.stringify(await servers().get(id))}`);
  };

  it('a spawn that fails on one host is rescheduled on another (STACKGATE_COMPUTE_FAIL-style host failure)', async () => {
    const broken = new SimulatedDriver({ host: 'broken-1', clock: systemClock, resources: { vcpus: 64, memoryMb: 65536, diskGb: 400 }, failOn: ['spawn'] });
    const brokenAgent = new ComputeAgent(agents, { host: 'broken-1', driver: broken });
    await brokenAgent.start();
    try {
      // the emptier broken host wins the weighing, fails the spawn, and the retry goes to keep-1
      const id = await newServer('retry');
      await engine.build([id], { ...info, requestId: 'req-retry' });
      const s = await wait(id, (x) => x.vm_state === 'active' && x.task_state === null);
      assert.equal(s.host, 'keep-1');
      assert.deepEqual((s.pending?.retry as { hosts: string[] }).hosts, ['broken-1']);
      assert.equal(broken.listInstances().length, 0);
    } finally {
      await brokenAgent.stop();
      await collectionOf(agents.nova, servicesOf).update((await collectionOf(agents.nova, servicesOf).findOne({ host: 'broken-1' }))!.id, { disabled: true });
    }
  });

  it('keeps the shelved server on its host and brings it back', async () => {
    const id = await newServer('keep');
    await engine.build([id], info);
    // the bus delivers at least once: a second build changes nothing
    await engine.build([id], info);
    const active = await wait(id, (s) => s.vm_state === 'active' && s.task_state === null);
    const launched = active.launched_at;
    await bus.cast(computeTopic('keep-1'), 'build_and_run_instance', { serverId: id, info });
    await servers().update(id, { task_state: 'shelving' });
    await engine.action(id, 'shelve', {}, info);
    const shelved = await wait(id, (s) => s.vm_state === 'shelved' && s.task_state === null);
    assert.equal(shelved.host, 'keep-1');
    assert.equal(shelved.power_state, POWER.SHUTDOWN);
    assert.equal(shelved.launched_at, launched);
    assert.notDeepEqual(await agents.placement.getAllocations(id), {});
    await servers().update(id, { task_state: 'unshelving' });
    await engine.action(id, 'unshelve', {}, info);
    const back = await wait(id, (s) => s.vm_state === 'active' && s.task_state === null);
    assert.equal(back.power_state, POWER.RUNNING);
    assert.equal(back.host, 'keep-1');
  });
});
