// The builder's own state on disk (Swift keeps a pickled builder beside each ring): the
// input to every later add/remove/rebalance, with the partition move history that
// min_part_hours needs. Written atomically so a crash never leaves half a builder.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { RingBuilder, type BuilderState } from './builder.ts';

const FORMAT = 'stackgate-ring-builder/1';

export function saveBuilder(path: string, builder: RingBuilder): void {
  const body = JSON.stringify({ format: FORMAT, ...builder.state });
  writeFileDurably(path, Buffer.from(body));
}

export function loadBuilder(path: string): RingBuilder {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as BuilderState & { format?: string };
  if (raw.format !== FORMAT) throw new Error(`${path} is not a stackgate ring builder file`);
  const { format: _format, ...state } = raw;
  return new RingBuilder(state);
}

/** Write to a temp file, fsync, then rename over the target: readers see old or new, never half. */
export function writeFileDurably(path: string, data: Buffer): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
