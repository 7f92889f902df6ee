// The Nova agent roles of a split deployment: `stackgate conductor`, `stackgate scheduler` and
// `stackgate compute --host h1` (one per hypervisor host), each serving its topics on the bus.
// They open only what agents use (store, bus, identity, Neutron and Glance logic in process),
// never the HTTP listeners or storage servers of the API roles.
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../platform/config.ts';
import { systemClock } from '../platform/clock.ts';
import { openStore } from '../platform/store/index.ts';
import { openBus } from '../platform/bus/index.ts';
import { IdentityEngine } from '../identity/engine.ts';
import { openImageService } from '../compat/image/index.ts';
import { neutronService } from '../compat/network/index.ts';
import { ComputeCell } from '../compat/compute/agents/cell.ts';
import { hostSpecFromEnv } from '../compat/compute/simulated-hosts.ts';

export const COMPUTE_ROLES = ['conductor', 'scheduler', 'compute'] as const;
export type ComputeRole = (typeof COMPUTE_ROLES)[number];

export const COMPUTE_USAGE = `usage: stackgate compute --host NAME [--driver simulated] [--vcpus N] [--ram-mb N] [--disk-gb N]
  Serves compute.NAME on the bus and reports the host's inventory to Placement.
  Timing and failure injection: STACKGATE_COMPUTE_TIMING, STACKGATE_COMPUTE_FAIL (docs/configuration.md).
`;

/** starts the role's agent; resolves with a stop function once it serves */
export async function runComputeRole(role: ComputeRole, config: Config, argv: string[]): Promise<() => Promise<void>> {
  let computeHost: { host: string; vcpus?: string; ram?: string; disk?: string } | undefined;
  if (role === 'compute') {
    const { values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string' }, driver: { type: 'string', default: 'simulated' },
        vcpus: { type: 'string' }, 'ram-mb': { type: 'string' }, 'disk-gb': { type: 'string' },
      },
    });
    if (!values.host) throw new Error(`stackgate compute needs --host\n${COMPUTE_USAGE}`);
    if (values.driver !== 'simulated' && values.driver !== 'fake') throw new Error(`stackgate compute: unknown driver ${values.driver} (only "simulated" exists yet)`);
    computeHost = { host: values.host, vcpus: values.vcpus, ram: values['ram-mb'], disk: values['disk-gb'] };
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const clock = systemClock;
  const store = await openStore({ kind: config.store.kind, dataDir: config.dataDir, mongodbUrl: config.store.mongodbUrl });
  const bus = await openBus({ kind: config.bus.kind, amqpUrl: config.bus.amqpUrl });
  const identity = await IdentityEngine.open(config, store, clock);
  const images = await openImageService({ config, store, identity, clock });
  const neutron = neutronService({ engine: identity, store, clock }).neutron;
  const cell = new ComputeCell({ store, bus, clock, identity, neutron, images });
  switch (role) {
    case 'conductor':
      await cell.startConductor();
      break;
    case 'scheduler':
      await cell.startScheduler();
      break;
    case 'compute': {
      const spec = hostSpecFromEnv();
      const n = (v: string | undefined, fallback: number) => (v && Number.isInteger(Number(v)) && Number(v) > 0 ? Number(v) : fallback);
      await cell.startCompute(computeHost!.host, {
        ...spec, vcpus: n(computeHost!.vcpus, spec.vcpus), memoryMb: n(computeHost!.ram, spec.memoryMb), diskGb: n(computeHost!.disk, spec.diskGb),
      });
      break;
    }
  }
  return async () => {
    await cell.stop();
    identity.stop();
    await bus.close();
    await store.close();
  };
}
