// Volume backups as chunk files under one directory (`<dataDir>/backups/<backup id>/`): a
// manifest lists the volume's 4 MiB chunks by sha256; chunks of zeros are not stored, and an
// incremental backup stores only the chunks that differ from its parent, pointing at the
// parent's copy for the rest. (A store on the object ring, through the in-process
// RingObjectClient, would keep the same manifest and chunk names as objects.)
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { GiB, type BlockDriver } from './driver.ts';

export const BACKUP_CHUNK = 4 * 1024 * 1024;

/** where one chunk's bytes are: in which backup's directory, or nowhere (zeros) */
export interface ChunkEntry {
  sha256: string | null;
  /** the backup whose directory holds the bytes; null for a chunk of zeros */
  backupId: string | null;
}

export interface BackupManifest {
  backupId: string;
  volumeId: string;
  sizeGb: number;
  chunkSize: number;
  parentId: string | null;
  chunks: ChunkEntry[];
}

const ZEROS = Buffer.alloc(BACKUP_CHUNK);

function isZero(buffer: Buffer): boolean {
  return buffer.equals(ZEROS.subarray(0, buffer.length));
}

export class BackupStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  private dir(backupId: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(backupId)) throw new Error(`invalid backup id: ${backupId}`);
    return join(this.root, backupId);
  }

  async manifest(backupId: string): Promise<BackupManifest> {
    return JSON.parse(await readFile(join(this.dir(backupId), 'manifest.json'), 'utf8')) as BackupManifest;
  }

  /**
   * Backs a volume up. With a parent manifest, chunks whose hash matches the parent's are
   * referenced, not copied. Returns the manifest and how many chunk files this backup wrote.
   */
  async backup(driver: BlockDriver, volumeId: string, sizeGb: number, backupId: string, parent?: BackupManifest): Promise<{ manifest: BackupManifest; stored: number }> {
    const dir = this.dir(backupId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const total = sizeGb * GiB;
    const chunks: ChunkEntry[] = [];
    let stored = 0;
    const local = driver.localPath?.(volumeId);
    const file = local ? await open(local, 'r') : undefined;
    const buffer = Buffer.allocUnsafe(BACKUP_CHUNK);
    try {
      for (let index = 0, offset = 0; offset < total; index++, offset += BACKUP_CHUNK) {
        const length = Math.min(BACKUP_CHUNK, total - offset);
        let data: Buffer;
        if (file) {
          // one handle and one buffer for the whole volume: no allocation per chunk
          const { bytesRead } = await file.read(buffer, 0, length, offset);
          data = buffer.subarray(0, bytesRead);
        } else {
          data = await driver.readVolume(volumeId, offset, length);
        }
        if (isZero(data)) {
          chunks.push({ sha256: null, backupId: null });
          continue;
        }
        const sha256 = createHash('sha256').update(data).digest('hex');
        const before = parent?.chunks[index];
        if (before && before.sha256 === sha256 && before.backupId) {
          chunks.push(before);
          continue;
        }
        await writeFile(join(dir, `chunk-${index}`), data, { mode: 0o600 });
        chunks.push({ sha256, backupId });
        stored++;
      }
    } finally {
      await file?.close();
    }
    const manifest: BackupManifest = { backupId, volumeId, sizeGb, chunkSize: BACKUP_CHUNK, parentId: parent?.backupId ?? null, chunks };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest), { mode: 0o600 });
    return { manifest, stored };
  }

  /** Writes a backup's bytes over a volume (zeros where the backup had zeros; `fresh`: the volume is all zeros already). */
  async restore(driver: BlockDriver, backupId: string, volumeId: string, fresh = false): Promise<void> {
    const manifest = await this.manifest(backupId);
    for (let index = 0; index < manifest.chunks.length; index++) {
      const entry = manifest.chunks[index];
      const offset = index * manifest.chunkSize;
      const length = Math.min(manifest.chunkSize, manifest.sizeGb * GiB - offset);
      if (!entry.backupId) {
        // only write zeros where the volume has data: a fresh volume already reads as zeros
        if (fresh) continue;
        const current = await driver.readVolume(volumeId, offset, length);
        if (!isZero(current)) await driver.writeVolume(volumeId, offset, Buffer.alloc(length));
        continue;
      }
      const data = await readFile(join(this.dir(entry.backupId), `chunk-${index}`));
      if (createHash('sha256').update(data).digest('hex') !== entry.sha256) {
        throw new Error(`backup ${backupId}: chunk ${index} in ${entry.backupId} does not match its hash`);
      }
      await driver.writeVolume(volumeId, offset, data);
    }
  }

  async delete(backupId: string): Promise<void> {
    await rm(this.dir(backupId), { recursive: true, force: true });
  }
}
