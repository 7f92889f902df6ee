// Range requests as Swift serves them: "bytes=a-b,c-,-n"; a malformed header is ignored
// (the whole object is sent), ranges that all miss the object are 416, several satisfiable
// ranges are a multipart/byteranges body.
import { randomBytes } from 'node:crypto';

export interface ByteRange {
  start: number;
  /** inclusive */
  end: number;
}

export type RangeResult = { kind: 'none' } | { kind: 'unsatisfiable' } | { kind: 'ranges'; ranges: ByteRange[] };

const MAX_RANGES = 100;

export function parseRange(value: string | undefined, size: number): RangeResult {
  if (!value) return { kind: 'none' };
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(value);
  if (!m) return { kind: 'none' };
  const specs = m[1].split(',').map((s) => s.trim()).filter(Boolean);
  if (specs.length === 0 || specs.length > MAX_RANGES) return { kind: 'none' };
  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    const r = /^(\d*)-(\d*)$/.exec(spec);
    if (!r || (r[1] === '' && r[2] === '')) return { kind: 'none' };
    if (r[1] === '') {
      const suffix = Number(r[2]);
      if (suffix === 0) continue;
      ranges.push({ start: Math.max(0, size - suffix), end: size - 1 });
      continue;
    }
    const start = Number(r[1]);
    const end = r[2] === '' ? size - 1 : Number(r[2]);
    if (end < start) return { kind: 'none' };
    if (start >= size) continue;
    ranges.push({ start, end: Math.min(end, size - 1) });
  }
  const usable = ranges.filter((r) => r.start <= r.end && size > 0);
  if (usable.length === 0) return { kind: 'unsatisfiable' };
  return { kind: 'ranges', ranges: usable };
}

export function newBoundary(): string {
  return randomBytes(16).toString('hex');
}

export function partHeader(boundary: string, contentType: string, range: ByteRange, size: number, first: boolean): string {
  return `${first ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${range.start}-${range.end}/${size}\r\n\r\n`;
}

export function closingBoundary(boundary: string): string {
  return `\r\n--${boundary}--`;
}

/** The exact length of a multipart/byteranges body. */
export function multipartLength(boundary: string, contentType: string, ranges: ByteRange[], size: number): number {
  let total = Buffer.byteLength(closingBoundary(boundary));
  ranges.forEach((r, i) => {
    total += Buffer.byteLength(partHeader(boundary, contentType, r, size, i === 0)) + (r.end - r.start + 1);
  });
  return total;
}
