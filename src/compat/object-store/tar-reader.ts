// A streaming tar reader for extract-archive: yields each regular file with a stream of
// exactly its bytes, pulling from the source only as the consumer reads (ustar, GNU long
// names and pax path records understood).
import { Readable } from 'node:stream';

export interface TarEntry {
  name: string;
  size: number;
  type: 'file' | 'directory' | 'other';
  body: Readable;
}

class ByteSource {
  private readonly it: AsyncIterator<Buffer>;
  private buffered: Buffer = Buffer.alloc(0);
  private done = false;
  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }
  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.it.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, next.value]) : next.value;
    return true;
  }
  /** exactly n bytes, or null at the end of the source */
  async read(n: number): Promise<Buffer | null> {
    while (this.buffered.length < n) if (!(await this.fill())) return null;
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }
  /** up to n bytes (at least one unless the source ended) */
  async readSome(n: number): Promise<Buffer | null> {
    if (this.buffered.length === 0 && !(await this.fill())) return null;
    const take = Math.min(n, this.buffered.length);
    const out = this.buffered.subarray(0, take);
    this.buffered = this.buffered.subarray(take);
    return out;
  }
}

function field(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return (end >= 0 ? raw.subarray(0, end) : raw).toString('utf8');
}

function octal(block: Buffer, start: number, length: number): number {
  const raw = block.subarray(start, start + length);
  if (raw[0] & 0x80) {
    let n = 0;
    for (let i = 1; i < raw.length; i++) n = n * 256 + raw[i];
    return n;
  }
  const text = field(block, start, length).trim();
  return text ? parseInt(text, 8) : 0;
}

export class TarError extends Error {}

export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const bytes = new ByteSource(source);
  let longName: string | undefined;
  let paxPath: string | undefined;
  for (;;) {
    const header = await bytes.read(512);
    if (!header) return;
    if (header.every((b) => b === 0)) return;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
    if (sum !== octal(header, 148, 8)) throw new TarError('Invalid Tar File: checksum');
    const size = octal(header, 124, 12);
    const flag = String.fromCharCode(header[156] || 48);
    const prefix = field(header, 257, 6).startsWith('ustar') ? field(header, 345, 155) : '';
    let name = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
    const padded = Math.ceil(size / 512) * 512;
    if (flag === 'L' || flag === 'x' || flag === 'g') {
      const data = (await bytes.read(padded)) ?? Buffer.alloc(0);
      const text = data.subarray(0, size).toString('utf8');
      if (flag === 'L') longName = text.replace(/\0+$/, '');
      else if (flag === 'x') {
        for (const rec of text.split('\n')) {
          const m = /^\d+ path=(.*)$/.exec(rec);
          if (m) paxPath = m[1];
        }
      }
      continue;
    }
    name = paxPath ?? longName ?? name;
    paxPath = undefined;
    longName = undefined;
    const type = flag === '0' || flag === '7' ? 'file' : flag === '5' ? 'directory' : 'other';
    let remaining = size;
    let ended = false;
    const body = new Readable({
      async read() {
        if (remaining === 0) {
          this.push(null);
          return;
        }
        try {
          const chunk = await bytes.readSome(Math.min(remaining, 65536));
          if (!chunk) {
            this.destroy(new TarError('Invalid Tar File: truncated'));
            return;
          }
          remaining -= chunk.length;
          this.push(Buffer.from(chunk));
          if (remaining === 0) this.push(null);
        } catch (error) {
          this.destroy(error as Error);
        }
      },
    });
    body.once('end', () => (ended = true));
    yield { name, size, type, body };
    // whatever the consumer did not read is skipped
    if (!ended) {
      body.destroy();
      while (remaining > 0) {
        const chunk = await bytes.readSome(remaining);
        if (!chunk) throw new TarError('Invalid Tar File: truncated');
        remaining -= chunk.length;
      }
    }
    if (padded > size) await bytes.read(padded - size);
  }
}
