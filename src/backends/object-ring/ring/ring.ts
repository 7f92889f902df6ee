// The read-only ring lookup: partition of a path, its primary nodes and its handoffs.
// Reloads itself when the ring file on disk changes (checked at most every reloadCheckMs),
// so `stackgate ring rebalance` reaches running proxies and storage nodes without restarts.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { hashPath, type HashPathConfig } from './hash-path.ts';
import { readRingFile } from './ring-file.ts';
import type { RingData, RingDevice, RingNode } from './types.ts';

export interface RingOptions {
  hashPath: HashPathConfig;
  /** how often, at most, to stat the ring file for changes (default 15 s; 0 = every lookup) */
  reloadCheckMs?: number;
}

export class Ring {
  private data!: RingData;
  private partShift = 32;
  private regions = 0;
  private zones = 0;
  private devsWithParts = 0;
  private mtimeMs = 0;
  private nextCheck = 0;
  private readonly path: string | undefined;
  private readonly reloadCheckMs: number;
  readonly hashConfig: HashPathConfig;

  private constructor(path: string | undefined, data: RingData | undefined, options: RingOptions) {
    this.path = path;
    this.hashConfig = options.hashPath;
    this.reloadCheckMs = options.reloadCheckMs ?? 15000;
    if (data) this.install(data);
    else this.reload();
  }

  static fromFile(path: string, options: RingOptions): Ring {
    return new Ring(path, undefined, options);
  }

  static fromData(data: RingData, options: RingOptions): Ring {
    return new Ring(undefined, data, options);
  }

  private install(data: RingData): void {
    this.data = data;
    this.partShift = 32 - data.partPower;
    const withParts = new Set<number>();
    for (const row of data.replica2part2dev) for (const id of row) withParts.add(id);
    const devs = [...withParts].map((id) => data.devices[id]).filter((d): d is RingDevice => !!d);
    this.devsWithParts = devs.length;
    this.regions = new Set(devs.map((d) => d.region)).size;
    this.zones = new Set(devs.map((d) => `${d.region}/${d.zone}`)).size;
  }

  /** Re-reads the ring file if its mtime changed; returns whether it did. */
  reload(force = false): boolean {
    if (!this.path) return false;
    const mtimeMs = statSync(this.path).mtimeMs;
    if (!force && mtimeMs === this.mtimeMs) return false;
    this.install(readRingFile(this.path));
    this.mtimeMs = mtimeMs;
    return true;
  }

  private maybeReload(): void {
    if (!this.path) return;
    const now = Date.now();
    if (now < this.nextCheck) return;
    this.nextCheck = now + this.reloadCheckMs;
    try {
      this.reload();
    } catch {
      // a half-replaced or missing file: keep serving the ring we have
    }
  }

  get partPower(): number {
    this.maybeReload();
    return this.data.partPower;
  }

  get partitionCount(): number {
    this.maybeReload();
    return this.data.replica2part2dev[0]?.length ?? 0;
  }

  get replicaCount(): number {
    this.maybeReload();
    return this.data.replicas;
  }

  get devices(): RingDevice[] {
    this.maybeReload();
    return this.data.devices.filter((d): d is RingDevice => d !== null);
  }

  getPartition(account: string, container?: string, object?: string): number {
    this.maybeReload();
    return hashPath(this.hashConfig, account, container, object).readUInt32BE(0) >>> this.partShift;
  }

  /** The primary nodes of a partition, in replica order, each device once. */
  getPartNodes(part: number): RingNode[] {
    this.maybeReload();
    const seen = new Set<number>();
    const nodes: RingNode[] = [];
    this.data.replica2part2dev.forEach((row, index) => {
      if (part >= row.length) return;
      const id = row[part];
      const dev = this.data.devices[id];
      if (!dev || seen.has(id)) return;
      seen.add(id);
      nodes.push({ ...dev, index });
    });
    return nodes;
  }

  getNodes(account: string, container?: string, object?: string): { partition: number; nodes: RingNode[] } {
    const partition = this.getPartition(account, container, object);
    return { partition, nodes: this.getPartNodes(partition) };
  }

  /**
   * Handoff nodes for a partition, in Swift's order: walk the partitions from a start derived
   * from md5(str(part)), taking the devices of each; first only devices in regions not yet
   * used, then in zones not yet used, then any unused device. Deterministic, so every proxy
   * and replicator agrees on where a failed primary's data went.
   */
  *getMoreNodes(part: number): Generator<RingNode> {
    this.maybeReload();
    const data = this.data;
    const primaries = this.getPartNodes(part);
    const used = new Set(primaries.map((d) => d.id));
    const sameRegions = new Set(primaries.map((d) => d.region));
    const sameZones = new Set(primaries.map((d) => `${d.region}/${d.zone}`));
    const parts = data.replica2part2dev[0].length;
    const start = createHash('md5').update(String(part)).digest().readUInt32BE(0) >>> this.partShift;
    const inc = Math.floor(parts / 65536) || 1;
    const order = function* (): Generator<number> {
      for (let p = start; p < parts; p += inc) yield p;
      for (let p = inc - ((parts - start) % inc); p < start; p += inc) yield p;
    };
    let handoffIndex = 0;
    const take = (id: number): RingNode => {
      used.add(id);
      const dev = data.devices[id]!;
      sameRegions.add(dev.region);
      sameZones.add(`${dev.region}/${dev.zone}`);
      return { ...dev, handoffIndex: handoffIndex++ };
    };

    let done = sameRegions.size >= this.regions;
    for (const hp of order()) {
      if (done) break;
      for (const row of data.replica2part2dev) {
        if (hp >= row.length) continue;
        const dev = data.devices[row[hp]];
        if (!dev || used.has(dev.id) || sameRegions.has(dev.region)) continue;
        yield take(dev.id);
        if (sameRegions.size >= this.regions) {
          done = true;
          break;
        }
      }
    }
    done = sameZones.size >= this.zones;
    for (const hp of order()) {
      if (done) break;
      for (const row of data.replica2part2dev) {
        if (hp >= row.length) continue;
        const dev = data.devices[row[hp]];
        if (!dev || used.has(dev.id) || sameZones.has(`${dev.region}/${dev.zone}`)) continue;
        yield take(dev.id);
        if (sameZones.size >= this.zones) {
          done = true;
          break;
        }
      }
    }
    done = used.size >= this.devsWithParts;
    for (const hp of order()) {
      if (done) break;
      for (const row of data.replica2part2dev) {
        if (hp >= row.length) continue;
        const dev = data.devices[row[hp]];
        if (!dev || used.has(dev.id)) continue;
        yield take(dev.id);
        if (used.size >= this.devsWithParts) {
          done = true;
          break;
        }
      }
    }
  }
}
