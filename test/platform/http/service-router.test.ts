// The shared HTTP behaviour every service gets, seen through the identity service.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';

describe('service router', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud();
  });
  after(() => cloud.stop());

  it('puts a request id on every response, errors included', async () => {
    for (const [method, path] of [['GET', '/identity/v3'], ['GET', '/identity/v3/nope'], ['GET', '/nothing-here']]) {
      const res = await cloud.request(method, path, { unchecked: true });
      assert.match(res.headers.get('x-openstack-request-id') ?? '', /^req-[0-9a-f-]{36}$/, `${method} ${path}`);
    }
  });

  it('answers an unknown path with 404 and an unknown method with 405, in Keystone format', async () => {
    const missing = await cloud.request('GET', '/identity/v3/no-such-thing', { unchecked: true });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 404);
    const wrongMethod = await cloud.request('PUT', '/identity/v3/auth/catalog', { unchecked: true });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.body.error.code, 405);
  });

  it('serves HEAD through GET without a body', async () => {
    const res = await cloud.request('HEAD', '/identity/v3', { token: null, unchecked: true });
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
  });

  it('rejects an oversized body with 413 and keeps serving', async () => {
    const big = JSON.stringify({ auth: { pad: 'x'.repeat(3 * 1024 * 1024) } });
    const res = await cloud.request('POST', '/identity/v3/auth/tokens', { token: null, body: big, unchecked: true });
    assert.equal(res.status, 413);
    const ok = await cloud.request('GET', '/identity/v3', { token: null });
    assert.equal(ok.status, 200);
  });

  it('answers a garbage token with 401, never 500', async () => {
    for (const token of ['x', 'gAAAAA' + 'A'.repeat(200), '%%%']) {
      const res = await cloud.request('GET', '/identity/v3/auth/catalog', { token, unchecked: true });
      assert.equal(res.status, 401, token);
    }
  });

  it('reports health', async () => {
    const res = await fetch(`${cloud.url}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { status: string }).status, "ok");
  });
});
