// The object ring: Swift's storage layer (rings, storage servers, replication, auditing)
// and the proxy core the Swift REST API (src/compat/object-store/) is built on.
export type * from './proxy/types.ts';
export { ObjectStoreError } from './proxy/types.ts';
export { RingObjectClient } from './proxy/object-client.ts';
export { startLocalObjectCluster, type LocalObjectCluster, type LocalObjectClusterOptions } from './local-cluster.ts';
export { startStorageNode, type StorageNode } from './storage-node.ts';
export { loadRingSet, type RingSet } from './ring/ring-set.ts';
export { Ring } from './ring/ring.ts';
export { RingBuilder } from './ring/builder.ts';
export { newTimestamp } from './common/timestamp.ts';
