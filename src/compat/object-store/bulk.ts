// Swift's bulk middleware: ?bulk-delete (a newline separated list of URL-quoted
// "/container/object" or "/container" paths in the body) and ?extract-archive=tar|tar.gz
// (every file in the archive becomes an object; at the account level the first path part
// names the container, which is created).
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { ApiResponse } from '../../platform/http/service-api.ts';
import { ObjectStoreError } from '../../backends/object-ring/index.ts';
import { authorizeAccount } from './auth.ts';
import { LIMITS } from './constraints.ts';
import { swiftError } from './errors.ts';
import { reply, type SwiftRequest } from './http.ts';
import { bulkBody, bulkFormat } from './bulk-format.ts';
import { guessContentType } from './content-type.ts';
import { readTar } from './tar-reader.ts';
import type { SwiftDeps } from './service-context.ts';

const MAX_DELETES = 10000;

async function readList(req: Readable): Promise<string[]> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_DELETES * (LIMITS.max_object_name_length + LIMITS.max_container_name_length + 2)) throw swiftError(413);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
}

export async function bulkDelete(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse> {
  authorizeAccount(sr, deps);
  const lines = await readList(sr.req);
  if (lines.length > MAX_DELETES) throw swiftError(413, `Maximum Bulk Deletes: ${MAX_DELETES} per request`);
  let deleted = 0;
  let notFound = 0;
  const errors: Array<[string, string]> = [];
  for (const line of lines) {
    let path: string;
    try {
      path = decodeURIComponent(line).replace(/^\//, '');
    } catch {
      errors.push([line, '400 Bad Request']);
      continue;
    }
    const i = path.indexOf('/');
    const container = i < 0 ? path : path.slice(0, i);
    const object = i < 0 ? '' : path.slice(i + 1);
    try {
      if (!container) throw new ObjectStoreError(400, 'bad path');
      if (object) await deps.client.deleteObject(sr.account, container, object);
      else await deps.client.deleteContainer(sr.account, container);
      deleted++;
    } catch (error) {
      const status = error instanceof ObjectStoreError ? error.status : 500;
      if (status === 404) notFound++;
      else errors.push([`/${path}`, status === 409 ? '409 Conflict' : status === 400 ? '400 Bad Request' : `${status} Error`]);
    }
  }
  const status = errors.length ? (errors.every((e) => e[1].startsWith('409')) ? '400 Bad Request' : '400 Bad Request') : '200 OK';
  const { body, contentType } = bulkBody(bulkFormat(sr), {
    'Number Deleted': deleted, 'Number Not Found': notFound, 'Response Body': '', 'Response Status': status, Errors: errors,
  });
  return reply(sr, 200, { 'Content-Type': contentType }, body);
}

export async function extractArchive(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse> {
  authorizeAccount(sr, deps);
  const kind = (sr.query.get('extract-archive') ?? '').toLowerCase();
  let source: Readable = sr.req;
  if (kind === 'tar.gz' || kind === 'tgz') source = sr.req.pipe(createGunzip());
  else if (kind !== 'tar') throw swiftError(400, 'Unsupported archive format');
  let created = 0;
  const errors: Array<[string, string]> = [];
  const containers = new Set<string>();
  let failure: string | undefined;
  try {
    for await (const entry of readTar(source as AsyncIterable<Buffer>)) {
      if (entry.type !== 'file') continue;
      const rel = entry.name.replace(/^\.?\/+/, '').replace(/^\.\//, '');
      let container = sr.container;
      let object = rel;
      if (sr.object) object = `${sr.object.replace(/\/$/, '')}/${rel}`;
      else if (!container) {
        const i = rel.indexOf('/');
        if (i <= 0) {
          errors.push([`/${rel}`, '400 Bad Request']);
          continue;
        }
        container = rel.slice(0, i);
        object = rel.slice(i + 1);
      }
      if (!object || object.length > LIMITS.max_object_name_length || container!.length > LIMITS.max_container_name_length) {
        errors.push([`/${container}/${object}`, '400 Bad Request']);
        continue;
      }
      try {
        if (!containers.has(container!)) {
          await deps.client.putContainer(sr.account, container!);
          containers.add(container!);
        }
        await deps.client.putObject({
          account: sr.account, container: container!, object, body: entry.body, contentLength: entry.size,
          contentType: guessContentType(object) ?? 'application/octet-stream',
        });
        created++;
      } catch (error) {
        const status = error instanceof ObjectStoreError ? error.status : 500;
        errors.push([`/${container}/${object}`, `${status} Error`]);
      }
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  const status = failure ? '400 Bad Request' : errors.length ? '400 Bad Request' : created ? '201 Created' : '400 Bad Request';
  const { body, contentType } = bulkBody(bulkFormat(sr), {
    'Number Files Created': created, 'Response Body': failure ?? (created ? '' : 'Invalid Tar File: No Valid Files'), 'Response Status': status, Errors: errors,
  });
  return reply(sr, 200, { 'Content-Type': contentType }, body);
}
