// The metadata service as a guest reads it: no token; the server is found by its fixed IP
// (X-Forwarded-For from the loopback proxy) or by a signed X-Instance-ID.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { compute, newMember, type Member } from './fixtures.ts';
import { signInstanceId } from '../../../src/compat/compute/metadata-service/lookup.ts';

const SECRET = 'metadata-test-secret';

describe('compute: the metadata service (OpenStack and EC2 styles)', () => {
  let cloud: TestCloud;
  let r: ReturnType<typeof compute>;
  let alice: Member;
  let serverId: string;
  let fixedIp: string;
  let publicKey: string;
  const userData = '#!/bin/sh\necho hello\n';

  const md = (path: string, headers: Record<string, string> = {}) => cloud.request('GET', `/metadata${path}`, { token: null, headers });
  const signed = (id = serverId, project = alice.project) => ({ 'X-Instance-ID': id, 'X-Instance-ID-Signature': signInstanceId(SECRET, id), 'X-Tenant-ID': project });

  before(async () => {
    process.env.STACKGATE_METADATA_SECRET = SECRET;
    cloud = await startCloud();
    r = compute(cloud);
    alice = await newMember(cloud, 'md-alice');
    assert.equal((await r('POST', '/flavors', '2.1', { flavor: { name: 'md.small', id: 'md.small', ram: 256, vcpus: 1, disk: 1 } })).status, 200);
    const image = await cloud.request('POST', '/image/v2/images', { body: { name: 'md-image', disk_format: 'raw', container_format: 'bare', visibility: 'public' } });
    await fetch(`${cloud.url}/image/v2/images/${image.body.id}/file`, { method: 'PUT', headers: { 'X-Auth-Token': cloud.adminToken, 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(4096, 1) });
    const net = await cloud.request('POST', '/networking/v2.0/networks', { body: { network: { name: 'md-net', shared: true } } });
    const subnet = await cloud.request('POST', '/networking/v2.0/subnets', { body: { subnet: { network_id: net.body.network.id, cidr: '10.93.0.0/24', ip_version: 4, enable_dhcp: false, dns_nameservers: ['10.93.0.53'] } } });
    assert.equal(subnet.status, 201, subnet.text);
    const kp = await r('POST', '/os-keypairs', '2.2', { keypair: { name: 'md-key' } }, alice.token);
    publicKey = kp.body.keypair.public_key;
    const boot = await r('POST', '/servers', '2.37', {
      server: { name: 'md-vm', imageRef: image.body.id, flavorRef: 'md.small', networks: [{ uuid: net.body.network.id }], key_name: 'md-key', user_data: Buffer.from(userData).toString('base64'), metadata: { role: 'db' } },
    }, alice.token);
    assert.equal(boot.status, 202, boot.text);
    serverId = boot.body.server.id;
    for (let i = 0; i < 400; i++) {
      const s = (await r('GET', `/servers/${serverId}`, '2.1', undefined, alice.token)).body.server;
      if (s.status === 'ACTIVE') {
        fixedIp = (s.addresses['md-net'] as Array<{ addr: string }>)[0].addr;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.ok(fixedIp, 'the server became ACTIVE with an address');
  });
  after(async () => {
    delete process.env.STACKGATE_METADATA_SECRET;
    await cloud.stop();
  });

  it('lists versions without a token', async () => {
    const root = await md('/');
    assert.equal(root.status, 200);
    assert.match(root.text, /^1\.0\n2007-01-19\n[\s\S]*\nlatest$/);
    const os = await md('/openstack');
    assert.match(os.text, /^2012-08-10\n[\s\S]*2020-10-14\nlatest$/);
  });

  it('serves meta_data.json to the signed instance', async () => {
    const res = await md('/openstack/latest/meta_data.json', signed());
    assert.equal(res.status, 200, res.text);
    const doc = res.body;
    assert.equal(doc.uuid, serverId);
    assert.equal(doc.name, 'md-vm');
    assert.deepEqual(doc.meta, { role: 'db' });
    assert.deepEqual(doc.public_keys, { 'md-key': publicKey });
    assert.deepEqual(doc.keys, [{ name: 'md-key', type: 'ssh', data: publicKey }]);
    assert.equal(doc.project_id, alice.project);
    assert.equal(Buffer.from(doc.random_seed, 'base64').length, 512);
    const old = (await md('/openstack/2012-08-10/meta_data.json', signed())).body;
    assert.equal(old.random_seed, undefined);
    assert.equal(old.project_id, undefined);
    const listing = await md('/openstack/latest', signed());
    assert.deepEqual(listing.text.split('\n'), ['meta_data.json', 'network_data.json', 'password', 'user_data', 'vendor_data.json', 'vendor_data2.json']);
  });

  it('serves user_data and network_data.json', async () => {
    const ud = await md('/openstack/latest/user_data', signed());
    assert.equal(ud.text, userData);
    const nd = (await md('/openstack/latest/network_data.json', signed())).body;
    assert.equal(nd.links.length, 1);
    assert.equal(nd.networks[0].type, 'ipv4');
    assert.equal(nd.networks[0].ip_address, fixedIp);
    assert.equal(nd.networks[0].netmask, '255.255.255.0');
    assert.equal(nd.networks[0].link, nd.links[0].id);
    assert.deepEqual(nd.services, [{ type: 'dns', address: '10.93.0.53' }]);
  });

  it('finds the server by its fixed IP behind the loopback proxy (EC2 style)', async () => {
    const via = { 'X-Forwarded-For': fixedIp };
    const folder = await md('/latest/meta-data/', via);
    assert.equal(folder.status, 200, folder.text);
    assert.ok(folder.text.split('\n').includes('public-keys/'));
    assert.equal((await md('/latest/meta-data/local-ipv4', via)).text, fixedIp);
    assert.equal((await md('/latest/meta-data/hostname', via)).text, 'md-vm.novalocal');
    assert.equal((await md('/latest/meta-data/instance-type', via)).text, 'md.small');
    assert.equal((await md('/latest/meta-data/public-keys/', via)).text, '0=md-key');
    assert.equal((await md('/latest/meta-data/public-keys/0/openssh-key', via)).text, publicKey);
    assert.equal((await md('/2009-04-04/user-data', via)).text, userData);
    assert.equal((await md('/latest/meta-data/placement/availability-zone', via)).status, 200);
    assert.equal((await md('/latest/meta-data/nothing-here', via)).status, 404);
  });

  it('refuses bad signatures, other projects, unknown addresses and versions', async () => {
    const forged = await md('/openstack/latest/meta_data.json', { ...signed(), 'X-Instance-ID-Signature': signInstanceId('wrong', serverId) });
    assert.equal(forged.status, 403);
    assert.match(forged.text, /Invalid proxy request signature/);
    const unsigned = await md('/openstack/latest/meta_data.json', { 'X-Instance-ID': serverId, 'X-Tenant-ID': alice.project });
    assert.equal(unsigned.status, 400);
    const otherTenant = await md('/openstack/latest/meta_data.json', signed(serverId, 'someone-else'));
    assert.equal(otherTenant.status, 404);
    const stranger = await md('/openstack/latest/meta_data.json', { 'X-Forwarded-For': '10.250.0.9' });
    assert.equal(stranger.status, 404);
    const version = await md('/openstack/1999-01-01/meta_data.json', signed());
    assert.equal(version.status, 404);
  });
});
