// All-in-one object storage: N local devices, each behind its own in-process storage server
// on an ephemeral 127.0.0.1 port, one ring over them (used for accounts, containers and
// objects alike), and the proxy core in front. Same protocol as a multi-machine cluster.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { RingBuilder } from './ring/builder.ts';
import { loadBuilder, saveBuilder } from './ring/builder-file.ts';
import { loadHashPathConfig } from './ring/hash-path.ts';
import { ringFileName, loadRingSet, type RingSet } from './ring/ring-set.ts';
import { writeRingFile } from './ring/ring-file.ts';
import { RingObjectClient } from './proxy/object-client.ts';
import type { ObjectClient } from './proxy/types.ts';
import { startStorageNode, type StorageNode } from './storage-node.ts';

export interface LocalObjectClusterOptions {
  dataDir: string;
  devices: number;
  replicas: number;
  partPower: number;
  /** replication and audit timers (default 30 s and 300 s; 0 disables) */
  replicateIntervalMs?: number;
  auditIntervalMs?: number;
}

export interface LocalObjectCluster {
  client: ObjectClient;
  nodes: StorageNode[];
  ringDir: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts (or restarts, reusing the ring and data under dataDir) a local cluster. Ports are
 * ephemeral on first start and recorded in the ring, then reused on later starts.
 */
export async function startLocalObjectCluster(options: LocalObjectClusterOptions): Promise<LocalObjectCluster> {
  const root = join(options.dataDir, 'object-ring');
  const ringDir = join(root, 'rings');
  mkdirSync(ringDir, { recursive: true });
  const hashPath = loadHashPathConfig(ringDir, true);
  const builderPath = join(ringDir, 'object.builder');
  const ringPath = join(ringDir, ringFileName('object'));
  // A port found free is closed again before its node binds it, and in that gap anything on the
  // machine (an outgoing connection's ephemeral port, another test's server) may take it. On a
  // first start nothing depends on the ports yet, so the ring is drawn again with new ones.
  for (let attempt = 1; ; attempt++) {
    const fresh = !existsSync(builderPath);
    let builder: RingBuilder;
    if (!fresh) builder = loadBuilder(builderPath);
    else {
      builder = RingBuilder.create(options.partPower, options.replicas, 0);
      for (let i = 0; i < options.devices; i++) {
        // one zone per device: each replica lands on a different local "node"
        builder.addDevice({ region: 1, zone: i + 1, ip: '127.0.0.1', port: await freePort(), device: `d${i + 1}`, weight: 100 });
      }
      builder.rebalance();
      saveBuilder(builderPath, builder);
      writeRingFile(ringPath, builder.toRingData());
    }
    const rings = loadRingSet(ringDir, { reloadCheckMs: 1000 });
    const nodes: StorageNode[] = [];
    try {
      for (const dev of builder.activeDevices()) {
        const devicesDir = join(root, 'nodes', `node-${dev.port}`);
        mkdirSync(join(devicesDir, dev.device), { recursive: true });
        nodes.push(await startStorageNode({
          devicesDir, port: dev.port, host: '127.0.0.1', rings, hashPath,
          replicateIntervalMs: options.replicateIntervalMs ?? 30000, auditIntervalMs: options.auditIntervalMs ?? 300000,
        }));
      }
    } catch (error) {
      for (const n of nodes) await n.stop();
      if (fresh && attempt < 5 && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        rmSync(builderPath, { force: true });
        rmSync(ringPath, { force: true });
        continue;
      }
      throw error;
    }
    return clusterOf(rings, nodes, ringDir);
  }
}

function clusterOf(rings: RingSet, nodes: StorageNode[], ringDir: string): LocalObjectCluster {
  const client = new RingObjectClient({ rings });
  return {
    client, nodes, ringDir,
    stop: async () => {
      await client.close();
      for (const n of nodes) await n.stop();
    },
  };
}
