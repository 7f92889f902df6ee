// The report bodies of Swift's bulk middleware (bulk delete, extract-archive, SLO delete):
// plain "Key: value" lines by default, JSON or XML when the Accept header asks for them.
import { header, type SwiftRequest } from './http.ts';

export type BulkFormat = 'plain' | 'json' | 'xml';

export type BulkReport = Record<string, string | number | Array<[string, string]>>;

export function bulkFormat(sr: SwiftRequest): BulkFormat {
  const accept = (header(sr, 'accept') ?? '').toLowerCase();
  if (accept.includes('application/json')) return 'json';
  if (accept.includes('application/xml') || accept.includes('text/xml')) return 'xml';
  return 'plain';
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function bulkBody(format: BulkFormat, report: BulkReport): { body: string; contentType: string } {
  if (format === 'json') return { body: JSON.stringify(report), contentType: 'application/json' };
  const tag = (k: string) => k.toLowerCase().replace(/ /g, '_');
  if (format === 'xml') {
    const parts = Object.entries(report).map(([k, v]) => Array.isArray(v)
      ? `<${tag(k)}>${v.map(([name, status]) => `<object><name>${xmlEscape(name)}</name><status>${xmlEscape(status)}</status></object>`).join('')}</${tag(k)}>`
      : `<${tag(k)}>${xmlEscape(String(v))}</${tag(k)}>`);
    return { body: `<?xml version="1.0" encoding="UTF-8"?>\n<delete>${parts.join('')}</delete>\n`, contentType: 'application/xml' };
  }
  const lines = Object.entries(report).map(([k, v]) => Array.isArray(v)
    ? `${k}:\n${v.map(([name, status]) => `${name}, ${status}`).join('\n')}`
    : `${k}: ${v}`);
  return { body: `${lines.join('\n')}\n`, contentType: 'text/plain' };
}
