// Static web: a container becomes a web site for anonymous callers (or any caller sending
// X-Web-Mode: true). X-Container-Meta-Web-Index names the index object served for a
// "directory" path, Web-Listings turns on HTML listings (styled by Web-Listings-CSS),
// Web-Error names the page "<status><name>" served with 401/404 answers, and
// Web-Directory-Type marks directory objects. Paths to directories without a trailing
// slash are redirected (301) to the slashed path. Reads still need the container's read
// ACL (.r:* for objects, .rlistings for listings and indexes).
import type { ApiResponse } from '../../platform/http/service-api.ts';
import { ApiError } from '../../platform/http/api-error.ts';
import type { ContainerInfo, ContainerListingEntry } from '../../backends/object-ring/index.ts';
import { authorizeContainerRead, authorizeObjectRead } from './auth.ts';
import { swiftError } from './errors.ts';
import { header, reply, type SwiftRequest } from './http.ts';
import { getObject, objectHeaders } from './object-get.ts';
import { containerInfo, isNotFound, type SwiftDeps } from './service-context.ts';

interface WebConfig {
  index: string;
  error: string;
  listings: string;
  css: string;
  dirType: string;
}

function truthy(value: string): boolean {
  return /^(true|1|yes|on|t|y)$/i.test(value);
}

function webConfig(info: ContainerInfo | undefined): WebConfig {
  const m = info?.metadata ?? {};
  const get = (k: string) => (m[`x-container-meta-web-${k}`] ?? '').trim();
  return { index: get('index'), error: get('error'), listings: get('listings'), css: get('listings-css'), dirType: get('directory-type') };
}

/** Whether static web looks at this request at all. */
export function isStaticWebRequest(sr: SwiftRequest): boolean {
  if (sr.method !== 'GET' && sr.method !== 'HEAD') return false;
  if (!sr.container || sr.signed) return false;
  return !sr.auth || truthy(header(sr, 'x-web-mode') ?? '');
}

function requestPath(sr: SwiftRequest): string {
  return sr.req.originalUrl.split('?')[0];
}

function endsWithSlash(sr: SwiftRequest): boolean {
  return requestPath(sr).endsWith('/');
}

function redirectWithSlash(sr: SwiftRequest): ApiResponse {
  return reply(sr, 301, { Location: `${requestPath(sr)}/` },
    '<html><h1>Moved Permanently</h1><p>The resource has moved permanently.</p></html>');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}

/** Sizes in binary units as Swift's listings show them: 512, 1Ki, 3Mi. */
export function humanReadable(bytes: number): string {
  const suffixes = 'KMGTPEZY';
  let value = bytes;
  let index = -1;
  while (value >= 1024 && index + 1 < suffixes.length) {
    index++;
    value = Math.round(value / 1024);
  }
  return index === -1 ? String(Math.round(value)) : `${Math.round(value)}${suffixes[index]}i`;
}

function cssPath(css: string, prefix: string): string {
  if (/^(\/|https?:\/\/)/.test(css)) return encodeURI(css);
  return `${'../'.repeat(prefix.split('/').length - 1)}${encodeURIComponent(css).replace(/%2F/g, '/')}`;
}

function quotePath(s: string): string {
  return encodeURIComponent(s).replace(/%2F/g, '/');
}

function listingPage(label: string, web: WebConfig, prefix: string, entries: ContainerListingEntry[]): string {
  const style = web.css
    ? `  <link rel="stylesheet" type="text/css" href="${cssPath(web.css, prefix)}" />\n`
    : '  <style type="text/css">\n   h1 {font-size: 1em; font-weight: bold;}\n   th {text-align: left; padding: 0px 1em 0px 1em;}\n' +
      '   td {padding: 0px 1em 0px 1em;}\n   a {text-decoration: none;}\n  </style>\n';
  const rows: string[] = [];
  const row = (cls: string, href: string, name: string, size: string, date: string) =>
    `   <tr${cls}>\n    <td class="colname"><a href="${href}">${name}</a></td>\n    <td class="colsize">${size}</td>\n    <td class="coldate">${date}</td>\n   </tr>\n`;
  if (prefix) rows.push(row(' id="parent" class="item"', '../', '../', '&nbsp;', '&nbsp;'));
  for (const e of entries) {
    if (!('subdir' in e)) continue;
    const sub = e.subdir.slice(prefix.length);
    rows.push(row(' class="item subdir"', quotePath(sub), escapeHtml(sub), '&nbsp;', '&nbsp;'));
  }
  for (const e of entries) {
    if ('subdir' in e) continue;
    const name = e.name.slice(prefix.length);
    const types = e.content_type.split(';')[0].split('/').map((t) => `type-${escapeHtml(t.trim().toLowerCase())}`).join(' ');
    const date = escapeHtml(e.last_modified).split('.')[0].replace('T', ' ');
    rows.push(row(` class="item ${types}"`, quotePath(name), escapeHtml(name), humanReadable(e.bytes), date));
  }
  const title = escapeHtml(label);
  return `<!DOCTYPE html>\n<html>\n <head>\n  <title>Listing of ${title}</title>\n${style} </head>\n <body>\n` +
    `  <h1 id="title">Listing of ${title}</h1>\n  <table id="listing">\n   <tr id="heading">\n` +
    '    <th class="colname">Name</th>\n    <th class="colsize">Size</th>\n    <th class="coldate">Date</th>\n   </tr>\n' +
    `${rows.join('')}  </table>\n </body>\n</html>\n`;
}

function disabledPage(label: string, web: WebConfig): string {
  const title = escapeHtml(label);
  let body = `<!DOCTYPE html>\n<html>\n<head>\n<title>Listing of ${title}</title>\n</head>\n<body>\n` +
    '  <h1>Web Listing Disabled</h1>\n  <p>The owner of this web site has disabled web listing.</p>\n' +
    '  <p>If you are the owner of this web site, you can enable web listing by setting X-Container-Meta-Web-Listings.</p>\n';
  if (web.index) {
    body += `  <h1>Index File Not Found</h1>\n  <p>The owner of this web site has set <b>X-Container-Meta-Web-Index: ${escapeHtml(web.index)}</b>. However, this file is not found.</p>\n`;
  }
  return `${body}</body>\n</html>\n`;
}

class WebSite {
  readonly sr: SwiftRequest;
  readonly deps: SwiftDeps;
  readonly info: ContainerInfo | undefined;
  readonly web: WebConfig;

  constructor(sr: SwiftRequest, deps: SwiftDeps, info: ContainerInfo | undefined) {
    this.sr = sr;
    this.deps = deps;
    this.info = info;
    this.web = webConfig(info);
  }

  /** An error answer; with Web-Error, the page "<status><name>" is its body when readable. */
  async error(failure: ApiError): Promise<ApiResponse> {
    const { sr, deps } = this;
    if (this.web.error && (failure.status === 404 || failure.status === 401)) {
      try {
        authorizeObjectRead(sr, deps, this.info);
        const page = await deps.client.getObject(sr.account, sr.container!, `${failure.status}${this.web.error}`);
        const headers: Record<string, string | number> = { ...objectHeaders(page), 'Content-Length': page.contentLength, ETag: page.etag, ...(failure.headers ?? {}) };
        return reply(sr, failure.status, headers, page.body);
      } catch {
        // no readable error page: the plain error
      }
    }
    return reply(sr, failure.status, failure.headers ?? {}, failure.message);
  }

  label(): string {
    const path = requestPath(this.sr);
    const v1 = path.indexOf('/v1/');
    const shown = v1 >= 0 ? path.slice(v1) : path;
    try {
      return decodeURIComponent(shown);
    } catch {
      return shown;
    }
  }

  async listing(prefix: string): Promise<ApiResponse> {
    const { sr, deps } = this;
    if (!truthy(this.web.listings)) {
      return this.error(swiftError(404, disabledPage(this.label(), this.web)));
    }
    try {
      authorizeContainerRead(sr, deps, this.info);
    } catch (error) {
      if (error instanceof ApiError) return this.error(error);
      throw error;
    }
    const { entries } = await deps.client.getContainer(sr.account, sr.container!, { delimiter: '/', ...(prefix ? { prefix } : {}) });
    if (prefix && entries.length === 0) return this.error(swiftError(404));
    const page = listingPage(this.label(), this.web, prefix, entries);
    return reply(sr, 200, { 'Content-Type': 'text/html; charset=UTF-8' }, page);
  }

  /** Serves an object of the container as a normal GET would; undefined when it is not there. */
  async serve(object: string): Promise<ApiResponse | undefined> {
    const { sr, deps } = this;
    authorizeObjectRead(sr, deps, this.info);
    try {
      const head = await deps.client.headObject(sr.account, sr.container!, object);
      const dirType = this.web.dirType || 'application/directory';
      if (head.contentType === dirType && head.contentLength <= 1) return undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    try {
      return await getObject({ ...sr, object }, deps);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async container(): Promise<ApiResponse | undefined> {
    const { sr, deps } = this;
    try {
      authorizeContainerRead(sr, deps, this.info);
    } catch (error) {
      if (error instanceof ApiError) return this.error(error);
      throw error;
    }
    if (!this.web.listings && !this.web.index) {
      if (truthy(header(sr, 'x-web-mode') ?? '')) return reply(sr, 404, {}, swiftError(404).message);
      return undefined;
    }
    if (!endsWithSlash(sr)) return redirectWithSlash(sr);
    if (!this.web.index) return this.listing('');
    return (await this.serve(this.web.index)) ?? this.listing('');
  }

  async object(): Promise<ApiResponse> {
    const { sr } = this;
    const object = sr.object!;
    try {
      const served = await this.serve(object);
      if (served) return served;
    } catch (error) {
      // other failures (401, 403) get no custom page, as Swift does
      if (error instanceof ApiError) return reply(sr, error.status, error.headers ?? {}, error.message);
      throw error;
    }
    if (!this.web.listings && !this.web.index) return reply(sr, 404, {}, swiftError(404).message);
    if (this.web.index) {
      const dir = object.endsWith('/') ? object : `${object}/`;
      const exists = await this.exists(`${dir}${this.web.index}`);
      if (exists) {
        if (!endsWithSlash(sr)) return redirectWithSlash(sr);
        const served = await this.serve(`${dir}${this.web.index}`).catch((error: unknown) => {
          if (error instanceof ApiError) return this.error(error);
          throw error;
        });
        if (served) return served;
      }
    }
    if (!endsWithSlash(sr)) {
      const { entries } = await this.deps.client.getContainer(sr.account, sr.container!, { prefix: `${object}/`, delimiter: '/', limit: 1 })
        .catch(() => ({ entries: [] as ContainerListingEntry[] }));
      if (entries.length === 0) return this.error(swiftError(404));
      return redirectWithSlash(sr);
    }
    return this.listing(object);
  }

  private async exists(object: string): Promise<boolean> {
    try {
      await this.deps.client.headObject(this.sr.account, this.sr.container!, object);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}

/**
 * Answers a static-web request, or returns undefined when static web leaves it to the
 * ordinary API (a container without web settings).
 */
export async function staticWeb(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse | undefined> {
  const info = await containerInfo(deps, sr.account, sr.container!);
  const site = new WebSite(sr, deps, info);
  if (sr.object === undefined || sr.object === '') return site.container();
  // without an index or listings, an object read is exactly the plain API's
  if (!site.web.index && !site.web.listings) return undefined;
  return site.object();
}
