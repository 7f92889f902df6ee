// The ring file that proxies and storage nodes load: gzipped JSON, each replica row packed
// as little-endian uint16 in base64 (Swift packs its rows as arrays of unsigned shorts too).
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeFileDurably } from './builder-file.ts';
import type { RingData } from './types.ts';

const FORMAT = 'stackgate-ring/1';

export function serializeRing(ring: RingData): Buffer {
  const rows = ring.replica2part2dev.map((row) => {
    const buf = Buffer.alloc(row.length * 2);
    row.forEach((id, i) => buf.writeUInt16LE(id, i * 2));
    return buf.toString('base64');
  });
  return gzipSync(JSON.stringify({ format: FORMAT, partPower: ring.partPower, replicas: ring.replicas, devices: ring.devices, rows }));
}

export function parseRing(data: Buffer): RingData {
  const raw = JSON.parse(gunzipSync(data).toString('utf8')) as { format: string; partPower: number; replicas: number; devices: RingData['devices']; rows: string[] };
  if (raw.format !== FORMAT) throw new Error('not a stackgate ring file');
  const replica2part2dev = raw.rows.map((b64) => {
    const buf = Buffer.from(b64, 'base64');
    const row = new Uint16Array(buf.length / 2);
    for (let i = 0; i < row.length; i++) row[i] = buf.readUInt16LE(i * 2);
    return row;
  });
  return { partPower: raw.partPower, replicas: raw.replicas, devices: raw.devices, replica2part2dev };
}

export function writeRingFile(path: string, ring: RingData): void {
  writeFileDurably(path, serializeRing(ring));
}

export function readRingFile(path: string): RingData {
  return parseRing(readFileSync(path));
}
