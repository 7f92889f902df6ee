import type { Bus } from './bus.ts';
import { AmqpBus } from './amqp.ts';
import type { AmqpBusOptions } from './amqp.ts';
import { InProcessBus } from './in-process.ts';

export type { Bus, Handler, Payload, Subscription } from './bus.ts';
export { BusTimeoutError, RemoteError } from './bus.ts';

export interface BusConfig {
  kind: 'in-process' | 'amqp';
  amqpUrl?: string;
  amqp?: AmqpBusOptions;
}

export async function openBus(config: BusConfig): Promise<Bus> {
  switch (config.kind) {
    case 'in-process':
      return new InProcessBus();
    case 'amqp':
      if (!config.amqpUrl) throw new Error('bus: kind "amqp" needs amqpUrl');
      return AmqpBus.connect(config.amqpUrl, config.amqp);
    default:
      throw new Error(`bus: unknown kind ${JSON.stringify((config as { kind: unknown }).kind)}`);
  }
}
