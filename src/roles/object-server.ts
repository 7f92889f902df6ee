// `stackgate object-server --devices DIR --port P --rings DIR`: one storage node serving the
// account, container and object partitions of the ring devices on this host and port, with
// its replicator and auditor on timers.
import { parseArgs } from 'node:util';
import { loadHashPathConfig } from '../backends/object-ring/ring/hash-path.ts';
import { loadRingSet } from '../backends/object-ring/ring/ring-set.ts';
import { startStorageNode, type StorageNode } from '../backends/object-ring/storage-node.ts';
import { logger } from '../platform/log.ts';

const log = logger('object-server');

export const OBJECT_SERVER_USAGE = `usage: stackgate object-server --devices DIR --port PORT --rings DIR [options]

  --devices DIR            the directory holding one directory per device (e.g. /srv/node)
  --port PORT              the port the ring lists for this node's devices
  --rings DIR              the ring directory (object.ring.gz, cluster.json, ...)
  --bind IP                default 127.0.0.1
  --replicate-interval S   seconds between replication passes (default 30, 0: off)
  --audit-interval S       seconds between audit passes (default 300, 0: off)
One-shot passes: POST http://<bind>:<port>/_ops/replicate and /_ops/audit.
`;

export async function runObjectServer(args: string[]): Promise<StorageNode> {
  const { values } = parseArgs({
    args,
    options: {
      devices: { type: 'string' }, port: { type: 'string' }, rings: { type: 'string' }, bind: { type: 'string' },
      'replicate-interval': { type: 'string' }, 'audit-interval': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(OBJECT_SERVER_USAGE);
    process.exit(0);
  }
  if (!values.devices || !values.port || !values.rings) {
    process.stderr.write(OBJECT_SERVER_USAGE);
    process.exit(2);
  }
  const seconds = (v: string | undefined, d: number) => (v === undefined ? d : Number(v)) * 1000;
  const node = await startStorageNode({
    devicesDir: values.devices, port: Number(values.port), host: values.bind ?? '127.0.0.1',
    rings: loadRingSet(values.rings), hashPath: loadHashPathConfig(values.rings),
    replicateIntervalMs: seconds(values['replicate-interval'], 30), auditIntervalMs: seconds(values['audit-interval'], 300),
  });
  log.info('listening', { port: node.port, devices: values.devices });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void node.stop().then(() => process.exit(0)));
  }
  return node;
}
