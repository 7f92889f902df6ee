// FormPost: a browser uploads files with a multipart/form-data POST to a container (or an
// object-name prefix) without a token; the form carries redirect, max_file_size,
// max_file_count, expires and an HMAC signature of
// "<path>\n<redirect>\n<max_file_size>\n<max_file_count>\n<expires>" under one of the
// account's or container's Temp-URL keys. Each file becomes a PUT of <prefix><filename>.
// Answers: the last upload's status line as text, or 303 to the redirect URL carrying
// status and message; malformed forms are 400 and bad signatures 401 ("FormPost: ...").
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { ApiResponse } from '../../platform/http/service-api.ts';
import { ApiError } from '../../platform/http/api-error.ts';
import { REASONS, swiftError } from './errors.ts';
import { requestedDeleteAt } from './expirer.ts';
import { header, reply, type SwiftRequest } from './http.ts';
import { MimeInvalid, MultipartReader, formBoundary } from './multipart-form.ts';
import { writeUpload } from './object-put.ts';
import { containerInfo, type SwiftDeps } from './service-context.ts';

export const FORMPOST_DIGESTS = ['sha1', 'sha256', 'sha512'];
const HEX_LENGTHS: Record<number, string> = { 40: 'sha1', 64: 'sha256', 128: 'sha512' };
/** form field values longer than this are cut, as Swift cuts them */
const MAX_VALUE_LENGTH = 4096;

class FormInvalid extends Error {}
class FormUnauthorized extends Error {}
class FileTooLarge extends Error {}

/** Whether a request is a FormPost: a POST whose body is multipart/form-data with a boundary. */
export function isFormPost(sr: SwiftRequest): boolean {
  return sr.method === 'POST' && !!sr.container && formBoundary(header(sr, 'content-type')) !== undefined;
}

/** Python's str.title(), which Swift applies to the 401 messages. */
function title(text: string): string {
  return text.replace(/[A-Za-z]+/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase());
}

function textReply(sr: SwiftRequest, status: number, body: string): ApiResponse {
  return reply(sr, status, { 'Content-Type': 'text/plain' }, body);
}

function statusLine(status: number): string {
  return `${status} ${REASONS[status] ?? 'Unknown'}`;
}

function signatureBytes(signature: string): { digest: string; mac: Buffer } | undefined {
  const colon = signature.indexOf(':');
  if (colon > 0) {
    const digest = signature.slice(0, colon).toLowerCase();
    const b64 = signature.slice(colon + 1).replace(/-/g, '+').replace(/_/g, '/');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined;
    return { digest, mac: Buffer.from(b64, 'base64') };
  }
  const digest = HEX_LENGTHS[signature.length];
  if (!digest || !/^[0-9a-f]+$/i.test(signature)) return undefined;
  return { digest, mac: Buffer.from(signature, 'hex') };
}

async function signingKeys(sr: SwiftRequest, deps: SwiftDeps): Promise<string[]> {
  const account = await deps.client.headAccount(sr.account);
  const container = await containerInfo(deps, sr.account, sr.container!);
  return [
    account.metadata['x-account-meta-temp-url-key'], account.metadata['x-account-meta-temp-url-key-2'],
    container?.metadata['x-container-meta-temp-url-key'], container?.metadata['x-container-meta-temp-url-key-2'],
  ].filter((k): k is string => !!k);
}

function checkSignature(attributes: Record<string, string>, keys: string[], paths: string[]): void {
  const parsed = signatureBytes(attributes.signature ?? '');
  if (!parsed || !FORMPOST_DIGESTS.includes(parsed.digest)) throw new FormUnauthorized('invalid signature');
  const tail = `\n${attributes.redirect ?? ''}\n${attributes.max_file_size || '0'}\n${attributes.max_file_count || '0'}\n${attributes.expires || '0'}`;
  for (const key of keys) {
    for (const path of paths) {
      const mac = createHmac(parsed.digest, key).update(`${path}${tail}`).digest();
      if (mac.length === parsed.mac.length && timingSafeEqual(mac, parsed.mac)) return;
    }
  }
  throw new FormUnauthorized('invalid signature');
}

function integerField(value: string | undefined, message: string): number {
  if (value === undefined || value === '') return 0;
  if (!/^\s*[+-]?\d+\s*$/.test(value)) throw new FormInvalid(message);
  return Number(value);
}

/** One file of the form: checked against the form's limits and signature, then stored. Returns its status. */
async function uploadFile(sr: SwiftRequest, deps: SwiftDeps, reader: MultipartReader, attributes: Record<string, string>,
  partContentType: string | undefined, keys: string[], paths: string[]): Promise<number> {
  if (keys.length === 0) throw new FormUnauthorized('invalid signature');
  const maxFileSize = integerField(attributes.max_file_size, 'max_file_size not an integer');
  const deleteHeaders: Record<string, string> = {};
  if ('x_delete_at' in attributes) {
    if (!/^\s*[+-]?\d+\s*$/.test(attributes.x_delete_at)) throw new FormInvalid('x_delete_at not an integer: Unix timestamp required.');
    deleteHeaders['x-delete-at'] = String(Number(attributes.x_delete_at));
  }
  if ('x_delete_after' in attributes) {
    if (!/^\s*[+-]?\d+\s*$/.test(attributes.x_delete_after)) throw new FormInvalid('x_delete_after not an integer: Number of seconds required.');
    deleteHeaders['x-delete-after'] = String(Number(attributes.x_delete_after));
  }
  if (integerField(attributes.expires, 'expired not an integer') < Date.now() / 1000) throw new FormUnauthorized('form expired');
  checkSignature(attributes, keys, paths);

  const prefix = sr.object ?? '';
  const object = `${prefix}${attributes.filename || 'filename'}`;
  const contentType = attributes['content-type'] || partContentType || 'application/octet-stream';
  // the file's bytes flow from the form into the store; past max_file_size the upload fails
  let size = 0;
  let tooLarge = false;
  const body = new PassThrough();
  // failures reach us through the store's own error; the stream's copy needs no listener of its own
  body.on('error', () => undefined);
  const flowing = () => new Promise<void>((resolve) => {
    const done = () => {
      body.off('drain', done);
      body.off('close', done);
      resolve();
    };
    body.once('drain', done);
    body.once('close', done);
  });
  const feeding = reader.readBody(async (chunk) => {
    if (body.destroyed) return false;
    size += chunk.length;
    if (size > maxFileSize) {
      tooLarge = true;
      body.destroy(new FileTooLarge());
      return false;
    }
    if (!body.write(chunk)) await flowing();
    return true;
  }).then(() => {
    if (!tooLarge && !body.destroyed) body.end();
  }, (error: unknown) => {
    body.destroy(error as Error);
    throw error;
  });
  let status = 201;
  try {
    const info = await containerInfo(deps, sr.account, sr.container!);
    if (!info) throw swiftError(404);
    const meta: Record<string, string> = {};
    const deleteAt = requestedDeleteAt(deleteHeaders);
    if (deleteAt) meta['x-delete-at'] = deleteAt;
    await writeUpload(sr, deps, info, { object, body, contentType, meta });
  } catch (error) {
    if (tooLarge) {
      await feeding.catch(() => undefined);
      throw new FormInvalid('max_file_size exceeded');
    }
    if (!(error instanceof ApiError)) {
      body.destroy();
      const fed = await feeding.then(() => undefined, (e: unknown) => e);
      throw fed instanceof MimeInvalid ? fed : error;
    }
    status = error.status;
    body.destroy();
  }
  await feeding;
  if (tooLarge) throw new FormInvalid('max_file_size exceeded');
  return status;
}

/** Handles a FormPost; `paths` are the request path as the form may have signed it. */
export async function formPost(sr: SwiftRequest, deps: SwiftDeps, paths: string[]): Promise<ApiResponse> {
  const boundary = formBoundary(header(sr, 'content-type'))!;
  const reader = new MultipartReader(sr.req, boundary);
  try {
    const keys = await signingKeys(sr, deps);
    const attributes: Record<string, string> = {};
    let status: number | undefined;
    let message = '';
    let files = 0;
    for (let part = await reader.nextPart(); part; part = await reader.nextPart()) {
      if (part.disposition === 'form-data' && part.params.filename) {
        files++;
        if (files > integerField(attributes.max_file_count, 'max_file_count not an integer')) {
          status = 400;
          message = 'max file count exceeded';
          break;
        }
        attributes.filename = part.params.filename;
        status = await uploadFile(sr, deps, reader, attributes, part.headers['content-type'], keys, paths);
        if (status >= 300) break;
      } else {
        const value = await reader.readValue(MAX_VALUE_LENGTH);
        if (part.params.name) attributes[part.params.name.toLowerCase()] = value.replace(/[\r\n-]+$/, '');
      }
    }
    await reader.drain();
    if (status === undefined) {
      status = 400;
      message = 'no files to process';
    }
    const redirect = attributes.redirect;
    if (!redirect) {
      const line = statusLine(status);
      return textReply(sr, status, message ? `${line}\r\nFormPost: ${title(message)}` : line);
    }
    const location = `${redirect}${redirect.includes('?') ? '&' : '?'}status=${status}&message=${encodeURIComponent(message)}`;
    const escaped = location.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    return reply(sr, 303, { Location: location }, `<html><body><p><a href="${escaped}">Click to continue...</a></p></body></html>`);
  } catch (error) {
    if (error instanceof MimeInvalid) return textReply(sr, 400, 'FormPost: invalid starting boundary');
    if (error instanceof FormInvalid) return textReply(sr, 400, `FormPost: ${error.message}`);
    if (error instanceof FormUnauthorized) return textReply(sr, 401, `FormPost: ${title(error.message)}`);
    throw error;
  }
}
