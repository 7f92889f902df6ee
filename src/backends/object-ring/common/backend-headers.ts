// The backend protocol between the proxy core and storage servers: Swift's, with our names
// where Swift's would not fit Node (custom verbs like REPLICATE are rejected by Node's HTTP
// parser, so replication operations are POSTs carrying X-Backend-Op).
//
//   <METHOD> /<device>/<partition>/<account>[/<container>[/<object>]]
//   X-Timestamp                   every write; newest wins, older writes get 409
//   X-Backend-Server-Type         account | container | object (default: by path depth);
//                                 a container server takes object-row updates at object depth,
//                                 an account server takes container-row updates at container depth
//   X-Size / X-Content-Type / X-Etag                          object row update (container server)
//   X-Put-Timestamp / X-Delete-Timestamp / X-Object-Count /
//   X-Bytes-Used / X-Stats-Timestamp                          container row update (account server)
//   X-Backend-Timestamp (response)                            the timestamp behind a 404 (tombstone) or 409
//   X-Backend-Op: replicate | list-suffixes | sync-file | db-digest | db-merge

export const H = {
  timestamp: 'x-timestamp',
  serverType: 'x-backend-server-type',
  op: 'x-backend-op',
  backendTimestamp: 'x-backend-timestamp',
  dataTimestamp: 'x-backend-data-timestamp',
  size: 'x-size',
  rowContentType: 'x-content-type',
  rowEtag: 'x-etag',
  putTimestamp: 'x-put-timestamp',
  deleteTimestamp: 'x-delete-timestamp',
  objectCount: 'x-object-count',
  bytesUsed: 'x-bytes-used',
  statsTimestamp: 'x-stats-timestamp',
  containerObjectCount: 'x-container-object-count',
  containerBytesUsed: 'x-container-bytes-used',
  accountContainerCount: 'x-account-container-count',
  accountObjectCount: 'x-account-object-count',
  accountBytesUsed: 'x-account-bytes-used',
} as const;

export type ServerType = 'account' | 'container' | 'object';

/** Container/account headers kept as metadata (Swift keeps ACLs and sync settings as metadata too). */
export function isContainerMetaHeader(name: string): boolean {
  return name.startsWith('x-container-meta-') || name.startsWith('x-container-sysmeta-') ||
    ['x-container-read', 'x-container-write', 'x-container-sync-to', 'x-container-sync-key', 'x-versions-location', 'x-history-location'].includes(name);
}

export function isAccountMetaHeader(name: string): boolean {
  return name.startsWith('x-account-meta-') || name.startsWith('x-account-sysmeta-') || name === 'x-account-access-control';
}

/** Object headers stored with the data and returned on GET/HEAD. */
export function isStoredObjectHeader(name: string): boolean {
  return name.startsWith('x-object-meta-') || name.startsWith('x-object-sysmeta-') || name.startsWith('x-object-transient-sysmeta-') ||
    ['content-disposition', 'content-encoding', 'x-delete-at', 'x-object-manifest', 'x-static-large-object'].includes(name);
}

export function encodePath(...segments: string[]): string {
  return '/' + segments.map((s) => encodeURIComponent(s)).join('/');
}
