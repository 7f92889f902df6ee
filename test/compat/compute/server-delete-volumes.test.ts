// Deleting a server gives its attached volumes back to Cinder: detached and available again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { compute, newMember, type Member } from './fixtures.ts';

describe('compute: deleting a server releases its volumes', () => {
  let cloud: TestCloud;
  let r: ReturnType<typeof compute>;
  let alice: Member;
  let imageId: string;
  let netId: string;

  const sleep = () => new Promise((resolve) => setTimeout(resolve, 25));

  const waitVolume = async (id: string, status: string) => {
    let last: any;
    for (let i = 0; i < 400; i++) {
      last = (await cloud.request('GET', `/volume/v3/volumes/${id}`, { token: alice.token })).body.volume;
      if (last.status === status) return last;
      await sleep();
    }
    assert.fail(`volume ${id} never reached ${status}; last seen ${last?.status}`);
  };

  before(async () => {
    cloud = await startCloud();
    r = compute(cloud);
    alice = await newMember(cloud, 'dv-alice');
    assert.equal((await r('POST', '/flavors', '2.1', { flavor: { name: 'dv.small', id: 'dv.small', ram: 256, vcpus: 1, disk: 1 } })).status, 200);
    const image = await cloud.request('POST', '/image/v2/images', { body: { name: 'dv-image', disk_format: 'raw', container_format: 'bare', visibility: 'public' } });
    assert.equal(image.status, 201, image.text);
    imageId = image.body.id;
    const upload = await fetch(`${cloud.url}/image/v2/images/${imageId}/file`, { method: 'PUT', headers: { 'X-Auth-Token': cloud.adminToken, 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(4096, 1) });
    assert.equal(upload.status, 204, await upload.text());
    const net = await cloud.request('POST', '/networking/v2.0/networks', { body: { network: { name: 'dv-net', shared: true } } });
    assert.equal(net.status, 201, net.text);
    netId = net.body.network.id;
    const subnet = await cloud.request('POST', '/networking/v2.0/subnets', { body: { subnet: { network_id: netId, cidr: '10.93.0.0/24', ip_version: 4 } } });
    assert.equal(subnet.status, 201, subnet.text);
  });
  after(() => cloud.stop());

  it('detaches an attached volume in Cinder when the server is deleted', async () => {
    const boot = await r('POST', '/servers', '2.37', { server: { name: 'dv-server', imageRef: imageId, flavorRef: 'dv.small', networks: [{ uuid: netId }] } }, alice.token);
    assert.equal(boot.status, 202, boot.text);
    const serverId = boot.body.server.id;
    let server: any;
    for (let i = 0; i < 400; i++) {
      server = (await r('GET', `/servers/${serverId}`, '2.1', undefined, alice.token)).body.server;
      if (server.status === 'ACTIVE' && server['OS-EXT-STS:task_state'] === null) break;
      assert.notEqual(server.status, 'ERROR');
      await sleep();
    }
    assert.equal(server.status, 'ACTIVE');

    const created = await cloud.request('POST', '/volume/v3/volumes', { token: alice.token, body: { volume: { size: 1, name: 'dv-vol' } } });
    assert.equal(created.status, 202, created.text);
    const volumeId = created.body.volume.id;
    await waitVolume(volumeId, 'available');
    const att = await r('POST', `/servers/${serverId}/os-volume_attachments`, '2.1', { volumeAttachment: { volumeId } }, alice.token);
    assert.equal(att.status, 200, att.text);
    const inUse = await waitVolume(volumeId, 'in-use');
    assert.equal(inUse.attachments[0].server_id, serverId);

    assert.equal((await r('DELETE', `/servers/${serverId}`, '2.1', undefined, alice.token)).status, 204);
    let gone = false;
    for (let i = 0; i < 400 && !gone; i++) {
      gone = (await r('GET', `/servers/${serverId}`, '2.1', undefined, alice.token)).status === 404;
      if (!gone) await sleep();
    }
    assert.ok(gone, 'the server was never deleted');
    const available = await waitVolume(volumeId, 'available');
    assert.deepEqual(available.attachments, []);
    assert.equal(available.attach_status ?? 'detached', 'detached');
    // the volume is usable again: it deletes like any available volume
    assert.equal((await cloud.request('DELETE', `/volume/v3/volumes/${volumeId}`, { token: alice.token })).status, 202);
  });
});
