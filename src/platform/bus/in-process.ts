// The bus of the all-in-one role. It models a broker in memory so that a caller cannot tell it
// from the AMQP bus: handlers run on a later turn of the event loop, everything crosses as JSON,
// queues keep messages until a server comes, servers of a topic take turns, a message whose
// server goes away before finishing is handed to another one (at least once).
import { randomUUID } from 'node:crypto';
import { BusTimeoutError } from './bus.ts';
import type { Bus, Handler, Payload, Subscription } from './bus.ts';
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_PREFETCH,
  PendingCalls,
  checkTopic,
  decodeRequest,
  encodeRequest,
  runHandler,
} from './wire.ts';

interface Message {
  body: string;
  /** set on calls: where the server sends the encoded reply */
  replyTo?: (reply: string) => void;
  /** calls expire with their timeout, as call messages carry a TTL on AMQP */
  expiresAt?: number;
}

type Processor = (message: Message) => Promise<void>;

class Consumer {
  readonly unacked = new Set<Message>();
  closed = false;
  readonly prefetch: number;
  readonly process: Processor;
  private readonly queue: MessageQueue;

  constructor(queue: MessageQueue, prefetch: number, process: Processor) {
    this.queue = queue;
    this.prefetch = prefetch;
    this.process = process;
  }

  hasRoom(): boolean {
    return !this.closed && this.unacked.size < this.prefetch;
  }

  deliver(message: Message): void {
    this.unacked.add(message);
    setImmediate(() => {
      // requeued meanwhile because this consumer closed
      if (!this.unacked.has(message)) return;
      void this.process(message).finally(() => this.ack(message));
    });
  }

  private ack(message: Message): void {
    if (this.unacked.delete(message)) this.queue.pump();
  }
}

class MessageQueue {
  private readonly messages: Message[] = [];
  private readonly consumers: Consumer[] = [];
  private turn = 0;

  enqueue(message: Message): void {
    this.messages.push(message);
    this.pump();
  }

  attach(consumer: Consumer): void {
    this.consumers.push(consumer);
    this.pump();
  }

  /** Unacknowledged messages go back to the head of the queue, as a broker does on channel close. */
  detach(consumer: Consumer): void {
    consumer.closed = true;
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
    const requeued = [...consumer.unacked];
    consumer.unacked.clear();
    this.messages.unshift(...requeued);
    this.pump();
  }

  pump(): void {
    while (this.messages.length > 0) {
      const consumer = this.nextConsumerWithRoom();
      if (!consumer) return;
      const message = this.messages.shift()!;
      if (message.expiresAt !== undefined && message.expiresAt <= Date.now()) continue;
      consumer.deliver(message);
    }
  }

  private nextConsumerWithRoom(): Consumer | undefined {
    for (let i = 0; i < this.consumers.length; i++) {
      const consumer = this.consumers[(this.turn + i) % this.consumers.length]!;
      if (consumer.hasRoom()) {
        this.turn = (this.turn + i + 1) % this.consumers.length;
        return consumer;
      }
    }
    return undefined;
  }
}

/** The shared "broker": buses that share one see each other's servers. */
export class InProcessBroker {
  private readonly queues = new Map<string, MessageQueue>();
  private readonly fanouts = new Map<string, Set<MessageQueue>>();

  queue(topic: string): MessageQueue {
    let queue = this.queues.get(topic);
    if (!queue) {
      queue = new MessageQueue();
      this.queues.set(topic, queue);
    }
    return queue;
  }

  /** Each server gets a private fanout queue, gone with the server, like an exclusive AMQP queue. */
  bindFanout(topic: string, queue: MessageQueue): () => void {
    let bound = this.fanouts.get(topic);
    if (!bound) {
      bound = new Set();
      this.fanouts.set(topic, bound);
    }
    bound.add(queue);
    return () => {
      bound.delete(queue);
      if (bound.size === 0) this.fanouts.delete(topic);
    };
  }

  fanout(topic: string, message: Message): void {
    for (const queue of this.fanouts.get(topic) ?? []) queue.enqueue({ ...message });
  }
}

const defaultBroker = new InProcessBroker();

export interface InProcessBusOptions {
  /** buses on one broker talk to each other; by default all in-process buses share one */
  broker?: InProcessBroker;
  defaultTimeoutMs?: number;
  /** unacknowledged messages per server and queue */
  prefetch?: number;
}

export class InProcessBus implements Bus {
  private readonly broker: InProcessBroker;
  private readonly defaultTimeoutMs: number;
  private readonly prefetch: number;
  private readonly pending = new PendingCalls();
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.broker = options.broker ?? defaultBroker;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.prefetch = options.prefetch ?? DEFAULT_PREFETCH;
  }

  async call(topic: string, method: string, args: Payload, options: { timeoutMs?: number } = {}): Promise<unknown> {
    this.assertOpen();
    checkTopic(topic);
    const body = encodeRequest(method, args);
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const id = randomUUID();
    const reply = this.pending.expect(id, timeoutMs, () => new BusTimeoutError(topic, method, timeoutMs));
    this.broker.queue(topic).enqueue({
      body,
      replyTo: (text) => setImmediate(() => this.pending.reply(id, text)),
      expiresAt: Date.now() + timeoutMs,
    });
    return reply;
  }

  async cast(topic: string, method: string, args: Payload): Promise<void> {
    this.assertOpen();
    checkTopic(topic);
    this.broker.queue(topic).enqueue({ body: encodeRequest(method, args) });
  }

  async fanout(topic: string, method: string, args: Payload): Promise<void> {
    this.assertOpen();
    checkTopic(topic);
    this.broker.fanout(topic, { body: encodeRequest(method, args) });
  }

  async serve(topic: string, handler: Handler): Promise<Subscription> {
    this.assertOpen();
    checkTopic(topic);
    const process: Processor = async (message) => {
      let request;
      try {
        request = decodeRequest(message.body);
      } catch {
        return; // cannot happen with our own encoder; dropped like a poison message on AMQP
      }
      const reply = await runHandler(handler, request);
      // a closed bus can no longer publish, so its late replies are lost, as on AMQP
      if (message.replyTo && !this.closed) message.replyTo(reply);
    };
    const shared = this.broker.queue(topic);
    const own = new MessageQueue();
    const consumers: Array<[MessageQueue, Consumer]> = [
      [shared, new Consumer(shared, this.prefetch, process)],
      [own, new Consumer(own, this.prefetch, process)],
    ];
    for (const [queue, consumer] of consumers) queue.attach(consumer);
    const unbind = this.broker.bindFanout(topic, own);
    let open = true;
    const subscription: Subscription = {
      close: async () => {
        if (!open) return;
        open = false;
        unbind();
        for (const [queue, consumer] of consumers) queue.detach(consumer);
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.pending.failAll(new Error('bus closed'));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus closed');
  }
}
