import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { N, create, memberOfNewProject } from './fixtures.ts';

describe('neutron ports and IPAM', () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startCloud(); });
  after(async () => { await cloud.stop(); });

  it('never hands out one address twice under 100 concurrent creates, then fails with IpAddressGenerationFailure', async () => {
    const net = await create(cloud, 'networks', 'network', { name: 'crowded' });
    const sub = await create(cloud, 'subnets', 'subnet', { network_id: net.id, ip_version: 4, cidr: '10.50.0.0/26', enable_dhcp: false });
    const results = await Promise.all(
      Array.from({ length: 100 }, () => cloud.request('POST', `${N}/ports`, { body: { port: { network_id: net.id } } })),
    );
    const ok = results.filter((r) => r.status === 201);
    const failed = results.filter((r) => r.status !== 201);
    assert.equal(ok.length, 61, 'a /26 has 61 addresses besides network, broadcast and gateway');
    const ips = ok.map((r) => r.body.port.fixed_ips[0].ip_address);
    assert.equal(new Set(ips).size, ips.length);
    assert.ok(!ips.includes(sub.gateway_ip));
    for (const r of failed) {
      assert.equal(r.status, 409);
      assert.equal(r.body.NeutronError.type, 'IpAddressGenerationFailure');
      assert.equal(r.body.NeutronError.message, `No more IP addresses available on network ${net.id}.`);
    }
    const macs = ok.map((r) => r.body.port.mac_address);
    assert.equal(new Set(macs).size, macs.length);
    assert.ok(macs.every((m) => m.startsWith('fa:16:3e:')));
    // freeing one address makes it available again
    assert.equal((await cloud.request('DELETE', `${N}/ports/${ok[0].body.port.id}`)).status, 204);
    const again = await create(cloud, 'ports', 'port', { network_id: net.id });
    assert.equal(again.fixed_ips[0].ip_address, ips[0]);
  });

  it('honours explicit fixed IPs and MACs, binding, port security and allowed address pairs', async () => {
    const net = await create(cloud, 'networks', 'network', { name: 'explicit' });
    const sub = await create(cloud, 'subnets', 'subnet', { network_id: net.id, ip_version: 4, cidr: '10.60.0.0/24' });
    const p1 = await create(cloud, 'ports', 'port', { network_id: net.id, fixed_ips: [{ subnet_id: sub.id, ip_address: '10.60.0.50' }], mac_address: 'fa:16:3e:aa:bb:cc' });
    assert.deepEqual(p1.fixed_ips, [{ subnet_id: sub.id, ip_address: '10.60.0.50' }]);
    assert.equal(p1.status, 'DOWN');
    assert.equal(p1['binding:vif_type'], 'unbound');
    const dupIp = await cloud.request('POST', `${N}/ports`, { body: { port: { network_id: net.id, fixed_ips: [{ ip_address: '10.60.0.50' }] } } });
    assert.equal(dupIp.status, 409);
    assert.equal(dupIp.body.NeutronError.type, 'IpAddressAlreadyAllocated');
    const dupMac = await cloud.request('POST', `${N}/ports`, { body: { port: { network_id: net.id, mac_address: 'fa:16:3e:aa:bb:cc' } } });
    assert.equal(dupMac.status, 409);
    assert.equal(dupMac.body.NeutronError.type, 'MacAddressInUse');
    const foreign = await cloud.request('POST', `${N}/ports`, { body: { port: { network_id: net.id, fixed_ips: [{ ip_address: '192.168.1.1' }] } } });
    assert.equal(foreign.status, 400);
    assert.equal(foreign.body.NeutronError.type, 'InvalidIpForNetwork');
    const bound = await cloud.request('PUT', `${N}/ports/${p1.id}`, { body: { port: { 'binding:host_id': 'compute1', device_owner: 'compute:nova', device_id: 'vm1' } } });
    assert.equal(bound.status, 200);
    assert.equal(bound.body.port.status, 'ACTIVE');
    assert.equal(bound.body.port['binding:vif_type'], 'ovs');
    const byIp = await cloud.request('GET', `${N}/ports?fixed_ips=ip_address%3D10.60.0.50&fields=id`);
    assert.deepEqual(byIp.body.ports, [{ id: p1.id }]);
    const noSec = await cloud.request('POST', `${N}/ports`, { body: { port: { network_id: net.id, port_security_enabled: false, security_groups: [p1.security_groups[0]] } } });
    assert.equal(noSec.status, 409);
    const pairs = await create(cloud, 'ports', 'port', { network_id: net.id, allowed_address_pairs: [{ ip_address: '10.60.0.200' }], extra_dhcp_opts: [{ opt_name: 'bootfile-name', opt_value: 'pxelinux.0' }] });
    assert.equal(pairs.allowed_address_pairs[0].mac_address, pairs.mac_address);
    assert.equal(pairs.extra_dhcp_opts[0].ip_version, 4);
    assert.equal(pairs.security_groups.length, 1);
  });

  it('keeps projects apart: admin-only binding fields, hidden ports, security group defaults', async () => {
    const a = await memberOfNewProject(cloud, 'ports-a');
    const b = await memberOfNewProject(cloud, 'ports-b');
    const net = await create(cloud, 'networks', 'network', { name: 'a-net' }, a.token);
    await create(cloud, 'subnets', 'subnet', { network_id: net.id, ip_version: 4, cidr: '10.70.0.0/24' }, a.token);
    const port = await create(cloud, 'ports', 'port', { network_id: net.id }, a.token);
    assert.equal(port['binding:host_id'], undefined);
    assert.equal(port['binding:vnic_type'], 'normal');
    const sgs = await cloud.request('GET', `${N}/security-groups`, { token: a.token });
    const dflt = sgs.body.security_groups.find((g: any) => g.name === 'default');
    assert.deepEqual(port.security_groups, [dflt.id]);
    assert.equal(dflt.security_group_rules.length, 4);
    const hostAttempt = await cloud.request('POST', `${N}/ports`, { token: a.token, body: { port: { network_id: net.id, 'binding:host_id': 'h' } } });
    assert.equal(hostAttempt.status, 403);
    assert.equal((await cloud.request('GET', `${N}/ports/${port.id}`, { token: b.token })).status, 404);
    assert.equal((await cloud.request('DELETE', `${N}/ports/${port.id}`, { token: b.token })).status, 404);
    assert.equal((await cloud.request('GET', `${N}/ports`, { token: b.token })).body.ports.length, 0);
    assert.equal((await cloud.request('GET', `${N}/security-groups/${dflt.id}`, { token: b.token })).status, 404);
    const onForeign = await cloud.request('POST', `${N}/ports`, { token: b.token, body: { port: { network_id: net.id } } });
    assert.equal(onForeign.status, 404);
  });
});

describe('neutron security groups', () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startCloud(); });
  after(async () => { await cloud.stop(); });

  it('creates groups with egress rules and validates rules as Neutron does', async () => {
    const sg = await create(cloud, 'security-groups', 'security_group', { name: 'web' });
    assert.equal(sg.security_group_rules.length, 2);
    assert.ok(sg.security_group_rules.every((r: any) => r.direction === 'egress'));
    const rule = await create(cloud, 'security-group-rules', 'security_group_rule', {
      security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '10.0.0.1/8',
    });
    assert.equal(rule.normalized_cidr, '10.0.0.0/8');
    const dup = await cloud.request('POST', `${N}/security-group-rules`, {
      body: { security_group_rule: { security_group_id: sg.id, direction: 'ingress', protocol: '6', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '10.0.0.0/8' } },
    });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.NeutronError.type, 'SecurityGroupRuleExists');
    assert.equal(dup.body.NeutronError.message, `Security group rule already exists. Rule id is ${rule.id}.`);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ protocol: 'tcp', port_range_min: -16, port_range_max: 80 }, 'Invalid value for port -16'],
      [{ protocol: 'tcp', port_range_min: 80, port_range_max: 79 }, 'port_range_min must be <= port_range_max'],
      [{ protocol: 'tcp', port_range_max: 6 }, 'port_range_min must be <= port_range_max'],
      [{ protocol: 'icmp', port_range_min: 1, port_range_max: 256 }, 'Invalid value for ICMP code'],
      [{ protocol: 'icmp', port_range_max: 6 }, 'ICMP type (port-range-min) is missing'],
      [{ protocol: 'icmp', port_range_min: 300, port_range_max: 1 }, 'Invalid value for ICMP type'],
      [{ protocol: 'bad' }, 'not supported'],
      [{ ethertype: 'IPv6', remote_ip_prefix: '10.0.0.0/24' }, 'Conflicting value ethertype'],
      [{ remote_ip_prefix: '10.0.0.0/24', remote_group_id: sg.id }, 'Only remote_ip_prefix or remote_group_id may be provided.'],
    ];
    for (const [body, message] of cases) {
      const res = await cloud.request('POST', `${N}/security-group-rules`, { body: { security_group_rule: { security_group_id: sg.id, direction: 'ingress', ...body } } });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(res.body.NeutronError.message.includes(message), res.body.NeutronError.message);
    }
    const asDefault = await cloud.request('POST', `${N}/security-groups`, { body: { security_group: { name: 'default' } } });
    assert.equal(asDefault.status, 409);
    const list = await cloud.request('GET', `${N}/security-groups?name=default`);
    const dflt = list.body.security_groups[0];
    const rename = await cloud.request('PUT', `${N}/security-groups/${dflt.id}`, { body: { security_group: { name: 'other' } } });
    assert.equal(rename.status, 409);
    assert.equal((await cloud.request('DELETE', `${N}/security-group-rules/${rule.id}`)).status, 204);
    assert.equal((await cloud.request('DELETE', `${N}/security-groups/${sg.id}`)).status, 204);
    assert.equal((await cloud.request('GET', `${N}/security-groups/${sg.id}`)).body.NeutronError.type, 'SecurityGroupNotFound');
  });

  it('lists agents and availability zones', async () => {
    const agents = await cloud.request('GET', `${N}/agents`);
    const types = agents.body.agents.map((a: any) => a.agent_type).sort();
    assert.deepEqual(types, ['DHCP agent', 'L3 agent', 'Open vSwitch agent']);
    assert.ok(agents.body.agents.every((a: any) => a.alive && a.admin_state_up));
    const azs = await cloud.request('GET', `${N}/availability_zones`);
    assert.deepEqual(azs.body.availability_zones.map((z: any) => z.resource).sort(), ['network', 'router']);
  });
});
