// Listing parameters and formats shared by account and container GETs: format= or the
// Accept header chooses plain (default), JSON or XML; an empty plain listing is a 204.
import type { AccountListingEntry, ContainerListingEntry, ListingParams } from '../../backends/object-ring/index.ts';
import { LIMITS, listingLimit } from './constraints.ts';
import { swiftError } from './errors.ts';
import { header, type SwiftRequest } from './http.ts';

export type ListingFormat = 'plain' | 'json' | 'xml';

const FORMAT_TYPES: Record<ListingFormat, string> = {
  plain: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
};

export function listingFormat(sr: SwiftRequest): ListingFormat {
  const format = sr.query.get('format');
  if (format) {
    const f = format.toLowerCase();
    return f === 'json' ? 'json' : f === 'xml' ? 'xml' : 'plain';
  }
  const accept = header(sr, 'accept');
  if (!accept) return 'plain';
  // the first acceptable type by q-value, as swob's best_match does
  const offers: Array<[string, ListingFormat]> = [['text/plain', 'plain'], ['application/json', 'json'], ['application/xml', 'xml'], ['text/xml', 'xml']];
  let best: { q: number; format: ListingFormat } | undefined;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    const t = type.trim().toLowerCase();
    for (const [offer, format] of offers) {
      const [ot, os] = offer.split('/');
      const [tt, ts] = t.split('/');
      if ((tt === '*' || tt === ot) && (ts === '*' || ts === os)) {
        if (!best || q > best.q) best = { q, format };
        break;
      }
    }
  }
  if (!best) throw swiftError(406);
  return best.format;
}

export function listingParams(sr: SwiftRequest, max: number, allowPath: boolean): ListingParams & { path?: string } {
  const q = sr.query;
  const params: ListingParams & { path?: string } = {};
  const limit = listingLimit(q.get('limit'), max);
  if (limit !== undefined) params.limit = limit;
  for (const [name, value] of [['prefix', q.get('prefix')], ['marker', q.get('marker')], ['end_marker', q.get('end_marker')], ['delimiter', q.get('delimiter')]] as const) {
    if (value === null) continue;
    if (value.length > LIMITS.max_object_name_length) throw swiftError(412, `${name} too long`);
    if (value.includes('\0')) throw swiftError(412, `${name} contains a null character`);
  }
  if (q.get('prefix')) params.prefix = q.get('prefix')!;
  if (q.get('marker')) params.marker = q.get('marker')!;
  if (q.get('end_marker')) params.endMarker = q.get('end_marker')!;
  const delimiter = q.get('delimiter');
  if (delimiter) {
    if (delimiter.length !== 1 || delimiter.codePointAt(0)! > 254) throw swiftError(412, 'Bad delimiter');
    params.delimiter = delimiter;
  }
  const reverse = q.get('reverse');
  if (reverse && ['true', '1', 'yes', 'on', 't', 'y'].includes(reverse.toLowerCase())) params.reverse = true;
  const path = allowPath ? q.get('path') : null;
  if (path !== null) {
    // path=dir lists the direct children of dir/ only (the old pseudo-folder API)
    params.path = path;
    params.prefix = path ? (path.endsWith('/') ? path : `${path}/`) : '';
    params.delimiter = '/';
  }
  return params;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderAccountListing(account: string, entries: AccountListingEntry[], format: ListingFormat): { body: string; contentType: string } {
  const contentType = FORMAT_TYPES[format];
  if (format === 'json') return { body: JSON.stringify(entries), contentType };
  if (format === 'xml') {
    const items = entries.map((e) => 'subdir' in e
      ? `<subdir name="${xmlEscape(e.subdir)}"><name>${xmlEscape(e.subdir)}</name></subdir>`
      : `<container><name>${xmlEscape(e.name)}</name><count>${e.count}</count><bytes>${e.bytes}</bytes><last_modified>${e.last_modified}</last_modified></container>`);
    return { body: `<?xml version="1.0" encoding="UTF-8"?>\n<account name="${xmlEscape(account)}">${items.join('')}</account>`, contentType };
  }
  return { body: entries.map((e) => `${'subdir' in e ? e.subdir : e.name}\n`).join(''), contentType };
}

export function renderContainerListing(container: string, entries: ContainerListingEntry[], format: ListingFormat): { body: string; contentType: string } {
  const contentType = FORMAT_TYPES[format];
  if (format === 'json') return { body: JSON.stringify(entries), contentType };
  if (format === 'xml') {
    const items = entries.map((e) => 'subdir' in e
      ? `<subdir name="${xmlEscape(e.subdir)}"><name>${xmlEscape(e.subdir)}</name></subdir>`
      : `<object><name>${xmlEscape(e.name)}</name><hash>${e.hash}</hash><bytes>${e.bytes}</bytes><content_type>${xmlEscape(e.content_type)}</content_type><last_modified>${e.last_modified}</last_modified></object>`);
    return { body: `<?xml version="1.0" encoding="UTF-8"?>\n<container name="${xmlEscape(container)}">${items.join('')}</container>`, contentType };
  }
  return { body: entries.map((e) => `${'subdir' in e ? e.subdir : e.name}\n`).join(''), contentType };
}
