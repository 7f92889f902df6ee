// The Nova servers API end to end on the all-in-one cloud (simulated hosts, instant timing):
// create -> ACTIVE, list/detail/filters/paging, update, actions, metadata, tags, instance
// actions, delete -> 404; the Terraform-style resize flow; Nova's errors for bad input;
// and another project's member seeing none of it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { hashPassword } from '../../../src/identity/passwords.ts';
import { hexId } from '../../../src/platform/ids.ts';

describe('compute servers API (nova)', () => {
  let cloud: TestCloud;
  let imageId: string;
  let netId: string;
  let member: { project: string; token: string };
  let other: { project: string; token: string };
  const r = (method: string, path: string, version = '2.1', body?: unknown, token?: string) =>
    cloud.request(method, `/compute/v2.1${path}`, { body, token, headers: { 'OpenStack-API-Version': `compute ${version}` } });

  const newMember = async (name: string) => {
    const db = cloud.runtime.identity.db;
    const project = await db.projects.insert({ id: hexId(), name: `p-${name}`, domain_id: 'default', parent_id: 'default', is_domain: false, enabled: true, description: '', tags: [], options: {}, extra: {} });
    const role = (await db.roles.findOne({ name: 'member', domain_id: null }))!;
    const userId = hexId();
    await db.users.insert({ id: userId, name: `u-${name}`, domain_id: 'default', enabled: true, default_project_id: null, password_hash: await hashPassword(`pw-${name}`), password_created_at: 0, password_expires_at: null, options: {}, extra: {}, failed_auth_count: 0, failed_auth_at: null, created_at: 0, last_active_at: null });
    await db.assignments.insert({ id: hexId(), actor_type: 'user', actor_id: userId, target_type: 'project', target_id: project.id, role_id: role.id, inherited: false });
    await cloud.runtime.identity.changed();
    return { project: project.id, token: await cloud.token({ id: userId }, `pw-${name}`, { project: { id: project.id } }) };
  };

  /** polls GET /servers/{id} until the status (or a 404 when status is 404) */
  const waitFor = async (id: string, status: string | 404, token?: string, version = '2.1') => {
    let last: any;
    for (let i = 0; i < 200; i++) {
      const res = await r('GET', `/servers/${id}`, version, undefined, token);
      if (status === 404 && res.status === 404) return res;
      last = res.body?.server;
      if (res.status === 200 && last.status === status && last['OS-EXT-STS:task_state'] === null) return res;
      if (res.status === 200 && last.status === 'ERROR' && status !== 'ERROR') assert.fail(`server ${id} went to ERROR: ${JSON.stringify(last.fault)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.fail(`server ${id} never reached ${status}; last seen ${JSON.stringify(last)}`);
  };

  const boot = async (name: string, extra: Record<string, unknown> = {}, version = '2.37', token?: string) => {
    const res = await r('POST', '/servers', version, { server: { name, imageRef: imageId, flavorRef: 'srv.small', networks: [{ uuid: netId }], ...extra } }, token);
    assert.equal(res.status, 202, res.text);
    return res;
  };

  before(async () => {
    cloud = await startCloud();
    member = await newMember('servers-a');
    other = await newMember('servers-b');
    for (const [id, ram, vcpus, disk] of [['srv.small', 512, 1, 1], ['srv.medium', 1024, 2, 2], ['srv.huge', 4096, 64, 10]] as const) {
      const res = await r('POST', '/flavors', '2.1', { flavor: { name: id, id, ram, vcpus, disk } });
      assert.equal(res.status, 200, res.text);
    }
    const image = await cloud.request('POST', '/image/v2/images', { body: { name: 'cirros', disk_format: 'raw', container_format: 'bare', visibility: 'public' } });
    assert.equal(image.status, 201, image.text);
    imageId = image.body.id;
    const upload = await fetch(`${cloud.url}/image/v2/images/${imageId}/file`, { method: 'PUT', headers: { 'X-Auth-Token': cloud.adminToken, 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(4096, 1) });
    assert.equal(upload.status, 204, await upload.text());
    const net = await cloud.request('POST', '/networking/v2.0/networks', { body: { network: { name: 'srv-net', shared: true } } });
    assert.equal(net.status, 201, net.text);
    netId = net.body.network.id;
    const subnet = await cloud.request('POST', '/networking/v2.0/subnets', { body: { subnet: { network_id: netId, cidr: '10.77.0.0/24', ip_version: 4 } } });
    assert.equal(subnet.status, 201, subnet.text);
  });
  after(() => cloud.stop());

  describe('lifecycle', () => {
    let id: string;

    it('creates a server: 202, Location, the reduced body with adminPass', async () => {
      const res = await boot('web-1', { metadata: { role: 'web' }, key_name: undefined });
      id = res.body.server.id;
      assert.deepEqual(Object.keys(res.body.server).sort(), ['OS-DCF:diskConfig', 'adminPass', 'id', 'links', 'security_groups']);
      assert.equal(res.headers.get('location'), `${cloud.url}/compute/v2.1/servers/${id}`);
      assert.equal(res.body.server.adminPass.length, 12);
      assert.deepEqual(res.body.server.security_groups, [{ name: 'default' }]);
    });

    it('becomes ACTIVE with addresses, host attributes for admins and the 2.47 flavor', async () => {
      const shown = (await waitFor(id, 'ACTIVE', undefined, '2.1')).body.server;
      assert.equal(shown['OS-EXT-STS:vm_state'], 'active');
      assert.equal(shown['OS-EXT-STS:power_state'], 1);
      assert.ok(shown['OS-EXT-SRV-ATTR:host']);
      assert.equal(shown.hostId.length, 56);
      assert.deepEqual(shown.flavor.id, 'srv.small');
      assert.equal(shown.image.id, imageId);
      assert.equal(shown.metadata.role, 'web');
      const addrs = shown.addresses['srv-net'];
      assert.equal(addrs.length, 1);
      assert.match(addrs[0].addr, /^10\.77\.0\./);
      assert.equal(addrs[0]['OS-EXT-IPS:type'], 'fixed');
      assert.match(addrs[0]['OS-EXT-IPS-MAC:mac_addr'], /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      assert.ok(shown['OS-SRV-USG:launched_at']);
      const latest = (await r('GET', `/servers/${id}`, '2.100')).body.server;
      assert.deepEqual(latest.flavor, { vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, original_name: 'srv.small', extra_specs: {} });
      assert.equal(latest.locked, false);
      assert.equal(latest.locked_reason, null);
      assert.equal(latest.description, null);
      assert.deepEqual(latest.tags, []);
      assert.deepEqual(latest.server_groups, []);
      assert.equal(latest.host_status, 'UP');
      assert.equal(latest['OS-EXT-SRV-ATTR:hostname'], 'web-1');
      assert.deepEqual(latest.image.properties, { min_ram: '0', min_disk: '0', disk_format: 'raw', container_format: 'bare' });
      const old = (await r('GET', `/servers/${id}`, '2.1')).body.server;
      assert.equal(old.locked, undefined);
      assert.equal(old['OS-EXT-SRV-ATTR:hostname'], undefined);
    });

    it('lists, details, filters, sorts and pages', async () => {
      const second = (await boot('db-1', { tags: ['db', 'prod'], description: 'the database' }, '2.52')).body.server.id;
      const third = (await boot('db-2', { tags: ['db'] }, '2.52')).body.server.id;
      await waitFor(second, 'ACTIVE');
      await waitFor(third, 'ACTIVE');
      const list = await r('GET', '/servers');
      assert.deepEqual(list.body.servers.map((s: any) => s.name), ['db-2', 'db-1', 'web-1']);
      assert.deepEqual(Object.keys(list.body.servers[0]).sort(), ['id', 'links', 'name']);
      const detail = await r('GET', '/servers/detail', '2.26');
      assert.equal(detail.body.servers.length, 3);
      assert.deepEqual(detail.body.servers[1].tags.sort(), ['db', 'prod']);
      assert.deepEqual(detail.body.servers.map((x: any) => x.security_groups), [[{ name: 'default' }], [{ name: 'default' }], [{ name: 'default' }]]);
      assert.deepEqual((await r('GET', '/servers?name=^db')).body.servers.map((s: any) => s.name), ['db-2', 'db-1']);
      assert.deepEqual((await r('GET', '/servers?status=ACTIVE&sort_key=display_name&sort_dir=asc')).body.servers.map((s: any) => s.name), ['db-1', 'db-2', 'web-1']);
      assert.equal((await r('GET', '/servers?status=SHUTOFF')).body.servers.length, 0);
      assert.equal((await r('GET', '/servers?status=BOGUS', '2.37')).body.servers.length, 0);
      const bogus = await r('GET', '/servers?status=BOGUS', '2.38');
      assert.equal(bogus.status, 400);
      assert.equal(bogus.body.badRequest.message, 'Invalid status value');
      assert.deepEqual((await r('GET', '/servers?tags=db,prod', '2.26')).body.servers.map((s: any) => s.name), ['db-1']);
      assert.deepEqual((await r('GET', '/servers?tags-any=prod', '2.26')).body.servers.map((s: any) => s.name), ['db-1']);
      assert.deepEqual((await r('GET', '/servers?not-tags=db', '2.26')).body.servers.map((s: any) => s.name), ['web-1']);
      assert.equal((await r('GET', '/servers?flavor=srv.small')).body.servers.length, 3);
      assert.equal((await r('GET', `/servers?image=${imageId}`)).body.servers.length, 3);
      assert.equal((await r('GET', '/servers?ip=10\\.77\\.')).body.servers.length, 3);
      assert.equal((await r('GET', '/servers?ip=192\\.168')).body.servers.length, 0);
      const page1 = await r('GET', '/servers?limit=2');
      assert.equal(page1.body.servers.length, 2);
      const next = new URL(page1.body.servers_links[0].href);
      assert.equal(next.pathname, '/compute/v2.1/servers');
      const page2 = await r('GET', `/servers?limit=2&marker=${next.searchParams.get('marker')}`);
      assert.deepEqual(page2.body.servers.map((s: any) => s.name), ['web-1']);
      assert.equal(page2.body.servers_links, undefined);
      // pages where the store filters (prefix), where memory filters (a regex), and sorted by name
      const ids = list.body.servers.map((s: any) => s.id);
      const db1 = await r('GET', '/servers?name=^db&limit=1');
      assert.deepEqual(db1.body.servers.map((s: any) => s.name), ['db-2']);
      assert.deepEqual((await r('GET', `/servers?name=^db&limit=1&marker=${ids[0]}`)).body.servers.map((s: any) => s.name), ['db-1']);
      assert.deepEqual((await r('GET', `/servers?name=b-.$&limit=1&marker=${ids[0]}`)).body.servers.map((s: any) => s.name), ['db-1']);
      assert.deepEqual((await r('GET', `/servers?sort_key=display_name&sort_dir=asc&limit=1&marker=${ids[1]}`)).body.servers.map((s: any) => s.name), ['db-2']);
      assert.deepEqual((await r('GET', '/servers?tags=db&not-tags=prod&limit=1', '2.26')).body.servers.map((s: any) => s.name), ['db-2']);
      assert.deepEqual((await r('GET', '/servers?status=ACTIVE&vm_state=active&sort_key=uuid&sort_dir=asc')).body.servers.map((s: any) => s.id), [...ids].sort());
      // a marker outside what the filters select is not found, as when Nova pages a filtered list
      const outside = await r('GET', `/servers?name=^db&marker=${ids[2]}`);
      assert.equal(outside.status, 400);
      assert.equal(outside.body.badRequest.message, `marker [${ids[2]}] not found`);
      const detailPage = await r('GET', '/servers/detail?limit=1');
      assert.match(detailPage.body.servers_links[0].href, /\/servers\/detail\?/);
      const future = new Date(Date.now() + 3600_000).toISOString();
      assert.equal((await r('GET', `/servers?changes-since=${future}`)).body.servers.length, 0);
      for (const q of ['limit=-1', 'marker=nope', 'sort_key=bogus', 'sort_dir=up', 'changes-since=yesterday']) {
        const res = await r('GET', `/servers?${q}`);
        assert.equal(res.status, 400, q);
        assert.equal(res.body.badRequest.code, 400);
      }
    });

    it('updates name, description and access addresses', async () => {
      const res = await r('PUT', `/servers/${id}`, '2.19', { server: { name: 'web-renamed', description: 'front', accessIPv4: '192.0.2.1', accessIPv6: '0000:0000:0000:0000:0000:babe:220.12.22.2' } });
      assert.equal(res.body.server.accessIPv6, '::babe:dc0c:1602');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.server.name, 'web-renamed');
      assert.equal(res.body.server.description, 'front');
      assert.equal(res.body.server.accessIPv4, '192.0.2.1');
      assert.equal(res.body.server['OS-EXT-STS:vm_state'], undefined);
      const full = await r('PUT', `/servers/${id}`, '2.75', { server: { name: 'web-1' } });
      assert.equal(full.body.server['OS-EXT-STS:vm_state'], 'active');
      const bad = await r('PUT', `/servers/${id}`, '2.1', { server: { description: 'x' } });
      assert.equal(bad.status, 400);
      assert.equal((await r('PUT', `/servers/${id}`, '2.1', { server: { name: '   ' } })).status, 400);
    });

    it('stops, starts, reboots, pauses, suspends, with Nova conflicts on wrong states', async () => {
      assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { 'os-stop': null })).status, 202);
      await waitFor(id, 'SHUTOFF');
      const again = await r('POST', `/servers/${id}/action`, '2.1', { 'os-stop': null });
      assert.equal(again.status, 409);
      assert.equal(again.body.conflictingRequest.message, `Cannot 'stop' instance ${id} while it is in vm_state stopped`);
      assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { 'os-start': null })).status, 202);
      await waitFor(id, 'ACTIVE');
      assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { reboot: { type: 'HARD' } })).status, 202);
      await waitFor(id, 'ACTIVE');
      assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { reboot: { type: 'sideways' } })).status, 400);
      assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { pause: null })).status, 202);
      await waitFor(id, 'PAUSED');
      assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { unpause: null })).status, 202);
      await waitFor(id, 'ACTIVE');
      assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { suspend: null })).status, 202);
      await waitFor(id, 'SUSPENDED');
      assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { resume: null })).status, 202);
      await waitFor(id, 'ACTIVE');
      const unknown = await r('POST', `/servers/${id}/action`, '2.1', { levitate: null });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.badRequest.message, 'There is no such action: levitate');
    });

    it('locks (2.73 reason) against other members, and admins pass', async () => {
      const mine = (await boot('locked-1', {}, '2.37', member.token)).body.server.id;
      await waitFor(mine, 'ACTIVE', member.token);
      assert.equal((await r('POST', `/servers/${mine}/action`, '2.73', { lock: { locked_reason: 'maintenance' } }, member.token)).status, 202);
      const shown = (await r('GET', `/servers/${mine}`, '2.73', undefined, member.token)).body.server;
      assert.equal(shown.locked, true);
      assert.equal(shown.locked_reason, 'maintenance');
      assert.equal((await r('GET', '/servers?locked=true', '2.73', undefined, member.token)).body.servers.length, 1);
      const stop = await r('POST', `/servers/${mine}/action`, '2.1', { 'os-stop': null }, member.token);
      assert.equal(stop.status, 409);
      assert.equal(stop.body.conflictingRequest.message, `Instance ${mine} is locked`);
      const del = await r('DELETE', `/servers/${mine}`, '2.1', undefined, member.token);
      assert.equal(del.status, 409);
      assert.equal((await r('POST', `/servers/${mine}/action`, '2.1', { unlock: null }, member.token)).status, 202);
      assert.equal((await r('DELETE', `/servers/${mine}`, '2.1', undefined, member.token)).status, 204);
      await waitFor(mine, 404, member.token);
    });

    it('keeps metadata with Nova limits', async () => {
      assert.deepEqual((await r('GET', `/servers/${id}/metadata`)).body.metadata, { role: 'web' });
      const merged = await r('POST', `/servers/${id}/metadata`, '2.1', { metadata: { tier: 'front' } });
      assert.deepEqual(merged.body.metadata, { role: 'web', tier: 'front' });
      const item = await r('PUT', `/servers/${id}/metadata/tier`, '2.1', { meta: { tier: 'back' } });
      assert.deepEqual(item.body.meta, { tier: 'back' });
      assert.deepEqual((await r('GET', `/servers/${id}/metadata/tier`)).body.meta, { tier: 'back' });
      const mismatch = await r('PUT', `/servers/${id}/metadata/tier`, '2.1', { meta: { other: 'x' } });
      assert.equal(mismatch.body.badRequest.message, 'Request body and URI mismatch');
      assert.equal((await r('DELETE', `/servers/${id}/metadata/tier`)).status, 204);
      const gone = await r('GET', `/servers/${id}/metadata/tier`);
      assert.deepEqual(gone.body, { itemNotFound: { code: 404, message: 'Metadata item was not found' } });
      const replaced = await r('PUT', `/servers/${id}/metadata`, '2.1', { metadata: { only: '1' } });
      assert.deepEqual(replaced.body.metadata, { only: '1' });
      const tooMany = Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v']));
      const over = await r('PUT', `/servers/${id}/metadata`, '2.1', { metadata: tooMany });
      assert.equal(over.status, 403);
      assert.equal(over.body.forbidden.message, 'Maximum number of metadata items exceeds 128');
      assert.equal((await r('POST', `/servers/${id}/metadata`, '2.1', { metadata: { ['k'.repeat(256)]: 'v' } })).status, 400);
      assert.equal((await r('POST', `/servers/${id}/metadata`, '2.1', { metadata: { k: 'v'.repeat(256) } })).status, 400);
    });

    it('keeps tags from 2.26', async () => {
      assert.equal((await r('GET', `/servers/${id}/tags`, '2.25')).status, 404);
      assert.deepEqual((await r('PUT', `/servers/${id}/tags`, '2.26', { tags: ['a', 'b'] })).body.tags, ['a', 'b']);
      const added = await r('PUT', `/servers/${id}/tags/c`, '2.26');
      assert.equal(added.status, 201);
      assert.match(added.headers.get('location') ?? '', /\/servers\/.+\/tags\/c$/);
      assert.equal((await r('PUT', `/servers/${id}/tags/c`, '2.26')).status, 204);
      assert.equal((await r('GET', `/servers/${id}/tags/c`, '2.26')).status, 204);
      assert.equal((await r('GET', `/servers/${id}/tags/zz`, '2.26')).status, 404);
      assert.equal((await r('DELETE', `/servers/${id}/tags/c`, '2.26')).status, 204);
      assert.equal((await r('PUT', `/servers/${id}/tags`, '2.26', { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) })).status, 400);
      assert.equal((await r('PUT', `/servers/${id}/tags/${'x'.repeat(61)}`, '2.26')).status, 400);
      assert.equal((await r('DELETE', `/servers/${id}/tags`, '2.26')).status, 204);
      assert.deepEqual((await r('GET', `/servers/${id}/tags`, '2.26')).body.tags, []);
    });

    it('records instance actions with events', async () => {
      const list = await r('GET', `/servers/${id}/os-instance-actions`, '2.58');
      assert.equal(list.status, 200);
      const actions = list.body.instanceActions.map((a: any) => a.action);
      assert.deepEqual(actions.slice(-2), ['stop', 'create']);
      assert.ok(actions.includes('reboot') && actions.includes('pause'));
      const create = list.body.instanceActions.at(-1);
      assert.ok(create.updated_at);
      const shown = await r('GET', `/servers/${id}/os-instance-actions/${create.request_id}`, '2.62');
      assert.equal(shown.body.instanceAction.action, 'create');
      assert.ok(Array.isArray(shown.body.instanceAction.events));
      const page = await r('GET', `/servers/${id}/os-instance-actions?limit=1`, '2.58');
      assert.equal(page.body.instanceActions.length, 1);
      assert.equal((await r('GET', `/servers/${id}/os-instance-actions/req-nope`)).status, 404);
    });

    it('shows console output, consoles, addresses, password and diagnostics', async () => {
      const out = await r('POST', `/servers/${id}/action`, '2.1', { 'os-getConsoleOutput': { length: 5 } });
      assert.equal(out.status, 200, out.text);
      assert.equal(typeof out.body.output, 'string');
      assert.ok(out.body.output.split('\n').length <= 5);
      const vnc = await r('POST', `/servers/${id}/action`, '2.1', { 'os-getVNCConsole': { type: 'novnc' } });
      assert.equal(vnc.status, 200);
      assert.match(vnc.body.console.url, /^http:\/\//);
      const remote = await r('POST', `/servers/${id}/remote-consoles`, '2.6', { remote_console: { protocol: 'vnc', type: 'novnc' } });
      assert.equal(remote.status, 200, remote.text);
      assert.equal(remote.body.remote_console.protocol, 'vnc');
      const ips = await r('GET', `/servers/${id}/ips`);
      assert.equal(ips.body.addresses['srv-net'][0].version, 4);
      assert.equal((await r('GET', `/servers/${id}/ips/srv-net`)).body['srv-net'].length, 1);
      assert.equal((await r('GET', `/servers/${id}/ips/nope`)).status, 404);
      assert.deepEqual((await r('GET', `/servers/${id}/os-server-password`)).body, { password: '' });
      const diag = await r('GET', `/servers/${id}/diagnostics`, '2.48');
      assert.equal(diag.body.state, 'running');
      assert.equal(diag.body.num_cpus, 1);
    });

    it('snapshots into Glance (Location before 2.45, image_id after)', async () => {
      const snap = await r('POST', `/servers/${id}/action`, '2.1', { createImage: { name: 'snap-1', metadata: { purpose: 'test' } } });
      assert.equal(snap.status, 202, snap.text);
      const imageUrl = snap.headers.get('location')!;
      assert.match(imageUrl, /\/image\/v2\/images\/[0-9a-f-]{36}$/);
      await waitFor(id, 'ACTIVE');
      const imageIdOf = imageUrl.split('/').pop();
      const image = await cloud.request('GET', `/image/v2/images/${imageIdOf}`);
      assert.equal(image.status, 200);
      assert.equal(image.body.image_type, 'snapshot');
      assert.equal(image.body.instance_uuid, id);
      assert.equal(image.body.purpose, 'test');
      const proxied = await r('GET', `/images/${imageIdOf}`, '2.1');
      assert.equal(proxied.status, 200, proxied.text);
      assert.equal(proxied.body.image.server.id, id);
      assert.equal(proxied.body.image.metadata.image_type, 'snapshot');
      assert.ok(['SAVING', 'ACTIVE'].includes(proxied.body.image.status));
      assert.ok((await r('GET', '/images/detail', '2.1')).body.images.some((i: any) => i.id === imageIdOf));
      assert.equal((await r('GET', `/images/${imageIdOf}`, '2.36')).status, 404);
      assert.deepEqual((await r('GET', '/images/00000000-0000-0000-0000-000000000000', '2.1')).body, { itemNotFound: { code: 404, message: 'Image not found.' } });
      const later = await r('POST', `/servers/${id}/action`, '2.45', { createImage: { name: 'snap-2' } });
      assert.match(later.body.image_id, /^[0-9a-f-]{36}$/);
      assert.equal(later.headers.get('location'), null);
      await waitFor(id, 'ACTIVE');
      for (let i = 0; i < 3; i++) {
        const backup = await r('POST', `/servers/${id}/action`, '2.45', { createBackup: { name: `backup-${i}`, backup_type: 'daily', rotation: 2 } });
        assert.equal(backup.status, 202, backup.text);
        await waitFor(id, 'ACTIVE');
      }
      const backups = (await cloud.request('GET', '/image/v2/images?image_type=backup')).body.images.filter((i: any) => i.instance_uuid === id);
      assert.equal(backups.length, 2);
      assert.equal((await r('POST', `/servers/${id}/action`, '2.45', { createBackup: { name: 'b', backup_type: 'daily' } })).status, 400);
    });

    it('rebuilds (adminPass, server body) and rescues', async () => {
      const rebuilt = await r('POST', `/servers/${id}/action`, '2.75', { rebuild: { imageRef: imageId, name: 'web-rebuilt' } });
      assert.equal(rebuilt.status, 202, rebuilt.text);
      assert.equal(rebuilt.body.server.name, 'web-rebuilt');
      assert.ok(rebuilt.body.server.adminPass);
      assert.equal(rebuilt.body.server.user_data, null);
      assert.equal(rebuilt.body.server['OS-EXT-SRV-ATTR:user_data'], undefined);
      await waitFor(id, 'ACTIVE');
      const rescue = await r('POST', `/servers/${id}/action`, '2.1', { rescue: null });
      assert.equal(rescue.status, 200);
      assert.ok(rescue.body.adminPass);
      await waitFor(id, 'RESCUE');
      assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { unrescue: null })).status, 202);
      await waitFor(id, 'ACTIVE');
    });

    it('shelves, offloads and unshelves', async () => {
      assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { shelve: null })).status, 202);
      const shelved = await waitFor(id, 'SHELVED_OFFLOADED').catch(() => waitFor(id, 'SHELVED'));
      assert.ok(['SHELVED', 'SHELVED_OFFLOADED'].includes(shelved.body.server.status));
      assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { unshelve: null })).status, 202);
      await waitFor(id, 'ACTIVE');
    });

    it('takes external events (admin) and reflects port security groups', async () => {
      const events = await r('POST', '/os-server-external-events', '2.1', { events: [{ name: 'network-changed', server_uuid: id }, { name: 'network-changed', server_uuid: '00000000-0000-0000-0000-000000000000' }] });
      assert.equal(events.status, 207, events.text);
      assert.deepEqual(events.body.events.map((e: any) => e.code), [200, 404]);
      assert.equal((await r('POST', '/os-server-external-events', '2.1', { events: [{ name: 'bogus', server_uuid: id }] })).status, 400);
      assert.equal((await r('POST', '/os-server-external-events', '2.1', { events: [{ name: 'network-changed', server_uuid: id }] }, member.token)).status, 403);
      const shown = (await r('GET', `/servers/${id}`)).body.server;
      assert.deepEqual(shown.security_groups, [{ name: 'default' }]);
      assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { removeSecurityGroup: { name: 'default' } })).status, 202);
      assert.equal((await r('GET', `/servers/${id}`)).body.server.security_groups, undefined);
      assert.equal((await r('DELETE', '/images/', '2.1')).status, 404);
    });

    it('deletes (204) and then answers 404', async () => {
      assert.equal((await r('DELETE', `/servers/${id}`)).status, 204);
      const gone = await waitFor(id, 404);
      assert.deepEqual(gone.body, { itemNotFound: { code: 404, message: `Instance ${id} could not be found.` } });
    });
  });

  it('runs the Terraform-style flow: create, poll ACTIVE, resize to VERIFY_RESIZE, confirm, delete, poll 404', async () => {
    const id = (await boot('tf-1', {}, '2.37', member.token)).body.server.id;
    await waitFor(id, 'ACTIVE', member.token);
    const resize = await r('POST', `/servers/${id}/action`, '2.1', { resize: { flavorRef: 'srv.medium' } }, member.token);
    assert.equal(resize.status, 202, resize.text);
    await waitFor(id, 'VERIFY_RESIZE', member.token);
    const confirm = await r('POST', `/servers/${id}/action`, '2.1', { confirmResize: null }, member.token);
    assert.equal(confirm.status, 204, confirm.text);
    const active = await waitFor(id, 'ACTIVE', member.token, '2.47');
    assert.equal(active.body.server.flavor.original_name, 'srv.medium');
    const same = await r('POST', `/servers/${id}/action`, '2.1', { resize: { flavorRef: 'srv.medium' } }, member.token);
    assert.equal(same.body.badRequest.message, 'When resizing, instances must change flavor!');
    assert.equal((await r('DELETE', `/servers/${id}`, '2.1', undefined, member.token)).status, 204);
    await waitFor(id, 404, member.token);
  });

  it('boots into a server group from the scheduler hint', async () => {
    const group = await r('POST', '/os-server-groups', '2.1', { server_group: { name: 'g1', policies: ['affinity'] } });
    assert.equal(group.status, 200, group.text);
    const gid = group.body.server_group.id;
    const res = await r('POST', '/servers', '2.37', { server: { name: 'grouped', imageRef: imageId, flavorRef: 'srv.small', networks: 'none' }, 'os:scheduler_hints': { group: gid } });
    assert.equal(res.status, 202, res.text);
    const id = res.body.server.id;
    await waitFor(id, 'ACTIVE');
    assert.deepEqual((await r('GET', `/os-server-groups/${gid}`)).body.server_group.members, [id]);
    assert.deepEqual((await r('GET', `/servers/${id}`, '2.71')).body.server.server_groups, [gid]);
    const missing = await r('POST', '/servers', '2.37', { server: { name: 'x', imageRef: imageId, flavorRef: 'srv.small', networks: 'none' }, 'os:scheduler_hints': { group: '11111111-2222-3333-4444-555555555555' } });
    assert.equal(missing.status, 400);
    assert.equal((await r('DELETE', `/servers/${id}`)).status, 204);
  });

  it('reverts a resize', async () => {
    const id = (await boot('revert-1')).body.server.id;
    await waitFor(id, 'ACTIVE');
    assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { resize: { flavorRef: 'srv.medium' } })).status, 202);
    await waitFor(id, 'VERIFY_RESIZE');
    assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { revertResize: null })).status, 202);
    const back = await waitFor(id, 'ACTIVE');
    assert.equal(back.body.server.flavor.id, 'srv.small');
    assert.equal((await r('DELETE', `/servers/${id}`)).status, 204);
  });

  describe('bad input', () => {
    const post = (server: Record<string, unknown>, version = '2.37', token?: string) =>
      r('POST', '/servers', version, { server: { name: 'bad', imageRef: imageId, flavorRef: 'srv.small', networks: 'none', ...server } }, token);

    it('unknown flavor and image are 400 with Nova bodies', async () => {
      const flavor = await post({ flavorRef: 'nope' });
      assert.deepEqual(flavor.body, { badRequest: { code: 400, message: 'Invalid flavorRef provided.' } });
      const image = await post({ imageRef: '11111111-2222-3333-4444-555555555555' });
      assert.deepEqual(image.body, { badRequest: { code: 400, message: 'Can not find requested image' } });
      const key = await post({ key_name: 'nope' });
      assert.deepEqual(key.body, { badRequest: { code: 400, message: 'Invalid key_name provided.' } });
      const group = await post({ security_groups: [{ name: 'nope' }] });
      assert.deepEqual(group.body, { badRequest: { code: 400, message: 'Security group nope not found.' } });
    });

    it('schema errors are 400 and never 500', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ name: '' }, '2.37'], [{ name: '  ' }, '2.37'], [{ name: 'x'.repeat(256) }, '2.37'], [{ bogus: 1 }, '2.37'],
        [{ networks: 'auto', description: 'x' }, '2.18'], [{ networks: undefined }, '2.37'], [{ networks: 'sometimes' }, '2.37'],
        [{ networks: [{ uuid: 'not-a-uuid' }] }, '2.37'], [{ user_data: 'not base64!' }, '2.37'], [{ min_count: 0 }, '2.37'],
        [{ min_count: 3, max_count: 2 }, '2.37'], [{ metadata: { k: 'v'.repeat(256) } }, '2.37'], [{ metadata: 'x' }, '2.37'],
        [{ tags: ['a/b'] }, '2.52'], [{ tags: ['a'] }, '2.51'], [{ security_groups: 'default' }, '2.37'], [{ accessIPv4: '999.1.1.1' }, '2.37'],
        [{ hostname: 'a b' }, '2.90'], [{ availability_zone: 'nowhere' }, '2.37'], [{ block_device_mapping_v2: [{ source_type: 'disk' }] }, '2.37'],
      ];
      for (const [server, version] of cases) {
        const res = await post(server, version);
        assert.equal(res.status, 400, `${JSON.stringify(server)} @${version}: ${res.text}`);
        assert.equal(res.body.badRequest.code, 400);
      }
      const noBody = await r('POST', '/servers', '2.1', { nothing: true });
      assert.equal(noBody.status, 400);
    });

    it('oversized metadata count is 403, as a quota', async () => {
      const metadata = Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v']));
      const res = await post({ metadata });
      assert.equal(res.status, 403);
      assert.equal(res.body.forbidden.message, 'Maximum number of metadata items exceeds 128');
    });

    it('booting beyond the quota is 403 with Nova message', async () => {
      const res = await post({ flavorRef: 'srv.huge' }, '2.37', other.token);
      assert.equal(res.status, 403);
      assert.match(res.body.forbidden.message, /^Quota exceeded for cores: Requested 64, but already used 0 of 20 cores$/);
      const many = await post({ min_count: 11 }, '2.37', other.token);
      assert.equal(many.status, 403);
      assert.match(many.body.forbidden.message, /^Quota exceeded for instances/);
    });

    it('invalid microversions are 400/406', async () => {
      assert.equal((await r('GET', '/servers', '2.101')).status, 406);
      assert.equal((await r('GET', '/servers', 'two')).status, 400);
    });

    it('unknown servers are 404', async () => {
      const res = await r('GET', '/servers/00000000-0000-0000-0000-000000000000');
      assert.deepEqual(res.body, { itemNotFound: { code: 404, message: 'Instance 00000000-0000-0000-0000-000000000000 could not be found.' } });
      assert.equal((await r('POST', '/servers/00000000-0000-0000-0000-000000000000/action', '2.1', { 'os-stop': null })).status, 404);
    });
  });

  describe('isolation', () => {
    it("hides one project's servers from another's members, and all_tenants is admin-only", async () => {
      const id = (await boot('private-1', {}, '2.37', member.token)).body.server.id;
      await waitFor(id, 'ACTIVE', member.token);
      const mine = (await r('GET', `/servers/${id}`, '2.1', undefined, member.token)).body.server;
      assert.equal(mine['OS-EXT-SRV-ATTR:host'], undefined);
      assert.equal(mine.host_status, undefined);
      assert.equal((await r('GET', `/servers/${id}`, '2.1', undefined, other.token)).status, 404);
      assert.equal((await r('PUT', `/servers/${id}`, '2.1', { server: { name: 'x' } }, other.token)).status, 404);
      assert.equal((await r('DELETE', `/servers/${id}`, '2.1', undefined, other.token)).status, 404);
      assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { 'os-stop': null }, other.token)).status, 404);
      assert.equal((await r('GET', `/servers/${id}/metadata`, '2.1', undefined, other.token)).status, 404);
      assert.equal((await r('GET', '/servers', '2.1', undefined, other.token)).body.servers.length, 0);
      assert.equal((await r('GET', '/servers?all_tenants=1', '2.1', undefined, other.token)).status, 403);
      const everyone = await r('GET', `/servers?all_tenants=1&project_id=${member.project}`);
      assert.ok(everyone.body.servers.some((s: any) => s.id === id));
      assert.equal((await r('GET', '/servers')).body.servers.some((s: any) => s.id === id), false);
      const reset = await r('POST', `/servers/${id}/action`, '2.1', { 'os-resetState': { state: 'error' } }, member.token);
      assert.equal(reset.status, 403);
      assert.equal((await r('GET', `/servers/${id}/diagnostics`, '2.48', undefined, member.token)).status, 403);
      assert.equal((await r('DELETE', `/servers/${id}`, '2.1', undefined, member.token)).status, 204);
    });
  });
});
