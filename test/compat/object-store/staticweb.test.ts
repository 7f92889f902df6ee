// Static web: index pages, HTML listings with CSS, error pages, directory redirects and the
// read ACLs that still apply to anonymous visitors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { accountPath, raw } from './helpers.ts';

describe('object-store static web', () => {
  let cloud: TestCloud;
  let acct: string;
  const anon = (path: string, headers: Record<string, string> = {}) => raw(cloud, 'GET', path, { token: null, headers });
  before(async () => {
    cloud = await startCloud();
    acct = await accountPath(cloud);
    await raw(cloud, 'PUT', `${acct}/site`, { headers: { 'X-Container-Read': '.r:*,.rlistings' } });
    await raw(cloud, 'PUT', `${acct}/site/index.html`, { body: '<h1>home</h1>', headers: { 'Content-Type': 'text/html' } });
    await raw(cloud, 'PUT', `${acct}/site/docs/a.txt`, { body: 'A'.repeat(2000), headers: { 'Content-Type': 'text/plain' } });
    await raw(cloud, 'PUT', `${acct}/site/docs/sub/b.txt`, { body: 'b' });
    await raw(cloud, 'PUT', `${acct}/site/404error.html`, { body: 'custom not found', headers: { 'Content-Type': 'text/html' } });
    await raw(cloud, 'PUT', `${acct}/private`, { headers: { 'X-Container-Meta-Web-Listings': 'true' } });
  });
  after(async () => cloud?.stop());

  it('is advertised in /info', async () => {
    const info = await (await raw(cloud, 'GET', '/info', { token: null })).json();
    assert.ok(info.staticweb);
    assert.equal(info.container_sync, undefined);
  });

  it('leaves containers without web settings to the plain API', async () => {
    const res = await anon(`${acct}/site`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  });

  it('serves the index object, redirecting the unslashed container path', async () => {
    await raw(cloud, 'POST', `${acct}/site`, { headers: { 'X-Container-Meta-Web-Index': 'index.html' } });
    const redirect = await raw(cloud, 'GET', `${acct}/site`, { token: null, redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), `${acct}/site/`);
    const page = await anon(`${acct}/site`);
    assert.equal(page.status, 200);
    assert.equal(await page.text(), '<h1>home</h1>');
    // a token without X-Web-Mode gets the API's own answer
    const api = await raw(cloud, 'GET', `${acct}/site`);
    assert.equal(api.headers.get('content-type'), 'text/plain; charset=utf-8');
    const webMode = await raw(cloud, 'GET', `${acct}/site/`, { headers: { 'X-Web-Mode': 'true' } });
    assert.equal(await webMode.text(), '<h1>home</h1>');
  });

  it('lists directories as HTML with the CSS link and sizes', async () => {
    await raw(cloud, 'POST', `${acct}/site`, { headers: { 'X-Container-Meta-Web-Index': '', 'X-Container-Meta-Web-Listings': 'true', 'X-Container-Meta-Web-Listings-CSS': 'listings.css' } });
    const root = await anon(`${acct}/site/`);
    assert.equal(root.status, 200);
    assert.equal(root.headers.get('content-type'), 'text/html; charset=UTF-8');
    const html = await root.text();
    assert.ok(html.includes('<link rel="stylesheet" type="text/css" href="listings.css" />'));
    assert.ok(html.includes('<a href="index.html">index.html</a>'));
    assert.ok(html.includes('<a href="docs/">docs/</a>'));
    assert.ok(html.includes('Listing of /v1/'));
    const redirect = await raw(cloud, 'GET', `${acct}/site/docs`, { token: null, redirect: 'manual' });
    assert.equal(redirect.status, 301);
    const docs = await (await anon(`${acct}/site/docs/`)).text();
    assert.ok(docs.includes('href="../listings.css"'));
    assert.ok(docs.includes('<a href="a.txt">a.txt</a>'));
    assert.ok(docs.includes('<td class="colsize">2Ki</td>'));
    assert.ok(docs.includes('<a href="sub/">sub/</a>'));
    assert.ok(docs.includes('<tr id="parent" class="item">'));
    assert.ok(docs.includes('class="item type-text type-plain"'));
    // objects are still objects
    assert.equal(await (await anon(`${acct}/site/docs/sub/b.txt`)).text(), 'b');
  });

  it('serves the error page with 404, and falls back to the plain 404 without one', async () => {
    await raw(cloud, 'POST', `${acct}/site`, { headers: { 'X-Container-Meta-Web-Error': 'error.html' } });
    const missing = await anon(`${acct}/site/nothing-here`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), 'custom not found');
    await raw(cloud, 'POST', `${acct}/site`, { headers: { 'X-Container-Meta-Web-Error': 'other.html' } });
    const plain = await anon(`${acct}/site/nothing-here`);
    assert.equal(plain.status, 404);
    assert.match(await plain.text(), /Not Found/);
  });

  it('reports disabled listings and keeps private containers private', async () => {
    await raw(cloud, 'POST', `${acct}/site`, { headers: { 'X-Container-Meta-Web-Listings': 'false', 'X-Container-Meta-Web-Index': 'missing.html', 'X-Container-Meta-Web-Error': '' } });
    const disabled = await anon(`${acct}/site/`);
    assert.equal(disabled.status, 404);
    const text = await disabled.text();
    assert.match(text, /Web Listing Disabled/);
    assert.match(text, /missing\.html/);
    assert.equal((await anon(`${acct}/private/`)).status, 401);
    assert.equal((await anon(`${acct}/private/x`)).status, 401);
  });

  it('treats directory marker objects as directories', async () => {
    await raw(cloud, 'POST', `${acct}/site`, { headers: { 'X-Container-Meta-Web-Listings': 'true', 'X-Container-Meta-Web-Index': '' } });
    await raw(cloud, 'PUT', `${acct}/site/marked`, { body: '', headers: { 'Content-Type': 'application/directory' } });
    await raw(cloud, 'PUT', `${acct}/site/marked/inner.txt`, { body: 'i' });
    const res = await raw(cloud, 'GET', `${acct}/site/marked`, { token: null, redirect: 'manual' });
    assert.equal(res.status, 301);
    const listing = await (await anon(`${acct}/site/marked/`)).text();
    assert.ok(listing.includes('inner.txt'));
  });
});
