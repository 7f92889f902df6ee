// The replicator of one storage node (Swift's object and db replicators, push only): for
// each partition on a local device, compare with the other primaries and push what they
// lack or hold older (object files suffix by suffix, database rows whole); a partition held
// as a handoff is pushed to its primaries and removed once they all have it. It also reports
// container stats to the accounts when they changed (what Swift's container-updater does).
import type { RingSet } from '../ring/ring-set.ts';
import type { RingDevice, RingNode } from '../ring/types.ts';
import { Backend, type BackendOptions } from '../proxy/backend-http.ts';
import { H, encodePath } from '../common/backend-headers.ts';
import type { DiskObjects } from '../storage/disk-object.ts';
import type { DbStore } from '../storage/db-store.ts';
import { listDbFiles } from '../storage/db-file.ts';
import { createReadStream } from 'node:fs';
import { request } from 'node:http';
import { localDevices } from './local-devices.ts';
import { logger } from '../../../platform/log.ts';

const log = logger('replicator');

export interface ReplicatorOptions {
  devicesDir: string;
  port: number;
  rings: RingSet;
  disk: DiskObjects;
  dbs: DbStore;
  backend?: Partial<BackendOptions>;
}

export interface ReplicationStats {
  partitions: number;
  suffixesSynced: number;
  filesPushed: number;
  dbsPushed: number;
  handoffsReverted: number;
  containersReported: number;
  failures: number;
}

const isBase = (f: string) => f.endsWith('.data') || f.endsWith('.ts');
const tsOf = (f: string) => f.slice(0, f.lastIndexOf('.'));

export class Replicator {
  private readonly o: ReplicatorOptions;
  private readonly backend: Backend;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReplicationStats> | undefined;

  constructor(options: ReplicatorOptions) {
    this.o = options;
    // a replication pass must not skip a node that just came back
    this.backend = new Backend({ errorSuppressionMs: 0, ...options.backend });
  }

  /** One full pass; concurrent callers share the pass in progress. */
  runOnce(): Promise<ReplicationStats> {
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
    this.backend.close();
  }

  private async pass(): Promise<ReplicationStats> {
    const stats: ReplicationStats = { partitions: 0, suffixesSynced: 0, filesPushed: 0, dbsPushed: 0, handoffsReverted: 0, containersReported: 0, failures: 0 };
    for (const dev of localDevices(this.o.rings.object, this.o.devicesDir, this.o.port)) {
      for (const part of this.o.disk.partitions(dev.device)) {
        stats.partitions++;
        await this.replicateObjectPartition(dev, Number(part), stats).catch((error) => {
          stats.failures++;
          log.warn('partition failed', { device: dev.device, part, error: String(error) });
        });
      }
    }
    for (const kind of ['container', 'account'] as const) {
      const ring = this.o.rings[kind];
      for (const dev of localDevices(ring, this.o.devicesDir, this.o.port)) {
        for (const db of [...listDbFiles(this.o.devicesDir, dev.device, kind === 'container' ? 'containers' : 'accounts')]) {
          await this.replicateDb(kind, dev, db, stats).catch((error) => {
            stats.failures++;
            log.warn('db failed', { device: dev.device, path: db.path, error: String(error) });
          });
        }
      }
    }
    return stats;
  }

  private async op(node: RingNode, path: string, op: string, type: string, body?: string): Promise<{ status: number; text: string }> {
    return this.backend.call(node, 'POST', path, { [H.op]: op, [H.serverType]: type, ...(body ? { 'content-type': 'application/json' } : {}) }, body);
  }

  private async replicateObjectPartition(dev: RingDevice, part: number, stats: ReplicationStats): Promise<void> {
    const primaries = this.o.rings.object.getPartNodes(part);
    const isPrimary = primaries.some((n) => n.id === dev.id);
    const targets = primaries.filter((n) => n.id !== dev.id);
    let allInSync = true;
    const local = this.o.disk.suffixHashes(dev.device, part);
    for (const target of targets) {
      try {
        const res = await this.op(target, `/${part}`, 'replicate', 'object');
        if (res.status !== 200) throw new Error(`replicate: ${res.status}`);
        const remote = JSON.parse(res.text) as Record<string, string>;
        const differing = Object.keys(local).filter((s) => remote[s] !== local[s]);
        if (differing.length === 0) continue;
        const listRes = await this.op(target, `/${part}?suffixes=${differing.join(',')}`, 'list-suffixes', 'object');
        if (listRes.status !== 200) throw new Error(`list-suffixes: ${listRes.status}`);
        const remoteListing = JSON.parse(listRes.text) as Record<string, Record<string, string[]>>;
        for (const suffix of differing) {
          const mine = this.o.disk.suffixListing(dev.device, part, suffix);
          for (const [hash, files] of Object.entries(mine)) {
            const theirs = remoteListing[suffix]?.[hash] ?? [];
            const theirBase = theirs.filter(isBase).map(tsOf).sort().at(-1) ?? '';
            const theirMeta = theirs.filter((f) => f.endsWith('.meta')).map(tsOf).sort().at(-1) ?? '';
            const push = files.filter((f) => !theirs.includes(f) && (isBase(f) ? tsOf(f) > theirBase : tsOf(f) > theirMeta && tsOf(f) > theirBase))
              .sort((a, b) => Number(isBase(b)) - Number(isBase(a)));
            for (const file of push) {
              await this.pushFile(target, dev.device, part, hash, file);
              stats.filesPushed++;
            }
          }
          stats.suffixesSynced++;
        }
      } catch (error) {
        allInSync = false;
        stats.failures++;
        log.debug('replication to peer failed', { peer: `${target.ip}:${target.port}/${target.device}`, part, error: String(error) });
      }
    }
    if (!isPrimary && allInSync && targets.length > 0) {
      this.o.disk.removePartition(dev.device, part);
      stats.handoffsReverted++;
    }
  }

  private pushFile(target: RingNode, device: string, part: number, hash: string, file: string): Promise<void> {
    const path = this.o.disk.filePath(device, part, hash, file);
    return new Promise((resolve, reject) => {
      const req = request({
        host: target.ip, port: target.port, method: 'POST',
        path: `/${encodeURIComponent(target.device)}/${part}/${hash}/${file}`,
        headers: { [H.op]: 'sync-file', [H.serverType]: 'object', 'content-length': this.o.disk.fileSize(path) },
        timeout: this.backend.options.nodeTimeoutMs,
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        if (res.statusCode === 201) resolve();
        else reject(new Error(`sync-file ${file}: ${res.statusCode}`));
      });
      const src = createReadStream(path);
      src.on('error', (error) => req.destroy(error));
      src.pipe(req);
    });
  }

  private async replicateDb(kind: 'container' | 'account', dev: RingDevice, file: { part: string; hash: string; path: string }, stats: ReplicationStats): Promise<void> {
    const part = Number(file.part);
    const ring = this.o.rings[kind];
    const primaries = ring.getPartNodes(part);
    const isPrimary = primaries.some((n) => n.id === dev.id);
    const targets = primaries.filter((n) => n.id !== dev.id);
    const db = kind === 'container' ? this.o.dbs.container(dev.device, part, file.hash) : this.o.dbs.account(dev.device, part, file.hash);
    if (!db || !db.initialized()) return;
    const digest = db.digest();
    let allInSync = true;
    for (const target of targets) {
      try {
        const res = await this.op(target, `/${part}/${file.hash}`, 'db-digest', kind);
        if (res.status !== 200) throw new Error(`db-digest: ${res.status}`);
        const remote = JSON.parse(res.text) as { exists: boolean; digest?: string };
        if (remote.exists && remote.digest === digest) continue;
        const merged = await this.op(target, `/${part}/${file.hash}`, 'db-merge', kind, JSON.stringify(db.exportState()));
        if (merged.status !== 204) throw new Error(`db-merge: ${merged.status}`);
        stats.dbsPushed++;
      } catch (error) {
        allInSync = false;
        stats.failures++;
        log.debug('db replication to peer failed', { peer: `${target.ip}:${target.port}/${target.device}`, error: String(error) });
      }
    }
    if (kind === 'container' && isPrimary) await this.reportContainer(db as NonNullable<ReturnType<DbStore['container']>>, stats);
    if (!isPrimary && allInSync && targets.length > 0) {
      if (kind === 'container') this.o.dbs.removeContainerDb(file.path);
      else this.o.dbs.removeAccountDb(file.path);
      stats.handoffsReverted++;
    }
  }

  /** Sends a container's stats to its account when they changed since the last report. */
  private async reportContainer(db: NonNullable<ReturnType<DbStore['container']>>, stats: ReplicationStats): Promise<void> {
    const info = db.info();
    if (info.reportedPutTimestamp === info.putTimestamp && info.reportedDeleteTimestamp === info.deleteTimestamp &&
      info.reportedObjectCount === info.objectCount && info.reportedBytesUsed === info.bytesUsed) return;
    const ring = this.o.rings.account;
    const { partition, nodes } = ring.getNodes(info.account);
    let ok = 0;
    for (const node of nodes) {
      try {
        const res = await this.backend.call(node, 'PUT', `/${partition}${encodePath(info.account, info.container)}`, {
          [H.serverType]: 'account', [H.putTimestamp]: info.putTimestamp, [H.deleteTimestamp]: info.deleteTimestamp,
          [H.objectCount]: String(info.objectCount), [H.bytesUsed]: String(info.bytesUsed), [H.statsTimestamp]: db.statsTimestamp(info),
        });
        if (res.status === 201) ok++;
      } catch {
        // retried on the next pass
      }
    }
    if (ok === nodes.length) {
      db.setReported(info);
      stats.containersReported++;
    }
  }
}

