// Image data: streamed upload and download with checksums, Range, the status machine,
// format inspection (a qcow2 naming a backing file is refused), import and its tasks.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { memberOfNewProject, qcow2Header, upload } from './helpers.ts';

const JSON_ACCEPT = { Accept: 'application/json' };

describe('Glance image data', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud();
  });
  after(async () => cloud?.stop());

  const create = async (body: Record<string, unknown>, token?: string) => {
    const res = await cloud.request('POST', '/image/v2/images', { body, token, headers: JSON_ACCEPT });
    assert.equal(res.status, 201, res.text);
    return res.body;
  };
  const show = async (id: string, token?: string) => (await cloud.request('GET', `/image/v2/images/${id}`, { token })).body;

  it('streams a multi-MiB upload and download with matching checksums', async () => {
    const image = await create({ name: 'big', disk_format: 'raw', container_format: 'bare' });
    const chunk = randomBytes(1024 * 1024);
    const md5 = createHash('md5');
    const sha512 = createHash('sha512');
    const chunks = 12;
    for (let i = 0; i < chunks; i++) {
      md5.update(chunk);
      sha512.update(chunk);
    }
    let sent = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (sent++ < chunks) controller.enqueue(new Uint8Array(chunk));
        else controller.close();
      },
    });
    const res = await upload(cloud, image.id, body);
    assert.equal(res.status, 204, await res.text());
    const active = await show(image.id);
    assert.equal(active.status, 'active');
    assert.equal(active.size, chunks * chunk.length);
    assert.equal(active.virtual_size, chunks * chunk.length);
    assert.equal(active.checksum, md5.digest('hex'));
    assert.equal(active.os_hash_algo, 'sha512');
    assert.equal(active.os_hash_value, sha512.digest('hex'));
    assert.equal(active.stores, 'file');

    const download = await fetch(`${cloud.url}/image/v2/images/${image.id}/file`, { headers: { 'X-Auth-Token': cloud.adminToken } });
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-md5'), active.checksum);
    assert.equal(download.headers.get('content-type'), 'application/octet-stream');
    const got = createHash('md5');
    let total = 0;
    for await (const piece of download.body as unknown as AsyncIterable<Uint8Array>) {
      got.update(piece);
      total += piece.length;
    }
    assert.equal(total, active.size);
    assert.equal(got.digest('hex'), active.checksum);

    const again = await upload(cloud, image.id, new Uint8Array(10));
    assert.equal(again.status, 409);
  });

  it('serves ranges (206), refuses unsatisfiable ones (416), and has no data before upload (204)', async () => {
    const image = await create({ name: 'ranged', disk_format: 'raw', container_format: 'bare' });
    const empty = await fetch(`${cloud.url}/image/v2/images/${image.id}/file`, { headers: { 'X-Auth-Token': cloud.adminToken } });
    assert.equal(empty.status, 204);
    const data = Buffer.from('0123456789abcdefghij');
    assert.equal((await upload(cloud, image.id, data)).status, 204);
    const get = (range: string) => fetch(`${cloud.url}/image/v2/images/${image.id}/file`, { headers: { 'X-Auth-Token': cloud.adminToken, Range: range } });
    const part = await get('bytes=2-5');
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 2-5/20');
    assert.equal(await part.text(), '2345');
    const tail = await get('bytes=-3');
    assert.equal(await tail.text(), 'hij');
    const open = await get('bytes=15-');
    assert.equal(await open.text(), 'fghij');
    const beyond = await get('bytes=50-60');
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), 'bytes */20');
    assert.equal((await get('bytes=a-b')).status, 416);
  });

  it('needs formats before data, and application/octet-stream', async () => {
    const bare = await create({ name: 'noformat' });
    const res = await upload(cloud, bare.id, new Uint8Array(4));
    assert.equal(res.status, 400);
    const image = await create({ name: 'ct', disk_format: 'raw', container_format: 'bare' });
    const wrong = await fetch(`${cloud.url}/image/v2/images/${image.id}/file`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': cloud.adminToken, 'Content-Type': 'text/plain', Accept: 'application/json' },
      body: 'x',
    });
    assert.equal(wrong.status, 415);
  });

  it('inspects uploads: mismatched formats and unsafe qcow2 are refused, the image stays queued', async () => {
    const refused = async (diskFormat: string, data: Buffer, pattern: RegExp) => {
      const image = await create({ name: `inspect-${diskFormat}`, disk_format: diskFormat, container_format: 'bare' });
      const res = await upload(cloud, image.id, data);
      const text = await res.text();
      assert.equal(res.status, 400, text);
      assert.match(JSON.parse(text).message, pattern);
      const after = await show(image.id);
      assert.equal(after.status, 'queued');
      assert.equal(after.size, null);
      return image;
    };
    await refused('qcow2', Buffer.concat([qcow2Header({ backingFile: '/etc/shadow' }), Buffer.alloc(4096)]), /backing file/);
    await refused('qcow2', Buffer.concat([qcow2Header({ dataFile: true }), Buffer.alloc(4096)]), /external data file/);
    await refused('qcow2', Buffer.alloc(4096, 7), /does not match disk_format qcow2/);
    await refused('vhd', Buffer.alloc(4096, 1), /does not match disk_format vhd/);
    await refused('iso', Buffer.alloc(40000), /does not match disk_format iso/);
    await refused('vmdk', Buffer.from('# Disk DescriptorFile\ncreateType="monolithicFlat"\n'), /safety check/);
    const retried = await refused('vdi', Buffer.alloc(1024), /vdi/);
    const vdi = Buffer.alloc(1024);
    vdi.writeUInt32LE(0xbeda107f, 0x40);
    assert.equal((await upload(cloud, retried.id, vdi)).status, 204);

    const good = await create({ name: 'good-qcow2', disk_format: 'qcow2', container_format: 'bare' });
    assert.equal((await upload(cloud, good.id, Buffer.concat([qcow2Header({ virtualSize: 5n * 1024n ** 3n }), Buffer.alloc(4096)]))).status, 204);
    assert.equal((await show(good.id)).virtual_size, 5 * 1024 ** 3);
    const iso = Buffer.alloc(40000);
    iso.write('CD001', 0x8001, 'latin1');
    const isoImage = await create({ name: 'good-iso', disk_format: 'iso', container_format: 'bare' });
    assert.equal((await upload(cloud, isoImage.id, iso)).status, 204);
    const vhdData = Buffer.alloc(2048);
    vhdData.write('conectix', 2048 - 512, 'latin1');
    const vhdImage = await create({ name: 'good-vhd', disk_format: 'vhd', container_format: 'bare' });
    assert.equal((await upload(cloud, vhdImage.id, vhdData)).status, 204);
    for (const fmt of ['raw', 'ami', 'aki', 'ari']) {
      const any = await create({ name: `any-${fmt}`, disk_format: fmt, container_format: fmt === 'raw' ? 'bare' : fmt });
      assert.equal((await upload(cloud, any.id, randomBytes(3000))).status, 204, fmt);
    }
  });

  it('deactivates (download forbidden to non-admins) and reactivates', async () => {
    const alice = await memberOfNewProject(cloud, 'img-deact');
    const image = await create({ name: 'deact', disk_format: 'raw', container_format: 'bare', visibility: 'private' }, alice.token);
    assert.equal((await upload(cloud, image.id, Buffer.from('data'), alice.token)).status, 204);
    assert.equal((await cloud.request('POST', `/image/v2/images/${image.id}/actions/deactivate`, { token: alice.token })).status, 204);
    assert.equal((await show(image.id, alice.token)).status, 'deactivated');
    const forbidden = await fetch(`${cloud.url}/image/v2/images/${image.id}/file`, { headers: { 'X-Auth-Token': alice.token, Accept: 'application/json' } });
    assert.equal(forbidden.status, 403);
    const asAdmin = await fetch(`${cloud.url}/image/v2/images/${image.id}/file`, { headers: { 'X-Auth-Token': cloud.adminToken } });
    assert.equal(await asAdmin.text(), 'data');
    assert.equal((await cloud.request('POST', `/image/v2/images/${image.id}/actions/reactivate`, { token: alice.token })).status, 204);
    assert.equal((await show(image.id)).status, 'active');
    const queued = await create({ name: 'q' });
    assert.equal((await cloud.request('POST', `/image/v2/images/${queued.id}/actions/deactivate`, { headers: JSON_ACCEPT })).status, 403);
  });

  it('imports with glance-direct from the stage, recording a task', async () => {
    const info = await cloud.request('GET', '/image/v2/info/import');
    assert.deepEqual(info.body['import-methods'].value, ['glance-direct', 'web-download', 'copy-image']);
    const stores = await cloud.request('GET', '/image/v2/info/stores');
    assert.deepEqual(stores.body.stores.map((s: any) => [s.id, s.default]), [['file', true]]);
    const image = await create({ name: 'imported', disk_format: 'raw', container_format: 'bare' });
    const staged = await fetch(`${cloud.url}/image/v2/images/${image.id}/stage`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': cloud.adminToken, 'Content-Type': 'application/octet-stream' },
      body: Buffer.from('staged bytes'),
    });
    assert.equal(staged.status, 204);
    assert.equal((await show(image.id)).status, 'uploading');
    const res = await cloud.request('POST', `/image/v2/images/${image.id}/import`, { body: { method: { name: 'glance-direct' } } });
    assert.equal(res.status, 202, res.text);
    let current = await show(image.id);
    for (let i = 0; i < 50 && current.status !== 'active'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      current = await show(image.id);
    }
    assert.equal(current.status, 'active');
    assert.equal(current.size, 12);
    assert.equal(current.stores, 'file');
    assert.equal(current.os_glance_failed_import, '');
    const tasks = await cloud.request('GET', `/image/v2/images/${image.id}/tasks`);
    assert.equal(tasks.body.tasks.length, 1);
    assert.equal(tasks.body.tasks[0].status, 'success');
    assert.equal(tasks.body.tasks[0].request_id, res.headers.get('x-openstack-request-id'));
    assert.equal(tasks.body.tasks[0].input.import_req.method.name, 'glance-direct');
    const all = await cloud.request('GET', '/image/v2/tasks');
    assert.ok(all.body.tasks.some((t: any) => t.id === tasks.body.tasks[0].id));
    const one = await cloud.request('GET', `/image/v2/tasks/${tasks.body.tasks[0].id}`);
    assert.equal(one.body.type, 'api_image_import');
    const download = await fetch(`${cloud.url}/image/v2/images/${image.id}/file`, { headers: { 'X-Auth-Token': cloud.adminToken } });
    assert.equal(await download.text(), 'staged bytes');
    // copy-image into the store that already holds it completes as a no-op task
    const copy = await cloud.request('POST', `/image/v2/images/${image.id}/import`, { body: { method: { name: 'copy-image' }, stores: ['file'] } });
    assert.equal(copy.status, 202, copy.text);
  });

  it('refuses imports it cannot do: unstaged glance-direct 409, web-download outside the allow-list 400, unknown method 400', async () => {
    const image = await create({ name: 'noimport', disk_format: 'raw', container_format: 'bare' });
    const post = (body: unknown, token?: string) => cloud.request('POST', `/image/v2/images/${image.id}/import`, { body, token, headers: JSON_ACCEPT });
    assert.equal((await post({ method: { name: 'glance-direct' } })).status, 409);
    const web = await post({ method: { name: 'web-download', uri: 'http://127.0.0.1:1/x.img' } });
    assert.equal(web.status, 400);
    assert.match(web.body.message, /does not pass filtering/);
    assert.equal((await post({ method: { name: 'teleport' } })).status, 400);
    assert.equal((await post({})).status, 400);
    assert.equal((await post({ method: { name: 'glance-direct' }, stores: ['ceph'] })).status, 400);
    const alice = await memberOfNewProject(cloud, 'img-tasks');
    assert.equal((await cloud.request('GET', '/image/v2/tasks', { token: alice.token, headers: JSON_ACCEPT })).status, 403);
  });
});

describe('Glance sharing and visibility', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud();
  });
  after(async () => cloud?.stop());

  it('shows each project what Glance would: owner, public, community on request, accepted shares', async () => {
    const a = await memberOfNewProject(cloud, 'vis-a');
    const b = await memberOfNewProject(cloud, 'vis-b');
    const make = async (name: string, visibility: string, token: string) => {
      const res = await cloud.request('POST', '/image/v2/images', { body: { name, visibility }, token, headers: JSON_ACCEPT });
      assert.equal(res.status, 201, res.text);
      return res.body.id as string;
    };
    const priv = await make('a-private', 'private', a.token);
    const shared = await make('a-shared', 'shared', a.token);
    const community = await make('a-community', 'community', a.token);
    const pub = await make('admin-public', 'public', cloud.adminToken);
    const names = async (token: string, query = '') =>
      (await cloud.request('GET', `/image/v2/images${query}`, { token })).body.images.map((i: any) => i.name).sort();

    assert.deepEqual(await names(a.token), ['a-community', 'a-private', 'a-shared', 'admin-public']);
    assert.deepEqual(await names(b.token), ['admin-public']);
    assert.deepEqual(await names(b.token, '?visibility=community'), ['a-community']);
    const get = (id: string, token: string) => cloud.request('GET', `/image/v2/images/${id}`, { token, headers: JSON_ACCEPT });
    assert.equal((await get(priv, b.token)).status, 404);
    assert.equal((await get(shared, b.token)).status, 404);
    assert.equal((await get(community, b.token)).status, 200);
    assert.equal((await get(pub, b.token)).status, 200);
    const patchOthers = await cloud.request('PATCH', `/image/v2/images/${community}`, {
      token: b.token,
      body: [{ op: 'replace', path: '/name', value: 'stolen' }],
      headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch', ...JSON_ACCEPT },
    });
    assert.equal(patchOthers.status, 403);
    assert.equal((await cloud.request('DELETE', `/image/v2/images/${community}`, { token: b.token, headers: JSON_ACCEPT })).status, 403);

    // members: only shared images have them
    const addTo = (id: string, member: string, token: string) =>
      cloud.request('POST', `/image/v2/images/${id}/members`, { body: { member }, token, headers: JSON_ACCEPT });
    assert.equal((await addTo(priv, b.projectId, a.token)).status, 403);
    const added = await addTo(shared, b.projectId, a.token);
    assert.equal(added.status, 200, added.text);
    assert.equal(added.body.status, 'pending');
    assert.equal(added.body.schema, '/v2/schemas/member');
    assert.equal((await addTo(shared, b.projectId, a.token)).status, 409);
    assert.equal((await addTo(shared, a.projectId, b.token)).status, 403);

    // pending: visible by id and with member_status=pending, not in the default list
    assert.equal((await get(shared, b.token)).status, 200);
    assert.deepEqual(await names(b.token), ['admin-public']);
    assert.deepEqual(await names(b.token, '?visibility=shared&member_status=pending'), ['a-shared']);
    // the owner may not accept for the member; the member may
    const setStatus = (status: string, token: string) =>
      cloud.request('PUT', `/image/v2/images/${shared}/members/${b.projectId}`, { body: { status }, token, headers: JSON_ACCEPT });
    assert.equal((await setStatus('accepted', a.token)).status, 403);
    assert.equal((await setStatus('maybe', b.token)).status, 400);
    const accepted = await setStatus('accepted', b.token);
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.status, 'accepted');
    assert.deepEqual(await names(b.token), ['a-shared', 'admin-public']);
    assert.equal((await cloud.request('GET', `/image/v2/images/${shared}/members`, { token: a.token })).body.members.length, 1);
    assert.equal((await cloud.request('GET', `/image/v2/images/${shared}/members/${b.projectId}`, { token: b.token })).status, 200);
    assert.equal((await setStatus('rejected', b.token)).status, 200);
    assert.deepEqual(await names(b.token), ['admin-public']);
    assert.deepEqual(await names(b.token, '?member_status=all&visibility=shared'), ['a-shared']);
    // the owner withdraws the share
    assert.equal((await cloud.request('DELETE', `/image/v2/images/${shared}/members/${b.projectId}`, { token: b.token, headers: JSON_ACCEPT })).status, 403);
    assert.equal((await cloud.request('DELETE', `/image/v2/images/${shared}/members/${b.projectId}`, { token: a.token })).status, 204);
    assert.equal((await get(shared, b.token)).status, 404);
    // admin sees every image
    const adminNames = await names(cloud.adminToken, '?visibility=all');
    for (const n of ['a-private', 'a-shared', 'a-community', 'admin-public']) assert.ok(adminNames.includes(n), n);
  });
});
