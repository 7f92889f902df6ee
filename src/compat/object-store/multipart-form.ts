// A streaming reader of multipart/form-data bodies (RFC 7578), as FormPost needs it: parts
// come one at a time, small fields are read whole, file parts are streamed on without
// ever holding the whole upload in memory.
import type { Readable } from 'node:stream';

export class MimeInvalid extends Error {}

export interface FormPart {
  /** header names lower-cased */
  headers: Record<string, string>;
  disposition: string;
  /** Content-Disposition parameters (name, filename), names lower-cased */
  params: Record<string, string>;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 16384;

export function parseDisposition(value: string): { disposition: string; params: Record<string, string> } {
  const [first, ...rest] = splitParams(value);
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params[p.slice(0, eq).trim().toLowerCase()] = v;
  }
  return { disposition: (first ?? '').trim().toLowerCase(), params };
}

/** Splits on semicolons outside quoted strings. */
function splitParams(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && quoted && i + 1 < value.length) {
      cur += c + value[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/** The boundary parameter of a multipart/form-data Content-Type, or undefined. */
export function formBoundary(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const { disposition: type, params } = parseDisposition(contentType);
  if (type !== 'multipart/form-data') return undefined;
  return params.boundary || undefined;
}

export class MultipartReader {
  private readonly source: AsyncIterator<Buffer>;
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private readonly delimiter: Buffer;
  private started = false;
  private finished = false;

  constructor(body: Readable, boundary: string) {
    this.source = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    return true;
  }

  /** The next part's headers, or null after the closing delimiter. */
  async nextPart(): Promise<FormPart | null> {
    if (this.finished) return null;
    if (!this.started) {
      // the first delimiter may open the body without the leading CRLF
      const first = this.delimiter.subarray(2);
      while (this.buf.length < first.length + 2 && (await this.pull()));
      if (!this.buf.subarray(0, first.length).equals(first)) throw new MimeInvalid('invalid starting boundary');
      this.buf = this.buf.subarray(first.length);
      this.started = true;
    }
    // after a delimiter: "--" closes the body, CRLF opens a part
    while (this.buf.length < 2 && (await this.pull()));
    if (this.buf.subarray(0, 2).toString() === '--') {
      this.finished = true;
      return null;
    }
    let lineEnd = this.buf.indexOf(CRLF);
    while (lineEnd < 0) {
      if (!(await this.pull())) throw new MimeInvalid('unexpected end of form');
      lineEnd = this.buf.indexOf(CRLF);
    }
    this.buf = this.buf.subarray(lineEnd + 2);
    let end = this.buf.subarray(0, 2).equals(CRLF) ? -2 : this.buf.indexOf(HEADER_END);
    while (end === -1) {
      if (this.buf.length > MAX_HEADER_BYTES || !(await this.pull())) throw new MimeInvalid('invalid part headers');
      end = this.buf.subarray(0, 2).equals(CRLF) ? -2 : this.buf.indexOf(HEADER_END);
    }
    const headerText = end === -2 ? '' : this.buf.subarray(0, end).toString('utf8');
    this.buf = this.buf.subarray(end === -2 ? 2 : end + 4);
    const headers: Record<string, string> = {};
    for (const line of headerText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const { disposition, params } = parseDisposition(headers['content-disposition'] ?? '');
    return { headers, disposition, params };
  }

  /**
   * Streams the current part's body to `sink` (awaited, for backpressure) and stops at the
   * next delimiter. `sink` returning false stops delivery; the rest of the part is skipped.
   */
  async readBody(sink: (chunk: Buffer) => Promise<boolean | void> | boolean | void): Promise<void> {
    let delivering = true;
    for (;;) {
      const at = this.buf.indexOf(this.delimiter);
      if (at >= 0) {
        if (delivering && at > 0) await sink(this.buf.subarray(0, at));
        this.buf = this.buf.subarray(at + this.delimiter.length);
        return;
      }
      // keep a tail that might be the start of the delimiter
      const safe = this.buf.length - this.delimiter.length + 1;
      if (safe > 0) {
        const chunk = this.buf.subarray(0, safe);
        this.buf = this.buf.subarray(safe);
        if (delivering && (await sink(chunk)) === false) delivering = false;
      }
      if (!(await this.pull())) throw new MimeInvalid('unexpected end of form');
    }
  }

  /** Reads a field's value, keeping at most `max` bytes of it. */
  async readValue(max: number): Promise<string> {
    const parts: Buffer[] = [];
    let size = 0;
    await this.readBody((chunk) => {
      if (size >= max) return false;
      const piece = chunk.subarray(0, max - size);
      parts.push(piece);
      size += piece.length;
      return true;
    });
    return Buffer.concat(parts).toString('utf8');
  }

  /** Reads and drops whatever is left of the body. */
  async drain(): Promise<void> {
    while (await this.pull()) this.buf = Buffer.alloc(0);
  }
}
