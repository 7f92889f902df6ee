// Container quotas (X-Container-Meta-Quota-Bytes / -Count, set by the owner) and account
// quotas (X-Account-Meta-Quota-Bytes, set by the reseller): an upload that would exceed one
// is refused with 413. Chunked uploads are counted as they stream.
import { Transform, type Readable } from 'node:stream';
import type { ContainerInfo, ObjectClient } from '../../backends/object-ring/index.ts';
import { swiftError } from './errors.ts';

export interface QuotaRoom {
  /** bytes still allowed, or Infinity */
  bytes: number;
}

export async function quotaRoom(client: ObjectClient, account: string, info: ContainerInfo, addingObjects = 1): Promise<QuotaRoom> {
  let bytes = Infinity;
  const qb = info.metadata['x-container-meta-quota-bytes'];
  if (qb) bytes = Math.min(bytes, Number(qb) - info.bytesUsed);
  const qc = info.metadata['x-container-meta-quota-count'];
  if (qc && info.objectCount + addingObjects > Number(qc)) throw swiftError(413, 'Upload exceeds quota.');
  const acct = await client.headAccount(account);
  const qa = acct.metadata['x-account-meta-quota-bytes'];
  if (qa && /^\d+$/.test(qa)) bytes = Math.min(bytes, Number(qa) - acct.bytesUsed);
  return { bytes };
}

export function checkLength(room: QuotaRoom, length: number | undefined): void {
  if (length !== undefined && length > room.bytes) throw swiftError(413, 'Upload exceeds quota.');
}

export class QuotaExceeded extends Error {}

/** Passes bytes through until the room is used up, then fails the stream. */
export function limitStream(body: Readable, limit: number): Readable {
  if (!Number.isFinite(limit)) return body;
  let seen = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit) done(new QuotaExceeded('quota'));
      else done(null, chunk);
    },
  });
  body.on('error', (e) => t.destroy(e));
  return body.pipe(t);
}
