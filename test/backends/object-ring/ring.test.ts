import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RingBuilder } from '../../../src/backends/object-ring/ring/builder.ts';
import { Ring } from '../../../src/backends/object-ring/ring/ring.ts';
import { readRingFile, writeRingFile } from '../../../src/backends/object-ring/ring/ring-file.ts';

const HP = { prefix: 'pre', suffix: 'suf' };

function build(devs: number, partPower = 10): RingBuilder {
  const b = RingBuilder.create(partPower, 3, 0);
  for (let i = 0; i < devs; i++) b.addDevice({ region: 1, zone: i + 1, ip: '127.0.0.1', port: 6200 + i, device: `d${i}`, weight: 100 });
  b.rebalance();
  return b;
}

test("partition is Swift's: top bits of md5(prefix + /a/c/o + suffix)", () => {
  const ring = Ring.fromData(build(3).toRingData(), { hashPath: HP });
  const digest = createHash('md5').update('pre/AUTH_x/photos/cat.jpgsuf').digest();
  assert.equal(ring.getPartition('AUTH_x', 'photos', 'cat.jpg'), digest.readUInt32BE(0) >>> 22);
  assert.equal(ring.getPartition('AUTH_x', 'photos', 'cat.jpg'), ring.getPartition('AUTH_x', 'photos', 'cat.jpg'));
  assert.notEqual(Ring.fromData(build(3).toRingData(), { hashPath: { prefix: '', suffix: 'other' } }).getPartition('AUTH_x', 'photos', 'cat.jpg'), -1);
  const { nodes } = ring.getNodes('AUTH_x', 'photos');
  assert.equal(nodes.length, 3);
  assert.deepEqual(nodes.map((n) => n.index), [0, 1, 2]);
  assert.equal(new Set(nodes.map((n) => n.id)).size, 3);
});

test('ring file round trip and reload on mtime change', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-ring-'));
  const path = join(dir, 'object.ring.gz');
  const b = build(3, 8);
  writeRingFile(path, b.toRingData());
  assert.deepEqual([...readRingFile(path).replica2part2dev[0]], b.state.replica2part2dev[0]);
  const ring = Ring.fromFile(path, { hashPath: HP, reloadCheckMs: 0 });
  assert.equal(ring.devices.length, 3);
  b.addDevice({ region: 1, zone: 4, ip: '127.0.0.1', port: 6210, device: 'd9', weight: 100 });
  b.rebalance();
  writeRingFile(path, b.toRingData());
  utimesSync(path, new Date(), new Date(Date.now() + 5000));
  assert.equal(ring.devices.length, 4, 'picked up the new ring');
  assert.equal(ring.reload(), false, 'no change, no reload');
});
