// The simulated hypervisor (our counterpart of Nova's fake driver): guests are entries in
// memory with a power state and a serial console log. Each operation takes the time its timing
// profile gives it on the Clock, and fails on demand so that error paths can be exercised:
// - per host: STACKGATE_COMPUTE_FAIL="compute-2=spawn,reboot;compute-3=*"
// - per request: the server metadata key `stackgate:fail`, e.g. "boot" or "reboot,snapshot".
import type { Clock } from '../../../platform/clock.ts';
import { POWER } from '../../../compat/compute/servers/record.ts';
import { DriverError, type ComputeDriver, type GuestInfo, type GuestSpec, type HostResources, type PowerState, type RebootType } from '../driver.ts';

export type Timing = 'instant' | 'realistic';

/** the operations failure injection can name; `boot` is an alias of `spawn`, `*` names all */
export const OPERATIONS = [
  'spawn', 'destroy', 'power_off', 'power_on', 'reboot', 'pause', 'unpause', 'suspend', 'resume',
  'rescue', 'unrescue', 'rebuild', 'snapshot', 'migrate', 'finish_migration', 'revert_migration', 'confirm_migration',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** the metadata key a request uses to make its own server's operations fail */
export const FAIL_METADATA_KEY = 'stackgate:fail';

/** how long each operation takes with realistic timing, in ms (a small KVM guest's order of magnitude) */
const REALISTIC_MS: Record<Operation, number> = {
  spawn: 4000, destroy: 800, power_off: 1500, power_on: 1500, reboot: 3000, pause: 300, unpause: 300,
  suspend: 1500, resume: 1500, rescue: 3000, unrescue: 2000, rebuild: 4000, snapshot: 2000,
  migrate: 2000, finish_migration: 2500, revert_migration: 2000, confirm_migration: 300,
};

export interface SimulatedDriverOptions {
  host: string;
  resources: { vcpus: number; memoryMb: number; diskGb: number };
  clock: Clock;
  timing?: Timing;
  /** operations that fail on this host whatever the request */
  failOn?: Iterable<string>;
}

interface Guest {
  power: PowerState;
  rescued: boolean;
  console: string[];
}

export function timingFromEnv(env: NodeJS.ProcessEnv = process.env): Timing {
  const v = env.STACKGATE_COMPUTE_TIMING;
  if (v === undefined || v === '' || v === 'instant') return 'instant';
  if (v === 'realistic') return 'realistic';
  throw new Error(`STACKGATE_COMPUTE_TIMING must be instant or realistic, not ${JSON.stringify(v)}`);
}

/** parses STACKGATE_COMPUTE_FAIL ("host=op,op;host=*") into the failing operations of each host */
export function hostFailuresFromEnv(env: NodeJS.ProcessEnv = process.env): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const part of (env.STACKGATE_COMPUTE_FAIL ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out.set(part.slice(0, eq).trim(), parseOperations(part.slice(eq + 1)));
  }
  return out;
}

function parseOperations(text: string): Set<string> {
  const ops = new Set<string>();
  for (const raw of text.split(',')) {
    const op = raw.trim().toLowerCase();
    if (!op) continue;
    ops.add(op === 'boot' ? 'spawn' : op === 'all' ? '*' : op);
  }
  return ops;
}

const consoleTime = (ms: number) => (ms / 1000).toFixed(6).padStart(12, ' ');

export class SimulatedDriver implements ComputeDriver {
  readonly name = 'fake';
  readonly host: string;
  readonly timing: Timing;
  private readonly clock: Clock;
  private readonly resources: SimulatedDriverOptions['resources'];
  private readonly failOn: Set<string>;
  private readonly guests = new Map<string, Guest>();

  constructor(options: SimulatedDriverOptions) {
    this.host = options.host;
    this.clock = options.clock;
    this.resources = options.resources;
    this.timing = options.timing ?? 'instant';
    this.failOn = new Set([...(options.failOn ?? [])].flatMap((o) => [...parseOperations(o)]));
  }

  getAvailableResource(): HostResources {
    return { ...this.resources, hypervisorType: 'fake' };
  }

  listInstances(): string[] {
    return [...this.guests.keys()];
  }

  getInfo(id: string): GuestInfo {
    return { powerState: this.guests.get(id)?.power ?? POWER.NOSTATE };
  }

  getConsoleOutput(id: string): string[] {
    return [...(this.guests.get(id)?.console ?? [])];
  }

  async spawn(guest: GuestSpec): Promise<void> {
    const existing = this.guests.get(guest.id);
    if (existing && existing.power === POWER.RUNNING) return; // a redelivered build
    await this.work('spawn', guest);
    const g: Guest = { power: POWER.RUNNING, rescued: false, console: [] };
    this.guests.set(guest.id, g);
    this.boot(g, guest);
  }

  async destroy(guest: GuestSpec): Promise<void> {
    if (!this.guests.has(guest.id)) return;
    await this.work('destroy', guest);
    this.guests.delete(guest.id);
  }

  async powerOff(guest: GuestSpec): Promise<void> {
    const g = this.adopt(guest);
    if (g.power === POWER.SHUTDOWN) return;
    await this.work('power_off', guest);
    this.log(g, 'reboot: Power down');
    g.power = POWER.SHUTDOWN;
  }

  async powerOn(guest: GuestSpec): Promise<void> {
    const g = this.adopt(guest);
    if (g.power === POWER.RUNNING) return;
    await this.work('power_on', guest);
    g.power = POWER.RUNNING;
    this.boot(g, guest);
  }

  async reboot(guest: GuestSpec, type: RebootType): Promise<void> {
    const g = this.adopt(guest);
    await this.work('reboot', guest);
    this.log(g, type === 'SOFT' ? 'reboot: Restarting system' : 'reboot: machine reset');
    g.power = POWER.RUNNING;
    this.boot(g, guest);
  }

  async pause(guest: GuestSpec): Promise<void> {
    const g = this.expect(guest, 'pause', [POWER.RUNNING, POWER.PAUSED]);
    if (g.power === POWER.PAUSED) return;
    await this.work('pause', guest);
    g.power = POWER.PAUSED;
  }

  async unpause(guest: GuestSpec): Promise<void> {
    const g = this.expect(guest, 'unpause', [POWER.PAUSED, POWER.RUNNING]);
    if (g.power === POWER.RUNNING) return;
    await this.work('unpause', guest);
    g.power = POWER.RUNNING;
  }

  async suspend(guest: GuestSpec): Promise<void> {
    const g = this.expect(guest, 'suspend', [POWER.RUNNING, POWER.PAUSED, POWER.SUSPENDED]);
    if (g.power === POWER.SUSPENDED) return;
    await this.work('suspend', guest);
    this.log(g, 'PM: suspend entry (deep)');
    g.power = POWER.SUSPENDED;
  }

  async resume(guest: GuestSpec): Promise<void> {
    const g = this.expect(guest, 'resume', [POWER.SUSPENDED, POWER.RUNNING]);
    if (g.power === POWER.RUNNING) return;
    await this.work('resume', guest);
    this.log(g, 'PM: suspend exit');
    g.power = POWER.RUNNING;
  }

  async rescue(guest: GuestSpec, rescueImageRef: string): Promise<void> {
    const g = this.adopt(guest);
    if (g.rescued) return;
    await this.work('rescue', guest);
    g.rescued = true;
    g.power = POWER.RUNNING;
    this.log(g, `Booting rescue image ${rescueImageRef || guest.imageRef}`);
    this.boot(g, guest);
  }

  async unrescue(guest: GuestSpec): Promise<void> {
    const g = this.adopt(guest);
    if (!g.rescued) return;
    await this.work('unrescue', guest);
    g.rescued = false;
    g.power = POWER.RUNNING;
    this.boot(g, guest);
  }

  async rebuild(guest: GuestSpec): Promise<void> {
    const g = this.adopt(guest);
    await this.work('rebuild', guest);
    this.log(g, `Rebuilding from image ${guest.imageRef}`);
    g.power = POWER.RUNNING;
    g.rescued = false;
    this.boot(g, guest);
  }

  async snapshot(guest: GuestSpec, diskFormat: string): Promise<AsyncIterable<Buffer>> {
    this.adopt(guest);
    await this.work('snapshot', guest);
    return fakeDisk(guest, diskFormat);
  }

  async migrateDiskAndPowerOff(guest: GuestSpec, destHost: string): Promise<void> {
    const g = this.adopt(guest);
    await this.work('migrate', guest);
    this.log(g, `reboot: Power down (moving to ${destHost})`);
    g.power = POWER.SHUTDOWN;
  }

  async finishMigration(guest: GuestSpec, powerOn: boolean): Promise<void> {
    await this.work('finish_migration', guest);
    const previous = this.guests.get(guest.id)?.console ?? guest.knownConsole ?? [];
    const g: Guest = { power: POWER.SHUTDOWN, rescued: false, console: [...previous] };
    this.guests.set(guest.id, g);
    if (powerOn) {
      g.power = POWER.RUNNING;
      this.boot(g, guest);
    }
  }

  async finishRevertMigration(guest: GuestSpec, powerOn: boolean): Promise<void> {
    await this.finishMigrationLike('revert_migration', guest, powerOn);
  }

  async confirmMigration(guest: GuestSpec): Promise<void> {
    await this.work('confirm_migration', guest);
  }

  private async finishMigrationLike(op: Operation, guest: GuestSpec, powerOn: boolean): Promise<void> {
    await this.work(op, guest);
    const g = this.adopt(guest);
    g.power = powerOn ? POWER.RUNNING : POWER.SHUTDOWN;
    if (powerOn) this.boot(g, guest);
  }

  /** a guest the record knows but this host forgot (a restarted agent) is taken as the record says */
  private adopt(guest: GuestSpec): Guest {
    let g = this.guests.get(guest.id);
    if (!g) {
      g = { power: guest.knownPowerState ?? POWER.RUNNING, rescued: false, console: [...(guest.knownConsole ?? [])] };
      this.guests.set(guest.id, g);
    }
    return g;
  }

  private expect(guest: GuestSpec, op: string, allowed: PowerState[]): Guest {
    const g = this.adopt(guest);
    if (!allowed.includes(g.power)) throw new DriverError(op, `Cannot ${op} guest ${guest.id} in power state ${g.power}`);
    return g;
  }

  private async work(op: Operation, guest: GuestSpec): Promise<void> {
    if (this.timing === 'realistic') await this.clock.sleep(REALISTIC_MS[op]);
    const requested = parseOperations(guest.metadata[FAIL_METADATA_KEY] ?? '');
    if (this.failOn.has(op) || this.failOn.has('*') || requested.has(op) || requested.has('*')) {
      throw new DriverError(op, `Simulated failure of ${op} on host ${this.host} for instance ${guest.id}`);
    }
  }

  private log(g: Guest, line: string): void {
    const t = consoleTime(g.console.length * 37);
    g.console.push(`[${t}] ${line}`);
  }

  private boot(g: Guest, guest: GuestSpec): void {
    for (const line of [
      'Linux version 6.1.0-stackgate (simulated)',
      `Command line: console=ttyS0 root=LABEL=cloudimg-rootfs`,
      `Memory: ${guest.flavor.ram * 1024}K available`,
      `smpboot: Allowing ${guest.flavor.vcpus} CPUs`,
      'Run /sbin/init as init process',
      ...guest.nics.map((n, i) => `cloud-init: eth${i}: ${n.mac} ${n.ips.join(' ')}`),
      `cloud-init: hostname set to ${guest.hostname}`,
    ]) this.log(g, line);
    g.console.push('', `${guest.hostname} login: `);
  }
}

/** a small disk image in the asked format: a valid qcow2 v3 header, or raw bytes */
async function* fakeDisk(guest: GuestSpec, diskFormat: string): AsyncIterable<Buffer> {
  const virtualSize = BigInt(Math.max(guest.flavor.disk, 1)) * 1024n ** 3n;
  if (diskFormat === 'qcow2') {
    const header = Buffer.alloc(512);
    header.write('QFI\xfb', 0, 'latin1');
    header.writeUInt32BE(3, 4); // version
    header.writeBigUInt64BE(0n, 8); // no backing file
    header.writeUInt32BE(16, 20); // 64 KiB clusters
    header.writeBigUInt64BE(virtualSize, 24);
    header.writeBigUInt64BE(0n, 72); // no incompatible features (no external data file)
    header.writeUInt32BE(4, 96); // refcount order
    header.writeUInt32BE(104, 100); // header length
    yield header;
  } else {
    yield Buffer.alloc(512);
  }
  yield Buffer.from(`stackgate simulated disk of ${guest.id} (${guest.imageRef})\n`.padEnd(4096, '\0'));
}
