import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RingBuilder, tiersOf } from '../../../src/backends/object-ring/ring/builder.ts';
import { loadBuilder, saveBuilder } from '../../../src/backends/object-ring/ring/builder-file.ts';
import { Ring } from '../../../src/backends/object-ring/ring/ring.ts';

const HP = { prefix: '', suffix: 'test' };

function sixDevicesThreeZones(partPower = 8, replicas = 3, minPartHours = 0): RingBuilder {
  const b = RingBuilder.create(partPower, replicas, minPartHours);
  for (let z = 1; z <= 3; z++) for (let i = 0; i < 2; i++) b.addDevice({ region: 1, zone: z, ip: `10.0.0.${z}`, port: 6200 + i, device: `sd${i}`, weight: 100 });
  return b;
}

function counts(b: RingBuilder): Map<number, number> {
  const c = new Map<number, number>();
  for (const row of b.state.replica2part2dev) for (const id of row) c.set(id, (c.get(id) ?? 0) + 1);
  return c;
}

test('balanced: every device holds its weight share', () => {
  const b = sixDevicesThreeZones();
  b.rebalance(1000);
  for (const [, n] of counts(b)) assert.ok(Math.abs(n - 128) <= 1, `count ${n}`);
  assert.ok(b.balance() <= 1);
});

test('weights are honoured', () => {
  const b = RingBuilder.create(8, 1, 0);
  b.addDevice({ region: 1, zone: 1, ip: '10.0.0.1', port: 1, device: 'a', weight: 100 });
  b.addDevice({ region: 1, zone: 1, ip: '10.0.0.1', port: 1, device: 'b', weight: 300 });
  b.rebalance(1000);
  const c = counts(b);
  assert.equal(c.get(0), 64);
  assert.equal(c.get(1), 192);
});

test('dispersion: the 3 replicas of every part are in 3 different zones', () => {
  const b = sixDevicesThreeZones();
  b.rebalance(1000);
  const devs = b.state.devices;
  for (let p = 0; p < b.parts; p++) {
    const zones = new Set(b.state.replica2part2dev.map((row) => devs[row[p]]!.zone));
    assert.equal(zones.size, 3, `part ${p}`);
  }
  assert.equal(b.dispersionProblems(), 0);
});

test('dispersion across regions before zones', () => {
  const b = RingBuilder.create(6, 2, 0);
  b.addDevice({ region: 1, zone: 1, ip: '10.0.0.1', port: 1, device: 'a', weight: 100 });
  b.addDevice({ region: 1, zone: 2, ip: '10.0.0.2', port: 1, device: 'a', weight: 100 });
  b.addDevice({ region: 2, zone: 1, ip: '10.1.0.1', port: 1, device: 'a', weight: 100 });
  b.addDevice({ region: 2, zone: 2, ip: '10.1.0.2', port: 1, device: 'a', weight: 100 });
  b.rebalance(1000);
  for (let p = 0; p < b.parts; p++) {
    const regions = new Set(b.state.replica2part2dev.map((row) => b.state.devices[row[p]]!.region));
    assert.equal(regions.size, 2);
  }
});

test('fractional replicas: 2.5 replicas give one full and one half row extra', () => {
  const b = sixDevicesThreeZones(8, 2.5);
  b.rebalance(1000);
  assert.deepEqual(b.state.replica2part2dev.map((r) => r.length), [256, 256, 128]);
  const ring = Ring.fromData(b.toRingData(), { hashPath: HP });
  assert.equal(ring.getPartNodes(0).length, 3);
  assert.equal(ring.getPartNodes(200).length, 2);
  const total = [...counts(b).values()].reduce((a, n) => a + n, 0);
  assert.equal(total, 640);
});

test('rebalance after adding a device moves about its share, one replica per part at most', () => {
  const b = sixDevicesThreeZones(8, 3, 1);
  b.rebalance(1000);
  const before = b.state.replica2part2dev.map((r) => r.slice());
  b.addDevice({ region: 1, zone: 1, ip: '10.0.0.1', port: 6202, device: 'sd2', weight: 100 });
  const result = b.rebalance(1000 + 2 * 3600);
  // the new device wants 768/7 ~ 110 replicas: only about that many move
  assert.ok(result.moved >= 100 && result.moved <= 120, `moved ${result.moved}`);
  for (let p = 0; p < b.parts; p++) {
    const changed = before.filter((row, r) => row[p] !== b.state.replica2part2dev[r][p]).length;
    assert.ok(changed <= 1, `part ${p} moved ${changed} replicas`);
  }
  assert.ok(Math.abs(counts(b).get(6)! - 110) <= 8);
});

test('min_part_hours: a part moved recently is not moved again', () => {
  const b = sixDevicesThreeZones(8, 3, 24);
  b.rebalance(1000);
  b.addDevice({ region: 1, zone: 2, ip: '10.0.0.2', port: 6202, device: 'sd2', weight: 100 });
  const soon = b.rebalance(1000 + 3600);
  assert.equal(soon.moved, 0, 'everything was placed an hour ago');
  const later = b.rebalance(1000 + 25 * 3600);
  assert.ok(later.moved > 0);
  // a second rebalance right after cannot move those parts again
  b.setWeight(6, 200);
  const moved = b.state.replica2part2dev.map((r) => r.slice());
  b.rebalance(1000 + 25 * 3600 + 60);
  const recently = new Set<number>();
  for (let p = 0; p < b.parts; p++) if (b.state.lastPartMoves[p] === 1000 + 25 * 3600) recently.add(p);
  for (const p of recently) for (let r = 0; r < 3; r++) assert.equal(b.state.replica2part2dev[r][p], moved[r][p]);
  b.pretendMinPartHoursPassed();
  b.rebalance(1000 + 25 * 3600 + 120);
  assert.ok(b.balance() <= 2, `balance ${b.balance()}`);
});

test('removing a device moves all of its replicas elsewhere and frees its id', () => {
  const b = sixDevicesThreeZones(8, 3, 24);
  b.rebalance(1000);
  b.removeDevice(5);
  b.rebalance(1001);
  assert.equal(counts(b).get(5), undefined);
  assert.equal(b.state.devices[5], null);
  assert.equal(b.dispersionProblems(), 0);
});

test('search values in swift-ring-builder form', () => {
  const b = sixDevicesThreeZones();
  assert.deepEqual(b.search('z2').map((d) => d.id), [2, 3]);
  assert.deepEqual(b.search('r1z3-10.0.0.3:6201/sd1').map((d) => d.id), [5]);
  assert.deepEqual(b.search('d4').map((d) => d.id), [4]);
  assert.deepEqual(tiersOf(b.state.devices[0]!), ['r1', 'r1z1', 'r1z1-10.0.0.1', 'r1z1-10.0.0.1/0']);
});

test('builder file round trip', () => {
  const b = sixDevicesThreeZones();
  b.rebalance(1000);
  const path = join(mkdtempSync(join(tmpdir(), 'sg-builder-')), 'object.builder');
  saveBuilder(path, b);
  assert.deepEqual(loadBuilder(path).state, b.state);
});

test('handoffs: deterministic, never a primary, other zones first', () => {
  const b = sixDevicesThreeZones(8, 2);
  b.rebalance(1000);
  const ring = Ring.fromData(b.toRingData(), { hashPath: HP });
  for (const part of [0, 17, 255]) {
    const primaries = ring.getPartNodes(part);
    const handoffs = [...ring.getMoreNodes(part)];
    assert.equal(primaries.length + handoffs.length, 6, 'every device once');
    assert.deepEqual(handoffs.map((d) => d.id), [...ring.getMoreNodes(part)].map((d) => d.id));
    const primaryZones = new Set(primaries.map((d) => d.zone));
    assert.equal(primaryZones.size, 2);
    // the first handoff is in the zone the primaries do not use
    assert.ok(!primaryZones.has(handoffs[0].zone));
    assert.deepEqual(handoffs.map((d) => d.handoffIndex), handoffs.map((_, i) => i));
  }
});
