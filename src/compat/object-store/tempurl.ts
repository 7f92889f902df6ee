// TempURL: a request carrying temp_url_sig and temp_url_expires is authorized by an HMAC of
// "<method>\n<expires>\n<path>" (or "prefix:<path prefix>" with temp_url_prefix) under one
// of the account's or container's Temp-URL keys; no token is needed. Digests: sha1, sha256,
// sha512, given as hex or "<digest>:<base64>". Failures are 401 "Temp URL invalid".
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ObjectClient } from '../../backends/object-ring/index.ts';
import { swiftError } from './errors.ts';
import type { SwiftRequest } from './http.ts';
import { containerInfo } from './service-context.ts';

export const TEMPURL_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];
export const TEMPURL_DIGESTS = ['sha1', 'sha256', 'sha512'];
const HEX_LENGTHS: Record<number, string> = { 40: 'sha1', 64: 'sha256', 128: 'sha512' };

export function isTempUrl(sr: SwiftRequest): boolean {
  return sr.query.has('temp_url_sig') || sr.query.has('temp_url_expires');
}

function invalid(): Error {
  return swiftError(401, 'Temp URL invalid\n');
}

function parseExpires(value: string | null): number {
  if (!value) throw invalid();
  if (/^\d+$/.test(value)) return Number(value);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value)) return Date.parse(value) / 1000;
  throw invalid();
}

function parseSignature(sig: string): { digest: string; mac: Buffer } {
  const colon = sig.indexOf(':');
  if (colon > 0) {
    const digest = sig.slice(0, colon).toLowerCase();
    if (!TEMPURL_DIGESTS.includes(digest)) throw invalid();
    return { digest, mac: Buffer.from(sig.slice(colon + 1).replace(/-/g, '+').replace(/_/g, '/'), 'base64') };
  }
  const digest = HEX_LENGTHS[sig.length];
  if (!digest || !/^[0-9a-f]+$/i.test(sig)) throw invalid();
  return { digest, mac: Buffer.from(sig, 'hex') };
}

/**
 * Checks the signature; on success marks the request signed and sets the download
 * Content-Disposition Swift adds. `paths` are the object paths as the client may have signed
 * them (with and without our mount prefix).
 */
export async function authorizeTempUrl(sr: SwiftRequest, client: ObjectClient, paths: string[]): Promise<void> {
  if (!sr.container || !sr.object) throw invalid();
  const sig = sr.query.get('temp_url_sig');
  if (!sig) throw invalid();
  const expires = parseExpires(sr.query.get('temp_url_expires'));
  if (expires < Date.now() / 1000) throw invalid();
  const { digest, mac } = parseSignature(sig);
  const prefix = sr.query.get('temp_url_prefix');
  if (prefix !== null && !sr.object.startsWith(prefix)) throw invalid();
  const account = await client.headAccount(sr.account);
  const container = await containerInfo({ client } as never, sr.account, sr.container);
  const keys = [
    account.metadata['x-account-meta-temp-url-key'], account.metadata['x-account-meta-temp-url-key-2'],
    container?.metadata['x-container-meta-temp-url-key'], container?.metadata['x-container-meta-temp-url-key-2'],
  ].filter((k): k is string => !!k);
  if (keys.length === 0) throw invalid();
  // HEAD may use a signature made for GET, HEAD or PUT
  const methods = sr.method === 'HEAD' ? ['HEAD', 'GET', 'PUT'] : [sr.method];
  if (!TEMPURL_METHODS.includes(sr.method)) throw invalid();
  const expiresText = sr.query.get('temp_url_expires')!;
  const signedPaths = prefix !== null
    ? paths.map((p) => `prefix:${p.slice(0, p.length - sr.object!.length)}${prefix}`)
    : paths;
  for (const key of keys) {
    for (const method of methods) {
      for (const path of signedPaths) {
        const expected = createHmac(digest, key).update(`${method}\n${expiresText}\n${path}`).digest();
        if (expected.length === mac.length && timingSafeEqual(expected, mac)) {
          sr.signed = { kind: 'tempurl' };
          sr.extraHeaders['Content-Disposition'] = disposition(sr);
          return;
        }
      }
    }
  }
  throw invalid();
}

function disposition(sr: SwiftRequest): string {
  const filename = sr.query.get('filename');
  const base = filename ?? sr.object!.slice(sr.object!.lastIndexOf('/') + 1);
  const quoted = base.replace(/"/g, '\\"');
  if (sr.query.has('inline')) return filename ? `inline; filename="${quoted}"; filename*=UTF-8''${encodeURIComponent(base)}` : 'inline';
  return `attachment; filename="${quoted}"; filename*=UTF-8''${encodeURIComponent(base)}`;
}
