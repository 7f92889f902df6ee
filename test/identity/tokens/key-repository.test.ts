import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/platform/clock.ts';
import { decrypt, encrypt, parseKey } from '../../../src/identity/tokens/fernet.ts';
import { KeyRepository } from '../../../src/identity/tokens/key-repository.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'stackgate-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const keyFiles = (dir: string) =>
  readdirSync(dir)
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);

test('first use creates the directory with a staged key 0 and a primary 1, all 0600', (t) => {
  const dir = join(tempDir(t), 'fernet-keys');
  const repo = new KeyRepository({ directory: dir });
  const primary = repo.primaryKey();
  assert.deepEqual(keyFiles(dir), [0, 1]);
  assert.deepEqual(readdirSync(dir).sort(), ['0', '1'], 'no temporary files left behind');
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  for (const name of ['0', '1']) {
    assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, name);
    assert.match(readFileSync(join(dir, name), 'utf8'), /^[A-Za-z0-9_-]{43}=$/);
  }
  assert.deepEqual(primary, parseKey(readFileSync(join(dir, '1'), 'utf8')));
  assert.equal(repo.decryptionKeys().length, 2);
});

test('rotate promotes the staged key, stages a new one, and prunes beyond maxActiveKeys', (t) => {
  const dir = tempDir(t);
  const repo = new KeyRepository({ directory: dir, maxActiveKeys: 3 });
  repo.setup();
  const staged = readFileSync(join(dir, '0'), 'utf8');

  repo.rotate();
  assert.deepEqual(keyFiles(dir), [0, 1, 2]);
  assert.equal(readFileSync(join(dir, '2'), 'utf8'), staged, 'the staged key became primary');
  assert.notEqual(readFileSync(join(dir, '0'), 'utf8'), staged);
  assert.deepEqual(repo.primaryKey(), parseKey(staged));

  repo.rotate();
  assert.deepEqual(keyFiles(dir), [0, 2, 3]);
  repo.rotate();
  assert.deepEqual(keyFiles(dir), [0, 3, 4]);
  for (const index of keyFiles(dir)) assert.equal(statSync(join(dir, String(index))).mode & 0o777, 0o600);
  assert.deepEqual(repo.keyIndexes(), [0, 3, 4]);
});

test('decryption keys are ordered primary, older, staged', (t) => {
  const dir = tempDir(t);
  const repo = new KeyRepository({ directory: dir, maxActiveKeys: 4 });
  repo.setup();
  repo.rotate();
  repo.rotate();
  const file = (i: number) => parseKey(readFileSync(join(dir, String(i)), 'utf8'));
  assert.deepEqual(repo.decryptionKeys(), [file(3), file(2), file(1), file(0)]);
});

test('a token made with the staged key (by a node that already rotated) decrypts', (t) => {
  const dir = tempDir(t);
  const repo = new KeyRepository({ directory: dir });
  const staged = parseKey(readFileSync(join((repo.setup(), dir), '0'), 'utf8'));
  const token = encrypt(staged, Buffer.from('hi'));
  assert.equal(decrypt(token, repo.decryptionKeys()).payload.toString(), 'hi');
});

test('processes sharing the directory pick up a rotation after the recheck interval', (t) => {
  const dir = tempDir(t);
  const clock = new ManualClock();
  const a = new KeyRepository({ directory: dir, clock, recheckIntervalMs: 2000 });
  const b = new KeyRepository({ directory: dir, clock, recheckIntervalMs: 2000 });
  const before = a.primaryKey();
  assert.deepEqual(b.primaryKey(), before);

  a.rotate();
  assert.notDeepEqual(a.primaryKey(), before, 'the rotating process sees it at once');
  assert.deepEqual(b.primaryKey(), before, 'the other still trusts its cache');
  clock.advance(1999);
  assert.deepEqual(b.primaryKey(), before);
  clock.advance(1);
  assert.deepEqual(b.primaryKey(), a.primaryKey(), 'reloaded once the interval passed');
});

test('an unchanged directory is not re-read; an in-place edit is seen once invalidated', (t) => {
  const dir = tempDir(t);
  const clock = new ManualClock();
  const repo = new KeyRepository({ directory: dir, clock, recheckIntervalMs: 10 });
  const first = repo.primaryKey();
  // Overwriting a file in place leaves the directory's mtime alone: the cache holds.
  writeFileSync(join(dir, '1'), 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=');
  clock.advance(1000);
  assert.deepEqual(repo.primaryKey(), first);
  repo.invalidate();
  assert.deepEqual(repo.primaryKey(), parseKey('cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4='));
});

test('a corrupt key file is a loud configuration error', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, '0'), 'not a key', { mode: 0o600 });
  assert.throws(() => new KeyRepository({ directory: dir }).primaryKey(), /bad Fernet key file/);
});

test('maxActiveKeys below 2 is refused', () => {
  assert.throws(() => new KeyRepository({ directory: '/nonexistent', maxActiveKeys: 1 }), RangeError);
});
