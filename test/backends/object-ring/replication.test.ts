import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { testCluster, body, readAll, primaryIndexes } from './cluster-helpers.ts';

const A = 'AUTH_rep';

test('replicator: a node that comes back gets missing objects, newer versions, tombstones and container rows', async () => {
  const t = await testCluster(3, 3);
  try {
    const c = t.client;
    await c.putContainer(A, 'c');
    await c.putObject({ account: A, container: 'c', object: 'old', body: body('v1') });
    await c.putObject({ account: A, container: 'c', object: 'doomed', body: body('x') });
    await t.kill(2);
    await c.putObject({ account: A, container: 'c', object: 'old', body: body('v2') });
    await c.deleteObject(A, 'c', 'doomed');
    for (let i = 0; i < 10; i++) await c.putObject({ account: A, container: 'c', object: `new-${i}`, body: body(`n${i}`) });
    await t.restart(2);
    const stale = t.filesOnDisk(A, 'c', 'old');
    assert.notDeepEqual(stale[2], stale[0], 'node 2 is behind');
    await t.replicateAll();
    for (const name of ['old', 'doomed', ...Array.from({ length: 10 }, (_, i) => `new-${i}`)]) {
      const files = t.filesOnDisk(A, 'c', name);
      assert.equal(files[0].length, 1, name);
      assert.deepEqual(files[1], files[0], name);
      assert.deepEqual(files[2], files[0], name);
    }
    assert.ok(t.filesOnDisk(A, 'c', 'doomed')[2][0].endsWith('.ts'));
    // node 2's container DB has every row now: read the listing from it alone
    await t.kill(0);
    await t.kill(1);
    const listing = await c.getContainer(A, 'c');
    assert.equal(listing.entries.length, 11);
    assert.equal(listing.info.objectCount, 11);
    assert.equal(await readAll((await c.getObject(A, 'c', 'old')).body), 'v2');
  } finally {
    await t.stop();
  }
});

test('auditor: corrupted bytes are quarantined and replication restores the object', async () => {
  const t = await testCluster(3, 3);
  try {
    const c = t.client;
    await c.putContainer(A, 'c');
    await c.putObject({ account: A, container: 'c', object: 'o', body: body('precious data') });
    const victim = primaryIndexes(t, A, 'c', 'o')[0];
    const files = t.filesOnDisk(A, 'c', 'o');
    const dev = c.rings.object.devices.find((d) => d.port === t.nodes[victim].port)!;
    const { hashPathHex, loadHashPathConfig } = await import('../../../src/backends/object-ring/ring/hash-path.ts');
    const hash = hashPathHex(loadHashPathConfig(t.ringDir), A, 'c', 'o');
    const path = join(t.nodes[victim].server.disk.dir(dev.device, c.rings.object.getPartition(A, 'c', 'o'), hash), files[victim][0]);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from('X'), 0, 1, 3);
    closeSync(fd);
    const audit = await t.nodes[victim].auditor.runOnce();
    assert.equal(audit.quarantined, 1);
    assert.equal(t.filesOnDisk(A, 'c', 'o')[victim].length, 0);
    const clean = await t.nodes[(victim + 1) % 3].auditor.runOnce();
    assert.equal(clean.quarantined, 0);
    await t.replicateAll();
    assert.deepEqual(t.filesOnDisk(A, 'c', 'o')[victim], files[victim]);
    assert.equal((await t.nodes[victim].auditor.runOnce()).quarantined, 0);
    await t.kill((victim + 1) % 3);
    await t.kill((victim + 2) % 3);
    assert.equal(await readAll((await c.getObject(A, 'c', 'o')).body), 'precious data');
  } finally {
    await t.stop();
  }
});
