// The object storage an API process uses. All-in-one starts the local ring cluster (its
// storage servers in-process); extra API workers (node:cluster) share the first one's ring
// and servers through a proxy client only, since the storage ports can be bound once.
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../platform/config.ts';
import { RingObjectClient, loadRingSet, startLocalObjectCluster, type ObjectClient } from '../backends/object-ring/index.ts';

export interface ObjectStorage {
  client: ObjectClient;
  stop(): Promise<void>;
}

export async function openObjectStorage(config: Config): Promise<ObjectStorage> {
  const ringDir = join(config.dataDir, 'object-ring', 'rings');
  if (cluster.isWorker && cluster.worker && cluster.worker.id !== 1) {
    for (let i = 0; i < 100 && !existsSync(join(ringDir, 'object.ring.gz')) && !existsSync(join(ringDir, 'object.builder')); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const client = new RingObjectClient({ rings: loadRingSet(ringDir, { reloadCheckMs: 1000 }) });
    return { client, stop: () => client.close() };
  }
  const { devices, replicas, partPower } = config.objectStore;
  const local = await startLocalObjectCluster({ dataDir: config.dataDir, devices, replicas, partPower });
  return { client: local.client, stop: () => local.stop() };
}
