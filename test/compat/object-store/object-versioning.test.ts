// Object versioning with X-Versions-Enabled: version ids, ?versions listings, reads and
// deletes by version-id, delete markers, suspending, and the rules against mixing it with
// the legacy X-Versions-Location / X-History-Location modes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { accountPath, memberOfNewProject, raw } from './helpers.ts';

interface VersionEntry { name: string; version_id: string; is_latest: boolean; content_type: string; bytes: number; hash: string }

describe('object-store object versioning', () => {
  let cloud: TestCloud;
  let acct: string;
  const versions = async (container: string, query = ''): Promise<VersionEntry[]> => {
    const res = await raw(cloud, 'GET', `${acct}/${container}?versions&format=json${query}`);
    assert.equal(res.status, 200);
    return res.json();
  };
  before(async () => {
    cloud = await startCloud();
    acct = await accountPath(cloud);
  });
  after(async () => cloud?.stop());

  it('is advertised in /info and reported on the container', async () => {
    const info = await (await raw(cloud, 'GET', '/info', { token: null })).json();
    assert.ok(info.object_versioning);
    assert.equal((await raw(cloud, 'PUT', `${acct}/vers`, { headers: { 'X-Versions-Enabled': 'true' } })).status, 201);
    assert.equal((await raw(cloud, 'HEAD', `${acct}/vers`)).headers.get('x-versions-enabled'), 'True');
    // the hidden versions container is not one of the account's containers
    const names = (await (await raw(cloud, 'GET', `${acct}?format=json`)).json()).map((c: { name: string }) => c.name);
    assert.deepEqual(names, ['vers']);
  });

  it('gives every write a version id and keeps the older versions', async () => {
    const ids: string[] = [];
    for (const body of ['one', 'two', 'three']) {
      const put = await raw(cloud, 'PUT', `${acct}/vers/doc`, { body });
      assert.equal(put.status, 201);
      const id = put.headers.get('x-object-version-id');
      assert.match(id ?? '', /^\d{10}\.\d{5}$/);
      ids.push(id!);
    }
    const get = await raw(cloud, 'GET', `${acct}/vers/doc`);
    assert.equal(await get.text(), 'three');
    assert.equal(get.headers.get('x-object-version-id'), ids[2]);
    const first = await raw(cloud, 'GET', `${acct}/vers/doc?version-id=${ids[0]}`);
    assert.equal(first.status, 200);
    assert.equal(await first.text(), 'one');
    assert.equal(first.headers.get('x-object-version-id'), ids[0]);
    const head = await raw(cloud, 'HEAD', `${acct}/vers/doc?version-id=${ids[1]}`);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '3');
    const listed = await versions('vers');
    assert.deepEqual(listed.map((e) => [e.name, e.version_id, e.is_latest]), [
      ['doc', ids[2], true], ['doc', ids[1], false], ['doc', ids[0], false],
    ]);
    assert.equal(listed[0].bytes, 5);
    // the plain listing shows only current objects
    assert.equal(await (await raw(cloud, 'GET', `${acct}/vers`)).text(), 'doc\n');
    // paging by marker and version_marker
    const page = await versions('vers', `&marker=doc&version_marker=${ids[2]}&limit=1`);
    assert.deepEqual(page.map((e) => e.version_id), [ids[1]]);
  });

  it('writes a delete marker on DELETE and restores by copying a version back', async () => {
    const del = await raw(cloud, 'DELETE', `${acct}/vers/doc`);
    assert.equal(del.status, 204);
    const marker = del.headers.get('x-object-version-id')!;
    assert.match(marker, /^\d{10}\.\d{5}$/);
    assert.equal((await raw(cloud, 'GET', `${acct}/vers/doc`)).status, 404);
    assert.equal((await raw(cloud, 'GET', `${acct}/vers/doc?version-id=${marker}`)).status, 404);
    const listed = await versions('vers');
    assert.equal(listed[0].version_id, marker);
    assert.equal(listed[0].content_type, 'application/x-deleted;swift_versions_deleted=1');
    assert.equal(listed[0].is_latest, true);
    assert.equal(listed.length, 4);
    const oldest = listed[3].version_id;
    const copy = await raw(cloud, 'COPY', `${acct}/vers/doc?version-id=${oldest}`, { headers: { Destination: 'vers/doc' } });
    assert.equal(copy.status, 201);
    assert.equal(await (await raw(cloud, 'GET', `${acct}/vers/doc`)).text(), 'one');
  });

  it('deletes single versions by version-id without touching the others', async () => {
    const listed = await versions('vers');
    const current = listed.find((e) => e.is_latest && e.content_type !== 'application/x-deleted;swift_versions_deleted=1')!;
    const older = listed.filter((e) => !e.is_latest && e.content_type !== 'application/x-deleted;swift_versions_deleted=1');
    const gone = await raw(cloud, 'DELETE', `${acct}/vers/doc?version-id=${older[0].version_id}`);
    assert.equal(gone.status, 204);
    assert.equal((await raw(cloud, 'GET', `${acct}/vers/doc?version-id=${older[0].version_id}`)).status, 404);
    assert.equal(await (await raw(cloud, 'GET', `${acct}/vers/doc`)).text(), 'one');
    // deleting the current version by id removes it with no marker and no restore
    assert.equal((await raw(cloud, 'DELETE', `${acct}/vers/doc?version-id=${current.version_id}`)).status, 204);
    assert.equal((await raw(cloud, 'GET', `${acct}/vers/doc`)).status, 404);
    assert.equal((await versions('vers')).length, listed.length - 2);
    assert.equal((await raw(cloud, 'DELETE', `${acct}/vers/doc?version-id=1234567890.12345`)).status, 404);
  });

  it('refuses bad version ids and version-id on PUT and POST', async () => {
    assert.equal((await raw(cloud, 'GET', `${acct}/vers/doc?version-id=latest`)).status, 400);
    assert.equal((await raw(cloud, 'PUT', `${acct}/vers/doc?version-id=1234567890.12345`, { body: 'x' })).status, 400);
    await raw(cloud, 'PUT', `${acct}/vers/other`, { body: 'o' });
    assert.equal((await raw(cloud, 'POST', `${acct}/vers/other?version-id=null`)).status, 400);
  });

  it('writes null versions while suspended and versions them off when re-enabled', async () => {
    await raw(cloud, 'PUT', `${acct}/pause`);
    await raw(cloud, 'PUT', `${acct}/pause/obj`, { body: 'before' });
    assert.equal((await raw(cloud, 'POST', `${acct}/pause`, { headers: { 'X-Versions-Enabled': 'true' } })).status, 204);
    const put = await raw(cloud, 'PUT', `${acct}/pause/obj`, { body: 'versioned' });
    const id = put.headers.get('x-object-version-id')!;
    assert.equal((await raw(cloud, 'POST', `${acct}/pause`, { headers: { 'X-Versions-Enabled': 'false' } })).status, 204);
    assert.equal((await raw(cloud, 'HEAD', `${acct}/pause`)).headers.get('x-versions-enabled'), 'False');
    const suspended = await raw(cloud, 'PUT', `${acct}/pause/obj`, { body: 'null one' });
    assert.equal(suspended.headers.get('x-object-version-id'), 'null');
    assert.equal(await (await raw(cloud, 'GET', `${acct}/pause/obj?version-id=null`)).text(), 'null one');
    assert.equal(await (await raw(cloud, 'GET', `${acct}/pause/obj?version-id=${id}`)).text(), 'versioned');
    const ids = (await versions('pause')).map((e) => e.version_id);
    assert.equal(ids[0], 'null');
    assert.ok(ids.includes(id));
    // a versioned container cannot go while versions remain
    await raw(cloud, 'DELETE', `${acct}/pause/obj`);
    assert.equal((await raw(cloud, 'DELETE', `${acct}/pause`)).status, 409);
    for (const e of await versions('pause')) await raw(cloud, 'DELETE', `${acct}/pause/obj?version-id=${e.version_id}`);
    assert.deepEqual(await versions('pause'), []);
    assert.equal((await raw(cloud, 'DELETE', `${acct}/pause`)).status, 204);
  });

  it('versions SLO manifests and copies too', async () => {
    await raw(cloud, 'PUT', `${acct}/segs`);
    const seg = await raw(cloud, 'PUT', `${acct}/segs/s1`, { body: 'segment-data' });
    const manifest = JSON.stringify([{ path: 'segs/s1', etag: seg.headers.get('etag'), size_bytes: 12 }]);
    const slo = await raw(cloud, 'PUT', `${acct}/vers/large?multipart-manifest=put`, { body: manifest });
    assert.equal(slo.status, 201);
    const sloId = slo.headers.get('x-object-version-id');
    assert.match(sloId ?? '', /^\d{10}\.\d{5}$/);
    const copy = await raw(cloud, 'PUT', `${acct}/vers/large`, { headers: { 'X-Copy-From': 'segs/s1', 'Content-Length': '0' } });
    assert.equal(copy.status, 201);
    assert.notEqual(copy.headers.get('x-object-version-id'), sloId);
    const old = await raw(cloud, 'GET', `${acct}/vers/large?version-id=${sloId}`);
    assert.equal(await old.text(), 'segment-data');
    assert.equal(old.headers.get('x-static-large-object'), 'True');
  });

  it('lists versions by prefix and with a delimiter', async () => {
    await raw(cloud, 'PUT', `${acct}/tree`, { headers: { 'X-Versions-Enabled': 'true' } });
    for (const name of ['dir/a', 'dir/a', 'dir/b', 'top']) await raw(cloud, 'PUT', `${acct}/tree/${name}`, { body: name });
    const all = await versions('tree');
    assert.deepEqual(all.map((e) => e.name), ['dir/a', 'dir/a', 'dir/b', 'top']);
    const byPrefix = await versions('tree', '&prefix=dir/');
    assert.deepEqual(byPrefix.map((e) => e.name), ['dir/a', 'dir/a', 'dir/b']);
    const res = await raw(cloud, 'GET', `${acct}/tree?versions&format=json&delimiter=/`);
    assert.deepEqual((await res.json()).map((e: { name?: string; subdir?: string }) => e.subdir ?? e.name), ['dir/', 'top']);
  });

  it('does not mix with the legacy versioning modes', async () => {
    await raw(cloud, 'PUT', `${acct}/legacy`, { headers: { 'X-Versions-Location': 'archive' } });
    const res = await raw(cloud, 'POST', `${acct}/legacy`, { headers: { 'X-Versions-Enabled': 'true' } });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /legacy versioned writes/);
    const back = await raw(cloud, 'POST', `${acct}/vers`, { headers: { 'X-History-Location': 'archive' } });
    assert.equal(back.status, 400);
  });

  it('keeps versions private to the account', async () => {
    const other = await memberOfNewProject(cloud, 'versions-other');
    const listed = await versions('vers');
    const res = await raw(cloud, 'GET', `${acct}/vers/other?version-id=${listed[0].version_id}`, { token: other.token });
    assert.equal(res.status, 403);
    assert.equal((await raw(cloud, 'GET', `/object-store/v1/.versions_${acct.split('/').pop()}/vers`, { token: other.token })).status, 403);
  });
});
