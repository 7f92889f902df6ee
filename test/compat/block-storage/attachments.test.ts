// The attachments API (3.27+) as Nova drives it: reserve, connector, complete, delete; and
// multiattach through the volume type's extra spec. Classic attachments show in it too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { newMember, waitFor, type Member } from './support.ts';

describe('block-storage attachments API', () => {
  let cloud: TestCloud;
  let erin: Member;
  let frank: Member;
  const v = (p: string) => `/volume/v3/${p}`;
  const mv = (version: string) => ({ 'OpenStack-API-Version': `volume ${version}` });
  const SERVER_A = '0a0a0a0a-1111-4111-8111-000000000001';
  const SERVER_B = '0b0b0b0b-2222-4222-8222-000000000002';
  const connector = { host: 'compute-1', initiator: 'iqn.1993-08.org.debian:01:abc', platform: 'x86_64', os_type: 'linux', multipath: false };

  before(async () => {
    cloud = await startCloud();
    erin = await newMember(cloud, 'erin-att');
    frank = await newMember(cloud, 'frank-att');
  });
  after(() => cloud.stop());

  async function volume(member: Member, body: Record<string, unknown> = {}): Promise<string> {
    const res = await cloud.request('POST', `${v(member.projectId)}/volumes`, { token: member.token, body: { volume: { size: 1, ...body } } });
    assert.equal(res.status, 202, res.text);
    await waitFor(cloud, `${v(member.projectId)}/volumes/${res.body.volume.id}`, 'available', member.token);
    return res.body.volume.id;
  }

  const call = (member: Member, method: string, path: string, body?: unknown, version = '3.54') =>
    cloud.request(method, `${v(member.projectId)}${path}`, { token: member.token, body, headers: mv(version) });
  const show = async (member: Member, id: string) => (await cloud.request('GET', `${v(member.projectId)}/volumes/${id}`, { token: member.token })).body.volume;

  it('reserves, takes a connector, completes and deletes an attachment, moving the volume through its states', async () => {
    const id = await volume(erin, { name: 'att-api' });
    assert.equal((await call(erin, 'POST', '/attachments', { attachment: { volume_uuid: id, instance_uuid: SERVER_A } }, '3.26')).status, 404);

    const created = await call(erin, 'POST', '/attachments', { attachment: { volume_uuid: id, instance_uuid: SERVER_A } });
    assert.equal(created.status, 200, created.text);
    const att = created.body.attachment;
    assert.equal(att.status, 'reserved');
    assert.equal(att.instance, SERVER_A);
    assert.equal(att.volume_id, id);
    assert.equal(att.attach_mode, 'rw');
    assert.deepEqual(att.connection_info, {});
    let vol = await show(erin, id);
    assert.equal(vol.status, 'reserved');
    assert.deepEqual(vol.attachments, [], 'a reserved attachment is not shown in the volume');
    const twice = await call(erin, 'POST', '/attachments', { attachment: { volume_uuid: id, instance_uuid: SERVER_B } });
    assert.equal(twice.status, 400, twice.text);
    assert.match(twice.body.badRequest.message, /to reserve/);
    assert.equal((await cloud.request('DELETE', `${v(erin.projectId)}/volumes/${id}`, { token: erin.token })).status, 400);

    const updated = await call(erin, 'PUT', `/attachments/${att.id}`, { attachment: { connector: { ...connector, mountpoint: '/dev/vdb' } } });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.attachment.status, 'attaching');
    const info = updated.body.attachment.connection_info;
    assert.equal(info.driver_volume_type, 'local');
    assert.equal(info.data.access_mode, 'rw');
    assert.ok(existsSync(info.data.device_path), 'connection_info names the volume file');
    assert.equal((await show(erin, id)).status, 'attaching');

    assert.equal((await call(erin, 'POST', `/attachments/${att.id}/action`, { 'os-complete': null }, '3.43')).status, 404);
    const done = await call(erin, 'POST', `/attachments/${att.id}/action`, { 'os-complete': null });
    assert.equal(done.status, 204, done.text);
    vol = await show(erin, id);
    assert.equal(vol.status, 'in-use');
    assert.equal(vol.attachments.length, 1);
    assert.equal(vol.attachments[0].attachment_id, att.id);
    assert.equal(vol.attachments[0].server_id, SERVER_A);
    assert.equal(vol.attachments[0].host_name, 'compute-1');
    assert.equal(vol.attachments[0].device, '/dev/vdb');

    const listed = await call(erin, 'GET', '/attachments');
    assert.deepEqual(listed.body.attachments, [{ id: att.id, status: 'attached', instance: SERVER_A, volume_id: id }]);
    const detail = await call(erin, 'GET', `/attachments/detail?volume_id=${id}`);
    assert.equal(detail.body.attachments[0].connection_info.driver_volume_type, 'local');
    assert.ok(detail.body.attachments[0].attached_at);
    assert.equal((await call(erin, 'GET', '/attachments?instance_id=nope')).body.attachments.length, 0);
    assert.equal((await call(erin, 'GET', '/attachments?status=reserved')).body.attachments.length, 0);

    // another project sees nothing of it
    assert.equal((await call(frank, 'GET', `/attachments/${att.id}`)).status, 404);
    assert.equal((await call(frank, 'DELETE', `/attachments/${att.id}`)).status, 404);
    assert.equal((await call(frank, 'GET', '/attachments')).body.attachments.length, 0);
    assert.equal((await call(frank, 'POST', '/attachments', { attachment: { volume_uuid: id, instance_uuid: SERVER_B } })).status, 404);

    // in-use volumes grow at 3.42
    const grow = await call(erin, 'POST', `/volumes/${id}/action`, { 'os-extend': { new_size: 2 } }, '3.42');
    assert.equal(grow.status, 202, grow.text);
    assert.equal((await waitFor(cloud, `${v(erin.projectId)}/volumes/${id}`, 'in-use', erin.token)).size, 2);

    const removed = await call(erin, 'DELETE', `/attachments/${att.id}`);
    assert.equal(removed.status, 200, removed.text);
    assert.deepEqual(removed.body.attachments, []);
    vol = await show(erin, id);
    assert.equal(vol.status, 'available');
    assert.deepEqual(vol.attachments, []);
    assert.equal((await call(erin, 'GET', `/attachments/${att.id}`)).status, 404);
    assert.equal((await cloud.request('DELETE', `${v(erin.projectId)}/volumes/${id}`, { token: erin.token })).status, 202);
  });

  it('creates an initialised attachment when the connector comes with it; read-only volumes attach ro', async () => {
    const id = await volume(erin);
    const ro = await call(erin, 'POST', `/volumes/${id}/action`, { 'os-update_readonly_flag': { readonly: true } });
    assert.equal(ro.status, 202);
    const refused = await call(erin, 'POST', '/attachments', { attachment: { volume_uuid: id, instance_uuid: SERVER_A, connector } });
    assert.equal(refused.status, 400, refused.text);
    const created = await call(erin, 'POST', '/attachments', { attachment: { volume_uuid: id, instance_uuid: SERVER_A, connector, mode: 'ro' } });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body.attachment.status, 'attaching');
    assert.equal(created.body.attachment.attach_mode, 'ro');
    assert.equal(created.body.attachment.connection_info.data.access_mode, 'ro');
    assert.equal((await call(erin, 'POST', `/attachments/${created.body.attachment.id}/action`, { 'os-complete': {} })).status, 204);
    assert.equal((await show(erin, id)).metadata.attached_mode, 'ro');
    const bad = await call(erin, 'PUT', `/attachments/${created.body.attachment.id}`, { attachment: {} });
    assert.equal(bad.status, 400);
    const missingVolume = await call(erin, 'POST', '/attachments', { attachment: { instance_uuid: SERVER_A } });
    assert.equal(missingVolume.status, 400);
  });

  it('attaches a volume of a multiattach type to two servers', async () => {
    const type = await cloud.request('POST', `${v(erin.projectId)}/types`, { body: { volume_type: { name: 'multi', extra_specs: { multiattach: '<is> True' } } } });
    assert.equal(type.status, 200, type.text);
    const id = await volume(erin, { volume_type: 'multi' });
    assert.equal((await show(erin, id)).multiattach, true);
    const ids: string[] = [];
    for (const server of [SERVER_A, SERVER_B]) {
      const made = await call(erin, 'POST', '/attachments', { attachment: { volume_uuid: id, instance_uuid: server, connector: { ...connector, host: `host-${server.slice(0, 2)}` } } });
      assert.equal(made.status, 200, made.text);
      assert.equal((await call(erin, 'POST', `/attachments/${made.body.attachment.id}/action`, { 'os-complete': null })).status, 204);
      ids.push(made.body.attachment.id);
    }
    let vol = await show(erin, id);
    assert.equal(vol.status, 'in-use');
    assert.deepEqual(vol.attachments.map((a: any) => a.server_id).sort(), [SERVER_A, SERVER_B].sort());
    assert.equal((await call(erin, 'DELETE', `/attachments/${ids[0]}`)).status, 200);
    vol = await show(erin, id);
    assert.equal(vol.status, 'in-use');
    assert.equal(vol.attachments.length, 1);
    assert.equal((await call(erin, 'DELETE', `/attachments/${ids[1]}`)).status, 200);
    assert.equal((await show(erin, id)).status, 'available');
  });

  it('lists classic attachments too, and detaches them through the attachments API', async () => {
    const id = await volume(erin);
    const act = (body: unknown) => call(erin, 'POST', `/volumes/${id}/action`, body);
    assert.equal((await act({ 'os-reserve': null })).status, 202);
    assert.equal((await act({ 'os-attach': { instance_uuid: SERVER_B, mountpoint: '/dev/vdc' } })).status, 202);
    const init = await act({ 'os-initialize_connection': { connector } });
    assert.equal(init.status, 200, init.text);
    assert.equal(init.body.connection_info.driver_volume_type, 'local');
    const listed = await call(erin, 'GET', `/attachments?volume_id=${id}`);
    assert.equal(listed.body.attachments.length, 1);
    assert.equal(listed.body.attachments[0].status, 'attached');
    assert.equal((await act({ 'os-terminate_connection': { connector } })).status, 202);
    assert.equal((await call(erin, 'DELETE', `/attachments/${listed.body.attachments[0].id}`)).status, 200);
    assert.equal((await show(erin, id)).status, 'available');
  });
});
