// The Nova extensions that act on servers, on the all-in-one cloud: security groups on a
// server's ports, volumes attached through Cinder, interfaces through Neutron.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { compute, newMember, type Member } from './fixtures.ts';

describe('compute: server security groups, volume attachments and interfaces', () => {
  let cloud: TestCloud;
  let r: ReturnType<typeof compute>;
  let alice: Member;
  let bob: Member;
  let imageId: string;
  let netId: string;
  let net2Id: string;
  let serverId: string;

  const waitFor = async (id: string, status: string, token: string) => {
    let last: any;
    for (let i = 0; i < 400; i++) {
      const res = await r('GET', `/servers/${id}`, '2.1', undefined, token);
      last = res.body?.server;
      if (res.status === 200 && last.status === status && last['OS-EXT-STS:task_state'] === null) return last;
      if (res.status === 200 && last.status === 'ERROR') assert.fail(`server ${id} went to ERROR: ${JSON.stringify(last.fault)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.fail(`server ${id} never reached ${status}; last seen ${JSON.stringify(last)}`);
  };

  const boot = async (name: string, token: string, extra: Record<string, unknown> = {}) => {
    const res = await r('POST', '/servers', '2.37', { server: { name, imageRef: imageId, flavorRef: 'xt.small', networks: [{ uuid: netId }], ...extra } }, token);
    assert.equal(res.status, 202, res.text);
    await waitFor(res.body.server.id, 'ACTIVE', token);
    return res.body.server.id as string;
  };

  const volume = async (token: string, name: string) => {
    const res = await cloud.request('POST', '/volume/v3/volumes', { token, body: { volume: { size: 1, name } } });
    assert.equal(res.status, 202, res.text);
    return waitVolume(res.body.volume.id, 'available', token);
  };

  const waitVolume = async (id: string, status: string, token: string) => {
    let last: any;
    for (let i = 0; i < 400; i++) {
      last = (await cloud.request('GET', `/volume/v3/volumes/${id}`, { token })).body.volume;
      if (last.status === status) return last;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.fail(`volume ${id} never reached ${status}; last seen ${last?.status}`);
  };

  before(async () => {
    cloud = await startCloud();
    r = compute(cloud);
    alice = await newMember(cloud, 'xt-alice');
    bob = await newMember(cloud, 'xt-bob');
    const flavor = await r('POST', '/flavors', '2.1', { flavor: { name: 'xt.small', id: 'xt.small', ram: 256, vcpus: 1, disk: 1 } });
    assert.equal(flavor.status, 200, flavor.text);
    const image = await cloud.request('POST', '/image/v2/images', { body: { name: 'xt-image', disk_format: 'raw', container_format: 'bare', visibility: 'public' } });
    assert.equal(image.status, 201, image.text);
    imageId = image.body.id;
    const upload = await fetch(`${cloud.url}/image/v2/images/${imageId}/file`, { method: 'PUT', headers: { 'X-Auth-Token': cloud.adminToken, 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(4096, 1) });
    assert.equal(upload.status, 204, await upload.text());
    for (const [name, cidr] of [['xt-net', '10.91.0.0/24'], ['xt-net2', '10.92.0.0/24']]) {
      const net = await cloud.request('POST', '/networking/v2.0/networks', { body: { network: { name, shared: true } } });
      assert.equal(net.status, 201, net.text);
      const subnet = await cloud.request('POST', '/networking/v2.0/subnets', { body: { subnet: { network_id: net.body.network.id, cidr, ip_version: 4 } } });
      assert.equal(subnet.status, 201, subnet.text);
      if (name === 'xt-net') netId = net.body.network.id;
      else net2Id = net.body.network.id;
    }
    serverId = await boot('xt-server', alice.token);
  });
  after(() => cloud.stop());

  describe('security groups of a server', () => {
    it('adds a group to the server\'s ports, lists it, keeps it from deletion, removes it', async () => {
      const sg = (await r('POST', '/os-security-groups', '2.1', { security_group: { name: 'xt-web', description: 'web' } }, alice.token)).body.security_group;
      const add = await r('POST', `/servers/${serverId}/action`, '2.1', { addSecurityGroup: { name: 'xt-web' } }, alice.token);
      assert.equal(add.status, 202, add.text);
      const ports = await cloud.request('GET', `/networking/v2.0/ports?device_id=${serverId}`, { token: alice.token });
      assert.ok(ports.body.ports.every((p: any) => p.security_groups.includes(sg.id)));
      const listed = await r('GET', `/servers/${serverId}/os-security-groups`, '2.1', undefined, alice.token);
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(listed.body.security_groups.map((g: any) => g.name).sort(), ['default', 'xt-web']);
      const inUse = await r('DELETE', `/os-security-groups/${sg.id}`, '2.1', undefined, alice.token);
      assert.equal(inUse.status, 400);
      assert.match(inUse.body.badRequest.message, /in use/);
      const latest = await r('GET', `/servers/${serverId}/os-security-groups`, '2.90', undefined, alice.token);
      assert.equal(latest.status, 200, 'the server sub-resource outlives the 2.36 proxy removal');
      const missing = await r('POST', `/servers/${serverId}/action`, '2.1', { addSecurityGroup: { name: 'no-such-group' } }, alice.token);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.itemNotFound.message, `Security group no-such-group is not found for project ${alice.project}`);
      const empty = await r('POST', `/servers/${serverId}/action`, '2.1', { addSecurityGroup: { name: ' ' } }, alice.token);
      assert.equal(empty.status, 400);
      const remove = await r('POST', `/servers/${serverId}/action`, '2.1', { removeSecurityGroup: { name: sg.id } }, alice.token);
      assert.equal(remove.status, 202, remove.text);
      const again = await r('POST', `/servers/${serverId}/action`, '2.1', { removeSecurityGroup: { name: 'xt-web' } }, alice.token);
      assert.equal(again.status, 404);
      assert.equal(again.body.itemNotFound.message, `Security group xt-web not associated with the instance ${serverId}`);
      assert.equal((await r('DELETE', `/os-security-groups/${sg.id}`, '2.1', undefined, alice.token)).status, 202);
    });

    it('is 404 for another project\'s server', async () => {
      assert.equal((await r('GET', `/servers/${serverId}/os-security-groups`, '2.1', undefined, bob.token)).status, 404);
      assert.equal((await r('POST', `/servers/${serverId}/action`, '2.1', { addSecurityGroup: { name: 'default' } }, bob.token)).status, 404);
    });
  });

  describe('server group membership', () => {
    it('counts a server booted with the group hint as a member, and not once it is deleted', async () => {
      const group = (await r('POST', '/os-server-groups', '2.1', { server_group: { name: 'xt-grp', policies: ['affinity'] } }, alice.token)).body.server_group;
      const res = await r('POST', '/servers', '2.37', { server: { name: 'xt-grouped', imageRef: imageId, flavorRef: 'xt.small', networks: [{ uuid: netId }] }, 'os:scheduler_hints': { group: group.id } }, alice.token);
      assert.equal(res.status, 202, res.text);
      const grouped = res.body.server.id;
      await waitFor(grouped, 'ACTIVE', alice.token);
      const shown = await r('GET', `/os-server-groups/${group.id}`, '2.1', undefined, alice.token);
      assert.deepEqual(shown.body.server_group.members, [grouped]);
      assert.equal((await r('DELETE', `/servers/${grouped}`, '2.1', undefined, alice.token)).status, 204);
      for (let i = 0; i < 200; i++) {
        if ((await r('GET', `/servers/${grouped}`, '2.1', undefined, alice.token)).status === 404) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.deepEqual((await r('GET', `/os-server-groups/${group.id}`, '2.1', undefined, alice.token)).body.server_group.members, []);
    });
  });

  describe('os-volume_attachments', () => {
    it('attaches a volume: in-use in Cinder, /dev/vdb, listed per microversion; detaches it back to available', async () => {
      const vol = await volume(alice.token, 'xt-vol');
      const att = await r('POST', `/servers/${serverId}/os-volume_attachments`, '2.1', { volumeAttachment: { volumeId: vol.id } }, alice.token);
      assert.equal(att.status, 200, att.text);
      assert.deepEqual(att.body.volumeAttachment, { id: vol.id, serverId, volumeId: vol.id, device: '/dev/vdb' });
      const inUse = await waitVolume(vol.id, 'in-use', alice.token);
      assert.equal(inUse.attachments[0].server_id, serverId);
      assert.equal(inUse.attachments[0].device, '/dev/vdb');
      const list = await r('GET', `/servers/${serverId}/os-volume_attachments`, '2.1', undefined, alice.token);
      assert.deepEqual(list.body.volumeAttachments, [att.body.volumeAttachment]);
      const v279 = await r('GET', `/servers/${serverId}/os-volume_attachments/${vol.id}`, '2.79', undefined, alice.token);
      assert.deepEqual(v279.body.volumeAttachment, { id: vol.id, serverId, volumeId: vol.id, device: '/dev/vdb', tag: null, delete_on_termination: false });
      const v289 = await r('GET', `/servers/${serverId}/os-volume_attachments/${vol.id}`, '2.89', undefined, alice.token);
      assert.equal(v289.body.volumeAttachment.id, undefined);
      assert.equal(v289.body.volumeAttachment.attachment_id, inUse.attachments[0].attachment_id);
      assert.match(v289.body.volumeAttachment.bdm_uuid, /^[0-9a-f-]{36}$/);
      const server = (await r('GET', `/servers/${serverId}`, '2.3', undefined, alice.token)).body.server;
      assert.deepEqual(server['os-extended-volumes:volumes_attached'], [{ id: vol.id, delete_on_termination: false }]);

      const twice = await r('POST', `/servers/${serverId}/os-volume_attachments`, '2.1', { volumeAttachment: { volumeId: vol.id } }, alice.token);
      assert.equal(twice.status, 400);
      const update = await r('PUT', `/servers/${serverId}/os-volume_attachments/${vol.id}`, '2.85', { volumeAttachment: { volumeId: vol.id, delete_on_termination: true } }, alice.token);
      assert.equal(update.status, 202, update.text);
      assert.equal((await r('GET', `/servers/${serverId}/os-volume_attachments/${vol.id}`, '2.79', undefined, alice.token)).body.volumeAttachment.delete_on_termination, true);
      const swapByMember = await r('PUT', `/servers/${serverId}/os-volume_attachments/${vol.id}`, '2.1', { volumeAttachment: { volumeId: vol.id } }, alice.token);
      assert.equal(swapByMember.status, 403, 'swap is for admins');

      const detach = await r('DELETE', `/servers/${serverId}/os-volume_attachments/${vol.id}`, '2.1', undefined, alice.token);
      assert.equal(detach.status, 202, detach.text);
      const available = await waitVolume(vol.id, 'available', alice.token);
      assert.deepEqual(available.attachments, []);
      const gone = await r('GET', `/servers/${serverId}/os-volume_attachments/${vol.id}`, '2.1', undefined, alice.token);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.itemNotFound.message, `Instance ${serverId} is not attached to volume ${vol.id}`);
    });

    it('swaps a volume for an admin, keeping the device', async () => {
      const a = await volume(alice.token, 'xt-swap-a');
      const b = await volume(alice.token, 'xt-swap-b');
      assert.equal((await r('POST', `/servers/${serverId}/os-volume_attachments`, '2.1', { volumeAttachment: { volumeId: a.id } }, alice.token)).status, 200);
      const swap = await r('PUT', `/servers/${serverId}/os-volume_attachments/${a.id}`, '2.1', { volumeAttachment: { volumeId: b.id } });
      assert.equal(swap.status, 202, swap.text);
      await waitVolume(a.id, 'available', alice.token);
      const bInUse = await waitVolume(b.id, 'in-use', alice.token);
      const list = (await r('GET', `/servers/${serverId}/os-volume_attachments`, '2.1', undefined, alice.token)).body.volumeAttachments;
      assert.deepEqual(list.map((x: any) => [x.volumeId, x.device]), [[b.id, bInUse.attachments[0].device]]);
      assert.equal((await r('DELETE', `/servers/${serverId}/os-volume_attachments/${b.id}`, '2.1', undefined, alice.token)).status, 202);
      await waitVolume(b.id, 'available', alice.token);
    });

    it('refuses bad input, unknown and busy volumes, and other projects', async () => {
      const bad = await r('POST', `/servers/${serverId}/os-volume_attachments`, '2.1', { volumeAttachment: { volumeId: 'nope' } }, alice.token);
      assert.equal(bad.status, 400);
      assert.match(bad.body.badRequest.message, /Invalid input for field\/attribute volumeId/);
      const none = await r('POST', `/servers/${serverId}/os-volume_attachments`, '2.1', { volumeAttachment: { volumeId: '8f4b7c2e-1111-4a5b-9c3d-000000000001' } }, alice.token);
      assert.equal(none.status, 404);
      assert.equal(none.body.itemNotFound.message, 'Volume 8f4b7c2e-1111-4a5b-9c3d-000000000001 could not be found.');
      const other = await boot('xt-other', alice.token);
      const vol = await volume(alice.token, 'xt-busy');
      assert.equal((await r('POST', `/servers/${other}/os-volume_attachments`, '2.1', { volumeAttachment: { volumeId: vol.id } }, alice.token)).status, 200);
      const busy = await r('POST', `/servers/${serverId}/os-volume_attachments`, '2.1', { volumeAttachment: { volumeId: vol.id } }, alice.token);
      assert.equal(busy.status, 400);
      assert.match(busy.body.badRequest.message, /Invalid input received: .*status must be available/);
      const bobs = await r('POST', `/servers/${serverId}/os-volume_attachments`, '2.1', { volumeAttachment: { volumeId: vol.id } }, bob.token);
      assert.equal(bobs.status, 404);
      assert.equal((await r('GET', `/servers/${serverId}/os-volume_attachments`, '2.1', undefined, bob.token)).status, 404);
      // a server in a task (here: being stopped) refuses with 409
      const stop = await r('POST', `/servers/${other}/action`, '2.1', { 'os-stop': null }, alice.token);
      assert.equal(stop.status, 202, stop.text);
      await waitFor(other, 'SHUTOFF', alice.token);
      const v2 = await volume(alice.token, 'xt-stopped');
      assert.equal((await r('POST', `/servers/${other}/os-volume_attachments`, '2.1', { volumeAttachment: { volumeId: v2.id } }, alice.token)).status, 200, 'a stopped server takes volumes');
      const lock = await r('POST', `/servers/${other}/action`, '2.1', { lock: null });
      assert.equal(lock.status, 202, lock.text);
      const locked = await r('DELETE', `/servers/${other}/os-volume_attachments/${v2.id}`, '2.1', undefined, alice.token);
      assert.equal(locked.status, 409);
      assert.equal(locked.body.conflictingRequest.message, `Instance ${other} is locked`);
    });
  });

  describe('os-simple-tenant-usage', () => {
    it('reports the project\'s servers with hours for a member and every project for an admin', async () => {
      const start = new Date(Date.now() - 3_600_000).toISOString().slice(0, 19);
      const show = await r('GET', `/os-simple-tenant-usage/${alice.project}?start=${start}`, '2.1', undefined, alice.token);
      assert.equal(show.status, 200, show.text);
      const usage = show.body.tenant_usage;
      assert.equal(usage.tenant_id, alice.project);
      const mine = usage.server_usages.find((u: any) => u.instance_id === serverId);
      assert.ok(mine, 'the booted server is counted');
      assert.equal(mine.flavor, 'xt.small');
      assert.deepEqual([mine.vcpus, mine.memory_mb, mine.local_gb, mine.state, mine.ended_at], [1, 256, 1, 'active', null]);
      assert.ok(mine.hours > 0 && mine.hours < 1);
      assert.match(mine.started_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
      assert.ok(Math.abs(usage.total_vcpus_usage - usage.server_usages.reduce((s: number, u: any) => s + u.hours * u.vcpus, 0)) < 1e-9);
      const forbidden = await r('GET', '/os-simple-tenant-usage', '2.1', undefined, alice.token);
      assert.equal(forbidden.status, 403);
      const notMine = await r('GET', `/os-simple-tenant-usage/${alice.project}`, '2.1', undefined, bob.token);
      assert.equal(notMine.status, 403);
      const all = await r('GET', `/os-simple-tenant-usage?start=${start}&detailed=1`, '2.1');
      assert.ok(all.body.tenant_usages.some((u: any) => u.tenant_id === alice.project && u.server_usages.length >= 1));
      const summary = await r('GET', `/os-simple-tenant-usage?start=${start}`, '2.1');
      assert.ok(summary.body.tenant_usages.every((u: any) => u.server_usages === undefined));
      const page = await r('GET', `/os-simple-tenant-usage/${alice.project}?start=${start}&limit=1`, '2.40', undefined, alice.token);
      assert.equal(page.body.tenant_usage.server_usages.length, 1);
      assert.match(page.body.tenant_usage_links[0].href, /marker=/);
      const empty = await r('GET', `/os-simple-tenant-usage/${alice.project}?start=2001-01-01T00:00:00&end=2001-01-02T00:00:00`, '2.1', undefined, alice.token);
      assert.deepEqual(empty.body.tenant_usage, {});
      const reversed = await r('GET', `/os-simple-tenant-usage/${alice.project}?start=2001-01-02T00:00:00&end=2001-01-01T00:00:00`, '2.1', undefined, alice.token);
      assert.equal(reversed.body.badRequest.message, 'Invalid start time. The start time cannot occur after the end time.');
      const garbage = await r('GET', `/os-simple-tenant-usage/${alice.project}?start=yesterday`, '2.1', undefined, alice.token);
      assert.equal(garbage.status, 400);
      const emptyProject = await r('GET', `/os-simple-tenant-usage/?start=${start}`, '2.1');
      assert.equal(emptyProject.status, 404);
    });

    it('shows the instance usage audit log of the compute hosts for the last month (admin)', async () => {
      const list = await r('GET', '/os-instance_usage_audit_log', '2.1');
      assert.equal(list.status, 200, list.text);
      const log = list.body.instance_usage_audit_logs;
      assert.ok(log.num_hosts >= 1);
      assert.equal(log.num_hosts_not_run, log.num_hosts);
      assert.match(log.period_beginning, /^\d{4}-\d{2}-01 00:00:00$/);
      const before = await r('GET', '/os-instance_usage_audit_log/2026-03-15%2010:00:00', '2.1');
      assert.equal(before.status, 200, before.text);
      assert.deepEqual([before.body.instance_usage_audit_log.period_beginning, before.body.instance_usage_audit_log.period_ending], ['2026-02-01 00:00:00', '2026-03-01 00:00:00']);
      const bad = await r('GET', '/os-instance_usage_audit_log/not-a-date', '2.1');
      assert.equal(bad.status, 400);
      assert.equal(bad.body.badRequest.message, 'Invalid timestamp for date not-a-date');
      assert.equal((await r('GET', '/os-instance_usage_audit_log', '2.1', undefined, alice.token)).status, 403);
    });
  });

  describe('os-migrations', () => {
    it('lists a resize\'s migration for an admin with the fields of each microversion', async () => {
      const big = await r('POST', '/flavors', '2.1', { flavor: { name: 'xt.big', id: '777', ram: 512, vcpus: 1, disk: 1 } });
      assert.equal(big.status, 200, big.text);
      const id = await boot('xt-resize', alice.token);
      const resize = await r('POST', `/servers/${id}/action`, '2.1', { resize: { flavorRef: '777' } }, alice.token);
      assert.equal(resize.status, 202, resize.text);
      await waitFor(id, 'VERIFY_RESIZE', alice.token);
      const v21 = await r('GET', `/os-migrations?instance_uuid=${id}`, '2.1');
      assert.equal(v21.status, 200, v21.text);
      assert.equal(v21.body.migrations.length, 1);
      const m = v21.body.migrations[0];
      assert.equal(m.new_instance_type_id, 777);
      assert.equal(m.migration_type, undefined);
      assert.match(m.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
      const v280 = await r('GET', `/os-migrations?instance_uuid=${id}&migration_type=resize`, '2.80');
      const n = v280.body.migrations[0];
      assert.deepEqual([n.migration_type, n.project_id, n.user_id], ['resize', alice.project, alice.user]);
      assert.match(n.uuid, /^[0-9a-f-]{36}$/);
      assert.equal((await r('GET', `/os-migrations?instance_uuid=${id}&migration_type=live-migration`, '2.23')).body.migrations.length, 0);
      const page = await r('GET', '/os-migrations?limit=1', '2.59');
      assert.equal(page.body.migrations.length, 1);
      assert.match(page.body.migrations_links[0].href, /marker=/);
      const badMarker = await r('GET', '/os-migrations?marker=nope', '2.59');
      assert.equal(badMarker.status, 400);
      assert.equal((await r('GET', '/os-migrations', '2.1', undefined, alice.token)).status, 403);
      assert.equal((await r('POST', `/servers/${id}/action`, '2.1', { confirmResize: null }, alice.token)).status, 204);
    });
  });

  describe('os-quota-class-sets', () => {
    it('shows and updates the default class with the keys of each microversion; admins only', async () => {
      const v21 = await r('GET', '/os-quota-class-sets/default', '2.1');
      assert.equal(v21.status, 200, v21.text);
      assert.equal(v21.body.quota_class_set.id, 'default');
      assert.equal(v21.body.quota_class_set.floating_ips, 10);
      assert.equal(v21.body.quota_class_set.server_groups, undefined);
      const v250 = await r('GET', '/os-quota-class-sets/default', '2.50');
      assert.equal(v250.body.quota_class_set.floating_ips, undefined);
      assert.equal(v250.body.quota_class_set.server_groups, 10);
      const v257 = await r('GET', '/os-quota-class-sets/default', '2.57');
      assert.equal(v257.body.quota_class_set.injected_files, undefined);
      const put = await r('PUT', '/os-quota-class-sets/gold', '2.50', { quota_class_set: { instances: 50, cores: '60' } });
      assert.equal(put.status, 200, put.text);
      assert.equal(put.body.quota_class_set.instances, 50);
      assert.equal(put.body.quota_class_set.cores, 60);
      assert.equal(put.body.quota_class_set.id, undefined);
      assert.equal((await r('GET', '/os-quota-class-sets/gold', '2.50')).body.quota_class_set.instances, 50);
      assert.equal((await r('GET', '/os-quota-class-sets/default', '2.50')).body.quota_class_set.instances, 10);
      const network = await r('PUT', '/os-quota-class-sets/gold', '2.50', { quota_class_set: { floating_ips: 1 } });
      assert.equal(network.status, 400);
      const negative = await r('PUT', '/os-quota-class-sets/gold', '2.1', { quota_class_set: { instances: -2 } });
      assert.equal(negative.status, 400);
      assert.equal((await r('GET', '/os-quota-class-sets/default', '2.1', undefined, alice.token)).status, 403);
    });
  });

  describe('os-interface', () => {
    it('lists the boot port, attaches a port on another network, updates addresses, detaches it', async () => {
      const list = await r('GET', `/servers/${serverId}/os-interface`, '2.1', undefined, alice.token);
      assert.equal(list.status, 200, list.text);
      assert.equal(list.body.interfaceAttachments.length, 1);
      assert.equal(list.body.interfaceAttachments[0].net_id, netId);
      const att = await r('POST', `/servers/${serverId}/os-interface`, '2.49', { interfaceAttachment: { net_id: net2Id, tag: 'data' } }, alice.token);
      assert.equal(att.status, 200, att.text);
      const port = att.body.interfaceAttachment;
      assert.equal(port.net_id, net2Id);
      assert.match(port.fixed_ips[0].ip_address, /^10\.92\.0\./);
      const neutronPort = (await cloud.request('GET', `/networking/v2.0/ports/${port.port_id}`)).body.port;
      assert.equal(neutronPort.device_id, serverId);
      assert.match(neutronPort.device_owner, /^compute:/);
      const shown = await r('GET', `/servers/${serverId}/os-interface/${port.port_id}`, '2.70', undefined, alice.token);
      assert.equal(shown.body.interfaceAttachment.tag, 'data');
      const server = (await r('GET', `/servers/${serverId}`, '2.1', undefined, alice.token)).body.server;
      assert.equal(server.addresses['xt-net2'][0].addr, port.fixed_ips[0].ip_address);
      const detach = await r('DELETE', `/servers/${serverId}/os-interface/${port.port_id}`, '2.1', undefined, alice.token);
      assert.equal(detach.status, 202);
      assert.equal((await cloud.request('GET', `/networking/v2.0/ports/${port.port_id}`)).status, 404, 'Nova deletes the port it made');
      const after = (await r('GET', `/servers/${serverId}`, '2.1', undefined, alice.token)).body.server;
      assert.equal(after.addresses['xt-net2'], undefined);
      const again = await r('DELETE', `/servers/${serverId}/os-interface/${port.port_id}`, '2.1', undefined, alice.token);
      assert.equal(again.status, 404);
    });

    it('binds a user\'s port and hands it back unbound on detach', async () => {
      const own = await cloud.request('POST', '/networking/v2.0/ports', { token: alice.token, body: { port: { network_id: net2Id, name: 'mine' } } });
      assert.equal(own.status, 201, own.text);
      const att = await r('POST', `/servers/${serverId}/os-interface`, '2.1', { interfaceAttachment: { port_id: own.body.port.id } }, alice.token);
      assert.equal(att.status, 200, att.text);
      const inUse = await r('POST', `/servers/${serverId}/os-interface`, '2.1', { interfaceAttachment: { port_id: own.body.port.id } }, alice.token);
      assert.equal(inUse.status, 409);
      assert.equal((await r('DELETE', `/servers/${serverId}/os-interface/${own.body.port.id}`, '2.1', undefined, alice.token)).status, 202);
      const port = (await cloud.request('GET', `/networking/v2.0/ports/${own.body.port.id}`, { token: alice.token })).body.port;
      assert.equal(port.device_id, '');
    });

    it('answers Nova\'s errors', async () => {
      const both = await r('POST', `/servers/${serverId}/os-interface`, '2.1', { interfaceAttachment: { net_id: netId, port_id: netId } }, alice.token);
      assert.equal(both.body.badRequest.message, 'Must not input both network_id and port_id');
      const ipOnly = await r('POST', `/servers/${serverId}/os-interface`, '2.1', { interfaceAttachment: { fixed_ips: [{ ip_address: '10.0.0.5' }] } }, alice.token);
      assert.equal(ipOnly.body.badRequest.message, 'Must input network_id when request IP address');
      const ambiguous = await r('POST', `/servers/${serverId}/os-interface`, '2.1', {}, alice.token);
      assert.equal(ambiguous.status, 400);
      const noNet = await r('POST', `/servers/${serverId}/os-interface`, '2.1', { interfaceAttachment: { net_id: '3c0f1d2e-2222-4b5a-8c9d-000000000002' } }, alice.token);
      assert.equal(noNet.status, 404);
      const taken = await r('POST', `/servers/${serverId}/os-interface`, '2.1', { interfaceAttachment: { net_id: netId, fixed_ips: [{ ip_address: (await r('GET', `/servers/${serverId}/os-interface`, '2.1', undefined, alice.token)).body.interfaceAttachments[0].fixed_ips[0].ip_address }] } }, alice.token);
      assert.equal(taken.status, 409);
      const notMine = await r('GET', `/servers/${serverId}/os-interface/${netId}`, '2.1', undefined, alice.token);
      assert.equal(notMine.status, 404);
      assert.equal((await r('GET', `/servers/${serverId}/os-interface`, '2.1', undefined, bob.token)).status, 404);
    });
  });
});
