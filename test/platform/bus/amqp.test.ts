// Runs against a real RabbitMQ: start one with `scripts/rabbitmq.sh start`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import amqplib from 'amqplib';
import { AmqpBus, fanoutExchangeName, queueName } from '../../../src/platform/bus/amqp.ts';
import { openBus } from '../../../src/platform/bus/index.ts';
import { eventually, freshTopic, runBusContract, usedTopics } from './contract.ts';

const AMQP_URL = process.env.STACKGATE_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const RABBITMQ_SCRIPT = fileURLToPath(new URL('../../../scripts/rabbitmq.sh', import.meta.url));
const OPTIONS = { connectTimeoutMs: 5000, reconnectSeconds: 0.5, heartbeatSeconds: 2 };

const connect = async (): Promise<AmqpBus> => {
  try {
    return await AmqpBus.connect(AMQP_URL, OPTIONS);
  } catch (err) {
    throw new Error(
      `RabbitMQ is not reachable at ${AMQP_URL.replace(/:[^:@/]*@/, ':***@')} (${(err as Error).message}). ` +
        'Run `scripts/rabbitmq.sh start` (or set STACKGATE_TEST_AMQP_URL).',
    );
  }
};

// Fail the whole file up front, loudly, when there is no broker.
before(async () => {
  const probe = await connect();
  await probe.close();
});

// Durable queues outlive the run: remove this run's ones so the broker does not fill up.
after(async () => {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const topic of usedTopics) {
      await channel.deleteQueue(queueName(topic));
      await channel.deleteExchange(fanoutExchangeName(topic));
    }
  } finally {
    await connection.close();
  }
});

runBusContract('amqp', connect);

describe('amqp bus', () => {
  const opened: AmqpBus[] = [];
  const open = async () => {
    const bus = await connect();
    opened.push(bus);
    return bus;
  };
  after(async () => {
    await Promise.allSettled(opened.map((b) => b.close()));
  });

  it('recovers after the broker drops every connection', async () => {
    const topic = freshTopic('conductor');
    const server = await open();
    const client = await open();
    await server.serve(topic, (_m, args) => ({ pong: args.n }));
    assert.deepEqual(await client.call(topic, 'ping', { n: 1 }), { pong: 1 });
    const before = [server.connectionCount, client.connectionCount];

    // Dropped by the broker itself, as a restart or a network cut would do.
    await promisify(execFile)('bash', [RABBITMQ_SCRIPT, 'drop-connections']);
    await eventually(
      () => server.connectionCount > before[0]! && client.connectionCount > before[1]!,
      'both buses to reconnect',
      20_000,
    );
    assert.deepEqual(await client.call(topic, 'ping', { n: 2 }, { timeoutMs: 10_000 }), { pong: 2 });
    await client.cast(topic, 'ping', { n: 3 });
  });

  it('a call made while the connection is down is sent once it is back', async () => {
    const topic = freshTopic('conductor');
    const server = await open();
    const client = await open();
    await server.serve(topic, (_m, args) => ({ pong: args.n }));
    const before = client.connectionCount;
    await promisify(execFile)('bash', [RABBITMQ_SCRIPT, 'drop-connections']);
    const reply = client.call(topic, 'ping', { n: 4 }, { timeoutMs: 20_000 });
    assert.deepEqual(await reply, { pong: 4 });
    assert.ok(client.connectionCount > before);
  });

  it('openBus connects to the broker', async () => {
    const bus = await openBus({ kind: 'amqp', amqpUrl: AMQP_URL, amqp: OPTIONS });
    assert.ok(bus instanceof AmqpBus);
    opened.push(bus);
    const topic = freshTopic();
    await bus.serve(topic, () => 'here');
    assert.equal(await bus.call(topic, 'm', {}), 'here');
  });

  it('connect fails, without lingering retries, when no broker listens', async () => {
    await assert.rejects(AmqpBus.connect('amqp://guest:guest@127.0.0.1:1', { connectTimeoutMs: 1000 }), /cannot connect/);
    await assert.rejects(openBus({ kind: 'amqp' }), /amqpUrl/);
  });
});
