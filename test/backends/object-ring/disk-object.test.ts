import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DiskObjects, cleanupObjectDir, readTrailer } from '../../../src/backends/object-ring/storage/disk-object.ts';
import { newTimestamp } from '../../../src/backends/object-ring/common/timestamp.ts';

const HASH = 'd41d8cd98f00b204e9800998ecf8427e'.replace(/.{3}$/, 'abc');

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'sg-disk-'));
  mkdirSync(join(dir, 'sda'));
  return new DiskObjects(dir);
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

test('put writes one .data file with metadata and md5 etag under objects/<part>/<suffix>/<hash>', async () => {
  const disk = setup();
  const ts = newTimestamp();
  const meta = await disk.put('sda', 7, HASH, '/a/c/o', { timestamp: ts, contentType: 'text/plain', headers: { 'x-object-meta-color': 'blue' } }, Readable.from([Buffer.from('hello')]));
  assert.equal(meta.etag, createHash('md5').update('hello').digest('hex'));
  const dir = join(disk.devicesDir, 'sda', 'objects', '7', 'abc', HASH);
  assert.deepEqual(readdirSync(dir), [`${ts}.data`]);
  assert.equal(readFileSync(join(dir, `${ts}.data`)).subarray(0, 5).toString(), 'hello');
  const { metadata, bodyLength } = await readTrailer(join(dir, `${ts}.data`));
  assert.equal(bodyLength, 5);
  assert.equal(metadata.contentLength, 5);
  assert.equal(metadata.headers['x-object-meta-color'], 'blue');
  const state = await disk.state('sda', 7, HASH);
  assert.equal(state.kind, 'data');
  if (state.kind === 'data') assert.equal(await text(disk.openBody(state)), 'hello');
  assert.deepEqual(readdirSync(join(disk.devicesDir, 'sda', 'tmp')), [], 'no temp file left');
});

test('etag and length mismatches store nothing', async () => {
  const disk = setup();
  await assert.rejects(disk.put('sda', 1, HASH, '/a/c/o', { timestamp: newTimestamp(), contentType: 'x', headers: {}, expectedEtag: 'f'.repeat(32) }, Readable.from([Buffer.from('x')])), { status: 422 });
  await assert.rejects(disk.put('sda', 1, HASH, '/a/c/o', { timestamp: newTimestamp(), contentType: 'x', headers: {}, contentLength: 10 }, Readable.from([Buffer.from('x')])), { status: 499 });
  assert.equal((await disk.state('sda', 1, HASH)).kind, 'missing');
});

test('newest wins: older writes get 409; tombstones replace data; POST adds .meta', async () => {
  const disk = setup();
  const t1 = newTimestamp();
  const t2 = newTimestamp();
  const t3 = newTimestamp();
  const t4 = newTimestamp();
  await disk.put('sda', 1, HASH, '/a/c/o', { timestamp: t2, contentType: 'x', headers: { 'x-object-meta-a': '1', 'x-object-sysmeta-s': 'keep' } }, Readable.from([Buffer.from('v2')]));
  await assert.rejects(disk.put('sda', 1, HASH, '/a/c/o', { timestamp: t1, contentType: 'x', headers: {} }, Readable.from([Buffer.from('v1')])), { status: 409 });
  await disk.post('sda', 1, HASH, '/a/c/o', t3, { 'x-object-meta-b': '2' }, 'text/new');
  const posted = await disk.state('sda', 1, HASH);
  assert.ok(posted.kind === 'data');
  assert.deepEqual(posted.metadata.headers, { 'x-object-sysmeta-s': 'keep', 'x-object-meta-b': '2' });
  assert.equal(posted.metadata.contentType, 'text/new');
  assert.equal(posted.metadata.timestamp, t3);
  assert.equal(posted.dataTimestamp, t2);
  await disk.delete('sda', 1, HASH, '/a/c/o', t4);
  const dir = disk.dir('sda', 1, HASH);
  assert.deepEqual(readdirSync(dir), [`${t4}.ts`]);
  assert.deepEqual(await disk.state('sda', 1, HASH), { kind: 'tombstone', timestamp: t4 });
});

test('cleanup reclaims old tombstones; suffix hashes change with content', async () => {
  const disk = setup();
  const empty = disk.suffixHashes('sda', 1);
  assert.deepEqual(empty, {});
  await disk.put('sda', 1, HASH, '/a/c/o', { timestamp: newTimestamp(), contentType: 'x', headers: {} }, Readable.from([Buffer.from('x')]));
  const h1 = disk.suffixHashes('sda', 1);
  assert.ok(h1.abc);
  await disk.delete('sda', 1, HASH, '/a/c/o', newTimestamp());
  const h2 = disk.suffixHashes('sda', 1);
  assert.notEqual(h2.abc, h1.abc);
  cleanupObjectDir(disk.dir('sda', 1, HASH), 0, Date.now() / 1000 + 10);
  assert.equal(existsSync(disk.dir('sda', 1, HASH)), false);
});

test('quarantine moves the object directory aside', async () => {
  const disk = setup();
  await disk.put('sda', 1, HASH, '/a/c/o', { timestamp: newTimestamp(), contentType: 'x', headers: {} }, Readable.from([Buffer.from('x')]));
  const where = disk.quarantine('sda', 1, HASH);
  assert.ok(where.includes(join('sda', 'quarantined', 'objects')));
  assert.equal((await disk.state('sda', 1, HASH)).kind, 'missing');
  assert.equal(readdirSync(where).length, 1);
  // a torn replicated file is refused
  await assert.rejects(disk.receiveFile('sda', 1, HASH, `${newTimestamp()}.data`, Readable.from([Buffer.from('garbage')])), { status: 400 });
  writeFileSync(join(disk.devicesDir, 'sda', 'stray'), '');
});
