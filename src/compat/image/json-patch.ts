// PATCH /v2/images/{id} bodies: Glance's JSON-patch media types, read here rather
// than by the router because the media type decides (415 for any other).
import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest } from '../../platform/http/api-error.ts';
import type { ImageChange } from './image-service.ts';

export const PATCH_MEDIA_TYPES = ['application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch'];
const OPS = ['add', 'replace', 'remove'] as const;
const MAX_PATCH_BODY = 1024 * 1024;

export async function readPatch(req: IncomingMessage): Promise<ImageChange[]> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!PATCH_MEDIA_TYPES.includes(type)) {
    req.resume();
    throw new ApiError(415, `Unsupported Content-Type`, {
      headers: { 'Accept-Patch': PATCH_MEDIA_TYPES.join(', ') },
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PATCH_BODY) throw new ApiError(413, 'Request is too large.');
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw badRequest('Malformed JSON in request body.');
  }
  if (!Array.isArray(body)) throw badRequest('Request body must be a JSON array of operation objects.');
  return body.map((raw) => parseOperation(raw, type.includes('v2.0')));
}

function parseOperation(raw: unknown, legacy: boolean): ImageChange {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('Operations must be JSON objects.');
  const item = raw as Record<string, unknown>;
  let op: string | undefined;
  let pointer: unknown;
  if (legacy) {
    const found = OPS.filter((o) => o in item);
    if (found.length !== 1) throw badRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".');
    op = found[0];
    pointer = item[op];
  } else {
    op = typeof item.op === 'string' ? item.op : undefined;
    if (!op || !OPS.includes(op as never)) throw badRequest(`Unable to find \`op\` in JSON Schema change. It must be one of the following: add, remove, replace.`);
    pointer = item.path;
  }
  if (typeof pointer !== 'string') throw badRequest('Unable to find `path` in JSON Schema change');
  if (!pointer.startsWith('/')) throw badRequest(`Pointer \`${pointer}\` does not start with "/".`);
  const segments = pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const path = segments[0];
  if (path === '' || (segments.length > 1 && path !== 'locations')) throw badRequest(`Invalid JSON pointer for this resource: '${pointer}'`);
  if (op !== 'remove' && !('value' in item)) throw badRequest(`Operation "${op}" requires a member named "value".`);
  return { op: op as ImageChange['op'], path, value: item.value };
}
