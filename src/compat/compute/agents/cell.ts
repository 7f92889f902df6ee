// Starts Nova's agents on a bus: the conductor, the scheduler and compute agents on simulated
// hosts, together (all-in-one) or one kind per process (`stackgate conductor|scheduler|compute`).
import type { Bus } from '../../../platform/bus/bus.ts';
import type { Clock } from '../../../platform/clock.ts';
import type { Store } from '../../../platform/store/store.ts';
import type { IdentityEngine } from '../../../identity/engine.ts';
import type { Neutron } from '../../network/context.ts';
import type { ImageService } from '../../image/image-service.ts';
import { placementLogicFor } from '../../placement/index.ts';
import { SimulatedDriver, hostFailuresFromEnv, timingFromEnv, type Timing } from '../../../backends/compute/simulated/index.ts';
import { hostName, hostSpecFromEnv, type HostSpec } from '../simulated-hosts.ts';
import type { Agents } from './context.ts';
import { Conductor } from './conductor.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { ComputeAgent } from './compute-agent.ts';

export interface CellDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  identity: IdentityEngine;
  neutron?: Neutron;
  images?: ImageService;
  hosts?: HostSpec;
  timing?: Timing;
  /** failing operations per host (STACKGATE_COMPUTE_FAIL when absent) */
  failures?: Map<string, Set<string>>;
}

export class ComputeCell {
  private readonly deps: CellDeps;
  private agentsReady?: Promise<Agents>;
  private readonly stoppers: Array<() => Promise<void>> = [];
  private allInOne?: Promise<void>;
  readonly computes: ComputeAgent[] = [];

  constructor(deps: CellDeps) {
    this.deps = deps;
  }

  agents(): Promise<Agents> {
    return (this.agentsReady ??= (async () => ({
      nova: { engine: this.deps.identity, db: await this.deps.store.database('compute'), clock: this.deps.clock },
      bus: this.deps.bus,
      clock: this.deps.clock,
      placement: await placementLogicFor(this.deps.store, this.deps.clock),
      neutron: this.deps.neutron,
      images: this.deps.images,
      store: this.deps.store,
    }))());
  }

  async startConductor(): Promise<void> {
    const c = new Conductor(await this.agents());
    await c.start();
    this.stoppers.push(() => c.stop());
  }

  async startScheduler(): Promise<void> {
    const s = new Scheduler(await this.agents());
    await s.start();
    this.stoppers.push(() => s.stop());
  }

  async startCompute(host: string, spec: HostSpec = this.deps.hosts ?? hostSpecFromEnv()): Promise<ComputeAgent> {
    const failures = this.deps.failures ?? hostFailuresFromEnv();
    const driver = new SimulatedDriver({
      host, clock: this.deps.clock, timing: this.deps.timing ?? timingFromEnv(), failOn: failures.get(host) ?? [],
      resources: { vcpus: spec.vcpus, memoryMb: spec.memoryMb, diskGb: spec.diskGb },
    });
    const agent = new ComputeAgent(await this.agents(), { host, driver });
    await agent.start();
    this.computes.push(agent);
    this.stoppers.push(() => agent.stop());
    return agent;
  }

  /**
   * Everything in this process: conductor, scheduler, and one compute agent per simulated host.
   * Started once; later calls wait for the first.
   */
  startAllInOne(): Promise<void> {
    const opening = (this.allInOne ??= (async () => {
      await this.startConductor();
      await this.startScheduler();
      const spec = this.deps.hosts ?? hostSpecFromEnv();
      for (let i = 1; i <= spec.count; i++) await this.startCompute(hostName(i), spec);
    })());
    // a failed start is tried again by the next caller
    opening.catch(() => { if (this.allInOne === opening) this.allInOne = undefined; });
    return opening;
  }

  async stop(): Promise<void> {
    for (const stop of this.stoppers.splice(0).reverse()) await stop().catch(() => undefined);
  }
}
