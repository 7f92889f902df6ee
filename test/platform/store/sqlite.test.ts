import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../../src/platform/store/sqlite.ts';
import { openStore, type Doc } from '../../../src/platform/store/index.ts';
import { runStoreContract } from './contract.ts';

const root = mkdtempSync(join(tmpdir(), 'stackgate-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `s${++dirs}`);

runStoreContract('sqlite', async () => openSqliteStore(freshDir()));

test('sqlite: one file per service under the data directory, kept across reopen', async () => {
  const dir = freshDir();
  const store = await openStore({ kind: 'sqlite', dataDir: dir });
  const users = (await store.database('identity')).collection<Doc>('users', { unique: [['name']] });
  await users.insert({ id: 'u1', name: 'alice' });
  await users.update('u1', { enabled: true });
  await store.close();
  assert.ok(existsSync(join(dir, 'identity.sqlite')));

  const reopened = openSqliteStore(dir);
  const again = (await reopened.database('identity')).collection<Doc>('users', { unique: [['name']] });
  assert.deepEqual(await again.get('u1'), { id: 'u1', name: 'alice', enabled: true, _rev: 2 });
  await assert.rejects(again.insert({ id: 'u2', name: 'alice' }), /duplicate key/);
  await reopened.close();
});

test('sqlite: two stores on one directory see each other’s writes at once', async () => {
  const dir = freshDir();
  const one = openSqliteStore(dir);
  const two = openSqliteStore(dir);
  const a = (await one.database('compute')).collection<Doc>('servers');
  const b = (await two.database('compute')).collection<Doc>('servers');
  await a.insert({ id: 's1', state: 'building' });
  assert.equal((await b.get('s1'))?.state, 'building');
  await b.update('s1', { state: 'active' }, { ifRev: 1 });
  assert.equal((await a.get('s1'))?.state, 'active');
  assert.equal(await a.update('s1', { state: 'error' }, { ifRev: 1 }), undefined);
  await one.close();
  await two.close();
});

test('sqlite: every acknowledged insert survives kill -9', async () => {
  const dir = freshDir();
  const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'sqlite-writer.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.split('\n').length > 300) resolve();
    });
    child.on('exit', () => reject(new Error(`writer exited early: ${output.slice(-200)}`)));
  });
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  // only whole lines were printed after their insert resolved
  const acknowledged = output.split('\n').slice(0, -1);
  assert.ok(acknowledged.length >= 300);

  const store = openSqliteStore(dir);
  const docs = (await store.database('durability')).collection<Doc>('writes');
  const missing: string[] = [];
  for (const id of acknowledged) if (!(await docs.get(id))) missing.push(id);
  assert.deepEqual(missing, []);
  assert.ok((await docs.count()) >= acknowledged.length);
  await store.close();
});
