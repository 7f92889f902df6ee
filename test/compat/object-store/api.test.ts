// The Swift v1 API on the object ring: accounts, containers, objects, listings, metadata,
// ranges, conditionals, copy, expiry, versioning, quotas, bulk and the error bodies.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { accountPath, raw } from './helpers.ts';

describe('object-store API', () => {
  let cloud: TestCloud;
  let acct: string;
  before(async () => {
    cloud = await startCloud();
    acct = await accountPath(cloud);
  });
  after(async () => cloud?.stop());

  it('serves /info at the root and under the prefix, without a token', async () => {
    for (const path of ['/info', '/object-store/info']) {
      const res = await raw(cloud, 'GET', path, { token: null });
      assert.equal(res.status, 200);
      const info = await res.json();
      assert.equal(info.swift.container_listing_limit, 10000);
      assert.ok(info.slo && info.tempurl && info.bulk_delete);
    }
  });

  it('creates containers (201 then 202), lists and reports them', async () => {
    assert.equal((await raw(cloud, 'PUT', `${acct}/alpha`)).status, 201);
    assert.equal((await raw(cloud, 'PUT', `${acct}/alpha`)).status, 202);
    await raw(cloud, 'PUT', `${acct}/beta`);
    await raw(cloud, 'PUT', `${acct}/gamma`);
    const json = await raw(cloud, 'GET', `${acct}?format=json`);
    assert.equal(json.status, 200);
    assert.deepEqual((await json.json()).map((c: { name: string }) => c.name), ['alpha', 'beta', 'gamma']);
    const plain = await raw(cloud, 'GET', `${acct}?marker=alpha&end_marker=gamma`);
    assert.equal(await plain.text(), 'beta\n');
    const limited = await raw(cloud, 'GET', `${acct}?limit=1&reverse=true`);
    assert.equal(await limited.text(), 'gamma\n');
    const head = await raw(cloud, 'HEAD', acct);
    assert.equal(head.status, 204);
    assert.equal(head.headers.get('x-account-container-count'), '3');
    assert.match(head.headers.get('x-trans-id')!, /^tx[0-9a-f]{21}-[0-9a-f]{10}$/);
    assert.equal((await raw(cloud, 'GET', `${acct}?limit=10001`)).status, 412);
  });

  it('keeps account and container metadata, and removes it', async () => {
    assert.equal((await raw(cloud, 'POST', acct, { headers: { 'X-Account-Meta-Color': 'blue' } })).status, 204);
    assert.equal((await raw(cloud, 'HEAD', acct)).headers.get('x-account-meta-color'), 'blue');
    await raw(cloud, 'POST', acct, { headers: { 'X-Remove-Account-Meta-Color': 'x' } });
    assert.equal((await raw(cloud, 'HEAD', acct)).headers.get('x-account-meta-color'), null);
    await raw(cloud, 'POST', `${acct}/alpha`, { headers: { 'X-Container-Meta-Size': 'big', 'X-Container-Read': '.r:*' } });
    const head = await raw(cloud, 'HEAD', `${acct}/alpha`);
    assert.equal(head.headers.get('x-container-meta-size'), 'big');
    assert.equal(head.headers.get('x-container-read'), '.r:*');
    assert.equal(head.headers.get('x-storage-policy'), 'Policy-0');
    const tooLong = await raw(cloud, 'POST', `${acct}/alpha`, { headers: { [`X-Container-Meta-${'n'.repeat(129)}`]: 'v' } });
    assert.equal(tooLong.status, 400);
    await raw(cloud, 'POST', `${acct}/alpha`, { headers: { 'X-Remove-Container-Read': 'x' } });
  });

  it('stores objects with metadata, names with slashes, and lists with delimiter and path', async () => {
    const put = await raw(cloud, 'PUT', `${acct}/beta/dir/sub/file.txt`, { body: Buffer.from('hello world'), headers: { 'X-Object-Meta-Kind': 'greeting', 'Content-Disposition': 'inline' } });
    assert.equal(put.status, 201);
    assert.equal(put.headers.get('etag'), createHash('md5').update('hello world').digest('hex'));
    await raw(cloud, 'PUT', `${acct}/beta/dir/top.bin`, { body: 'x' });
    await raw(cloud, 'PUT', `${acct}/beta/dir/`, { body: '' });
    const get = await raw(cloud, 'GET', `${acct}/beta/dir/sub/file.txt`);
    assert.equal(await get.text(), 'hello world');
    assert.equal(get.headers.get('content-type'), 'text/plain');
    assert.equal(get.headers.get('x-object-meta-kind'), 'greeting');
    assert.equal(get.headers.get('content-disposition'), 'inline');
    assert.equal(get.headers.get('accept-ranges'), 'bytes');
    const delim = await raw(cloud, 'GET', `${acct}/beta?format=json&prefix=dir/&delimiter=/`);
    assert.deepEqual((await delim.json()).map((e: { name?: string; subdir?: string }) => e.name ?? e.subdir), ['dir/', 'dir/sub/', 'dir/top.bin']);
    const path = await raw(cloud, 'GET', `${acct}/beta?path=dir`);
    assert.equal(await path.text(), 'dir/top.bin\n');
    const xml = await raw(cloud, 'GET', `${acct}/beta?format=xml&limit=1`);
    assert.match(await xml.text(), /^<\?xml version="1.0" encoding="UTF-8"\?>\n<container name="beta"><object><name>dir\/<\/name>/);
    const emptyJson = await raw(cloud, 'GET', `${acct}/beta?format=json&prefix=zzz`);
    assert.equal(emptyJson.status, 200);
    assert.equal(await emptyJson.text(), '[]');
    assert.equal((await raw(cloud, 'GET', `${acct}/beta?prefix=zzz`)).status, 204);
  });

  it('answers ranges, multi-ranges and conditionals as Swift does', async () => {
    const body = 'abcdefghijklmnopqrstuvwxyz';
    const etag = createHash('md5').update(body).digest('hex');
    await raw(cloud, 'PUT', `${acct}/beta/letters`, { body, headers: { 'Content-Type': 'text/plain' } });
    const one = await raw(cloud, 'GET', `${acct}/beta/letters`, { headers: { Range: 'bytes=2-4' } });
    assert.equal(one.status, 206);
    assert.equal(await one.text(), 'cde');
    assert.equal(one.headers.get('content-range'), 'bytes 2-4/26');
    const suffix = await raw(cloud, 'GET', `${acct}/beta/letters`, { headers: { Range: 'bytes=-3' } });
    assert.equal(await suffix.text(), 'xyz');
    const multi = await raw(cloud, 'GET', `${acct}/beta/letters`, { headers: { Range: 'bytes=0-1,24-' } });
    assert.equal(multi.status, 206);
    const boundary = /boundary=(\w+)/.exec(multi.headers.get('content-type')!)![1];
    const text = await multi.text();
    assert.equal(Number(multi.headers.get('content-length')), Buffer.byteLength(text));
    assert.ok(text.includes(`--${boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/26\r\n\r\nab\r\n`));
    assert.ok(text.endsWith(`yz\r\n--${boundary}--`));
    assert.equal((await raw(cloud, 'GET', `${acct}/beta/letters`, { headers: { Range: 'bytes=100-200' } })).status, 416);
    assert.equal((await raw(cloud, 'GET', `${acct}/beta/letters`, { headers: { 'If-None-Match': etag } })).status, 304);
    assert.equal((await raw(cloud, 'GET', `${acct}/beta/letters`, { headers: { 'If-Match': 'nope' } })).status, 412);
    assert.equal((await raw(cloud, 'GET', `${acct}/beta/letters`, { headers: { 'If-Modified-Since': new Date(Date.now() + 86400000).toUTCString() } })).status, 304);
    assert.equal((await raw(cloud, 'GET', `${acct}/beta/letters`, { headers: { 'If-Unmodified-Since': 'Thu, 01 Jan 2004 00:00:00 GMT' } })).status, 412);
    const head = await raw(cloud, 'HEAD', `${acct}/beta/letters`);
    assert.equal(head.headers.get('content-length'), '26');
    assert.equal(await head.text(), '');
    assert.equal((await raw(cloud, 'PUT', `${acct}/beta/letters`, { body: 'x', headers: { 'If-None-Match': '*' } })).status, 412);
  });

  it('checks ETags, lengths and chunked uploads', async () => {
    const bad = await raw(cloud, 'PUT', `${acct}/beta/bad-etag`, { body: 'data', headers: { ETag: '0'.repeat(32) } });
    assert.equal(bad.status, 422);
    assert.equal(await bad.text(), '<html><h1>Unprocessable Entity</h1><p>Unable to process the contained instructions</p></html>');
    assert.equal((await raw(cloud, 'HEAD', `${acct}/beta/bad-etag`)).status, 404);
    const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('chunk-1 ')); c.enqueue(new TextEncoder().encode('chunk-2')); c.close(); } });
    const chunked = await raw(cloud, 'PUT', `${acct}/beta/chunked`, { body: stream, duplex: true });
    assert.equal(chunked.status, 201);
    assert.equal(await (await raw(cloud, 'GET', `${acct}/beta/chunked`)).text(), 'chunk-1 chunk-2');
    assert.equal(await rawStatus(cloud.url, `PUT ${acct}/beta/nolen HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${cloud.adminToken}\r\nConnection: close\r\n\r\n`), 411);
  });

  it('copies with X-Copy-From and COPY, updates metadata with POST, deletes', async () => {
    await raw(cloud, 'PUT', `${acct}/beta/src`, { body: 'source', headers: { 'X-Object-Meta-A': '1' } });
    const copy = await raw(cloud, 'PUT', `${acct}/gamma/dst`, { headers: { 'X-Copy-From': '/beta/src', 'Content-Length': '0', 'X-Object-Meta-B': '2' } });
    assert.equal(copy.status, 201);
    assert.equal(copy.headers.get('x-copied-from'), 'beta/src');
    const dst = await raw(cloud, 'GET', `${acct}/gamma/dst`);
    assert.equal(await dst.text(), 'source');
    assert.equal(dst.headers.get('x-object-meta-a'), '1');
    assert.equal(dst.headers.get('x-object-meta-b'), '2');
    const viaCopy = await raw(cloud, 'COPY', `${acct}/beta/src`, { headers: { Destination: 'gamma/dst2' } });
    assert.equal(viaCopy.status, 201);
    assert.equal(await (await raw(cloud, 'GET', `${acct}/gamma/dst2`)).text(), 'source');
    assert.equal((await raw(cloud, 'POST', `${acct}/gamma/dst2`, { headers: { 'X-Object-Meta-C': '3' } })).status, 202);
    const after = await raw(cloud, 'HEAD', `${acct}/gamma/dst2`);
    assert.equal(after.headers.get('x-object-meta-c'), '3');
    assert.equal(after.headers.get('x-object-meta-a'), null);
    assert.equal((await raw(cloud, 'DELETE', `${acct}/gamma/dst2`)).status, 204);
    assert.equal((await raw(cloud, 'DELETE', `${acct}/gamma/dst2`)).status, 404);
    assert.equal((await raw(cloud, 'POST', `${acct}/gamma/missing`, { headers: { 'X-Object-Meta-C': '3' } })).status, 404);
  });

  it('expires objects at X-Delete-At / X-Delete-After', async () => {
    await raw(cloud, 'PUT', `${acct}/beta/short`, { body: 'bye', headers: { 'X-Delete-After': '3' } });
    const head = await raw(cloud, 'HEAD', `${acct}/beta/short`);
    assert.ok(Number(head.headers.get('x-delete-at')) > Date.now() / 1000 - 1);
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal((await raw(cloud, 'GET', `${acct}/beta/short`)).status, 404);
    assert.equal((await raw(cloud, 'PUT', `${acct}/beta/past`, { body: 'x', headers: { 'X-Delete-At': '1000' } })).status, 400);
  });

  it('versions objects with X-Versions-Location', async () => {
    await raw(cloud, 'PUT', `${acct}/versions`);
    await raw(cloud, 'PUT', `${acct}/versioned`, { headers: { 'X-Versions-Location': 'versions' } });
    await raw(cloud, 'PUT', `${acct}/versioned/doc`, { body: 'v1' });
    await raw(cloud, 'PUT', `${acct}/versioned/doc`, { body: 'v2' });
    const listed = await (await raw(cloud, 'GET', `${acct}/versions?format=json`)).json();
    assert.equal(listed.length, 1);
    assert.match(listed[0].name, /^003doc\//);
    assert.equal((await raw(cloud, 'DELETE', `${acct}/versioned/doc`)).status, 204);
    assert.equal(await (await raw(cloud, 'GET', `${acct}/versioned/doc`)).text(), 'v1');
    await raw(cloud, 'DELETE', `${acct}/versioned/doc`);
    assert.equal((await raw(cloud, 'GET', `${acct}/versioned/doc`)).status, 404);
  });

  it('enforces container quotas with 413', async () => {
    await raw(cloud, 'PUT', `${acct}/quota`, { headers: { 'X-Container-Meta-Quota-Bytes': '10', 'X-Container-Meta-Quota-Count': '2' } });
    assert.equal((await raw(cloud, 'PUT', `${acct}/quota/big`, { body: 'x'.repeat(11) })).status, 413);
    assert.equal((await raw(cloud, 'PUT', `${acct}/quota/a`, { body: 'x' })).status, 201);
    assert.equal((await raw(cloud, 'PUT', `${acct}/quota/b`, { body: 'x' })).status, 201);
    assert.equal((await raw(cloud, 'PUT', `${acct}/quota/c`, { body: 'x' })).status, 413);
  });

  it('bulk deletes and extracts archives', async () => {
    await raw(cloud, 'PUT', `${acct}/bulk`);
    await raw(cloud, 'PUT', `${acct}/bulk/one`, { body: '1' });
    await raw(cloud, 'PUT', `${acct}/bulk/two`, { body: '2' });
    const res = await raw(cloud, 'POST', `${acct}?bulk-delete`, { body: '/bulk/one\n/bulk/two\n/bulk/missing\n/bulk\n', headers: { Accept: 'application/json', 'Content-Type': 'text/plain' } });
    assert.equal(res.status, 200);
    const report = await res.json();
    assert.equal(report['Number Deleted'], 3);
    assert.equal(report['Number Not Found'], 1);
    assert.equal((await raw(cloud, 'HEAD', `${acct}/bulk`)).status, 404);
    const tar = makeTar({ 'arch/a.txt': 'AAA', 'arch/sub/b.txt': 'BBBB' });
    const ex = await raw(cloud, 'PUT', `${acct}?extract-archive=tar`, { body: tar, headers: { Accept: 'application/json' } });
    const exReport = await ex.json();
    assert.equal(exReport['Number Files Created'], 2, JSON.stringify(exReport));
    assert.equal(await (await raw(cloud, 'GET', `${acct}/arch/sub/b.txt`)).text(), 'BBBB');
  });

  it('never answers bad input with a 500', async () => {
    const cases: Array<[string, string, Record<string, string>?]> = [
      ['PUT', `${acct}/${'c'.repeat(257)}`],
      ['PUT', `${acct}/beta/${'o'.repeat(1025)}`, { 'Content-Length': '0' }],
      ['GET', `${acct}/beta?limit=abc`],
      ['GET', `${acct}/beta?delimiter=ab`],
      ['PUT', `${acct}/beta/x`, { 'X-Delete-At': 'soon', 'Content-Length': '0' }],
      ['PUT', `${acct}/beta/x`, { 'X-Copy-From': 'nonsense', 'Content-Length': '0' }],
      ['PUT', `${acct}/beta/x?multipart-manifest=put`, { 'Content-Length': '0' }],
      ['COPY', `${acct}/beta/src`],
      ['GET', `${acct}/beta/%ZZ`],
      ['GET', '/object-store/v1/'],
      ['PUT', `${acct}/nocontainer/x`, { 'Content-Length': '0' }],
    ];
    for (const [method, path, headers] of cases) {
      const res = await raw(cloud, method, path, { headers });
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${path.slice(0, 80)} -> ${res.status}`);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    }
  });
});

function makeTar(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${Buffer.byteLength(content).toString(8).padStart(11, '0')}\0`, 124);
    h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, Buffer.from(content), Buffer.alloc((512 - (Buffer.byteLength(content) % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** The status of a hand-written HTTP request (for requests fetch will not send). */
function rawStatus(url: string, request: string): Promise<number> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1])));
    socket.on('error', reject);
  });
}
