// The API's side of the seam: ComputeEngine implemented by casting to the conductor, which
// schedules, routes each action to the server's host, and deletes. The API never waits for the
// work; it polls the record as a client would.
import type { Bus } from '../../../platform/bus/bus.ts';
import type { ComputeEngine } from '../servers/record.ts';
import { CONDUCTOR_TOPIC } from './context.ts';

export class EngineClient implements ComputeEngine {
  private readonly bus: Bus;

  constructor(bus: Bus) {
    this.bus = bus;
  }

  async build(serverIds: string[], context: { requestId: string; projectId: string; userId: string }): Promise<void> {
    if (serverIds.length === 0) return;
    await this.bus.cast(CONDUCTOR_TOPIC, 'build_instances', { serverIds, info: { ...context } });
  }

  async action(serverId: string, action: string, params: Record<string, unknown>, context: { requestId: string; projectId: string; userId: string }): Promise<void> {
    await this.bus.cast(CONDUCTOR_TOPIC, 'action', { serverId, action, params, info: { ...context } });
  }

  async delete(serverId: string, context: { requestId: string; projectId: string; userId: string }): Promise<void> {
    await this.bus.cast(CONDUCTOR_TOPIC, 'delete_instance', { serverId, info: { ...context } });
  }
}
