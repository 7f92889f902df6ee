// The agents end to end in one process over the in-process bus: the engine the servers API
// calls, the conductor, the scheduler with Placement, compute agents on simulated hosts, ports in
// Neutron and snapshots in Glance.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../../support/stackgate.ts';
import { EngineClient } from '../../../../src/compat/compute/agents/engine-client.ts';
import { instanceActionsOf, POWER } from '../../../../src/compat/compute/servers/record.ts';
import { migrationsOf } from '../../../../src/compat/compute/agents/migrations.ts';
import { placementLogicFor } from '../../../../src/compat/placement/index.ts';
import { FAIL_METADATA_KEY } from '../../../../src/backends/compute/simulated/index.ts';
import { adminNetwork, createServer, ctxOf, getServer, novaOf, setTask, settled, waitFor } from './helpers.ts';

describe('compute agents: build, actions and delete over the in-process bus', () => {
  let cloud: TestCloud;
  let engine: EngineClient;
  let project: string;
  let networkId: string;

  before(async () => {
    process.env.STACKGATE_COMPUTE_HOSTS = '2';
    process.env.STACKGATE_COMPUTE_HOST_VCPUS = '4';
    process.env.STACKGATE_COMPUTE_HOST_RAM_MB = '4608';
    process.env.STACKGATE_COMPUTE_HOST_DISK_GB = '40';
    cloud = await startCloud();
    await cloud.runtime.compute.startAllInOne();
    engine = new EngineClient(cloud.runtime.bus);
    ({ networkId, projectId: project } = await adminNetwork(cloud));
  });
  after(async () => {
    for (const k of ['STACKGATE_COMPUTE_HOSTS', 'STACKGATE_COMPUTE_HOST_VCPUS', 'STACKGATE_COMPUTE_HOST_RAM_MB', 'STACKGATE_COMPUTE_HOST_DISK_GB']) delete process.env[k];
    await cloud.stop();
  });

  const placement = () => placementLogicFor(cloud.runtime.store);
  const act = async (id: string, task: string, action: string, params: Record<string, unknown> = {}) => {
    await setTask(cloud.runtime, id, task);
    await engine.action(id, action, params, ctxOf(project));
  };

  it('registers the hosts and their inventories when the agents start', async () => {
    const p = await placement();
    const providers = (await p.providers.list()).filter((rp) => rp.name.startsWith('compute-'));
    assert.deepEqual(providers.map((rp) => rp.name).sort(), ['compute-1', 'compute-2']);
    assert.deepEqual(providers[0].inventories.VCPU.allocation_ratio, 4);
    assert.equal(providers[0].inventories.MEMORY_MB.reserved, 512);
    const hv = await cloud.request('GET', '/compute/v2.1/os-services?binary=nova-compute');
    assert.equal(hv.status, 200);
    assert.deepEqual(hv.body.services.map((s: { host: string }) => s.host).sort(), ['compute-1', 'compute-2']);
  });

  it('builds a server: scheduled, claimed in Placement, a bound port, ACTIVE and running', async () => {
    const s = await createServer(cloud.runtime, project);
    await engine.build([s.id], ctxOf(project));
    const done = await waitFor(cloud.runtime, s.id, settled('active'), 'ACTIVE');
    assert.equal(done.power_state, POWER.RUNNING);
    assert.match(done.host!, /^compute-[12]$/);
    assert.equal(done.node, done.host);
    assert.equal(done.availability_zone, 'nova');
    assert.ok(done.launched_at);
    assert.ok(done.console_log.some((l) => l.includes('login:')));
    const [addr] = done.addresses.private;
    assert.equal(addr.version, 4);
    assert.match(addr.addr, /^10\.20\.0\./);
    const port = await cloud.request('GET', `/networking/v2.0/ports/${addr.port_id}`);
    assert.equal(port.body.port.status, 'ACTIVE');
    assert.equal(port.body.port.device_id, s.id);
    assert.equal(port.body.port.device_owner, 'compute:nova');
    assert.equal(port.body.port['binding:host_id'], done.host);
    assert.equal(port.body.port.network_id, networkId);
    const allocations = await (await placement()).getAllocations(s.id);
    assert.deepEqual(Object.values(allocations), [{ VCPU: 1, MEMORY_MB: 512, DISK_GB: 1 }]);
    const actions = await instanceActionsOf(await novaOf(cloud.runtime)).find({ instance_uuid: s.id });
    assert.equal(actions.length, 1);
    assert.equal(actions[0].action, 'create');
    assert.deepEqual(actions[0].events.map((e) => [e.event, e.result]).sort(), [
      ['compute__do_build_and_run_instance', 'Success'], ['conductor_schedule_and_build_instances', 'Success'],
    ]);
  });

  it('runs the power and state actions through their task states', async () => {
    const s = await createServer(cloud.runtime, project, { requested_networks: 'none' });
    await engine.build([s.id], ctxOf(project));
    await waitFor(cloud.runtime, s.id, settled('active'), 'ACTIVE');
    const steps: Array<[string, string, string, number, Record<string, unknown>?]> = [
      ['powering-off', 'stop', 'stopped', POWER.SHUTDOWN],
      ['powering-on', 'start', 'active', POWER.RUNNING],
      ['rebooting', 'reboot', 'active', POWER.RUNNING, { type: 'SOFT' }],
      ['rebooting_hard', 'reboot', 'active', POWER.RUNNING, { type: 'HARD' }],
      ['pausing', 'pause', 'paused', POWER.PAUSED],
      ['unpausing', 'unpause', 'active', POWER.RUNNING],
      ['suspending', 'suspend', 'suspended', POWER.SUSPENDED],
      ['resuming', 'resume', 'active', POWER.RUNNING],
      ['rescuing', 'rescue', 'rescued', POWER.RUNNING],
      ['unrescuing', 'unrescue', 'active', POWER.RUNNING],
      ['rebuilding', 'rebuild', 'active', POWER.RUNNING, { imageRef: 'img-2' }],
    ];
    for (const [task, action, vm, power, params] of steps) {
      await act(s.id, task, action, params);
      const after = await waitFor(cloud.runtime, s.id, settled(vm), `${action} -> ${vm}`);
      assert.equal(after.power_state, power, action);
    }
    assert.equal((await getServer(cloud.runtime, s.id)).image_ref, 'img-2');
    const actions = await instanceActionsOf(await novaOf(cloud.runtime)).find({ instance_uuid: s.id });
    assert.ok(actions.some((a) => a.action === 'reboot' && a.events[0].event === 'compute_reboot_instance' && a.events[0].result === 'Success'));
  });

  it('createImage streams a snapshot into Glance and the image goes active', async () => {
    const s = await createServer(cloud.runtime, project, { requested_networks: 'none' });
    await engine.build([s.id], ctxOf(project));
    await waitFor(cloud.runtime, s.id, settled('active'), 'ACTIVE');
    const image = await cloud.request('POST', '/image/v2/images', { body: { name: 'snap', disk_format: 'qcow2', container_format: 'bare' } });
    assert.equal(image.status, 201, image.text);
    await act(s.id, 'image_snapshot', 'createImage', { imageId: image.body.id });
    await waitFor(cloud.runtime, s.id, settled('active'), 'snapshot done');
    const shown = await cloud.request('GET', `/image/v2/images/${image.body.id}`);
    assert.equal(shown.body.status, 'active');
    assert.ok(shown.body.size > 0);
  });

  it('resizes to VERIFY_RESIZE with the source held by the migration, then confirms', async () => {
    const s = await createServer(cloud.runtime, project, { requested_networks: 'none' });
    await engine.build([s.id], ctxOf(project));
    await waitFor(cloud.runtime, s.id, settled('active'), 'ACTIVE');
    const big = { ...(await getServer(cloud.runtime, s.id)).flavor, id: '2', name: 'm1.small', vcpus: 2, ram: 1024, disk: 2 };
    await act(s.id, 'resize_prep', 'resize', { flavor: big });
    const resized = await waitFor(cloud.runtime, s.id, settled('resized'), 'VERIFY_RESIZE');
    assert.equal(resized.flavor.name, 'm1.small');
    assert.equal(resized.old_flavor?.name, 'm1.tiny');
    const migration = (await migrationsOf(await novaOf(cloud.runtime)).get(resized.migration_id!))!;
    assert.equal(migration.status, 'finished');
    const p = await placement();
    assert.deepEqual(Object.values(await p.getAllocations(migration.id)), [{ VCPU: 1, MEMORY_MB: 512, DISK_GB: 1 }]);
    assert.deepEqual(Object.values(await p.getAllocations(s.id)), [{ VCPU: 2, MEMORY_MB: 1024, DISK_GB: 2 }]);
    await engine.action(s.id, 'confirmResize', {}, ctxOf(project));
    const confirmed = await waitFor(cloud.runtime, s.id, (x) => settled('active')(x) && !x.migration_id, 'confirmed');
    assert.equal(confirmed.old_flavor, null);
    assert.deepEqual(await p.getAllocations(migration.id), {});
    assert.equal((await migrationsOf(await novaOf(cloud.runtime)).get(migration.id))!.status, 'confirmed');
  });

  it('reverts a resize back to the old flavor and allocations', async () => {
    const s = await createServer(cloud.runtime, project, { requested_networks: 'none' });
    await engine.build([s.id], ctxOf(project));
    const built = await waitFor(cloud.runtime, s.id, settled('active'), 'ACTIVE');
    await act(s.id, 'resize_prep', 'resize', { flavor: { ...built.flavor, id: '2', name: 'm1.small', ram: 1024 } });
    await waitFor(cloud.runtime, s.id, settled('resized'), 'VERIFY_RESIZE');
    await act(s.id, 'resize_reverting', 'revertResize');
    const reverted = await waitFor(cloud.runtime, s.id, (x) => settled('active')(x) && !x.migration_id, 'reverted');
    assert.equal(reverted.flavor.name, 'm1.tiny');
    assert.equal(reverted.host, built.host);
    assert.deepEqual(Object.values(await (await placement()).getAllocations(s.id)), [{ VCPU: 1, MEMORY_MB: 512, DISK_GB: 1 }]);
  });

  it('cold-migrates to the other host (VERIFY_RESIZE, same flavor) and confirms', async () => {
    const s = await createServer(cloud.runtime, project, { requested_networks: 'none' });
    await engine.build([s.id], ctxOf(project));
    const built = await waitFor(cloud.runtime, s.id, settled('active'), 'ACTIVE');
    await act(s.id, 'resize_prep', 'migrate');
    const moved = await waitFor(cloud.runtime, s.id, settled('resized'), 'VERIFY_RESIZE');
    assert.notEqual(moved.host, built.host);
    assert.equal(moved.flavor.name, 'm1.tiny');
    const migration = (await migrationsOf(await novaOf(cloud.runtime)).get(moved.migration_id!))!;
    assert.equal(migration.migration_type, 'migration');
    assert.deepEqual([migration.source_compute, migration.dest_compute], [built.host, moved.host]);
    await engine.action(s.id, 'confirmResize', {}, ctxOf(project));
    await waitFor(cloud.runtime, s.id, (x) => settled('active')(x) && !x.migration_id, 'confirmed');
  });

  it('shelves (offloaded at once: no host, no allocations, a -shelved image) and unshelves', async () => {
    const s = await createServer(cloud.runtime, project);
    await engine.build([s.id], ctxOf(project));
    await waitFor(cloud.runtime, s.id, settled('active'), 'ACTIVE');
    await act(s.id, 'shelving', 'shelve');
    const off = await waitFor(cloud.runtime, s.id, settled('shelved_offloaded'), 'SHELVED_OFFLOADED');
    assert.equal(off.host, null);
    assert.deepEqual(await (await placement()).getAllocations(s.id), {});
    assert.ok(off.shelved_image_id);
    const image = await cloud.request('GET', `/image/v2/images/${off.shelved_image_id}`);
    assert.equal(image.body.name, `${s.name}-shelved`);
    assert.equal(image.body.status, 'active');
    const port = await cloud.request('GET', `/networking/v2.0/ports?device_id=${s.id}`);
    assert.equal(port.body.ports[0]['binding:host_id'], '');
    await act(s.id, 'unshelving', 'unshelve');
    const back = await waitFor(cloud.runtime, s.id, settled('active'), 'ACTIVE again');
    assert.match(back.host!, /^compute-/);
    assert.equal(back.power_state, POWER.RUNNING);
    const rebound = await cloud.request('GET', `/networking/v2.0/ports?device_id=${s.id}`);
    assert.equal(rebound.body.ports[0]['binding:host_id'], back.host);
    assert.equal((await cloud.request('GET', `/image/v2/images/${off.shelved_image_id}`)).status, 404);
  });

  it('deletes: ports it made are gone, a user port is unbound, allocations removed, record soft-deleted', async () => {
    const userPort = await cloud.request('POST', '/networking/v2.0/ports', { body: { port: { network_id: networkId, name: 'mine' } } });
    assert.equal(userPort.status, 201);
    const s = await createServer(cloud.runtime, project, { requested_networks: [{ uuid: networkId }, { port: userPort.body.port.id }] });
    await engine.build([s.id], ctxOf(project));
    const built = await waitFor(cloud.runtime, s.id, settled('active'), 'ACTIVE');
    const portIds = Object.values(built.addresses).flat().map((a) => a.port_id);
    assert.equal(portIds.length, 2);
    await setTask(cloud.runtime, s.id, 'deleting');
    await engine.delete(s.id, ctxOf(project));
    const gone = await waitFor(cloud.runtime, s.id, (x) => x.deleted, 'deleted');
    assert.equal(gone.vm_state, 'deleted');
    assert.equal(gone.task_state, null);
    assert.ok(gone.deleted_at && gone.terminated_at);
    const made = portIds.find((id) => id !== userPort.body.port.id)!;
    assert.equal((await cloud.request('GET', `/networking/v2.0/ports/${made}`)).status, 404);
    const mine = await cloud.request('GET', `/networking/v2.0/ports/${userPort.body.port.id}`);
    assert.equal(mine.body.port.device_id, '');
    assert.equal(mine.body.port['binding:host_id'], '');
    assert.deepEqual(await (await placement()).getAllocations(s.id), {});
  });

  it('a request can make its own boot fail (stackgate:fail=boot): rescheduled on every host, then ERROR, nothing held', async () => {
    const s = await createServer(cloud.runtime, project, { metadata: { [FAIL_METADATA_KEY]: 'boot' } });
    await engine.build([s.id], ctxOf(project));
    const failed = await waitFor(cloud.runtime, s.id, settled('error'), 'ERROR');
    assert.equal(failed.fault?.code, 500);
    assert.equal(failed.fault!.message, `Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${s.id}.`);
    assert.match(failed.fault!.details!, /Simulated failure of spawn/);
    assert.deepEqual([...(failed.pending?.retry as { hosts: string[] }).hosts].sort(), ['compute-1', 'compute-2']);
    assert.deepEqual(await (await placement()).getAllocations(s.id), {});
    assert.equal((await cloud.request('GET', `/networking/v2.0/ports?device_id=${s.id}`)).body.ports.length, 0);
    await engine.delete(s.id, ctxOf(project));
    await waitFor(cloud.runtime, s.id, (x) => x.deleted, 'deleted');
  });

  it('an action the hypervisor fails (stackgate:fail=reboot) leaves the server in ERROR with a fault and an Error event', async () => {
    const s = await createServer(cloud.runtime, project, { requested_networks: 'none', metadata: { [FAIL_METADATA_KEY]: 'reboot' } });
    await engine.build([s.id], ctxOf(project));
    await waitFor(cloud.runtime, s.id, settled('active'), 'ACTIVE');
    const ctx = ctxOf(project);
    await setTask(cloud.runtime, s.id, 'rebooting');
    await engine.action(s.id, 'reboot', { type: 'SOFT' }, ctx);
    const failed = await waitFor(cloud.runtime, s.id, settled('error'), 'ERROR');
    assert.match(failed.fault!.message, /Simulated failure of reboot/);
    const action = (await instanceActionsOf(await novaOf(cloud.runtime)).findOne({ instance_uuid: s.id, request_id: ctx.requestId }))!;
    assert.equal(action.message, 'Error');
    assert.equal(action.events[0].result, 'Error');
    assert.match(action.events[0].traceback!, /DriverError/);
  });

  it('a full cloud answers a flavor bigger than any host with ERROR "No valid host was found"', async () => {
    const huge = { id: 'huge', name: 'huge', vcpus: 1, ram: 64 * 1024, disk: 1, ephemeral: 0, swap: 0, extra_specs: {} };
    const s = await createServer(cloud.runtime, project, { flavor: huge });
    await engine.build([s.id], ctxOf(project));
    const failed = await waitFor(cloud.runtime, s.id, settled('error'), 'ERROR');
    assert.equal(failed.fault?.code, 500);
    assert.match(failed.fault!.message, /^No valid host was found\. /);
    assert.equal(failed.host, null);
    // hosts of 4 vCPUs x4 and 4 GiB (512 reserved): 8 more 512 MiB servers fill both, the next finds no room
    const many = [];
    for (let i = 0; i < 20; i++) many.push(await createServer(cloud.runtime, project, { requested_networks: 'none' }));
    await engine.build(many.map((m) => m.id), ctxOf(project));
    const states = await Promise.all(many.map((m) => waitFor(cloud.runtime, m.id, (x) => x.task_state === null && x.vm_state !== 'building', 'settled')));
    const errors = states.filter((x) => x.vm_state === 'error');
    assert.ok(errors.length > 0 && errors.every((x) => /No valid host was found/.test(x.fault!.message)));
    for (const m of many) {
      await engine.delete(m.id, ctxOf(project));
      await waitFor(cloud.runtime, m.id, (x) => x.deleted, 'deleted');
    }
  });
});
