// The auditor of one storage node (Swift's object auditor): reads every stored object,
// checks its body against the md5 ETag and length in its metadata, and quarantines what
// does not match, so that the suffix hash changes and replication restores a good copy.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Ring } from '../ring/ring.ts';
import { readTrailer, type DiskObjects } from '../storage/disk-object.ts';
import { localDevices } from './local-devices.ts';
import { logger } from '../../../platform/log.ts';

const log = logger('auditor');

export interface AuditorOptions {
  devicesDir: string;
  port: number;
  ring: Ring;
  disk: DiskObjects;
}

export interface AuditStats {
  checked: number;
  quarantined: number;
  bytes: number;
  /** quarantined object directories, for operators and tests */
  quarantinedPaths: string[];
}

export class Auditor {
  private readonly o: AuditorOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<AuditStats> | undefined;

  constructor(options: AuditorOptions) {
    this.o = options;
  }

  runOnce(): Promise<AuditStats> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  start(intervalMs: number): void {
    const tick = () => {
      this.runOnce().catch((error) => log.error('pass failed', { error: String(error) })).finally(() => {
        if (this.timer) this.timer = setTimeout(tick, intervalMs).unref();
      });
    };
    this.timer = setTimeout(tick, intervalMs).unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async pass(): Promise<AuditStats> {
    const stats: AuditStats = { checked: 0, quarantined: 0, bytes: 0, quarantinedPaths: [] };
    for (const dev of localDevices(this.o.ring, this.o.devicesDir, this.o.port)) {
      for (const file of [...this.o.disk.dataFiles(dev.device)]) {
        stats.checked++;
        const problem = await this.check(file.path, stats).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : String(error)));
        if (problem) {
          try {
            const where = this.o.disk.quarantine(dev.device, file.part, file.hash);
            stats.quarantined++;
            stats.quarantinedPaths.push(where);
            log.warn('quarantined', { device: dev.device, path: file.path, problem, to: where });
          } catch (error) {
            log.error('quarantine failed', { path: file.path, error: String(error) });
          }
        }
      }
    }
    return stats;
  }

  /** undefined when the object is sound, else what is wrong with it. */
  private async check(path: string, stats: AuditStats): Promise<string | undefined> {
    let trailer;
    try {
      trailer = await readTrailer(path);
    } catch (error) {
      return `unreadable metadata: ${(error as Error).message}`;
    }
    const { metadata, bodyLength } = trailer;
    if (metadata.contentLength !== undefined && metadata.contentLength !== bodyLength) return `length ${bodyLength} != ${metadata.contentLength}`;
    const md5 = createHash('md5');
    if (bodyLength > 0) {
      for await (const chunk of createReadStream(path, { start: 0, end: bodyLength - 1, highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
        md5.update(chunk);
        stats.bytes += chunk.length;
      }
    }
    const actual = md5.digest('hex');
    if (metadata.etag && actual !== metadata.etag) return `md5 ${actual} != etag ${metadata.etag}`;
    return undefined;
  }
}
