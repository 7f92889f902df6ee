// What the agent tests share: a server record as the servers API creates it, the engine the API
// would call, and a poll for the state the agents leave a server in.
import assert from 'node:assert/strict';
import { uuid } from '../../../../src/platform/ids.ts';
import { POWER, serversOf, type FlavorSnapshot, type ServerRecord } from '../../../../src/compat/compute/servers/record.ts';
import type { Runtime } from '../../../../src/roles/runtime.ts';
import type { Nova } from '../../../../src/compat/compute/support.ts';
import type { TestCloud } from '../../../support/stackgate.ts';

export const SMALL: FlavorSnapshot = { id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, extra_specs: {} };

export async function novaOf(runtime: Runtime): Promise<Nova> {
  return (await runtime.compute.agents()).nova;
}

/** a record as the API writes it on POST /servers: building / scheduling */
export async function createServer(runtime: Runtime, projectId: string, fields: Partial<ServerRecord> = {}): Promise<ServerRecord> {
  const nova = await novaOf(runtime);
  const now = Date.now();
  const id = uuid();
  const record: ServerRecord = {
    id, name: `vm-${id.slice(0, 8)}`, project_id: projectId, user_id: 'u1', created_at: now, updated_at: now, launched_at: null,
    terminated_at: null, deleted: false, deleted_at: null, vm_state: 'building', task_state: 'scheduling', power_state: POWER.NOSTATE,
    old_vm_state: null, progress: 0, host: null, node: null, availability_zone: null, requested_availability_zone: null,
    flavor: SMALL, old_flavor: null, new_flavor: null, image_ref: 'img-1', key_name: null, key_data: null, user_data: null,
    metadata: {}, tags: [], description: null, hostname: `vm-${id.slice(0, 8)}`, locked: false, locked_reason: null, access_ip_v4: '',
    access_ip_v6: '', config_drive: '', reservation_id: 'r-1', launch_index: 0, security_groups: ['default'], requested_networks: 'auto',
    block_device_mapping: [], scheduler_hints: {}, server_group_id: null, addresses: {}, volumes_attached: [], fault: null,
    console_log: [], pending: null, ...fields,
  };
  return serversOf(nova).insert(record);
}

export async function getServer(runtime: Runtime, id: string): Promise<ServerRecord> {
  return (await serversOf(await novaOf(runtime)).get(id))!;
}

/** polls the record until `done` holds (the agents work asynchronously) */
export async function waitFor(runtime: Runtime, id: string, done: (s: ServerRecord) => boolean, what: string, timeoutMs = 10_000): Promise<ServerRecord> {
  const until = Date.now() + timeoutMs;
  let last: ServerRecord | undefined;
  while (Date.now() < until) {
    last = await getServer(runtime, id);
    if (last && done(last)) return last;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`server ${id} never reached ${what}; last: ${JSON.stringify({ vm: last?.vm_state, task: last?.task_state, fault: last?.fault })}`);
}

export const settled = (vm: string) => (s: ServerRecord) => s.vm_state === vm && s.task_state === null;

/** what the API does before it hands an action over: set the task_state */
export async function setTask(runtime: Runtime, id: string, task: string): Promise<void> {
  const nova = await novaOf(runtime);
  await serversOf(nova).update(id, { task_state: task });
}

export const ctxOf = (projectId: string) => ({ requestId: `req-${uuid()}`, projectId, userId: 'u1' });

/** a network with a subnet for the admin project, through the Neutron API */
export async function adminNetwork(cloud: TestCloud, name = 'private'): Promise<{ networkId: string; projectId: string }> {
  const net = await cloud.request('POST', '/networking/v2.0/networks', { body: { network: { name } } });
  assert.equal(net.status, 201, net.text);
  const sub = await cloud.request('POST', '/networking/v2.0/subnets', {
    body: { subnet: { network_id: net.body.network.id, cidr: '10.20.0.0/24', ip_version: 4 } },
  });
  assert.equal(sub.status, 201, sub.text);
  return { networkId: net.body.network.id, projectId: net.body.network.project_id };
}
