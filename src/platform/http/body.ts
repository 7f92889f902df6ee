// Reads a request body as JSON. Bodies are small API documents; streams (image
// data, objects) are marked `x-stream-body` in the api-ref and never reach here.
import type { Request } from 'express';
import { ApiError, badRequest } from './api-error.ts';

const MAX_JSON_BODY = 1024 * 1024 * 2;

export async function readJsonBody(req: Request): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BODY) throw new ApiError(413, 'Request is too large.');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('Malformed request body: the body is not valid JSON.');
  }
}
