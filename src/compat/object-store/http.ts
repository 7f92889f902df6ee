// The per-request state of a Swift call and how responses are written: every response is
// written here (not by the router) so that headers such as Content-Length of a HEAD, the
// transaction id and streamed bodies are exactly what Swift sends.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import type { ApiResponse, AuthContext, RequestContext } from '../../platform/http/service-api.ts';
import type { CallerNames } from './acl.ts';

/** Swift's transaction id: tx, 21 hex digits, a dash, the hex time. */
export function newTransactionId(): string {
  return `tx${randomBytes(11).toString('hex').slice(0, 21)}-${Math.floor(Date.now() / 1000).toString(16).padStart(10, '0')}`;
}

export interface SwiftRequest {
  ctx: RequestContext;
  req: Request;
  res: Response;
  method: string;
  account: string;
  container?: string;
  object?: string;
  /** the raw query, decoded: Swift treats `?bulk-delete` (no value) as set */
  query: URLSearchParams;
  txId: string;
  /** the caller's validated token, when one was sent */
  auth?: AuthContext;
  /** true once the caller is known to own the account (operator role or reseller) */
  owner: boolean;
  /** set by TempURL / FormPost: the request was authorized by a signature */
  signed?: { kind: 'tempurl' | 'formpost' };
  /** a grant from the account's X-Account-Access-Control (admin makes `owner` true instead) */
  accountAccess?: 'read-write' | 'read-only';
  /** the caller's names for name-based ACL grants (default-domain callers only) */
  callerNames?: CallerNames;
  /** set when serving one version of an object (?version-id=) */
  versionId?: string;
  /** the account a large object's segments are read from, when not `account` (kept versions) */
  segmentAccount?: string;
  /** headers every successful response of this request carries (TempURL's Content-Disposition) */
  extraHeaders: Record<string, string>;
}

export function header(sr: SwiftRequest, name: string): string | undefined {
  const v = sr.req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

export function queryFlag(sr: SwiftRequest, name: string): boolean {
  return sr.query.has(name);
}

export type Body = string | Buffer | Readable | undefined;

/** Writes the response. HEAD responses keep the Content-Length of the GET they stand for. */
export function reply(sr: SwiftRequest, status: number, headers: Record<string, string | number> = {}, body?: Body): ApiResponse {
  const { res, req } = sr;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = String(v);
  if (status < 300) for (const [k, v] of Object.entries(sr.extraHeaders)) out[k] = v;
  const has = (name: string) => Object.keys(out).some((k) => k.toLowerCase() === name.toLowerCase());
  if (!has('content-type')) out['Content-Type'] = 'text/html; charset=UTF-8';
  out['X-Trans-Id'] = sr.txId;
  out['X-Openstack-Request-Id'] = sr.txId;
  const isStream = body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body);
  if (!has('content-length') && !isStream) {
    out['Content-Length'] = String(body === undefined ? 0 : Buffer.byteLength(body as string | Buffer));
  }
  if (status === 204 || status === 304) delete out['Content-Length'];
  // a request body we did not read would stall the connection's next request
  if (!req.complete && !req.readableEnded) out.Connection = 'close';
  res.writeHead(status, out);
  if (req.method === 'HEAD' || status === 204 || status === 304 || body === undefined) {
    if (isStream) (body as Readable).destroy();
    res.end();
  } else if (isStream) {
    const stream = body as Readable;
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  } else {
    res.end(body);
  }
  return { status, streamed: true };
}

export function httpDate(date: Date): string {
  return date.toUTCString();
}
