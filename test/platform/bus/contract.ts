// The behaviour every Bus must show, whatever carries the messages. Each test uses fresh topics
// so that reruns against a persistent broker never see an earlier run's messages.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BusTimeoutError, RemoteError } from '../../../src/platform/bus/bus.ts';
import type { Bus, Payload } from '../../../src/platform/bus/bus.ts';

/** makeBus: a new bus on the same network as every other one it made (one "process" each). */
export type MakeBus = () => Promise<Bus>;

const RUN = randomBytes(4).toString('hex');
let topicCounter = 0;
/** every topic handed out, so that a broker-backed test can delete their queues afterwards */
export const usedTopics: string[] = [];
export const freshTopic = (service = 'svc'): string => {
  const topic = `test-${RUN}-${service}${++topicCounter}`;
  usedTopics.push(topic, `${topic}.h1`, `${topic}.h2`);
  return topic;
};

/** Resolves once `predicate` holds, polling; fails the test after `timeoutMs`. */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function runBusContract(name: string, makeBus: MakeBus): void {
  describe(`bus contract: ${name}`, () => {
    const opened: Bus[] = [];
    const open = async (): Promise<Bus> => {
      const bus = await makeBus();
      opened.push(bus);
      return bus;
    };
    after(async () => {
      await Promise.allSettled(opened.map((b) => b.close()));
    });

    it('call returns the reply of the handler', async () => {
      const topic = freshTopic('conductor');
      const server = await open();
      const client = await open();
      await server.serve(topic, (method, args) => ({ method, sum: (args.a as number) + (args.b as number) }));
      assert.deepEqual(await client.call(topic, 'add', { a: 2, b: 3 }), { method: 'add', sum: 5 });
      // a handler without a return value gives undefined, not null
      const t2 = freshTopic();
      await server.serve(t2, () => undefined);
      assert.equal(await client.call(t2, 'noop', {}), undefined);
    });

    it('runs handlers asynchronously, never inside the caller', async () => {
      const topic = freshTopic();
      const bus = await open();
      let callerReturned = false;
      let seenByHandler: boolean | undefined;
      await bus.serve(topic, () => {
        seenByHandler = callerReturned;
        return 'ok';
      });
      const reply = bus.call(topic, 'm', {});
      callerReturned = true;
      assert.equal(await reply, 'ok');
      assert.equal(seenByHandler, true);
    });

    it('a call times out when the handler is too slow', async () => {
      const topic = freshTopic();
      const server = await open();
      const client = await open();
      await server.serve(topic, async () => {
        await sleep(1000);
        return 'late';
      });
      const started = Date.now();
      await assert.rejects(client.call(topic, 'slow', {}, { timeoutMs: 200 }), (err: unknown) => {
        assert.ok(err instanceof BusTimeoutError);
        assert.match((err as Error).message, /slow/);
        return true;
      });
      assert.ok(Date.now() - started >= 190, 'rejected before the timeout');
    });

    it('a call to a topic nobody serves waits until its timeout', async () => {
      const client = await open();
      const started = Date.now();
      await assert.rejects(client.call(freshTopic(), 'm', {}, { timeoutMs: 300 }), BusTimeoutError);
      assert.ok(Date.now() - started >= 290);
    });

    it('a handler that throws gives the caller a RemoteError with its name and message', async () => {
      const topic = freshTopic();
      const server = await open();
      const client = await open();
      await server.serve(topic, (method) => {
        if (method === 'range') throw new RangeError('flavor too big');
        throw 'a bare string';
      });
      await assert.rejects(client.call(topic, 'range', {}, { timeoutMs: 5000 }), (err: unknown) => {
        assert.ok(err instanceof RemoteError);
        assert.equal(err.remoteName, 'RangeError');
        assert.equal(err.message, 'flavor too big');
        return true;
      });
      await assert.rejects(client.call(topic, 'other', {}, { timeoutMs: 5000 }), (err: unknown) => {
        assert.ok(err instanceof RemoteError);
        assert.equal(err.message, 'a bare string');
        return true;
      });
    });

    it('a cast is handled exactly once when nothing fails', async () => {
      const topic = freshTopic();
      const server = await open();
      const client = await open();
      const seen: Payload[] = [];
      await server.serve(topic, (_m, args) => {
        seen.push(args);
      });
      await server.serve(topic, (_m, args) => {
        seen.push(args);
      });
      await client.cast(topic, 'boot', { id: 'vm1' });
      await eventually(() => seen.length >= 1, 'the cast');
      await sleep(300);
      assert.deepEqual(seen, [{ id: 'vm1' }]);
    });

    it('a fanout reaches every server of the topic, a cast only one', async () => {
      const topic = freshTopic('scheduler');
      const buses = [await open(), await open(), await open()];
      const got: string[][] = buses.map(() => []);
      await Promise.all(buses.map((bus, i) => bus.serve(topic, (method) => void got[i]!.push(method))));
      const client = await open();
      await client.fanout(topic, 'update_capacity', { free: 4 });
      await client.cast(topic, 'single', {});
      await eventually(() => got.every((g) => g.includes('update_capacity')), 'fanout on every server');
      await eventually(() => got.flat().includes('single'), 'the cast');
      await sleep(200);
      assert.equal(got.flat().filter((m) => m === 'single').length, 1);
      assert.deepEqual(got.map((g) => g.filter((m) => m === 'update_capacity').length), [1, 1, 1]);
    });

    it('a fanout to a topic with no server is simply dropped', async () => {
      const client = await open();
      await client.fanout(freshTopic(), 'nobody', {});
    });

    it('per-host topics are isolated (compute.h1 vs compute.h2)', async () => {
      const base = freshTopic('compute');
      const h1 = await open();
      const h2 = await open();
      const service = await open();
      await h1.serve(`${base}.h1`, (method, args) => ({ host: 'h1', method, args }));
      await h2.serve(`${base}.h2`, (method, args) => ({ host: 'h2', method, args }));
      const shared: string[] = [];
      await service.serve(base, (method) => void shared.push(method));
      const client = await open();
      for (let i = 0; i < 5; i++) {
        assert.deepEqual(await client.call(`${base}.h1`, 'spawn', { i }), { host: 'h1', method: 'spawn', args: { i } });
        assert.deepEqual(await client.call(`${base}.h2`, 'spawn', { i }), { host: 'h2', method: 'spawn', args: { i } });
      }
      await client.fanout(`${base}.h2`, 'refresh', {});
      await sleep(200);
      assert.deepEqual(shared, [], 'the service-wide topic saw per-host traffic');
    });

    it('competing servers share the work of a topic', async () => {
      const topic = freshTopic('conductor');
      const servers = [await open(), await open()];
      const counts = [0, 0];
      const ids = new Set<number>();
      await Promise.all(
        servers.map((bus, i) =>
          bus.serve(topic, async (_m, args) => {
            counts[i]! += 1;
            ids.add(args.n as number);
            await sleep(5);
          }),
        ),
      );
      const client = await open();
      for (let n = 0; n < 20; n++) await client.cast(topic, 'work', { n });
      await eventually(() => ids.size === 20, 'all 20 casts');
      await sleep(200);
      assert.equal(counts[0]! + counts[1]!, 20);
      assert.ok(counts[0]! >= 5 && counts[1]! >= 5, `work not shared: ${counts.join('/')}`);
    });

    it('arguments and replies travel as JSON copies', async () => {
      const topic = freshTopic();
      const server = await open();
      const client = await open();
      let received: Payload | undefined;
      const kept: Array<Record<string, unknown>> = [];
      await server.serve(topic, (method, args) => {
        if (method === 'bigint') return { n: 1n };
        received = args;
        (args.nested as { list: number[] }).list.push(99); // must not reach the caller's object
        const reply = { echo: args, when: new Date(0) };
        kept.push(reply);
        return reply;
      });
      const args = { nested: { list: [1, 2], flag: true, none: null }, text: 'é😀', skip: undefined, when: new Date(0) };
      const reply = (await client.call(topic, 'echo', args)) as Record<string, unknown>;
      assert.deepEqual(received, { nested: { list: [1, 2, 99], flag: true, none: null }, text: 'é😀', when: '1970-01-01T00:00:00.000Z' });
      assert.ok(!('skip' in received!));
      assert.deepEqual(args.nested.list, [1, 2], 'the caller object was mutated');
      assert.deepEqual(reply, {
        echo: { nested: { list: [1, 2, 99], flag: true, none: null }, text: 'é😀', when: '1970-01-01T00:00:00.000Z' },
        when: '1970-01-01T00:00:00.000Z',
      });
      (reply.echo as { text: string }).text = 'changed';
      assert.equal((kept[0]!.echo as { text: string }).text, 'é😀', 'the reply shares objects with the handler');
      // values JSON cannot carry fail at the sender, and a reply that cannot be encoded is a remote error
      await assert.rejects(client.call(topic, 'x', { n: 1n }), TypeError);
      await assert.rejects(client.cast(topic, 'x', { n: 1n }), TypeError);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await assert.rejects(client.fanout(topic, 'x', cyclic), TypeError);
      await assert.rejects(client.call(topic, 'bigint', {}, { timeoutMs: 5000 }), (err: unknown) => {
        assert.ok(err instanceof RemoteError);
        assert.equal(err.remoteName, 'TypeError');
        return true;
      });
    });

    it('concurrent calls each get their own reply', async () => {
      const topic = freshTopic();
      const servers = [await open(), await open()];
      await Promise.all(
        servers.map((bus, i) =>
          bus.serve(topic, async (_m, args) => {
            await sleep(Math.floor(Math.random() * 30));
            return { n: args.n, by: i };
          }),
        ),
      );
      const clients = [await open(), await open()];
      const replies = await Promise.all(
        Array.from({ length: 60 }, (_, n) => clients[n % 2]!.call(topic, 'id', { n }, { timeoutMs: 10_000 })),
      );
      replies.forEach((reply, n) => assert.equal((reply as { n: number }).n, n));
    });

    it('a closed subscription receives nothing more; the other servers take over', async () => {
      const topic = freshTopic();
      const a = await open();
      const b = await open();
      const gotA: number[] = [];
      const gotB: number[] = [];
      const subA = await a.serve(topic, (_m, args) => void gotA.push(args.n as number));
      await b.serve(topic, (_m, args) => void gotB.push(args.n as number));
      await subA.close();
      await subA.close(); // idempotent
      const client = await open();
      for (let n = 0; n < 5; n++) await client.cast(topic, 'w', { n });
      await client.fanout(topic, 'f', { n: 100 });
      await eventually(() => gotB.length === 6, 'b to get all messages');
      await sleep(200);
      assert.deepEqual(gotA, []);
      // the bus itself still works after one of its subscriptions closed
      const again = await a.serve(topic, () => 'from a');
      await again.close();
    });

    it('a call to a topic whose only server unsubscribed times out', async () => {
      const topic = freshTopic();
      const server = await open();
      const client = await open();
      const sub = await server.serve(topic, () => 'ok');
      assert.equal(await client.call(topic, 'm', {}), 'ok');
      await sub.close();
      await assert.rejects(client.call(topic, 'm', {}, { timeoutMs: 300 }), BusTimeoutError);
    });

    it('close rejects pending calls and later use; it is idempotent', async () => {
      const bus = await open();
      const pending = bus.call(freshTopic(), 'm', {}, { timeoutMs: 10_000 });
      const rejected = assert.rejects(pending, /closed/);
      await sleep(50);
      await bus.close();
      await rejected;
      await assert.rejects(bus.call(freshTopic(), 'm', {}), /closed/);
      await assert.rejects(bus.cast(freshTopic(), 'm', {}), /closed/);
      await assert.rejects(bus.serve(freshTopic(), () => 1), /closed/);
      await bus.close();
    });

    it('a cast sent while no server is up is handled when one comes', async () => {
      const topic = freshTopic('conductor');
      const client = await open();
      await client.cast(topic, 'queued', { n: 1 });
      await sleep(200);
      const server = await open();
      const seen: Payload[] = [];
      await server.serve(topic, (_m, args) => void seen.push(args));
      await eventually(() => seen.length === 1, 'the queued cast');
      assert.deepEqual(seen, [{ n: 1 }]);
    });

    it('a message whose server dies before finishing is redelivered to another server', async () => {
      const topic = freshTopic('compute');
      const doomed = await open();
      let doomedGot = 0;
      await doomed.serve(topic, () => {
        doomedGot += 1;
        return new Promise(() => {}); // never finishes, never acks
      });
      const client = await open();
      await client.cast(topic, 'rebuild', { id: 'vm7' });
      await eventually(() => doomedGot === 1, 'the first server to receive it');
      await doomed.close();
      const survivor = await open();
      const seen: Payload[] = [];
      await survivor.serve(topic, (_m, args) => void seen.push(args));
      await eventually(() => seen.length === 1, 'the redelivery');
      assert.deepEqual(seen, [{ id: 'vm7' }]);
    });
  });
}
