// The fault test of the issue: three `stackgate object-server` processes, replicas 3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { RingObjectClient } from '../../../src/backends/object-ring/proxy/object-client.ts';
import { loadRingSet } from '../../../src/backends/object-ring/ring/ring-set.ts';
import { hashPathHex, loadHashPathConfig } from '../../../src/backends/object-ring/ring/hash-path.ts';
import { DiskObjects } from '../../../src/backends/object-ring/storage/disk-object.ts';
import { readAll } from './cluster-helpers.ts';

const BIN = resolve(import.meta.dirname, '../../../bin/stackgate');
const A = 'AUTH_fault';

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

function ring(...args: string[]): string {
  const r = spawnSync(BIN, ['ring', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `stackgate ring ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function waitHealthy(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/_ops/health`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`object server on ${port} did not come up`);
}

async function op(port: number, name: 'replicate' | 'audit'): Promise<Record<string, number>> {
  const res = await fetch(`http://127.0.0.1:${port}/_ops/${name}`, { method: 'POST' });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, number>;
}

test('three object-server processes: kill one, keep serving, restart, replicate, audit, repair', { timeout: 120000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'sg-fault-'));
  const rings = join(root, 'rings');
  mkdirSync(rings);
  const builder = join(rings, 'object.builder');
  const ports = [await freePort(), await freePort(), await freePort()];
  ring('create', builder, '6', '3', '1');
  for (const [i, port] of ports.entries()) ring('add', builder, `r1z${i + 1}-127.0.0.1:${port}/sd${i}`, '100');
  assert.match(ring('rebalance', builder), /reassigned 192 replicas/);
  assert.match(ring('show', builder), /64 partitions, 3 replicas, 1 regions, 3 zones, 3 devices/);
  const devicesDirs = ports.map((_, i) => {
    const dir = join(root, `node${i}`);
    mkdirSync(join(dir, `sd${i}`), { recursive: true });
    return dir;
  });
  const procs: (ChildProcess | undefined)[] = [];
  const start = async (i: number) => {
    procs[i] = spawn(BIN, ['object-server', '--devices', devicesDirs[i], '--port', String(ports[i]), '--rings', rings, '--replicate-interval', '0', '--audit-interval', '0'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, STACKGATE_LOG_LEVEL: 'error' } });
    await waitHealthy(ports[i]);
  };
  const client = new RingObjectClient({ rings: loadRingSet(rings), backend: { errorSuppressionMs: 1000 } });
  const hashPath = loadHashPathConfig(rings);
  const onDisk = (object: string) => {
    const hash = hashPathHex(hashPath, A, 'c', object);
    const part = client.rings.object.getPartition(A, 'c', object);
    return devicesDirs.map((dir, i) => new DiskObjects(dir).suffixListing(`sd${i}`, part, hash.slice(-3))[hash] ?? []);
  };
  try {
    for (let i = 0; i < 3; i++) await start(i);
    await client.putContainer(A, 'c');
    const acknowledged = new Map<string, string>();
    const put = async (name: string, content: string) => {
      await client.putObject({ account: A, container: 'c', object: name, body: Readable.from([Buffer.from(content)]) });
      acknowledged.set(name, content);
    };
    for (let i = 0; i < 20; i++) await put(`before-${i}`, `b${i}`);

    procs[1]!.kill('SIGKILL');
    await new Promise((r) => procs[1]!.once('exit', r));
    for (let i = 0; i < 20; i++) await put(`during-${i}`, `d${i}`);
    await put('before-0', 'overwritten while node 1 was down');
    for (const [name, content] of acknowledged) assert.equal(await readAll((await client.getObject(A, 'c', name)).body), content, name);

    await start(1);
    for (let round = 0; round < 2; round++) for (const port of ports) await op(port, 'replicate');
    for (const name of acknowledged.keys()) {
      const files = onDisk(name);
      assert.equal(files[0].length, 1, name);
      assert.deepEqual(files[1], files[0], `${name} on node 1`);
      assert.deepEqual(files[2], files[0], `${name} on node 2`);
    }

    // corrupt one stored replica: the auditor quarantines it, replication restores it
    const victim = 'during-3';
    const hash = hashPathHex(hashPath, A, 'c', victim);
    const part = client.rings.object.getPartition(A, 'c', victim);
    const disk = new DiskObjects(devicesDirs[1]);
    const file = join(disk.dir('sd1', part, hash), onDisk(victim)[1][0]);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from('Z'), 0, 1, 0);
    closeSync(fd);
    const audit = await op(ports[1], 'audit');
    assert.equal(audit.quarantined, 1);
    assert.equal(onDisk(victim)[1].length, 0);
    for (const port of ports) await op(port, 'replicate');
    assert.deepEqual(onDisk(victim)[1], onDisk(victim)[0]);
    assert.equal((await op(ports[1], 'audit')).quarantined, 0);

    // zero acknowledged objects lost, and the listing knows them all
    for (const [name, content] of acknowledged) assert.equal(await readAll((await client.getObject(A, 'c', name)).body), content, name);
    const listing = await client.getContainer(A, 'c');
    assert.equal(listing.entries.length, acknowledged.size);
  } finally {
    await client.close();
    for (const p of procs) if (p && p.exitCode === null) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p && p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)));
  }
});
