// The contract between the Swift REST API (src/compat/object-store/) and the object ring:
// everything the API needs to serve accounts, containers and objects, with Swift's semantics
// (X-Timestamp newest-wins, quorum writes, eventual consistency of listings across replicas).
//
// Conventions:
// - account/container/object names are the decoded path segments the client sent
//   ("AUTH_<project id>", "photos", "2024/cat.jpg"); the API validates lengths and characters.
// - metadata and pass-through headers are keyed by LOWER-CASE header name, full prefix kept:
//   "x-object-meta-color", "x-container-meta-quota-bytes", "x-account-meta-temp-url-key",
//   "x-object-sysmeta-*", "x-container-sysmeta-*", "x-account-sysmeta-*", "x-container-read",
//   "content-disposition", "content-encoding", "x-delete-at", ... The API filters what a
//   client may set (e.g. strips sysmeta from client requests) before calling.
// - To remove container/account metadata, pass the key with an empty value (Swift's
//   "X-Container-Meta-Foo:" or "X-Remove-Container-Meta-Foo: x", which the API maps to "").
// - Failures are thrown as ObjectStoreError with the HTTP status the API should answer
//   (404, 409, 412/416, 422, 499, 503); Swift answers errors in plain text.
import type { Readable } from 'node:stream';

export type HeaderMap = Record<string, string>;

export interface ListingParams {
  prefix?: string;
  /** names strictly after this (before it, with reverse) */
  marker?: string;
  /** names strictly before this (after it, with reverse) */
  endMarker?: string;
  /** 0..10000, default 10000 */
  limit?: number;
  delimiter?: string;
  reverse?: boolean;
}

export interface AccountInfo {
  account: string;
  /** false when the account has never been created: Swift's autocreate answers with zero stats */
  exists: boolean;
  containerCount: number;
  objectCount: number;
  bytesUsed: number;
  /** X-Timestamp of the account's creation */
  timestamp: string;
  putTimestamp: string;
  /** x-account-meta-*, x-account-sysmeta-*, x-account-access-control */
  metadata: HeaderMap;
}

export type AccountListingEntry =
  | { name: string; count: number; bytes: number; last_modified: string }
  | { subdir: string };

export interface ContainerInfo {
  account: string;
  container: string;
  objectCount: number;
  bytesUsed: number;
  /** X-Timestamp: when the container was created */
  timestamp: string;
  putTimestamp: string;
  /** x-container-meta-*, x-container-sysmeta-*, x-container-read/-write, x-versions-location, ... */
  metadata: HeaderMap;
}

/** The JSON shape Swift gives for a container listing entry (format=json). */
export type ContainerListingEntry =
  | { name: string; hash: string; bytes: number; content_type: string; last_modified: string }
  | { subdir: string };

export interface ObjectInfo {
  account: string;
  container: string;
  object: string;
  /** md5 hex of the body, without quotes */
  etag: string;
  contentLength: number;
  contentType: string;
  /** X-Timestamp of the newest PUT or POST (Swift reports the POST time after a POST) */
  timestamp: string;
  /** X-Timestamp of the PUT that wrote the data */
  dataTimestamp: string;
  lastModified: Date;
  /** stored headers: x-object-meta-*, x-object-sysmeta-*, content-encoding, content-disposition, x-delete-at, ... */
  headers: HeaderMap;
}

export interface GetObjectOptions {
  /** a Range header value; only single ranges are supported ("bytes=0-99", "bytes=-5") */
  range?: string;
}

export interface GetObjectResult extends ObjectInfo {
  status: 200 | 206;
  /** present with status 206: "bytes start-end/total" */
  contentRange?: string;
  /** the body stream, straight from a storage node; destroy it when not needed */
  body: Readable;
}

export interface PutObjectInput {
  account: string;
  container: string;
  object: string;
  /** streamed to every replica with backpressure; never buffered whole */
  body: Readable;
  /** default application/octet-stream (the API does content-type guessing if it wants) */
  contentType?: string;
  /** when known; without it the body is sent chunked */
  contentLength?: number;
  /** the client's ETag: a body that does not match fails with 422 and nothing is stored */
  etag?: string;
  /** stored headers (see HeaderMap conventions) */
  headers?: HeaderMap;
  /** X-Timestamp to use; default: now. Newer timestamps win; an older one than stored gets 409 */
  timestamp?: string;
}

export interface PutObjectResult {
  etag: string;
  contentLength: number;
  timestamp: string;
  lastModified: Date;
}

export interface PostObjectInput {
  /** replaces ALL user metadata (x-object-meta-*) and the other postable headers, as Swift's POST */
  headers: HeaderMap;
  contentType?: string;
  timestamp?: string;
}

export interface ObjectClient {
  // accounts
  headAccount(account: string): Promise<AccountInfo>;
  getAccount(account: string, params?: ListingParams): Promise<{ info: AccountInfo; entries: AccountListingEntry[] }>;
  /** creates or updates; resolves true when created */
  putAccount(account: string, metadata?: HeaderMap): Promise<boolean>;
  postAccount(account: string, metadata: HeaderMap): Promise<void>;
  deleteAccount(account: string): Promise<void>;

  // containers
  headContainer(account: string, container: string): Promise<ContainerInfo>;
  getContainer(account: string, container: string, params?: ListingParams): Promise<{ info: ContainerInfo; entries: ContainerListingEntry[] }>;
  /** creates (true) or updates metadata of (false) a container; autocreates the account */
  putContainer(account: string, container: string, metadata?: HeaderMap): Promise<boolean>;
  postContainer(account: string, container: string, metadata: HeaderMap): Promise<void>;
  /** 409 while the container holds objects */
  deleteContainer(account: string, container: string): Promise<void>;

  // objects
  putObject(input: PutObjectInput): Promise<PutObjectResult>;
  getObject(account: string, container: string, object: string, options?: GetObjectOptions): Promise<GetObjectResult>;
  headObject(account: string, container: string, object: string): Promise<ObjectInfo>;
  postObject(account: string, container: string, object: string, input: PostObjectInput): Promise<void>;
  /** writes tombstones; 404 when no replica had the object */
  deleteObject(account: string, container: string, object: string, timestamp?: string): Promise<void>;

  close(): Promise<void>;
}

export class ObjectStoreError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}
