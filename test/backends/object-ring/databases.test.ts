import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerDb, type ObjectRow } from '../../../src/backends/object-ring/storage/container-db.ts';
import { AccountDb } from '../../../src/backends/object-ring/storage/account-db.ts';
import { visibleMetadata } from '../../../src/backends/object-ring/storage/db-file.ts';
import { newTimestamp } from '../../../src/backends/object-ring/common/timestamp.ts';

function containerWith(names: string[]): ContainerDb {
  const db = new ContainerDb(join(mkdtempSync(join(tmpdir(), 'sg-cdb-')), 'c.db'));
  const ts = newTimestamp();
  db.initialize('AUTH_a', 'c', ts);
  db.put(ts, {});
  db.mergeObjects(names.map((name) => ({ name, created_at: newTimestamp(), size: name.length, content_type: 'text/plain', etag: 'e', deleted: 0 })));
  return db;
}

const names = (rows: ReturnType<ContainerDb['listObjects']>) => rows.map((r) => ('subdir' in r ? `[${r.subdir}]` : r.name));

test('container listing: prefix, marker, end_marker, limit, reverse', () => {
  const db = containerWith(['a', 'b', 'b1', 'b2', 'c', 'd']);
  assert.deepEqual(names(db.listObjects({})), ['a', 'b', 'b1', 'b2', 'c', 'd']);
  assert.deepEqual(names(db.listObjects({ prefix: 'b' })), ['b', 'b1', 'b2']);
  assert.deepEqual(names(db.listObjects({ marker: 'b1' })), ['b2', 'c', 'd']);
  assert.deepEqual(names(db.listObjects({ endMarker: 'b1' })), ['a', 'b']);
  assert.deepEqual(names(db.listObjects({ marker: 'a', endMarker: 'c' })), ['b', 'b1', 'b2']);
  assert.deepEqual(names(db.listObjects({ limit: 2 })), ['a', 'b']);
  assert.deepEqual(names(db.listObjects({ limit: 2, marker: 'b' })), ['b1', 'b2']);
  assert.deepEqual(names(db.listObjects({ reverse: true })), ['d', 'c', 'b2', 'b1', 'b', 'a']);
  assert.deepEqual(names(db.listObjects({ reverse: true, marker: 'c', limit: 2 })), ['b2', 'b1']);
  assert.deepEqual(names(db.listObjects({ reverse: true, endMarker: 'b1' })), ['d', 'c', 'b2']);
  assert.deepEqual(names(db.listObjects({ reverse: true, prefix: 'b' })), ['b2', 'b1', 'b']);
  assert.deepEqual(names(db.listObjects({ limit: 0 })), []);
});

test('container listing: delimiter rolls names up into subdirs', () => {
  const db = containerWith(['photos/2023/a.jpg', 'photos/2024/b.jpg', 'photos/2024/c.jpg', 'photos/x.jpg', 'readme', 'videos/v.mp4', 'z/']);
  assert.deepEqual(names(db.listObjects({ delimiter: '/' })), ['[photos/]', 'readme', '[videos/]', 'z/']);
  assert.deepEqual(names(db.listObjects({ delimiter: '/', prefix: 'photos/' })), ['[photos/2023/]', '[photos/2024/]', 'photos/x.jpg']);
  assert.deepEqual(names(db.listObjects({ delimiter: '/', prefix: 'photos/', marker: 'photos/2023/' })), ['[photos/2024/]', 'photos/x.jpg']);
  assert.deepEqual(names(db.listObjects({ delimiter: '/', limit: 2 })), ['[photos/]', 'readme']);
  assert.deepEqual(names(db.listObjects({ delimiter: '/', reverse: true })), ['z/', '[videos/]', 'readme', '[photos/]']);
  assert.deepEqual(names(db.listObjects({ delimiter: '/', prefix: 'photos/', reverse: true })), ['photos/x.jpg', '[photos/2024/]', '[photos/2023/]']);
});

test('container rows merge newest-wins and keep stats; delete refuses while not empty', () => {
  const db = containerWith([]);
  const t1 = newTimestamp();
  const t2 = newTimestamp();
  const row = (created_at: string, size: number, deleted = 0): ObjectRow => ({ name: 'o', created_at, size, content_type: 'x', etag: 'e', deleted });
  db.mergeObjects([row(t2, 10)]);
  db.mergeObjects([row(t1, 99)]); // late, older update: ignored
  assert.equal(db.info().objectCount, 1);
  assert.equal(db.info().bytesUsed, 10);
  assert.throws(() => db.delete(newTimestamp()), { status: 409 });
  db.mergeObjects([row(newTimestamp(), 0, 1)]);
  assert.equal(db.info().objectCount, 0);
  assert.equal(db.info().bytesUsed, 0);
  assert.deepEqual(db.listObjects({}), []);
  db.delete(newTimestamp());
  assert.equal(db.isDeleted(), true);
  assert.equal(db.put(newTimestamp(), {}), true, 'a PUT after DELETE recreates');
});

test('container metadata: newest value per key, empty value removes', () => {
  const db = containerWith([]);
  db.updateMetadata({ 'x-container-meta-a': ['1', newTimestamp()], 'x-container-read': ['.r:*', newTimestamp()] });
  const old = '0000000001.00000';
  db.updateMetadata({ 'x-container-meta-a': ['stale', old] });
  assert.deepEqual(visibleMetadata(db.info().metadata), { 'x-container-meta-a': '1', 'x-container-read': '.r:*' });
  db.updateMetadata({ 'x-container-meta-a': ['', newTimestamp()] });
  assert.deepEqual(visibleMetadata(db.info().metadata), { 'x-container-read': '.r:*' });
});

test('container replicas converge by merging exported state', () => {
  const a = containerWith(['x', 'y']);
  const b = containerWith(['y', 'z']);
  assert.notEqual(a.digest(), b.digest());
  a.mergeState(b.exportState());
  b.mergeState(a.exportState());
  assert.equal(a.digest(), b.digest());
  assert.deepEqual(names(a.listObjects({})), ['x', 'y', 'z']);
});

test('account: container rows, stats, listing with every parameter', () => {
  const db = new AccountDb(join(mkdtempSync(join(tmpdir(), 'sg-adb-')), 'a.db'));
  db.initialize('AUTH_a', newTimestamp());
  db.put(newTimestamp(), { 'x-account-meta-q': ['1', newTimestamp()] });
  const put = (name: string, count: number, bytes: number) => db.mergeContainers([{ name, put_timestamp: newTimestamp(), delete_timestamp: '0000000000.00000', object_count: count, bytes_used: bytes, deleted: 0, stats_timestamp: newTimestamp() }]);
  for (const [n, c, b] of [['alpha', 1, 10], ['beta', 2, 20], ['beta-2', 0, 0], ['gamma/x', 3, 30], ['gamma/y', 0, 0]] as const) put(n, c, b);
  const info = db.info();
  assert.deepEqual([info.containerCount, info.objectCount, info.bytesUsed], [5, 6, 60]);
  const ls = (p: Parameters<AccountDb['listContainers']>[0]) => db.listContainers(p).map((r) => ('subdir' in r ? `[${r.subdir}]` : r.name));
  assert.deepEqual(ls({ prefix: 'beta' }), ['beta', 'beta-2']);
  assert.deepEqual(ls({ marker: 'beta', limit: 1 }), ['beta-2']);
  assert.deepEqual(ls({ endMarker: 'beta' }), ['alpha']);
  assert.deepEqual(ls({ delimiter: '/' }), ['alpha', 'beta', 'beta-2', '[gamma/]']);
  assert.deepEqual(ls({ reverse: true, limit: 2 }), ['gamma/y', 'gamma/x']);
  // older stats never overwrite newer ones; a delete removes the row from listings and stats
  const row = db.getContainerRow('alpha')!;
  db.mergeContainers([{ ...row, object_count: 100, stats_timestamp: '0000000001.00000' }]);
  assert.equal(db.getContainerRow('alpha')!.object_count, 1);
  db.mergeContainers([{ ...row, delete_timestamp: newTimestamp(), deleted: 1 }]);
  assert.deepEqual([db.info().containerCount, db.info().objectCount], [4, 5]);
  assert.ok(!ls({}).includes('alpha'));
});
