// The agents split as in a real deployment: the API's engine on one AMQP connection, the
// conductor, scheduler and a compute host on another, all through a real RabbitMQ
// (`scripts/rabbitmq.sh start`, or STACKGATE_TEST_AMQP_URL). Fails when no broker listens.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import amqplib from 'amqplib';
import { startCloud, type TestCloud } from '../../../support/stackgate.ts';
import { AmqpBus, queueName } from '../../../../src/platform/bus/amqp.ts';
import { ComputeCell } from '../../../../src/compat/compute/agents/cell.ts';
import { EngineClient } from '../../../../src/compat/compute/agents/engine-client.ts';
import { POWER } from '../../../../src/compat/compute/servers/record.ts';
import type { Neutron } from '../../../../src/compat/network/context.ts';
import { hexId } from '../../../../src/platform/ids.ts';
import { adminNetwork, createServer, ctxOf, setTask, settled, waitFor } from './helpers.ts';

const AMQP_URL = process.env.STACKGATE_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const OPTIONS = { connectTimeoutMs: 5000, reconnectSeconds: 0.5, heartbeatSeconds: 2 };

const connect = async (): Promise<AmqpBus> => {
  try {
    return await AmqpBus.connect(AMQP_URL, OPTIONS);
  } catch (err) {
    throw new Error(`RabbitMQ is not reachable at ${AMQP_URL.replace(/:[^:@/]*@/, ':***@')} (${(err as Error).message}). Run \`scripts/rabbitmq.sh start\` (or set STACKGATE_TEST_AMQP_URL).`);
  }
};

describe('compute agents over AMQP (real RabbitMQ)', () => {
  let cloud: TestCloud;
  let agentBus: AmqpBus;
  let cell: ComputeCell;
  const host = `amqp-${hexId().slice(0, 8)}`;

  before(async () => {
    // loudly, up front, when there is no broker
    await (await connect()).close();
    cloud = await startCloud((config) => {
      config.bus = { kind: 'amqp', amqpUrl: AMQP_URL };
    });
    agentBus = await connect();
    cell = new ComputeCell({
      store: cloud.runtime.store, bus: agentBus, clock: cloud.runtime.clock, identity: cloud.runtime.identity,
      neutron: (cloud.runtime.services.find((svc) => svc.type === 'network') as unknown as { neutron: Neutron }).neutron,
      hosts: { count: 1, vcpus: 8, memoryMb: 8192, diskGb: 80 }, timing: 'instant', failures: new Map(),
    });
    await cell.startConductor();
    await cell.startScheduler();
    await cell.startCompute(host);
  });

  after(async () => {
    await cell?.stop();
    await agentBus?.close();
    await cloud?.stop();
    const connection = await amqplib.connect(AMQP_URL).catch(() => undefined);
    if (connection) {
      const channel = await connection.createChannel();
      await channel.deleteQueue(queueName(`compute.${host}`)).catch(() => undefined);
      await connection.close().catch(() => undefined);
    }
  });

  it('builds, stops and deletes a server with every step crossing the broker', async () => {
    assert.ok(cloud.runtime.bus instanceof AmqpBus);
    const { projectId } = await adminNetwork(cloud, 'amqp-net');
    const engine = new EngineClient(cloud.runtime.bus);
    const s = await createServer(cloud.runtime, projectId);
    await engine.build([s.id], ctxOf(projectId));
    const active = await waitFor(cloud.runtime, s.id, settled('active'), 'ACTIVE', 20_000);
    assert.equal(active.host, host);
    assert.equal(active.power_state, POWER.RUNNING);
    assert.equal(Object.values(active.addresses).flat().length, 1);
    await setTask(cloud.runtime, s.id, 'powering-off');
    await engine.action(s.id, 'stop', {}, ctxOf(projectId));
    const stopped = await waitFor(cloud.runtime, s.id, settled('stopped'), 'SHUTOFF', 20_000);
    assert.equal(stopped.power_state, POWER.SHUTDOWN);
    await setTask(cloud.runtime, s.id, 'deleting');
    await engine.delete(s.id, ctxOf(projectId));
    const gone = await waitFor(cloud.runtime, s.id, (x) => x.deleted, 'deleted', 20_000);
    assert.equal(gone.vm_state, 'deleted');
  });
});
