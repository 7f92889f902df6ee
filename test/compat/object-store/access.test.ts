// Who may do what: keystoneauth ownership, the reseller role, container ACLs across two
// projects, public reads, and TempURL signatures.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { accountPath, memberOfNewProject, raw } from './helpers.ts';

describe('object-store access', () => {
  let cloud: TestCloud;
  let owner: { projectId: string; userId: string; token: string };
  let other: { projectId: string; userId: string; token: string };
  let reader: { projectId: string; userId: string; token: string };
  let acct: string;
  before(async () => {
    cloud = await startCloud();
    owner = await memberOfNewProject(cloud, 'swift-owner');
    other = await memberOfNewProject(cloud, 'swift-other');
    reader = await memberOfNewProject(cloud, 'swift-reader', 'reader');
    acct = await accountPath(cloud, owner.token);
    await raw(cloud, 'PUT', `${acct}/shared`, { token: owner.token });
    await raw(cloud, 'PUT', `${acct}/shared/doc`, { token: owner.token, body: 'secret' });
  });
  after(async () => cloud?.stop());

  it('lets the owner in, refuses others with 403 and anonymous callers with 401', async () => {
    assert.equal((await raw(cloud, 'GET', `${acct}/shared/doc`, { token: owner.token })).status, 200);
    assert.equal((await raw(cloud, 'GET', `${acct}/shared/doc`, { token: other.token })).status, 403);
    assert.equal((await raw(cloud, 'GET', acct, { token: other.token })).status, 403);
    const anon = await raw(cloud, 'GET', `${acct}/shared/doc`, { token: null });
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get('www-authenticate') ?? '', /^Keystone uri=/);
    assert.equal((await raw(cloud, 'GET', `${acct}/shared/doc`, { token: 'garbage' })).status, 401);
    // a project member without an operator role is not an owner
    const readerAcct = `/object-store/v1/AUTH_${reader.projectId}`;
    assert.equal((await raw(cloud, 'PUT', `${readerAcct}/c`, { token: reader.token })).status, 403);
  });

  it('lets ResellerAdmin act on any account', async () => {
    const reseller = await memberOfNewProject(cloud, 'swift-reseller', 'ResellerAdmin');
    assert.equal((await raw(cloud, 'GET', `${acct}/shared/doc`, { token: reseller.token })).status, 200);
    assert.equal((await raw(cloud, 'POST', acct, { token: owner.token, headers: { 'X-Account-Meta-Quota-Bytes': '100' } })).status, 403);
    assert.equal((await raw(cloud, 'POST', acct, { token: reseller.token, headers: { 'X-Account-Meta-Quota-Bytes': '100000' } })).status, 204);
  });

  it('applies the ACL matrix across two projects', async () => {
    const matrix: Array<{ read?: string; write?: string; get: number; list: number; put: number }> = [
      { get: 403, list: 403, put: 403 },
      { read: `${other.projectId}:${other.userId}`, get: 200, list: 200, put: 403 },
      { read: `${other.projectId}:*`, get: 200, list: 200, put: 403 },
      { read: `*:${other.userId}`, get: 200, list: 200, put: 403 },
      { read: `${owner.projectId}:*`, get: 403, list: 403, put: 403 },
      { write: `${other.projectId}:${other.userId}`, get: 403, list: 403, put: 201 },
      { read: '.r:*', get: 200, list: 403, put: 403 },
      { read: '.r:*,.rlistings', get: 200, list: 200, put: 403 },
    ];
    for (const row of matrix) {
      await raw(cloud, 'POST', `${acct}/shared`, {
        token: owner.token,
        headers: { 'X-Container-Read': row.read ?? '', 'X-Container-Write': row.write ?? '' },
      });
      const label = JSON.stringify(row);
      assert.equal((await raw(cloud, 'GET', `${acct}/shared/doc`, { token: other.token })).status, row.get, label);
      assert.equal((await raw(cloud, 'GET', `${acct}/shared`, { token: other.token })).status, row.list, label);
      assert.equal((await raw(cloud, 'PUT', `${acct}/shared/from-other`, { token: other.token, body: 'x' })).status, row.put, label);
      // container metadata stays the owner's
      assert.equal((await raw(cloud, 'POST', `${acct}/shared`, { token: other.token, headers: { 'X-Container-Meta-X': '1' } })).status, 403, label);
    }
    await raw(cloud, 'POST', `${acct}/shared`, { token: owner.token, headers: { 'X-Container-Read': '.r:*' } });
    assert.equal((await raw(cloud, 'GET', `${acct}/shared/doc`, { token: null })).status, 200);
    assert.equal((await raw(cloud, 'GET', `${acct}/shared`, { token: null })).status, 401);
    const head = await raw(cloud, 'HEAD', `${acct}/shared`, { token: owner.token });
    assert.equal(head.headers.get('x-container-read'), '.r:*');
    await raw(cloud, 'POST', `${acct}/shared`, { token: owner.token, headers: { 'X-Remove-Container-Read': 'x', 'X-Remove-Container-Write': 'x' } });
  });

  it('accepts TempURLs signed with sha1, sha256 and sha512, and refuses bad ones', async () => {
    await raw(cloud, 'POST', acct, { token: owner.token, headers: { 'X-Account-Meta-Temp-URL-Key': 'tempkey' } });
    const path = `${acct}/shared/doc`;
    const expires = Math.floor(Date.now() / 1000) + 60;
    for (const digest of ['sha1', 'sha256']) {
      const sig = createHmac(digest, 'tempkey').update(`GET\n${expires}\n${path}`).digest('hex');
      const res = await raw(cloud, 'GET', `${path}?temp_url_sig=${sig}&temp_url_expires=${expires}`, { token: null });
      assert.equal(res.status, 200, digest);
      assert.equal(await res.text(), 'secret');
      assert.match(res.headers.get('content-disposition')!, /^attachment; filename="doc"/);
    }
    const v1 = path.slice(path.indexOf('/v1/'));
    const sig512 = `sha512:${createHmac('sha512', 'tempkey').update(`GET\n${expires}\n${v1}`).digest('base64url')}`;
    assert.equal((await raw(cloud, 'GET', `${path}?temp_url_sig=${encodeURIComponent(sig512)}&temp_url_expires=${expires}`, { token: null })).status, 200);
    const putSig = createHmac('sha256', 'tempkey').update(`PUT\n${expires}\n${acct}/shared/uploaded`).digest('hex');
    assert.equal((await raw(cloud, 'PUT', `${acct}/shared/uploaded?temp_url_sig=${putSig}&temp_url_expires=${expires}`, { token: null, body: 'via temp url' })).status, 201);
    const wrongMethod = await raw(cloud, 'DELETE', `${acct}/shared/uploaded?temp_url_sig=${putSig}&temp_url_expires=${expires}`, { token: null });
    assert.equal(wrongMethod.status, 401);
    assert.equal(await wrongMethod.text(), 'Temp URL invalid\n');
    const past = Math.floor(Date.now() / 1000) - 10;
    const oldSig = createHmac('sha256', 'tempkey').update(`GET\n${past}\n${path}`).digest('hex');
    assert.equal((await raw(cloud, 'GET', `${path}?temp_url_sig=${oldSig}&temp_url_expires=${past}`, { token: null })).status, 401);
    const prefixSig = createHmac('sha256', 'tempkey').update(`GET\n${expires}\nprefix:${acct}/shared/d`).digest('hex');
    assert.equal((await raw(cloud, 'GET', `${path}?temp_url_sig=${prefixSig}&temp_url_expires=${expires}&temp_url_prefix=d`, { token: null })).status, 200);
  });
});
