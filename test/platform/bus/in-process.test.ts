import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBroker, InProcessBus } from '../../../src/platform/bus/in-process.ts';
import { openBus } from '../../../src/platform/bus/index.ts';
import { freshTopic, runBusContract } from './contract.ts';

const broker = new InProcessBroker();
runBusContract('in-process', async () => new InProcessBus({ broker }));

describe('in-process bus', () => {
  it('buses on different brokers do not see each other', async () => {
    const topic = freshTopic();
    const a = new InProcessBus({ broker: new InProcessBroker() });
    const b = new InProcessBus({ broker: new InProcessBroker() });
    await a.serve(topic, () => 'a');
    await assert.rejects(b.call(topic, 'm', {}, { timeoutMs: 100 }), /no reply/);
    await Promise.all([a.close(), b.close()]);
  });

  it('openBus gives the in-process bus by default kind', async () => {
    const bus = await openBus({ kind: 'in-process' });
    assert.ok(bus instanceof InProcessBus);
    const topic = freshTopic();
    await bus.serve(topic, (_m, args) => args);
    assert.deepEqual(await bus.call(topic, 'echo', { x: 1 }), { x: 1 });
    await bus.close();
  });
});
