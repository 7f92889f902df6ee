// Several block backends behind one driver, as cinder-volume runs one service per enabled
// backend. The scheduler picks the backend of a new volume (`place`); everything that follows
// (snapshots, clones, reads, writes, deletes) goes to the backend that holds the volume.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendStats, BlockDriver } from './driver.ts';
import { FileBlockDriver } from './file/file-driver.ts';

export interface BlockBackend {
  /** the backend's name: `host@<name>`, the pool `#<name>`, what `volume_backend_name` selects */
  name: string;
  driver: BlockDriver;
  /** capacity to report and schedule against, in GiB; the filesystem's when absent */
  capacityGb?: number;
  /** whether the backend holds a volume or snapshot (after a restart, when the map is empty) */
  holdsVolume?(volumeId: string): boolean;
  holdsSnapshot?(snapshotId: string): boolean;
}

export interface BackendSpec {
  name: string;
  path?: string;
  capacityGb?: number;
}

/**
 * `fast:/srv/fast,slow:/srv/slow:500` (name, optional folder, optional capacity in GiB), or a
 * YAML-style list of {name, path, capacity_gb}.
 */
export function parseBackendSpecs(value: unknown): BackendSpec[] {
  if (Array.isArray(value)) {
    return value.map((item) => {
      const o = (item ?? {}) as Record<string, unknown>;
      if (typeof o.name !== 'string' || !o.name) throw new Error('blockStorage.backends: each backend needs a name');
      const cap = o.capacity_gb ?? o.capacityGb;
      const capacityGb = cap === undefined || cap === null ? undefined : Number(cap);
      if (capacityGb !== undefined && !(Number.isFinite(capacityGb) && capacityGb >= 0)) throw new Error(`blockStorage.backends: bad capacity of '${o.name}'`);
      return { name: o.name, path: typeof o.path === 'string' ? o.path : undefined, capacityGb };
    });
  }
  if (typeof value !== 'string' || !value.trim()) return [];
  return value.split(',').map((part) => {
    const [name, path, cap] = part.trim().split(':');
    if (!name || !/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`STACKGATE_BLOCK_STORAGE_BACKENDS: bad backend name in '${part}'`);
    const capacityGb = cap === undefined || cap === '' ? undefined : Number(cap);
    if (capacityGb !== undefined && !(Number.isFinite(capacityGb) && capacityGb >= 0)) throw new Error(`STACKGATE_BLOCK_STORAGE_BACKENDS: bad capacity in '${part}'`);
    return { name, path: path || undefined, capacityGb };
  });
}

/** `file` backends from specs; a backend without a folder lives under `<defaultRoot>/<name>` */
export function fileBackends(specs: BackendSpec[], defaultRoot: string): BlockBackend[] {
  const names = new Set<string>();
  return specs.map((spec) => {
    if (names.has(spec.name)) throw new Error(`block storage backend '${spec.name}' is configured twice`);
    names.add(spec.name);
    const driver = new FileBlockDriver({ root: spec.path ?? join(defaultRoot, spec.name), backendName: spec.name });
    return {
      name: spec.name,
      driver,
      capacityGb: spec.capacityGb,
      holdsVolume: (id) => existsSync(driver.volumePath(id)),
      holdsSnapshot: (id) => existsSync(driver.snapshotPath(id)),
    };
  });
}

export class MultiBlockDriver implements BlockDriver {
  readonly name: string;
  readonly backends: BlockBackend[];
  private readonly volumes = new Map<string, BlockBackend>();
  private readonly snapshots = new Map<string, BlockBackend>();

  constructor(backends: BlockBackend[]) {
    if (!backends.length) throw new Error('MultiBlockDriver needs at least one backend');
    this.backends = backends;
    this.name = backends[0].name;
  }

  /** the scheduler's decision: the next createVolume of this id goes to `backendName` */
  place(volumeId: string, backendName: string): void {
    const backend = this.backends.find((b) => b.name === backendName);
    if (!backend) throw new Error(`no block storage backend '${backendName}'`);
    this.volumes.set(volumeId, backend);
  }

  backendOfVolume(volumeId: string): BlockBackend {
    const known = this.volumes.get(volumeId) ?? this.backends.find((b) => b.holdsVolume?.(volumeId));
    if (known) this.volumes.set(volumeId, known);
    return known ?? this.backends[0];
  }

  private backendOfSnapshot(snapshotId: string): BlockBackend {
    const known = this.snapshots.get(snapshotId) ?? this.backends.find((b) => b.holdsSnapshot?.(snapshotId));
    if (known) this.snapshots.set(snapshotId, known);
    return known ?? this.backends[0];
  }

  async createVolume(volumeId: string, sizeGb: number): Promise<void> {
    await this.backendOfVolume(volumeId).driver.createVolume(volumeId, sizeGb);
  }

  async deleteVolume(volumeId: string): Promise<void> {
    await this.backendOfVolume(volumeId).driver.deleteVolume(volumeId);
    this.volumes.delete(volumeId);
  }

  async extendVolume(volumeId: string, newSizeGb: number): Promise<void> {
    await this.backendOfVolume(volumeId).driver.extendVolume(volumeId, newSizeGb);
  }

  async cloneVolume(sourceId: string, volumeId: string, sizeGb: number): Promise<void> {
    const backend = this.backendOfVolume(sourceId);
    this.volumes.set(volumeId, backend);
    await backend.driver.cloneVolume(sourceId, volumeId, sizeGb);
  }

  async createSnapshot(volumeId: string, snapshotId: string): Promise<void> {
    const backend = this.backendOfVolume(volumeId);
    this.snapshots.set(snapshotId, backend);
    await backend.driver.createSnapshot(volumeId, snapshotId);
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    await this.backendOfSnapshot(snapshotId).driver.deleteSnapshot(snapshotId);
    this.snapshots.delete(snapshotId);
  }

  async createVolumeFromSnapshot(snapshotId: string, volumeId: string, sizeGb: number): Promise<void> {
    const backend = this.backendOfSnapshot(snapshotId);
    this.volumes.set(volumeId, backend);
    await backend.driver.createVolumeFromSnapshot(snapshotId, volumeId, sizeGb);
  }

  readVolume(volumeId: string, offset: number, length: number): Promise<Buffer> {
    return this.backendOfVolume(volumeId).driver.readVolume(volumeId, offset, length);
  }

  writeVolume(volumeId: string, offset: number, data: Buffer): Promise<void> {
    return this.backendOfVolume(volumeId).driver.writeVolume(volumeId, offset, data);
  }

  /** the first backend's stats; the scheduler asks each backend itself */
  stats(): Promise<BackendStats> {
    return this.backends[0].driver.stats();
  }

  localPath(volumeId: string): string {
    const driver = this.backendOfVolume(volumeId).driver;
    return driver.localPath?.(volumeId) ?? '';
  }
}

/** the backends behind a driver: its own list, or the driver itself as the one backend */
export function backendsOf(driver: BlockDriver): BlockBackend[] {
  return driver instanceof MultiBlockDriver ? driver.backends : [{ name: driver.name, driver }];
}
