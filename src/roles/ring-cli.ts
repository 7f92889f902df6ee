// `stackgate ring ...`: build and rebalance rings, in the shape of swift-ring-builder.
// The builder file (<dir>/<kind>.builder) holds the state; rebalance writes <dir>/<kind>.ring.gz,
// which running proxies and storage nodes pick up by its mtime. The first create in a
// directory also writes <dir>/cluster.json with the cluster's hash path suffix: copy the
// ring files and cluster.json to every node.
import { basename, dirname, join } from 'node:path';
import { RingBuilder } from '../backends/object-ring/ring/builder.ts';
import { loadBuilder, saveBuilder } from '../backends/object-ring/ring/builder-file.ts';
import { loadHashPathConfig } from '../backends/object-ring/ring/hash-path.ts';
import { writeRingFile } from '../backends/object-ring/ring/ring-file.ts';

export const RING_USAGE = `usage: stackgate ring <command> <builder file> [args]

  create <builder> <part_power> <replicas> <min_part_hours>
  add <builder> r<region>z<zone>-<ip>:<port>/<device> <weight> [<dev> <weight> ...]
  remove <builder> <search value>             e.g. d3, r1z2, -10.0.0.5:6200/sdb
  set-weight <builder> <search value> <weight>
  set-replicas <builder> <replicas>
  rebalance <builder>                          writes <kind>.ring.gz beside the builder
  pretend-min-part-hours-passed <builder>
  show <builder>

The ring file name comes from the builder's: object.builder -> object.ring.gz (also
account.builder, container.builder; with only object.ring.gz, all three use it).
`;

const DEV_RE = /^r(\d+)z(\d+)-([^:/]+):(\d+)\/([A-Za-z0-9_.-]+)(?:_(.*))?$/;

export function ringFileFor(builderPath: string): string {
  return join(dirname(builderPath), `${basename(builderPath).replace(/\.builder$/, '')}.ring.gz`);
}

function num(name: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n)) throw new UsageError(`${name} must be a number`);
  return n;
}

class UsageError extends Error {}

export function showBuilder(builder: RingBuilder, path: string): string {
  const s = builder.state;
  const counts = new Map<number, number>();
  for (const row of s.replica2part2dev) for (const id of row) counts.set(id, (counts.get(id) ?? 0) + 1);
  const devs = builder.activeDevices();
  const lines = [
    `${path}, build version ${s.version}`,
    `${builder.parts} partitions, ${s.replicas} replicas, ${new Set(devs.map((d) => d.region)).size} regions, ` +
      `${new Set(devs.map((d) => `${d.region}/${d.zone}`)).size} zones, ${devs.length} devices, ` +
      `${s.replica2part2dev.length ? builder.balance().toFixed(2) : '0.00'} balance, ${s.replica2part2dev.length ? builder.dispersionProblems() : 0} parts with dispersion problems`,
    `The minimum number of hours before a partition can be reassigned is ${s.minPartHours}`,
    'Devices:   id region zone ip address       port  name     weight partitions',
  ];
  for (const d of devs) {
    lines.push(`       ${String(d.id).padStart(5)} ${String(d.region).padStart(6)} ${String(d.zone).padStart(4)} ${d.ip.padEnd(15)} ${String(d.port).padStart(5)}  ${d.device.padEnd(8)} ${d.weight.toFixed(2).padStart(6)} ${String(counts.get(d.id) ?? 0).padStart(10)}${s.pendingRemoval.includes(d.id) ? ' (removing)' : ''}`);
  }
  return lines.join('\n') + '\n';
}

/** Runs one ring command; returns the exit status. */
export function runRingCli(args: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): number {
  const [command, builderPath, ...rest] = args;
  try {
    if (!command || command === 'help' || command === '-h' || command === '--help') {
      out(RING_USAGE);
      return 0;
    }
    if (!builderPath) throw new UsageError('missing builder file');
    if (command === 'create') {
      const builder = RingBuilder.create(num('part_power', rest[0]), num('replicas', rest[1]), num('min_part_hours', rest[2]));
      loadHashPathConfig(dirname(builderPath), true);
      saveBuilder(builderPath, builder);
      out(`created ${builderPath}\n`);
      return 0;
    }
    const builder = loadBuilder(builderPath);
    switch (command) {
      case 'add': {
        if (rest.length === 0 || rest.length % 2 !== 0) throw new UsageError('add takes <device> <weight> pairs');
        for (let i = 0; i < rest.length; i += 2) {
          const m = DEV_RE.exec(rest[i]);
          if (!m) throw new UsageError(`invalid device ${JSON.stringify(rest[i])}: expected r<region>z<zone>-<ip>:<port>/<device>`);
          const dev = builder.addDevice({ region: Number(m[1]), zone: Number(m[2]), ip: m[3], port: Number(m[4]), device: m[5], meta: m[6], weight: num('weight', rest[i + 1]) });
          out(`device d${dev.id}r${dev.region}z${dev.zone}-${dev.ip}:${dev.port}/${dev.device} with ${dev.weight} weight got id ${dev.id}\n`);
        }
        break;
      }
      case 'remove': {
        const devs = builder.search(rest[0] ?? '');
        if (devs.length === 0) throw new UsageError(`no device matches ${rest[0]}`);
        for (const d of devs) {
          builder.removeDevice(d.id);
          out(`d${d.id} marked for removal and will be removed next rebalance\n`);
        }
        break;
      }
      case 'set-weight': {
        const devs = builder.search(rest[0] ?? '');
        if (devs.length === 0) throw new UsageError(`no device matches ${rest[0]}`);
        const weight = num('weight', rest[1]);
        for (const d of devs) {
          builder.setWeight(d.id, weight);
          out(`d${d.id} weight set to ${weight}\n`);
        }
        break;
      }
      case 'set-replicas':
        builder.setReplicas(num('replicas', rest[0]));
        out(`replica count set to ${rest[0]}; rebalance to apply\n`);
        break;
      case 'pretend-min-part-hours-passed':
        builder.pretendMinPartHoursPassed();
        break;
      case 'rebalance': {
        const result = builder.rebalance();
        writeRingFile(ringFileFor(builderPath), builder.toRingData());
        out(`reassigned ${result.moved} replicas; balance is now ${result.balance.toFixed(2)}; dispersion problems: ${result.dispersionWorst}\n`);
        out(`wrote ${ringFileFor(builderPath)}\n`);
        break;
      }
      case 'show':
        out(showBuilder(builder, builderPath));
        return 0;
      default:
        throw new UsageError(`unknown ring command ${JSON.stringify(command)}`);
    }
    saveBuilder(builderPath, builder);
    return 0;
  } catch (error) {
    err(`stackgate ring: ${(error as Error).message}\n`);
    if (error instanceof UsageError) err(`\n${RING_USAGE}`);
    return error instanceof UsageError ? 2 : 1;
  }
}
