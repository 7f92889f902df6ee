// Large objects: a 50 MiB upload and download streamed end to end with matching md5, SLO
// manifests (validation, GET/HEAD/range, multipart-manifest=get and delete) and DLO.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { accountPath, raw } from './helpers.ts';

describe('object-store large objects', () => {
  let cloud: TestCloud;
  let acct: string;
  before(async () => {
    cloud = await startCloud();
    acct = await accountPath(cloud);
    await raw(cloud, 'PUT', `${acct}/big`);
    await raw(cloud, 'PUT', `${acct}/segments`);
  });
  after(async () => cloud?.stop());

  it('streams a 50 MiB object up and down with matching md5', async () => {
    const chunk = randomBytes(1024 * 1024);
    const upMd5 = createHash('md5');
    let sent = 0;
    const body = new ReadableStream({
      pull(c) {
        if (sent === 50) return c.close();
        upMd5.update(chunk);
        c.enqueue(new Uint8Array(chunk));
        sent++;
      },
    });
    const put = await raw(cloud, 'PUT', `${acct}/big/fifty`, { body, duplex: true, headers: { 'Content-Length': String(50 * 1024 * 1024) } });
    const expected = upMd5.digest('hex');
    assert.equal(put.status, 201);
    assert.equal(put.headers.get('etag'), expected);
    const get = await raw(cloud, 'GET', `${acct}/big/fifty`);
    assert.equal(get.headers.get('content-length'), String(50 * 1024 * 1024));
    const downMd5 = createHash('md5');
    for await (const part of get.body as unknown as AsyncIterable<Uint8Array>) downMd5.update(part);
    assert.equal(downMd5.digest('hex'), expected);
  });

  it('validates, serves and deletes SLO manifests', async () => {
    const parts = ['first-', 'second-', 'third'];
    const etags: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const res = await raw(cloud, 'PUT', `${acct}/segments/part${i}`, { body: Buffer.from(parts[i]) });
      etags.push(res.headers.get('etag')!);
    }
    const manifest = parts.map((p, i) => ({ path: `/segments/part${i}`, etag: etags[i], size_bytes: p.length }));
    const bad = await raw(cloud, 'PUT', `${acct}/big/slo?multipart-manifest=put`, { body: JSON.stringify([{ path: '/segments/part0', etag: 'x'.repeat(32), size_bytes: 6 }, { path: '/segments/none' }]) });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /Etag Mismatch[\s\S]*404 Not Found/);
    const put = await raw(cloud, 'PUT', `${acct}/big/slo?multipart-manifest=put`, { body: JSON.stringify(manifest), headers: { 'Content-Type': 'text/plain' } });
    assert.equal(put.status, 201, await put.text());
    const sloEtag = createHash('md5').update(etags.join('')).digest('hex');
    assert.equal(put.headers.get('etag'), `"${sloEtag}"`);
    const get = await raw(cloud, 'GET', `${acct}/big/slo`);
    assert.equal(await get.text(), parts.join(''));
    assert.equal(get.headers.get('x-static-large-object'), 'True');
    assert.equal(get.headers.get('etag'), `"${sloEtag}"`);
    const head = await raw(cloud, 'HEAD', `${acct}/big/slo`);
    assert.equal(head.headers.get('content-length'), String(parts.join('').length));
    const range = await raw(cloud, 'GET', `${acct}/big/slo`, { headers: { Range: 'bytes=4-9' } });
    assert.equal(await range.text(), parts.join('').slice(4, 10));
    const m = await raw(cloud, 'GET', `${acct}/big/slo?multipart-manifest=get`);
    const stored = await m.json();
    assert.deepEqual(stored.map((e: { name: string }) => e.name), manifest.map((e) => e.path));
    const del = await raw(cloud, 'DELETE', `${acct}/big/slo?multipart-manifest=delete`, { headers: { Accept: 'application/json' } });
    assert.equal(del.status, 200);
    assert.equal((await del.json())['Number Deleted'], 4);
    assert.equal((await raw(cloud, 'HEAD', `${acct}/segments/part1`)).status, 404);
  });

  it('concatenates DLO segments by prefix', async () => {
    await raw(cloud, 'PUT', `${acct}/segments/dlo/002`, { body: 'world' });
    await raw(cloud, 'PUT', `${acct}/segments/dlo/001`, { body: 'hello ' });
    const put = await raw(cloud, 'PUT', `${acct}/big/dlo`, { body: '', headers: { 'X-Object-Manifest': 'segments/dlo/' } });
    assert.equal(put.status, 201);
    const get = await raw(cloud, 'GET', `${acct}/big/dlo`);
    assert.equal(await get.text(), 'hello world');
    assert.equal(get.headers.get('x-object-manifest'), 'segments/dlo/');
    assert.equal((await raw(cloud, 'HEAD', `${acct}/big/dlo`)).headers.get('content-length'), '11');
    assert.equal(await (await raw(cloud, 'GET', `${acct}/big/dlo?multipart-manifest=get`)).text(), '');
  });
});
