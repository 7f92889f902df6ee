// FormPost: browser uploads signed with the Temp-URL keys, limits, expiry fields, redirects
// and the error answers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { accountPath, raw } from './helpers.ts';

interface FormOptions {
  path: string;
  key?: string;
  digest?: string;
  redirect?: string;
  maxFileSize?: number;
  maxFileCount?: number;
  expires?: number;
  extra?: Record<string, string>;
  files?: Array<{ name: string; body: string | Buffer; type?: string }>;
  signature?: string;
}

function form(o: FormOptions): { body: Buffer; contentType: string } {
  const redirect = o.redirect ?? '';
  const maxFileSize = o.maxFileSize ?? 1024;
  const maxFileCount = o.maxFileCount ?? 5;
  const expires = o.expires ?? Math.floor(Date.now() / 1000) + 300;
  const signature = o.signature ?? createHmac(o.digest ?? 'sha1', o.key ?? 'formkey')
    .update(`${o.path}\n${redirect}\n${maxFileSize}\n${maxFileCount}\n${expires}`).digest('hex');
  const boundary = 'xYzBoundary';
  const parts: Buffer[] = [];
  const field = (name: string, value: string) => parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  field('redirect', redirect);
  field('max_file_size', String(maxFileSize));
  field('max_file_count', String(maxFileCount));
  field('expires', String(expires));
  for (const [k, v] of Object.entries(o.extra ?? {})) field(k, v);
  field('signature', signature);
  for (const [i, f] of (o.files ?? [{ name: 'a.txt', body: 'hello world' }]).entries()) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file${i}"; filename="${f.name}"\r\nContent-Type: ${f.type ?? 'text/plain'}\r\n\r\n`));
    parts.push(Buffer.isBuffer(f.body) ? f.body : Buffer.from(f.body));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('object-store FormPost', () => {
  let cloud: TestCloud;
  let acct: string;
  const post = (path: string, f: { body: Buffer; contentType: string }) =>
    raw(cloud, 'POST', path, { token: null, body: f.body, headers: { 'Content-Type': f.contentType } });
  before(async () => {
    cloud = await startCloud();
    acct = await accountPath(cloud);
    await raw(cloud, 'POST', acct, { headers: { 'X-Account-Meta-Temp-URL-Key': 'formkey' } });
    await raw(cloud, 'PUT', `${acct}/uploads`);
  });
  after(async () => cloud?.stop());

  it('is advertised in /info with its digests', async () => {
    const info = await (await raw(cloud, 'GET', '/info', { token: null })).json();
    assert.deepEqual(info.formpost.allowed_digests, ['sha1', 'sha256', 'sha512']);
  });

  it('stores every file under the path prefix and answers 201 Created', async () => {
    const path = `${acct}/uploads/pre-`;
    const res = await post(path, form({
      path,
      files: [{ name: 'one.txt', body: 'first file' }, { name: 'two.bin', body: Buffer.alloc(700, 7), type: 'application/x-thing' }],
    }));
    assert.equal(res.status, 201);
    assert.equal(await res.text(), '201 Created');
    assert.equal(res.headers.get('content-type'), 'text/plain');
    const one = await raw(cloud, 'GET', `${acct}/uploads/pre-one.txt`);
    assert.equal(await one.text(), 'first file');
    assert.equal(one.headers.get('content-type'), 'text/plain');
    const two = await raw(cloud, 'GET', `${acct}/uploads/pre-two.bin`);
    assert.deepEqual(Buffer.from(await two.arrayBuffer()), Buffer.alloc(700, 7));
    assert.equal(two.headers.get('content-type'), 'application/x-thing');
  });

  it('accepts a container-path form signed without our mount prefix, with sha256, sha512 and container keys', async () => {
    const path = `${acct}/uploads`;
    const v1 = path.slice(path.indexOf('/v1/'));
    const f = form({ path: v1, digest: 'sha256', files: [{ name: 'sha256.txt', body: 'x' }] });
    assert.equal((await post(path, f)).status, 201);
    assert.equal((await raw(cloud, 'GET', `${acct}/uploads/sha256.txt`)).status, 200);
    await raw(cloud, 'POST', `${acct}/uploads`, { headers: { 'X-Container-Meta-Temp-URL-Key': 'ckey' } });
    const expires = Math.floor(Date.now() / 1000) + 60;
    const mac = createHmac('sha512', 'ckey').update(`${path}\n\n1024\n5\n${expires}`).digest('base64');
    const g = form({ path, expires, signature: `sha512:${mac}`, files: [{ name: 'sha512.txt', body: 'y' }] });
    assert.equal((await post(path, g)).status, 201);
  });

  it('redirects with 303 and the status in the query when a redirect is given', async () => {
    const path = `${acct}/uploads/r-`;
    const f = form({ path, redirect: 'https://example.test/done?x=1' });
    const res = await raw(cloud, 'POST', path, { token: null, body: f.body, headers: { 'Content-Type': f.contentType }, redirect: 'manual' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), 'https://example.test/done?x=1&status=201&message=');
    assert.match(await res.text(), /Click to continue/);
  });

  it('sets X-Delete-At from x_delete_after', async () => {
    const path = `${acct}/uploads/exp-`;
    const res = await post(path, form({ path, extra: { x_delete_after: '3600' } }));
    assert.equal(res.status, 201);
    const head = await raw(cloud, 'HEAD', `${acct}/uploads/exp-a.txt`);
    const at = Number(head.headers.get('x-delete-at'));
    assert.ok(Math.abs(at - (Date.now() / 1000 + 3600)) < 10);
    const bad = await post(path, form({ path, extra: { x_delete_at: 'soon' } }));
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), 'FormPost: x_delete_at not an integer: Unix timestamp required.');
  });

  it('refuses bad signatures, expired forms, too many and too large files', async () => {
    const path = `${acct}/uploads/neg-`;
    const wrongKey = await post(path, form({ path, key: 'nope' }));
    assert.equal(wrongKey.status, 401);
    assert.equal(await wrongKey.text(), 'FormPost: Invalid Signature');
    const expired = await post(path, form({ path, expires: Math.floor(Date.now() / 1000) - 5 }));
    assert.equal(expired.status, 401);
    assert.equal(await expired.text(), 'FormPost: Form Expired');
    const tooMany = await post(path, form({ path, maxFileCount: 1, files: [{ name: 'm1', body: 'a' }, { name: 'm2', body: 'b' }] }));
    assert.equal(tooMany.status, 400);
    assert.equal(await tooMany.text(), '400 Bad Request\r\nFormPost: Max File Count Exceeded');
    assert.equal((await raw(cloud, 'GET', `${acct}/uploads/neg-m1`)).status, 200);
    const tooBig = await post(path, form({ path, maxFileSize: 10, files: [{ name: 'big', body: Buffer.alloc(100000, 1) }] }));
    assert.equal(tooBig.status, 400);
    assert.equal(await tooBig.text(), 'FormPost: max_file_size exceeded');
    assert.equal((await raw(cloud, 'GET', `${acct}/uploads/neg-big`)).status, 404);
    const noFiles = await post(path, form({ path, files: [] }));
    assert.equal(noFiles.status, 400);
    assert.equal(await noFiles.text(), '400 Bad Request\r\nFormPost: No Files To Process');
    const garbage = await raw(cloud, 'POST', path, { token: null, body: 'not a form', headers: { 'Content-Type': 'multipart/form-data; boundary=zz' } });
    assert.equal(garbage.status, 400);
    assert.equal(await garbage.text(), 'FormPost: invalid starting boundary');
    // into a container that does not exist: the upload's own status
    const missing = `${acct}/nowhere/`;
    const res = await post(missing, form({ path: missing }));
    assert.equal(res.status, 404);
    assert.equal(await res.text(), '404 Not Found');
  });

  it('leaves ordinary POSTs alone', async () => {
    await raw(cloud, 'PUT', `${acct}/uploads/plain`, { body: 'p' });
    assert.equal((await raw(cloud, 'POST', `${acct}/uploads/plain`, { token: null, headers: { 'X-Object-Meta-A': 'b' } })).status, 401);
    assert.equal((await raw(cloud, 'POST', `${acct}/uploads/plain`, { headers: { 'X-Object-Meta-A': 'b' } })).status, 202);
  });
});
