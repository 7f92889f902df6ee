// The embedded block backend: each volume and snapshot is a sparse raw file, so a 1 GiB volume
// costs no disk until written. Copies keep the holes and use copy-on-write where the filesystem offers it.
import { mkdirSync } from 'node:fs';
import { open, rm, statfs, truncate } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { GiB, type BackendStats, type BlockDriver } from '../driver.ts';

export interface FileDriverOptions {
  /** folder that holds volumes/ and snapshots/ */
  root: string;
  backendName?: string;
}

export class FileBlockDriver implements BlockDriver {
  readonly name = 'file';
  private readonly root: string;
  private readonly backendName: string;

  constructor(options: FileDriverOptions) {
    this.root = options.root;
    this.backendName = options.backendName ?? 'file';
    mkdirSync(join(this.root, 'volumes'), { recursive: true, mode: 0o700 });
    mkdirSync(join(this.root, 'snapshots'), { recursive: true, mode: 0o700 });
  }

  volumePath(volumeId: string): string {
    return join(this.root, 'volumes', `volume-${safe(volumeId)}`);
  }

  localPath(volumeId: string): string {
    return this.volumePath(volumeId);
  }

  snapshotPath(snapshotId: string): string {
    return join(this.root, 'snapshots', `snapshot-${safe(snapshotId)}`);
  }

  async createVolume(volumeId: string, sizeGb: number): Promise<void> {
    const handle = await open(this.volumePath(volumeId), 'wx', 0o600);
    try {
      await handle.truncate(sizeGb * GiB);
    } finally {
      await handle.close();
    }
  }

  async deleteVolume(volumeId: string): Promise<void> {
    await rm(this.volumePath(volumeId), { force: true });
  }

  async extendVolume(volumeId: string, newSizeGb: number): Promise<void> {
    await truncate(this.volumePath(volumeId), newSizeGb * GiB);
  }

  async cloneVolume(sourceId: string, volumeId: string, sizeGb: number): Promise<void> {
    await this.copyGrown(this.volumePath(sourceId), this.volumePath(volumeId), sizeGb);
  }

  async createSnapshot(volumeId: string, snapshotId: string): Promise<void> {
    await sparseCopy(this.volumePath(volumeId), this.snapshotPath(snapshotId));
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    await rm(this.snapshotPath(snapshotId), { force: true });
  }

  async createVolumeFromSnapshot(snapshotId: string, volumeId: string, sizeGb: number): Promise<void> {
    await this.copyGrown(this.snapshotPath(snapshotId), this.volumePath(volumeId), sizeGb);
  }

  async readVolume(volumeId: string, offset: number, length: number): Promise<Buffer> {
    const handle = await open(this.volumePath(volumeId), 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async writeVolume(volumeId: string, offset: number, data: Buffer): Promise<void> {
    const handle = await open(this.volumePath(volumeId), 'r+');
    try {
      await handle.write(data, 0, data.length, offset);
    } finally {
      await handle.close();
    }
  }

  async stats(): Promise<BackendStats> {
    const fs = await statfs(this.root);
    return {
      backendName: this.backendName,
      totalCapacityGb: Math.floor((fs.blocks * fs.bsize) / GiB),
      freeCapacityGb: Math.floor((fs.bavail * fs.bsize) / GiB),
      storageProtocol: 'file',
      vendorName: 'Open Source',
      driverVersion: '1.0.0',
    };
  }

  /** copies a file keeping its holes and grows the copy */
  private async copyGrown(from: string, to: string, sizeGb: number): Promise<void> {
    await sparseCopy(from, to);
    await truncate(to, sizeGb * GiB);
  }
}

const run = promisify(execFile);

/** coreutils cp finds the holes (SEEK_DATA) and reflinks where it can: copies stay cheap */
async function sparseCopy(from: string, to: string): Promise<void> {
  await run('cp', ['--sparse=always', '--reflink=auto', '--no-clobber', '--', from, to]);
}

/** ids come from our own uuid(), but a path never takes a separator from outside */
function safe(id: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(id)) throw new Error(`invalid block device id: ${id}`);
  return id;
}
