// Test helpers: an in-process cluster whose storage nodes can be stopped and restarted,
// and a look at what each node holds on disk.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startLocalObjectCluster, type LocalObjectCluster } from '../../../src/backends/object-ring/local-cluster.ts';
import { startStorageNode } from '../../../src/backends/object-ring/storage-node.ts';
import { loadHashPathConfig, hashPathHex } from '../../../src/backends/object-ring/ring/hash-path.ts';
import type { RingObjectClient } from '../../../src/backends/object-ring/proxy/object-client.ts';

export interface TestCluster extends LocalObjectCluster {
  client: RingObjectClient;
  kill(i: number): Promise<void>;
  restart(i: number): Promise<void>;
  replicateAll(): Promise<void>;
  /** per node: the object's kept file names on disk (empty when absent) */
  filesOnDisk(account: string, container: string, object: string): string[][];
}

export async function testCluster(devices: number, replicas: number, partPower = 6): Promise<TestCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sg-objring-'));
  const cluster = await startLocalObjectCluster({ dataDir, devices, replicas, partPower, replicateIntervalMs: 0, auditIntervalMs: 0 });
  const hashPath = loadHashPathConfig(cluster.ringDir);
  const stopped = new Set<number>();
  const t: TestCluster = {
    ...cluster,
    client: cluster.client as RingObjectClient,
    async kill(i) {
      await cluster.nodes[i].stop();
      stopped.add(i);
    },
    async restart(i) {
      const old = cluster.nodes[i];
      cluster.nodes[i] = await startStorageNode({ devicesDir: old.server.devicesDir, port: old.port, host: '127.0.0.1', rings: t.client.rings, hashPath });
      stopped.delete(i);
    },
    async replicateAll() {
      // twice: the first pass moves data, the second sees it settled (and reverts handoffs)
      for (let round = 0; round < 2; round++) for (const n of cluster.nodes) await n.replicator.runOnce();
    },
    filesOnDisk(account, container, object) {
      const hash = hashPathHex(hashPath, account, container, object);
      const part = t.client.rings.object.getPartition(account, container, object);
      return cluster.nodes.map((n) => {
        const dev = t.client.rings.object.devices.find((d) => d.port === n.port)!;
        return n.server.disk.suffixListing(dev.device, part, hash.slice(-3))[hash] ?? [];
      });
    },
    stop: async () => {
      await cluster.client.close();
      for (const [i, n] of cluster.nodes.entries()) if (!stopped.has(i)) await n.stop();
    },
  };
  return t;
}

export function body(text: string): Readable {
  return Readable.from([Buffer.from(text)]);
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

/** Which node indexes are the primaries of an object (by ring port order). */
export function primaryIndexes(t: TestCluster, account: string, container: string, object: string): number[] {
  const { nodes } = t.client.rings.object.getNodes(account, container, object);
  return nodes.map((d) => t.nodes.findIndex((n) => n.port === d.port));
}
