// API worker processes (node:cluster) that share one port. Caches in each worker
// must agree: a write in one worker is announced to every other before the
// writer answers its client, so no worker serves a stale token afterwards.
import cluster from 'node:cluster';

type Listener = (topic: string) => Promise<void> | void;

interface ChangeMessage {
  stackgate: 'change' | 'ack';
  topic: string;
  id: number;
}

const ANNOUNCE_TIMEOUT_MS = 2000;
const listeners: Listener[] = [];
const pending = new Map<number, () => void>();
let nextId = 1;
let workerWired = false;

function isChangeMessage(m: unknown): m is ChangeMessage {
  return typeof m === 'object' && m !== null && 'stackgate' in m;
}

/** In a worker: run `listener` when another worker announces a change. */
export function onPeerChange(listener: Listener): void {
  listeners.push(listener);
  if (!cluster.isWorker || workerWired) return;
  workerWired = true;
  process.on('message', (m: unknown) => {
    if (!isChangeMessage(m)) return;
    if (m.stackgate === 'ack') {
      pending.get(m.id)?.();
      pending.delete(m.id);
      return;
    }
    void Promise.all(listeners.map((l) => l(m.topic))).finally(() => process.send?.({ stackgate: 'ack', topic: m.topic, id: m.id }));
  });
}

/** In a worker: tell every other worker, and wait until each has applied it. No-op in a single process. */
export function announceChange(topic: string): Promise<void> {
  if (!cluster.isWorker || !process.send) return Promise.resolve();
  const id = nextId++;
  return new Promise((resolve) => {
    // A peer that died mid-way must not hang the writer; the store poll catches it up.
    const timer = setTimeout(() => {
      pending.delete(id);
      resolve();
    }, ANNOUNCE_TIMEOUT_MS);
    pending.set(id, () => {
      clearTimeout(timer);
      resolve();
    });
    process.send!({ stackgate: 'change', topic, id });
  });
}

/** In the primary: fork `count` workers and relay their change announcements. */
export function forkWorkers(count: number): void {
  const relay = (from: import('node:cluster').Worker, m: ChangeMessage) => {
    const others = Object.values(cluster.workers ?? {}).filter((w): w is import('node:cluster').Worker => !!w && w !== from && w.isConnected());
    let waiting = others.length;
    const done = () => from.isConnected() && from.send({ stackgate: 'ack', topic: m.topic, id: m.id });
    if (waiting === 0) return done();
    for (const worker of others) {
      const relayId = nextId++;
      const onAck = (reply: unknown) => {
        if (!isChangeMessage(reply) || reply.stackgate !== 'ack' || reply.id !== relayId) return;
        worker.off('message', onAck);
        if (--waiting === 0) done();
      };
      worker.on('message', onAck);
      worker.send({ stackgate: 'change', topic: m.topic, id: relayId });
    }
  };
  cluster.on('message', (worker, m: unknown) => {
    if (isChangeMessage(m) && m.stackgate === 'change') relay(worker, m);
  });
  for (let i = 0; i < count; i++) cluster.fork();
}
