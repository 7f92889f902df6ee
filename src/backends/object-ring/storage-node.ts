// One storage node: the storage server for a devices dir and port, with its replicator and
// auditor, on timers and as one-shot operator calls (POST /_ops/replicate, /_ops/audit).
import type { RingSet } from './ring/ring-set.ts';
import type { HashPathConfig } from './ring/hash-path.ts';
import { ObjectServer } from './storage/object-server.ts';
import { Replicator } from './replication/replicator.ts';
import { Auditor } from './replication/auditor.ts';

export interface StorageNodeOptions {
  devicesDir: string;
  port: number;
  host?: string;
  rings: RingSet;
  hashPath: HashPathConfig;
  /** 0 = no timer (one-shot calls only) */
  replicateIntervalMs?: number;
  auditIntervalMs?: number;
}

export interface StorageNode {
  server: ObjectServer;
  replicator: Replicator;
  auditor: Auditor;
  port: number;
  stop(): Promise<void>;
}

/** port 0 picks an ephemeral port, but then the ring must be built after the start: see local-cluster.ts */
export async function startStorageNode(options: StorageNodeOptions): Promise<StorageNode> {
  const server = new ObjectServer({ devicesDir: options.devicesDir, hashPath: options.hashPath, host: options.host, port: options.port });
  const port = await server.start();
  const replicator = new Replicator({ devicesDir: options.devicesDir, port, rings: options.rings, disk: server.disk, dbs: server.dbs });
  const auditor = new Auditor({ devicesDir: options.devicesDir, port, ring: options.rings.object, disk: server.disk });
  server.ops.set('replicate', () => replicator.runOnce());
  server.ops.set('audit', () => auditor.runOnce());
  if (options.replicateIntervalMs) replicator.start(options.replicateIntervalMs);
  if (options.auditIntervalMs) auditor.start(options.auditIntervalMs);
  return {
    server, replicator, auditor, port,
    stop: async () => {
      await replicator.stop();
      await auditor.stop();
      await server.stop();
    },
  };
}
