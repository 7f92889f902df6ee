// Glance v2 images: version documents, create/list/show/patch/delete, filters, sorting,
// paging, tags, schemas, policies and Glance's error bodies.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { memberOfNewProject, PATCH_TYPE, upload } from './helpers.ts';

const JSON_ACCEPT = { Accept: 'application/json' };

describe('Glance images', () => {
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

  it('serves the version documents', async () => {
    const root = await cloud.request('GET', '/image/', { token: null });
    assert.equal(root.status, 300);
    assert.equal(root.body.versions[0].id, 'v2.16');
    assert.equal(root.body.versions[0].status, 'CURRENT');
    assert.ok(root.body.versions.some((v: any) => v.id === 'v2.0' && v.status === 'SUPPORTED'));
    assert.match(root.body.versions[0].links[0].href, /\/image\/v2\/$/);
    const versions = await cloud.request('GET', '/image/versions', { token: null });
    assert.equal(versions.status, 200);
    assert.equal(versions.body.versions.length, 17);
  });

  it('is in the catalog at its root', async () => {
    const res = await cloud.request('GET', '/identity/v3/auth/catalog');
    const image = res.body.catalog.find((s: any) => s.type === 'image');
    assert.equal(image.name, 'glance');
    assert.match(image.endpoints[0].url, /\/image$/);
  });

  it('creates an image with defaults, extra properties and tags', async () => {
    const image = await create({ name: 'cirros', disk_format: 'qcow2', container_format: 'bare', tags: ['a', 'b'], os_distro: 'cirros', min_ram: 64 });
    assert.equal(image.status, 'queued');
    assert.equal(image.visibility, 'shared');
    assert.equal(image.protected, false);
    assert.equal(image.os_hidden, false);
    assert.equal(image.os_distro, 'cirros');
    assert.equal(image.min_ram, 64);
    assert.equal(image.size, null);
    assert.equal(image.checksum, null);
    assert.deepEqual(image.tags, ['a', 'b']);
    assert.equal(image.self, `/v2/images/${image.id}`);
    assert.equal(image.file, `/v2/images/${image.id}/file`);
    assert.equal(image.schema, '/v2/schemas/image');
    assert.match(image.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const shown = await cloud.request('GET', `/image/v2/images/${image.id}`);
    assert.deepEqual(shown.body, image);
  });

  it('accepts a chosen id and refuses a duplicate with 409', async () => {
    const id = '4a0b5f2c-3c0e-4d59-8d7e-7f3a7c1f0a11';
    const image = await create({ id, name: 'fixed' });
    assert.equal(image.id, id);
    const again = await cloud.request('POST', '/image/v2/images', { body: { id }, headers: JSON_ACCEPT });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, '409 Conflict');
  });

  it('rejects bad input with Glance bodies, never a 500', async () => {
    const cases: Array<[unknown, number]> = [
      [{ disk_format: 'bogus' }, 400],
      [{ container_format: 'bogus' }, 400],
      [{ visibility: 'everyone' }, 400],
      [{ min_ram: -1 }, 400],
      [{ min_disk: 'x' }, 400],
      [{ protected: 'yes' }, 400],
      [{ name: 'x'.repeat(256) }, 400],
      [{ id: 'not-a-uuid' }, 400],
      [{ tags: 'x' }, 400],
      [{ tags: ['a', 'a'] }, 400],
      [{ custom: 5 }, 400],
      [{ status: 'active' }, 403],
      [{ size: 5 }, 403],
      [{ checksum: 'x' }, 403],
      [{ os_glance_foo: 'x' }, 403],
      [{ deleted: 'x' }, 403],
      [[1, 2], 400],
    ];
    for (const [body, status] of cases) {
      const res = await cloud.request('POST', '/image/v2/images', { body, headers: JSON_ACCEPT });
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
      assert.equal(typeof res.body.message, 'string');
      assert.equal(res.body.code, `${status} ${status === 400 ? 'Bad Request' : 'Forbidden'}`);
    }
    const malformed = await cloud.request('POST', '/image/v2/images', { body: '{nope', headers: JSON_ACCEPT, unchecked: true });
    assert.equal(malformed.status, 400);
  });

  it('renders errors as HTML when the client does not ask for JSON, as webob does', async () => {
    const res = await fetch(`${cloud.url}/image/v2/images/00000000-0000-0000-0000-000000000000`, { headers: { 'X-Auth-Token': cloud.adminToken } });
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /<title>404 Not Found<\/title>[\s\S]*No image found with ID 00000000-0000-0000-0000-000000000000/);
    const json = await cloud.request('GET', '/image/v2/images/00000000-0000-0000-0000-000000000000', { headers: JSON_ACCEPT });
    assert.equal(json.status, 404);
    assert.deepEqual(Object.keys(json.body).sort(), ['code', 'message', 'title']);
    assert.equal(json.body.title, 'Not Found');
    assert.match(json.body.message, /No image found with ID/);
  });

  it('answers 404 for an empty id and 401 without a token', async () => {
    assert.equal((await cloud.request('GET', '/image/v2/images/', { headers: JSON_ACCEPT })).status, 404);
    assert.equal((await cloud.request('DELETE', '/image/v2/images/', { headers: JSON_ACCEPT })).status, 404);
    assert.equal((await cloud.request('DELETE', '/image/v2/images', { headers: JSON_ACCEPT })).status, 405);
    const anonymous = await cloud.request('GET', '/image/v2/images', { token: null, unchecked: true });
    assert.equal(anonymous.status, 401);
    assert.ok(anonymous.headers.get('www-authenticate'));
  });

  it('updates with JSON patch: add, replace, remove; read-only 403; other media type 415', async () => {
    const image = await create({ name: 'before', disk_format: 'raw', container_format: 'bare' });
    const patch = (ops: unknown, type = PATCH_TYPE) =>
      cloud.request('PATCH', `/image/v2/images/${image.id}`, { body: ops, headers: { 'Content-Type': type, ...JSON_ACCEPT } });
    const ok = await patch([
      { op: 'replace', path: '/name', value: 'after' },
      { op: 'add', path: '/hw_disk_bus', value: 'virtio' },
      { op: 'add', path: '/tags', value: ['x'] },
      { op: 'replace', path: '/min_disk', value: 2 },
    ]);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.name, 'after');
    assert.equal(ok.body.hw_disk_bus, 'virtio');
    assert.deepEqual(ok.body.tags, ['x']);
    assert.equal(ok.body.min_disk, 2);
    const removed = await patch([{ op: 'remove', path: '/hw_disk_bus' }]);
    assert.equal(removed.status, 200);
    assert.equal(removed.body.hw_disk_bus, undefined);
    assert.equal((await patch([{ op: 'remove', path: '/hw_disk_bus' }])).status, 409);
    assert.equal((await patch([{ op: 'replace', path: '/nope', value: 'x' }])).status, 409);
    assert.equal((await patch([{ op: 'replace', path: '/status', value: 'active' }])).status, 403);
    assert.equal((await patch([{ op: 'replace', path: '/id', value: image.id }])).status, 403);
    assert.equal((await patch([{ op: 'remove', path: '/name' }])).status, 403);
    assert.equal((await patch([{ op: 'replace', path: '/visibility', value: 'nope' }])).status, 400);
    assert.equal((await patch([{ op: 'move', path: '/name' }])).status, 400);
    assert.equal((await patch({ op: 'replace' })).status, 400);
    assert.equal((await patch([{ op: 'replace', path: '/name', value: 'x' }], 'application/json')).status, 415);
  });

  it('protects, deletes (204) and then forgets an image', async () => {
    const image = await create({ name: 'keep', protected: true });
    const refused = await cloud.request('DELETE', `/image/v2/images/${image.id}`, { headers: JSON_ACCEPT });
    assert.equal(refused.status, 403);
    const unprotect = await cloud.request('PATCH', `/image/v2/images/${image.id}`, {
      body: [{ op: 'replace', path: '/protected', value: false }],
      headers: { 'Content-Type': PATCH_TYPE },
    });
    assert.equal(unprotect.status, 200);
    assert.equal((await cloud.request('DELETE', `/image/v2/images/${image.id}`)).status, 204);
    assert.equal((await cloud.request('GET', `/image/v2/images/${image.id}`, { headers: JSON_ACCEPT })).status, 404);
    assert.equal((await cloud.request('DELETE', `/image/v2/images/${image.id}`, { headers: JSON_ACCEPT })).status, 404);
  });

  it('adds and removes tags', async () => {
    const image = await create({ name: 'tagged' });
    assert.equal((await cloud.request('PUT', `/image/v2/images/${image.id}/tags/blue`)).status, 204);
    assert.equal((await cloud.request('PUT', `/image/v2/images/${image.id}/tags/blue`)).status, 204);
    assert.deepEqual((await cloud.request('GET', `/image/v2/images/${image.id}`)).body.tags, ['blue']);
    assert.equal((await cloud.request('DELETE', `/image/v2/images/${image.id}/tags/blue`)).status, 204);
    assert.equal((await cloud.request('DELETE', `/image/v2/images/${image.id}/tags/blue`, { headers: JSON_ACCEPT })).status, 404);
    assert.equal((await cloud.request('PUT', `/image/v2/images/00000000-0000-0000-0000-000000000000/tags/x`, { headers: JSON_ACCEPT })).status, 404);
  });

  it('filters, sorts and pages the list', async () => {
    const ids: string[] = [];
    for (const [i, fmt] of ['raw', 'qcow2', 'raw', 'iso'].entries()) {
      const image = await create({ name: `list-${i}`, disk_format: fmt, container_format: 'bare', tags: i % 2 ? ['odd', 'n'] : ['even', 'n'], flavor: `f${i}` });
      ids.push(image.id);
      if (fmt === 'raw') {
        const res = await upload(cloud, image.id, new Uint8Array(1000 * (i + 1)));
        assert.equal(res.status, 204, await res.text());
      }
    }
    const list = async (query: string) => {
      const res = await cloud.request('GET', `/image/v2/images?${query}`, { headers: JSON_ACCEPT });
      assert.equal(res.status, 200, res.text);
      return res.body;
    };
    assert.deepEqual((await list('name=list-1')).images.map((i: any) => i.id), [ids[1]]);
    assert.equal((await list('disk_format=raw&tag=n')).images.length, 2);
    assert.deepEqual((await list('tag=odd&tag=n')).images.map((i: any) => i.name).sort(), ['list-1', 'list-3']);
    assert.deepEqual((await list('status=active&tag=n')).images.map((i: any) => i.name).sort(), ['list-0', 'list-2']);
    assert.deepEqual((await list('size_min=2000&tag=n')).images.map((i: any) => i.name), ['list-2']);
    assert.deepEqual((await list('size_max=2000&tag=n')).images.map((i: any) => i.name), ['list-0']);
    // columns compare by value, as Glance's database does (Tempest's test_list_images_param_size)
    assert.deepEqual((await list('size=3000&tag=n')).images.map((i: any) => i.name), ['list-2']);
    assert.deepEqual((await list('size=3000&size_min=500&size_max=3500&tag=n')).images.map((i: any) => i.name), ['list-2']);
    assert.equal((await list('size=3001&tag=n')).images.length, 0);
    assert.equal((await list('size=abc&tag=n')).images.length, 0);
    assert.deepEqual((await list('size_min=%202500&size_max=3500&tag=n')).images.map((i: any) => i.name), ['list-2']);
    assert.equal((await list('min_ram=0&tag=n')).images.length, 4);
    const checksum = (await list('name=list-0')).images[0].checksum;
    assert.deepEqual((await list(`checksum=${checksum}&tag=n`)).images.map((i: any) => i.name), ['list-0']);
    assert.deepEqual((await list(`id=in:${ids[0]},${ids[3]}`)).images.map((i: any) => i.id).sort(), [ids[0], ids[3]].sort());
    assert.deepEqual((await list('flavor=f2')).images.map((i: any) => i.name), ['list-2']);
    assert.equal((await list('tag=n&created_at=gt:2000-01-01T00:00:00Z')).images.length, 4);
    assert.equal((await list('tag=n&created_at=lt:2000-01-01T00:00:00Z')).images.length, 0);
    assert.deepEqual((await list('tag=n&sort_key=name&sort_dir=asc')).images.map((i: any) => i.name), ['list-0', 'list-1', 'list-2', 'list-3']);
    assert.deepEqual((await list('tag=n&sort=name:desc')).images.map((i: any) => i.name), ['list-3', 'list-2', 'list-1', 'list-0']);
    const sizes = (await list('tag=n&status=active&sort=size:desc')).images.map((i: any) => i.size);
    assert.deepEqual(sizes, [...sizes].sort((a: number, b: number) => b - a));
    const page1 = await list('tag=n&sort_key=name&sort_dir=asc&limit=3');
    assert.equal(page1.images.length, 3);
    assert.equal(page1.schema, '/v2/schemas/images');
    assert.match(page1.first, /^\/v2\/images\?/);
    assert.ok(page1.next);
    const page2 = await list(page1.next.replace('/v2/images?', ''));
    assert.deepEqual(page2.images.map((i: any) => i.name), ['list-3']);
    assert.equal(page2.next, undefined);
    for (const bad of ['limit=x', 'limit=-1', 'sort_key=bogus', 'sort_dir=up', 'sort=name&sort_key=name', 'visibility=everyone',
      'member_status=maybe', 'status=bogus', 'size_min=x', 'size_max=1.5', 'protected=maybe', 'created_at=zz:2020', 'created_at=gt:notatime',
      'marker=00000000-0000-0000-0000-000000000000']) {
      const res = await cloud.request('GET', `/image/v2/images?${bad}`, { headers: JSON_ACCEPT });
      assert.equal(res.status, 400, `${bad}: ${res.text}`);
    }
  });

  it('hides os_hidden images unless asked', async () => {
    const image = await create({ name: 'hidden-one', os_hidden: true });
    const plain = await cloud.request('GET', '/image/v2/images?name=hidden-one');
    assert.equal(plain.body.images.length, 0);
    const asked = await cloud.request('GET', '/image/v2/images?name=hidden-one&os_hidden=true');
    assert.deepEqual(asked.body.images.map((i: any) => i.id), [image.id]);
  });

  it('serves schemas that describe the real fields', async () => {
    const image = await cloud.request('GET', '/image/v2/schemas/image');
    assert.equal(image.body.name, 'image');
    for (const field of ['id', 'name', 'status', 'visibility', 'os_hidden', 'os_hash_algo', 'os_hash_value', 'stores', 'tags', 'min_ram']) {
      assert.ok(image.body.properties[field], field);
    }
    assert.deepEqual(image.body.additionalProperties, { type: 'string' });
    assert.equal((await cloud.request('GET', '/image/v2/schemas/images')).body.name, 'images');
    assert.equal((await cloud.request('GET', '/image/v2/schemas/member')).body.name, 'member');
    assert.equal((await cloud.request('GET', '/image/v2/schemas/members')).body.name, 'members');
  });

  it('applies policy: publicize_image is admin-only; a member may create private and community images', async () => {
    const alice = await memberOfNewProject(cloud, 'img-policy');
    const pub = await cloud.request('POST', '/image/v2/images', { body: { name: 'p', visibility: 'public' }, token: alice.token, headers: JSON_ACCEPT });
    assert.equal(pub.status, 403);
    assert.match(pub.body.message, /publicize_image/);
    const community = await create({ name: 'c', visibility: 'community' }, alice.token);
    assert.equal(community.owner, alice.projectId);
    const other = await cloud.request('POST', '/image/v2/images', { body: { name: 'o', owner: 'someone-else' }, token: alice.token, headers: JSON_ACCEPT });
    assert.equal(other.status, 403);
    const mine = await create({ name: 'm', visibility: 'private' }, alice.token);
    const makePublic = await cloud.request('PATCH', `/image/v2/images/${mine.id}`, {
      token: alice.token,
      body: [{ op: 'replace', path: '/visibility', value: 'public' }],
      headers: { 'Content-Type': PATCH_TYPE, ...JSON_ACCEPT },
    });
    assert.equal(makePublic.status, 403);
    const admin = await cloud.request('POST', '/image/v2/images', { body: { name: 'pub', visibility: 'public' } });
    assert.equal(admin.status, 201);
  });
});
