import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { N, create } from './fixtures.ts';

describe('neutron IPAM under concurrency', () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startCloud(); });
  after(async () => { await cloud.stop(); });

  it('hands out 200 distinct addresses to 200 parallel creates on a /24, then stops with IpAddressGenerationFailure', async () => {
    const net = await create(cloud, 'networks', 'network', { name: 'ipam-200' });
    const sub = await create(cloud, 'subnets', 'subnet', { network_id: net.id, ip_version: 4, cidr: '10.90.0.0/24', enable_dhcp: false });
    assert.equal((await cloud.request('PUT', `${N}/quotas/${net.project_id}`, { body: { quota: { port: -1 } } })).status, 200);
    const createMany = (n: number) => Promise.all(Array.from({ length: n }, (_, i) =>
      cloud.request('POST', `${N}/ports`, { body: { port: { network_id: net.id, name: `p-${i}` } } })));

    const first = await createMany(200);
    const refused = first.filter((r) => r.status !== 201);
    assert.deepEqual(refused.map((r) => r.text), [], 'all 200 fit in a /24');
    const ips = first.map((r) => r.body.port.fixed_ips[0].ip_address as string);
    assert.equal(new Set(ips).size, 200, 'no address handed out twice');
    for (const ip of ips) {
      const last = Number(ip.split('.')[3]);
      assert.ok(ip.startsWith('10.90.0.') && last >= 2 && last <= 254, `${ip} is in the allocation pool`);
    }
    assert.ok(!ips.includes(sub.gateway_ip));

    // 253 addresses in the pool (.2-.254): 53 are left for the next 100 requests
    const second = await createMany(100);
    const ok = second.filter((r) => r.status === 201);
    const failed = second.filter((r) => r.status !== 201);
    assert.equal(ok.length, 53);
    const all = [...ips, ...ok.map((r) => r.body.port.fixed_ips[0].ip_address as string)];
    assert.equal(new Set(all).size, 253, 'every address of the pool once');
    for (const r of failed) {
      assert.equal(r.status, 409, r.text);
      assert.deepEqual(r.body.NeutronError, {
        type: 'IpAddressGenerationFailure', message: `No more IP addresses available on network ${net.id}.`, detail: '',
      });
    }
    const listed = await cloud.request('GET', `${N}/ports?network_id=${net.id}&fields=id&fields=fixed_ips`);
    assert.equal(listed.body.ports.length, 253, 'a refused create leaves no port behind');
    const stillFull = await cloud.request('POST', `${N}/ports`, { body: { port: { network_id: net.id } } });
    assert.equal(stillFull.status, 409);
    assert.equal(stillFull.body.NeutronError.type, 'IpAddressGenerationFailure');
  });
});
