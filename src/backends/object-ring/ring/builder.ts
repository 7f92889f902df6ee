// The ring builder: assigns partition replicas to devices in proportion to their weight,
// spreading the replicas of each partition across regions, then zones, then hosts, then
// devices, and on rebalance moves as few replicas as it can, never moving the same
// partition twice within min_part_hours (so that replication can catch up in between).
// Modelled on the behaviour of Swift's RingBuilder; the algorithm here is our own.
import type { RingData, RingDevice } from './types.ts';

const NONE = 0xffff; // "no device" marker in the assignment table
const MAX_DEVICES = NONE;

export interface BuilderState {
  partPower: number;
  replicas: number;
  minPartHours: number;
  devices: (RingDevice | null)[];
  /** replica -> part -> device id (NONE when unassigned) */
  replica2part2dev: number[][];
  /** part -> epoch seconds of its last move (0: never) */
  lastPartMoves: number[];
  /** devices marked for removal at the next rebalance */
  pendingRemoval: number[];
  /** bumped whenever a rebalance changes assignments; mirrors the ring's version */
  version: number;
}

export interface RebalanceResult {
  /** replicas that changed device */
  moved: number;
  /** max |assigned - wanted| / wanted over weighted devices, in percent */
  balance: number;
  /** replicas that share a zone with another replica of the same part while a zone had room */
  dispersionWorst: number;
}

export interface NewDevice {
  region: number;
  zone: number;
  ip: string;
  port: number;
  device: string;
  weight: number;
  meta?: string;
  id?: number;
}

export class RingBuilder {
  state: BuilderState;

  constructor(state: BuilderState) {
    this.state = state;
  }

  static create(partPower: number, replicas: number, minPartHours: number): RingBuilder {
    if (!Number.isInteger(partPower) || partPower < 0 || partPower > 24) throw new Error('part power must be an integer 0..24');
    if (!(replicas >= 1) || !Number.isFinite(replicas)) throw new Error('replicas must be >= 1');
    if (!(minPartHours >= 0)) throw new Error('min_part_hours must be >= 0');
    return new RingBuilder({
      partPower, replicas, minPartHours,
      devices: [], replica2part2dev: [], lastPartMoves: new Array<number>(2 ** partPower).fill(0),
      pendingRemoval: [], version: 0,
    });
  }

  get parts(): number {
    return 2 ** this.state.partPower;
  }

  /** The number of parts each replica row holds: full rows, then the fractional remainder. */
  replicaRowLengths(replicas = this.state.replicas): number[] {
    const rows: number[] = [];
    const whole = Math.floor(replicas);
    for (let r = 0; r < whole; r++) rows.push(this.parts);
    const frac = replicas - whole;
    if (frac > 1e-9) rows.push(Math.floor(this.parts * frac));
    return rows.filter((n) => n > 0);
  }

  activeDevices(): RingDevice[] {
    return this.state.devices.filter((d): d is RingDevice => d !== null && !this.state.pendingRemoval.includes(d.id));
  }

  addDevice(dev: NewDevice): RingDevice {
    const id = dev.id ?? this.state.devices.length;
    if (id >= MAX_DEVICES) throw new Error('too many devices');
    if (this.state.devices[id]) throw new Error(`device id ${id} already in use`);
    if (!(dev.weight >= 0)) throw new Error('weight must be >= 0');
    if (this.activeDevices().some((d) => d.ip === dev.ip && d.port === dev.port && d.device === dev.device)) {
      throw new Error(`device ${dev.ip}:${dev.port}/${dev.device} already exists`);
    }
    const device: RingDevice = { id, region: dev.region, zone: dev.zone, ip: dev.ip, port: dev.port, device: dev.device, weight: dev.weight };
    if (dev.meta) device.meta = dev.meta;
    while (this.state.devices.length < id) this.state.devices.push(null);
    this.state.devices[id] = device;
    return device;
  }

  /** Marks a device for removal; its partitions move away at the next rebalance. */
  removeDevice(id: number): void {
    if (!this.state.devices[id]) throw new Error(`no device ${id}`);
    if (!this.state.pendingRemoval.includes(id)) this.state.pendingRemoval.push(id);
  }

  setWeight(id: number, weight: number): void {
    const dev = this.state.devices[id];
    if (!dev) throw new Error(`no device ${id}`);
    if (!(weight >= 0)) throw new Error('weight must be >= 0');
    dev.weight = weight;
  }

  setReplicas(replicas: number): void {
    if (!(replicas >= 1)) throw new Error('replicas must be >= 1');
    this.state.replicas = replicas;
  }

  /**
   * Devices matching a swift-ring-builder style search value: "d<id>", "r<region>",
   * "z<zone>", "-<ip>", ":<port>", "/<device>", in any combination, e.g. "r1z2-10.0.0.1:6200/sdb".
   */
  search(value: string): RingDevice[] {
    const re = /^(?:d(\d+))?(?:r(\d+))?(?:z(\d+))?(?:-([^:/]+))?(?::(\d+))?(?:\/([^_]+))?$/;
    const m = re.exec(value);
    if (!m || value === '') throw new Error(`invalid search value ${JSON.stringify(value)}`);
    const [, id, region, zone, ip, port, device] = m;
    return this.activeDevices().filter((d) =>
      (id === undefined || d.id === Number(id)) && (region === undefined || d.region === Number(region)) &&
      (zone === undefined || d.zone === Number(zone)) && (ip === undefined || d.ip === ip) &&
      (port === undefined || d.port === Number(port)) && (device === undefined || d.device === device));
  }

  pretendMinPartHoursPassed(): void {
    this.state.lastPartMoves.fill(0);
  }

  /** Per device id: how many replicas it should hold, by weight (largest remainder rounding). */
  wantedParts(): Map<number, number> {
    const devs = this.activeDevices().filter((d) => d.weight > 0);
    const total = this.replicaRowLengths().reduce((a, b) => a + b, 0);
    const weight = devs.reduce((a, d) => a + d.weight, 0);
    const wanted = new Map<number, number>();
    if (weight === 0) return wanted;
    const exact = devs.map((d) => ({ id: d.id, x: (total * d.weight) / weight }));
    let given = 0;
    for (const e of exact) {
      wanted.set(e.id, Math.floor(e.x));
      given += Math.floor(e.x);
    }
    exact.sort((a, b) => (b.x - Math.floor(b.x)) - (a.x - Math.floor(a.x)) || a.id - b.id);
    for (let i = 0; given < total; i++, given++) wanted.set(exact[i % exact.length].id, wanted.get(exact[i % exact.length].id)! + 1);
    return wanted;
  }

  /**
   * The most replicas of one partition a tier (region, zone, host) should hold: its weight
   * share of the replicas, rounded up, so that replicas spread as widely as weights allow.
   */
  private tierCaps(): Map<string, number> {
    const devs = this.activeDevices().filter((d) => d.weight > 0);
    const total = devs.reduce((a, d) => a + d.weight, 0);
    const weights = new Map<string, number>();
    for (const d of devs) for (const t of tiersOf(d)) weights.set(t, (weights.get(t) ?? 0) + d.weight);
    const caps = new Map<string, number>();
    const replicas = Math.ceil(this.state.replicas);
    for (const [t, w] of weights) caps.set(t, Math.max(1, Math.ceil((replicas * w) / total - 1e-9)));
    return caps;
  }

  rebalance(nowSeconds: number = Date.now() / 1000): RebalanceResult {
    const s = this.state;
    const devs = this.activeDevices().filter((d) => d.weight > 0);
    if (devs.length === 0) throw new Error('no devices with weight > 0 to rebalance onto');
    const rows = this.replicaRowLengths();
    if (devs.length < rows.length) throw new Error(`${rows.length} replicas need at least ${rows.length} weighted devices`);
    const parts = this.parts;
    const byId = new Map(devs.map((d) => [d.id, d]));
    const locked = (p: number) => s.minPartHours > 0 && s.lastPartMoves[p] > 0 && nowSeconds - s.lastPartMoves[p] < s.minPartHours * 3600;
    const movedThisTime = new Set<number>();
    const before = s.replica2part2dev.map((row) => row.slice());

    // Resize the table to the replica count (fractional rows are shorter).
    s.replica2part2dev = rows.map((len, r) => {
      const row = (s.replica2part2dev[r] ?? []).slice(0, len);
      while (row.length < len) row.push(NONE);
      return row;
    });

    const assigned = new Map<number, number>(devs.map((d) => [d.id, 0]));
    const tierCount = new Map<string, number>(); // `${part}|${tier}` -> replicas there
    const tierKey = (p: number, t: string) => `${p}|${t}`;
    const place = (r: number, p: number, id: number) => {
      s.replica2part2dev[r][p] = id;
      assigned.set(id, (assigned.get(id) ?? 0) + 1);
      for (const t of tiersOf(byId.get(id)!)) tierCount.set(tierKey(p, t), (tierCount.get(tierKey(p, t)) ?? 0) + 1);
    };
    const unplace = (r: number, p: number) => {
      const id = s.replica2part2dev[r][p];
      s.replica2part2dev[r][p] = NONE;
      assigned.set(id, assigned.get(id)! - 1);
      for (const t of tiersOf(byId.get(id)!)) tierCount.set(tierKey(p, t), tierCount.get(tierKey(p, t))! - 1);
    };

    // 1. Keep what is on live weighted devices; free what is on removed or zero-weight ones.
    const slots: [number, number][] = []; // [replica, part] to (re)assign
    for (let r = 0; r < rows.length; r++) {
      for (let p = 0; p < rows[r]; p++) {
        const id = s.replica2part2dev[r][p];
        if (id !== NONE && byId.has(id) && !this.replicaDuplicated(r, p, id)) place(r, p, id);
        else {
          if (id !== NONE) movedThisTime.add(p);
          s.replica2part2dev[r][p] = NONE;
          slots.push([r, p]);
        }
      }
    }

    const caps = this.tierCaps();
    const wanted = this.wantedParts();

    // 2. Gather replicas that break dispersion (a tier over its cap), one per unlocked part.
    for (let p = 0; p < parts; p++) {
      if (locked(p) || movedThisTime.has(p)) continue;
      for (let r = 0; r < rows.length && p < rows[r]; r++) {
        const id = s.replica2part2dev[r][p];
        if (id === NONE) continue;
        const over = tiersOf(byId.get(id)!).some((t) => tierCount.get(tierKey(p, t))! > caps.get(t)!);
        if (over) {
          unplace(r, p);
          slots.push([r, p]);
          movedThisTime.add(p);
          break;
        }
      }
    }

    // 3. Gather replicas from devices holding more than they want, one per unlocked part.
    for (const d of devs) {
      let excess = assigned.get(d.id)! - wanted.get(d.id)!;
      if (excess <= 0) continue;
      for (let p = 0; p < parts && excess > 0; p++) {
        if (locked(p) || movedThisTime.has(p)) continue;
        for (let r = 0; r < rows.length && p < rows[r]; r++) {
          if (s.replica2part2dev[r][p] !== d.id) continue;
          unplace(r, p);
          slots.push([r, p]);
          movedThisTime.add(p);
          excess--;
          break;
        }
      }
    }

    // 4. Place each gathered replica: respect tier caps, then fill the hungriest device,
    // then prefer the widest spread.
    slots.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [r, p] of slots) {
      const holders = new Set<number>();
      for (let rr = 0; rr < rows.length; rr++) if (p < rows[rr] && s.replica2part2dev[rr][p] !== NONE) holders.add(s.replica2part2dev[rr][p]);
      let best: RingDevice | undefined;
      let bestScore: number[] = [];
      for (const d of devs) {
        if (holders.has(d.id)) continue;
        const tiers = tiersOf(d);
        const capBreak = tiers.filter((t) => (tierCount.get(tierKey(p, t)) ?? 0) + 1 > caps.get(t)!).length;
        const want = wanted.get(d.id)!;
        const have = assigned.get(d.id)!;
        const spread = tiers.findIndex((t) => (tierCount.get(tierKey(p, t)) ?? 0) === 0);
        const score = [capBreak, have >= want ? 1 : 0, -(want - have) / Math.max(want, 1), spread === -1 ? 4 : spread, d.id];
        if (!best || lexLess(score, bestScore)) {
          best = d;
          bestScore = score;
        }
      }
      place(r, p, best!.id);
      if (before[r]?.[p] !== best!.id) s.lastPartMoves[p] = nowSeconds;
    }

    s.pendingRemoval = s.pendingRemoval.filter((id) => {
      const dev = s.devices[id];
      if (dev && !s.replica2part2dev.some((row) => row.includes(id))) s.devices[id] = null;
      return s.devices[id] !== null;
    });
    let moved = 0;
    for (let r = 0; r < rows.length; r++) for (let p = 0; p < rows[r]; p++) if (before[r]?.[p] !== s.replica2part2dev[r][p]) moved++;
    if (moved > 0) s.version++;
    return { moved, balance: this.balance(), dispersionWorst: this.dispersionProblems() };
  }

  private replicaDuplicated(r: number, p: number, id: number): boolean {
    for (let rr = 0; rr < r; rr++) if (this.state.replica2part2dev[rr]?.[p] === id) return true;
    return false;
  }

  /** Worst deviation from the wanted number of replicas, in percent of the wanted number. */
  balance(): number {
    const wanted = this.wantedParts();
    const counts = new Map<number, number>();
    for (const row of this.state.replica2part2dev) for (const id of row) counts.set(id, (counts.get(id) ?? 0) + 1);
    let worst = 0;
    for (const [id, w] of wanted) {
      if (w === 0) continue;
      worst = Math.max(worst, (Math.abs((counts.get(id) ?? 0) - w) * 100) / w);
    }
    return worst;
  }

  /** How many parts have more replicas in one tier than the tier's weight share allows. */
  dispersionProblems(): number {
    const caps = this.tierCaps();
    const devs = new Map(this.activeDevices().map((d) => [d.id, d]));
    let bad = 0;
    for (let p = 0; p < this.parts; p++) {
      const count = new Map<string, number>();
      for (const row of this.state.replica2part2dev) {
        if (p >= row.length) continue;
        const d = devs.get(row[p]);
        if (!d) continue;
        for (const t of tiersOf(d)) count.set(t, (count.get(t) ?? 0) + 1);
      }
      if ([...count].some(([t, n]) => n > (caps.get(t) ?? Infinity))) bad++;
    }
    return bad;
  }

  /** The read-only lookup table a ring file carries. */
  toRingData(): RingData {
    if (this.state.replica2part2dev.length === 0) throw new Error('the builder has not been rebalanced');
    return {
      partPower: this.state.partPower,
      replicas: this.state.replicas,
      devices: this.state.devices.map((d) => (d ? { ...d } : null)),
      replica2part2dev: this.state.replica2part2dev.map((row) => Uint16Array.from(row)),
    };
  }
}

/** The failure domains a device sits in, widest first: region, zone, host, device. */
export function tiersOf(d: RingDevice): string[] {
  const region = `r${d.region}`;
  const zone = `${region}z${d.zone}`;
  const host = `${zone}-${d.ip}`;
  return [region, zone, host, `${host}/${d.id}`];
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}
