// Inspects image data as it streams to the store: the declared disk_format must
// match the bytes and the image must pass the format's safety checks. The stream
// keeps only the head and tail it needs, so any size can pass through.
import { HEAD_BYTES, RECOGNISERS, TAIL_BYTES, UNCHECKED_FORMATS, type FormatRecogniser } from './formats.ts';

export class ImageFormatRejected extends Error {
  readonly reason: 'mismatch' | 'unsafe';
  readonly details: string[];
  constructor(reason: 'mismatch' | 'unsafe', message: string, details: string[] = []) {
    super(message);
    this.reason = reason;
    this.details = details;
  }
}

export class FormatInspector {
  readonly declared: string | null;
  private readonly recogniser?: FormatRecogniser;
  private head = Buffer.alloc(0);
  private tail = Buffer.alloc(0);
  private size = 0;
  private decidedEarly = false;

  constructor(declaredDiskFormat: string | null | undefined) {
    this.declared = declaredDiskFormat ?? null;
    if (this.declared && !UNCHECKED_FORMATS.has(this.declared)) this.recogniser = RECOGNISERS[this.declared];
  }

  /** Takes the next chunk; throws ImageFormatRejected as soon as the head alone condemns the data. */
  feed(chunk: Buffer): void {
    this.size += chunk.length;
    if (!this.recogniser) return;
    if (this.head.length < HEAD_BYTES) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
    }
    if (this.recogniser.needsTail) {
      this.tail = chunk.length >= TAIL_BYTES ? Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES)) : Buffer.concat([this.tail, chunk]).subarray(-TAIL_BYTES);
    }
    if (!this.decidedEarly && !this.recogniser.needsTail && this.head.length >= this.recogniser.headNeeded) {
      this.decidedEarly = true;
      this.judge();
    }
  }

  /** The disk's virtual size where the format tells it (qcow2 header) or it is the data (raw). */
  virtualSize(dataSize: number): number | null {
    if (this.declared === 'raw') return dataSize;
    if (this.declared === 'qcow2' && this.head.length >= 32) return Number(this.head.readBigUInt64BE(24));
    return null;
  }

  /** Called at the end of the data: the final verdict. */
  finish(): void {
    if (!this.recogniser || this.decidedEarly) return;
    this.judge();
  }

  private judge(): void {
    const recogniser = this.recogniser!;
    const verdict = recogniser.recognise({ head: this.head, tail: this.tail, size: this.size });
    if (!verdict.matches) {
      throw new ImageFormatRejected('mismatch', `Image content does not match disk_format ${recogniser.name}`);
    }
    if (verdict.unsafe.length > 0) {
      throw new ImageFormatRejected('unsafe', `Image does not pass the ${recogniser.name} safety check: ${verdict.unsafe.join('; ')}`, verdict.unsafe);
    }
  }
}

/** Wraps a byte stream so every chunk passes the inspector on its way to the store. */
export async function* inspected(source: AsyncIterable<Buffer | Uint8Array>, inspector: FormatInspector): AsyncGenerator<Buffer> {
  for await (const piece of source) {
    const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    inspector.feed(chunk);
    yield chunk;
  }
  inspector.finish();
}
