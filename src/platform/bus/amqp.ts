// The bus between processes, over AMQP 0-9-1 (RabbitMQ), with oslo.messaging's layout:
// - call/cast: a durable queue per topic, `stackgate.<topic>`, persistent messages, one server
//   takes each (competing consumers);
// - fanout: a fanout exchange per topic, `stackgate.fanout.<topic>`, with an exclusive
//   auto-delete queue per server;
// - replies: a per-process exclusive queue, matched to calls by correlation id.
// Publishes wait for the broker's confirm; deliveries are acked only after the handler finished
// and its reply was confirmed, so a server that dies mid-way has its message redelivered.
// amqp-connection-manager reconnects and reruns each channel's setup (declarations, consumers).
import { randomUUID } from 'node:crypto';
import amqp from 'amqp-connection-manager';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { BusTimeoutError } from './bus.ts';
import type { Bus, Handler, Payload, Subscription } from './bus.ts';
import { logger } from '../log.ts';
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_PREFETCH,
  PendingCalls,
  checkTopic,
  decodeRequest,
  encodeRequest,
  runHandler,
} from './wire.ts';

const log = logger('bus.amqp');

export interface AmqpBusOptions {
  /** default timeout of call() (default 60 000) */
  defaultTimeoutMs?: number;
  /** unacknowledged deliveries per server and queue (default 10) */
  prefetch?: number;
  /** how long cast/fanout wait for the broker's confirm, including while reconnecting (default 30 000) */
  publishTimeoutMs?: number;
  /** how long connect() waits for the first connection (default 10 000) */
  connectTimeoutMs?: number;
  /** AMQP heartbeat (default 5) */
  heartbeatSeconds?: number;
  /** delay between reconnection attempts (default 1) */
  reconnectSeconds?: number;
}

export const queueName = (topic: string): string => `stackgate.${topic}`;
export const fanoutExchangeName = (topic: string): string => `stackgate.fanout.${topic}`;

// Server and client must declare with identical arguments, or the broker closes the channel.
const TOPIC_QUEUE = { durable: true } as const;
const FANOUT_EXCHANGE = { durable: true } as const;

export class AmqpBus implements Bus {
  /** Connects and waits for the first connection; rejects (and gives up) if none within connectTimeoutMs. */
  static async connect(url: string, options: AmqpBusOptions = {}): Promise<AmqpBus> {
    const bus = new AmqpBus(url, options);
    try {
      await bus.ready(options.connectTimeoutMs ?? 10_000);
    } catch (err) {
      await bus.close();
      throw new Error(`cannot connect to AMQP broker at ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
    }
    return bus;
  }

  private readonly manager: AmqpConnectionManager;
  private readonly publisher: ChannelWrapper;
  private readonly replyQueue = `stackgate.reply.${randomUUID()}`;
  private readonly declared = new Map<string, Promise<void>>();
  private readonly pending = new PendingCalls();
  private readonly subscriptions = new Set<Subscription>();
  private readonly defaultTimeoutMs: number;
  private readonly prefetch: number;
  private readonly publishTimeoutMs: number;
  private closed = false;
  private connects = 0;

  /** Starts connecting in the background; use AmqpBus.connect to wait for the broker. */
  constructor(url: string, options: AmqpBusOptions = {}) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.prefetch = options.prefetch ?? DEFAULT_PREFETCH;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
    const heartbeat = options.heartbeatSeconds ?? 5;
    this.manager = amqp.connect(url, {
      heartbeatIntervalInSeconds: heartbeat,
      reconnectTimeInSeconds: options.reconnectSeconds ?? 1,
    });
    this.manager.on('connect', () => {
      this.connects += 1;
    });
    this.manager.on('disconnect', ({ err }) => {
      if (!this.closed) log.warn('broker connection lost', { error: err?.message });
    });
    this.manager.on('connectFailed', ({ err }) => log.debug('broker connection attempt failed', { error: err?.message }));
    // The reply queue is declared and consumed in the publisher's setup, which the wrapper runs
    // before it sends anything queued: a call's reply never races its queue's declaration.
    this.publisher = this.manager.createChannel({
      name: 'publisher',
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        await channel.assertQueue(this.replyQueue, { exclusive: true, autoDelete: true, durable: false });
        await channel.consume(this.replyQueue, (msg) => this.onReply(msg), { noAck: true });
      },
    });
    this.publisher.on('error', (err: Error) => log.error('publisher channel setup failed', { error: err.message }));
  }

  /** How many times this bus has connected to the broker: above 1 means it reconnected. */
  get connectionCount(): number {
    return this.connects;
  }

  private async ready(timeoutMs: number): Promise<void> {
    await this.manager.connect({ timeout: timeoutMs });
    await this.publisher.waitForConnect();
  }

  async call(topic: string, method: string, args: Payload, options: { timeoutMs?: number } = {}): Promise<unknown> {
    this.assertOpen();
    checkTopic(topic);
    const body = Buffer.from(encodeRequest(method, args));
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const id = randomUUID();
    const reply = this.pending.expect(id, timeoutMs, () => new BusTimeoutError(topic, method, timeoutMs));
    this.declareQueue(topic)
      .then(() =>
        this.publisher.sendToQueue(queueName(topic), body, {
          persistent: true,
          contentType: 'application/json',
          correlationId: id,
          replyTo: this.replyQueue,
          // A call nobody answered in time is dropped by the broker instead of run late.
          expiration: String(timeoutMs),
          timeout: timeoutMs,
        }),
      )
      .catch((err: Error) => this.pending.fail(id, err));
    return reply;
  }

  async cast(topic: string, method: string, args: Payload): Promise<void> {
    this.assertOpen();
    checkTopic(topic);
    const body = Buffer.from(encodeRequest(method, args));
    await this.declareQueue(topic);
    await this.publisher.sendToQueue(queueName(topic), body, {
      persistent: true,
      contentType: 'application/json',
      messageId: randomUUID(),
      timeout: this.publishTimeoutMs,
    });
  }

  async fanout(topic: string, method: string, args: Payload): Promise<void> {
    this.assertOpen();
    checkTopic(topic);
    const body = Buffer.from(encodeRequest(method, args));
    await this.ensureDeclared(`exchange:${topic}`, (ch) => ch.assertExchange(fanoutExchangeName(topic), 'fanout', FANOUT_EXCHANGE));
    await this.publisher.publish(fanoutExchangeName(topic), '', body, {
      persistent: true,
      contentType: 'application/json',
      messageId: randomUUID(),
      timeout: this.publishTimeoutMs,
    });
  }

  async serve(topic: string, handler: Handler): Promise<Subscription> {
    this.assertOpen();
    checkTopic(topic);
    const prefetch = this.prefetch;
    // One channel per server: its close (or its connection's loss) makes the broker requeue
    // whatever this server had not acked yet.
    const channel = this.manager.createChannel({
      name: `server ${topic}`,
      confirm: false,
      setup: async (ch: Channel) => {
        await ch.prefetch(prefetch, false);
        await ch.assertQueue(queueName(topic), TOPIC_QUEUE);
        await ch.assertExchange(fanoutExchangeName(topic), 'fanout', FANOUT_EXCHANGE);
        const own = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
        await ch.bindQueue(own.queue, fanoutExchangeName(topic), '');
        const onMessage = (msg: ConsumeMessage | null) => {
          if (msg) void this.handle(ch, msg, handler, topic);
        };
        await ch.consume(queueName(topic), onMessage, { noAck: false });
        await ch.consume(own.queue, onMessage, { noAck: false });
      },
    });
    channel.on('error', (err: Error) => log.error('server channel setup failed', { topic, error: err.message }));
    await channel.waitForConnect();
    let open = true;
    const subscription: Subscription = {
      close: async () => {
        if (!open) return;
        open = false;
        this.subscriptions.delete(subscription);
        // if the channel is already gone, the broker has requeued its unacked messages anyway
        await channel.close().catch(() => undefined);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pending.failAll(new Error('bus closed'));
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    await this.publisher.close().catch(() => undefined);
    await this.manager.close();
  }

  private async handle(ch: Channel, msg: ConsumeMessage, handler: Handler, topic: string): Promise<void> {
    let request;
    try {
      request = decodeRequest(msg.content.toString('utf8'));
    } catch (err) {
      // Redelivering a message we cannot read would loop forever.
      log.error('dropping malformed message', { topic, error: (err as Error).message });
      ackOn(ch, msg);
      return;
    }
    const reply = await runHandler(handler, request);
    const { replyTo, correlationId } = msg.properties as { replyTo?: string; correlationId?: string };
    if (replyTo && correlationId && !this.closed) {
      try {
        await this.publisher.sendToQueue(replyTo, Buffer.from(reply), {
          correlationId,
          contentType: 'application/json',
          timeout: this.publishTimeoutMs,
        });
      } catch (err) {
        // The caller will time out; the request is still acked since its handler ran.
        log.warn('could not send reply', { topic, error: (err as Error).message });
      }
    }
    ackOn(ch, msg);
  }

  private onReply(msg: ConsumeMessage | null): void {
    if (!msg) return;
    const id = msg.properties.correlationId as string | undefined;
    if (id) this.pending.reply(id, msg.content.toString('utf8'));
  }

  private declareQueue(topic: string): Promise<void> {
    return this.ensureDeclared(`queue:${topic}`, (ch) => ch.assertQueue(queueName(topic), TOPIC_QUEUE));
  }

  /** Declares once per bus; the setup reruns on every reconnection, before queued publishes. */
  private ensureDeclared(key: string, declare: (ch: ConfirmChannel) => Promise<unknown>): Promise<void> {
    let done = this.declared.get(key);
    if (!done) {
      done = this.publisher.addSetup(async (ch: ConfirmChannel) => {
        await declare(ch);
      });
      done.catch(() => this.declared.delete(key));
      this.declared.set(key, done);
    }
    return done;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus closed');
  }
}

/** Acks on the channel that delivered; if that channel is gone the broker has already requeued it. */
function ackOn(ch: Channel, msg: ConsumeMessage): void {
  try {
    ch.ack(msg);
  } catch {
    // channel closed: the message will be redelivered (at least once)
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
