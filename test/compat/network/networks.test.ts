import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { N, create, memberOfNewProject } from './fixtures.ts';

describe('neutron networks, subnets and version documents', () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startCloud(); });
  after(async () => { await cloud.stop(); });

  it('serves the version documents and the extension list', async () => {
    const root = await cloud.request('GET', '/networking/', { token: null });
    assert.equal(root.status, 200);
    assert.equal(root.body.versions[0].id, 'v2.0');
    assert.equal(root.body.versions[0].status, 'CURRENT');
    const ext = await cloud.request('GET', `${N}/extensions`);
    const aliases = ext.body.extensions.map((e: any) => e.alias);
    for (const a of ['security-group', 'provider', 'external-net', 'binding', 'standard-attr-tag', 'revision-if-match']) assert.ok(aliases.includes(a), a);
    assert.ok(!aliases.includes('l3-flavors'));
    assert.equal((await cloud.request('GET', `${N}/extensions/provider`)).body.extension.alias, 'provider');
    const missing = await cloud.request('GET', `${N}/extensions/l3-flavors`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.NeutronError.type, 'ExtensionNotFound');
  });

  it('creates a vxlan network with its MTU, and shows provider attributes to admins only', async () => {
    const net = await create(cloud, 'networks', 'network', { name: 'n1' });
    assert.equal(net.status, 'ACTIVE');
    assert.equal(net['provider:network_type'], 'vxlan');
    assert.equal(typeof net['provider:segmentation_id'], 'number');
    assert.equal(net.mtu, 1450);
    assert.equal(net.revision_number, 1);
    assert.match(net.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(net.project_id, net.tenant_id);
    const flat = await create(cloud, 'networks', 'network', { name: 'public', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'public' });
    assert.equal(flat.mtu, 1500);
    const again = await cloud.request('POST', `${N}/networks`, { body: { network: { 'provider:network_type': 'flat', 'provider:physical_network': 'public' } } });
    assert.equal(again.status, 409);
    assert.equal(again.body.NeutronError.type, 'FlatNetworkInUse');

    const member = await memberOfNewProject(cloud, 'net-p1');
    const list = await cloud.request('GET', `${N}/networks`, { token: member.token });
    assert.deepEqual(list.body.networks.map((n: any) => n.name), ['public']);
    assert.equal(list.body.networks[0]['provider:network_type'], undefined);
    const ext = await cloud.request('GET', `${N}/networks?router:external=true`, { token: member.token });
    assert.equal(ext.body.networks.length, 1);
    const hidden = await cloud.request('GET', `${N}/networks/${net.id}`, { token: member.token });
    assert.equal(hidden.status, 404);
    assert.deepEqual(hidden.body, { NeutronError: { type: 'NetworkNotFound', message: `Network ${net.id} could not be found.`, detail: '' } });
    const shared = await cloud.request('POST', `${N}/networks`, { token: member.token, body: { network: { shared: true } } });
    assert.equal(shared.status, 403);
    assert.equal(shared.body.NeutronError.type, 'PolicyNotAuthorized');
    assert.equal(shared.body.NeutronError.message, '(rule:create_network and rule:create_network:shared) is disallowed by policy');
    const own = await create(cloud, 'networks', 'network', { name: 'mine' }, member.token);
    assert.equal(own['provider:network_type'], undefined);
    const del = await cloud.request('DELETE', `${N}/networks/${flat.id}`, { token: member.token });
    assert.equal(del.status, 403);
  });

  it('filters, sorts, selects fields and pages with links', async () => {
    for (const name of ['pa', 'pb', 'pc', 'pd']) await create(cloud, 'networks', 'network', { name, description: 'paging' });
    const sorted = await cloud.request('GET', `${N}/networks?description=paging&sort_key=name&sort_dir=desc&fields=name`);
    assert.deepEqual(sorted.body.networks, [{ name: 'pd' }, { name: 'pc' }, { name: 'pb' }, { name: 'pa' }]);
    const either = await cloud.request('GET', `${N}/networks?name=pa&name=pc&fields=name&fields=id`);
    assert.deepEqual(either.body.networks.map((n: any) => n.name).sort(), ['pa', 'pc']);
    const page1 = await cloud.request('GET', `${N}/networks?description=paging&sort_key=name&sort_dir=asc&limit=3`);
    assert.deepEqual(page1.body.networks.map((n: any) => n.name), ['pa', 'pb', 'pc']);
    const next = page1.body.networks_links.find((l: any) => l.rel === 'next');
    assert.ok(next.href.includes(`marker=${page1.body.networks[2].id}`));
    const page2 = await cloud.request('GET', next.href.slice(cloud.url.length));
    assert.deepEqual(page2.body.networks.map((n: any) => n.name), ['pd']);
    assert.deepEqual(page2.body.networks_links.map((l: any) => l.rel), ['previous']);
    const bad = await cloud.request('GET', `${N}/networks?sort_key=name`);
    assert.equal(bad.status, 400);
  });

  it('keeps revision numbers with If-Match, and tags', async () => {
    const net = await create(cloud, 'networks', 'network', { name: 'rev' });
    const up = await cloud.request('PUT', `${N}/networks/${net.id}`, { body: { network: { name: 'rev2' } }, headers: { 'If-Match': 'revision_number=1' } });
    assert.equal(up.status, 200);
    assert.equal(up.body.network.revision_number, 2);
    const stale = await cloud.request('PUT', `${N}/networks/${net.id}`, { body: { network: { name: 'rev3' } }, headers: { 'If-Match': 'revision_number=1' } });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.NeutronError.type, 'RevisionNumberConstraintFailed');
    assert.equal((await cloud.request('PUT', `${N}/networks/${net.id}/tags/red`)).status, 201);
    const put = await cloud.request('PUT', `${N}/networks/${net.id}/tags`, { body: { tags: ['a', 'b'] } });
    assert.deepEqual(put.body.tags, ['a', 'b']);
    assert.equal((await cloud.request('GET', `${N}/networks/${net.id}/tags/a`)).status, 204);
    assert.equal((await cloud.request('GET', `${N}/networks/${net.id}/tags/red`)).status, 404);
    const tagged = await cloud.request('GET', `${N}/networks?tags=a,b&fields=id`);
    assert.deepEqual(tagged.body.networks, [{ id: net.id }]);
    const notTagged = await cloud.request('GET', `${N}/networks?not-tags-any=a&fields=id`);
    assert.ok(!notTagged.body.networks.some((n: any) => n.id === net.id));
    assert.equal((await cloud.request('DELETE', `${N}/networks/${net.id}/tags`)).status, 204);
    assert.deepEqual((await cloud.request('GET', `${N}/networks/${net.id}/tags`)).body.tags, []);
  });

  it('creates IPv4 subnets with default pools, gateway and a DHCP port; refuses overlaps and bad input', async () => {
    const net = await create(cloud, 'networks', 'network', { name: 'subnetted' });
    const sub = await create(cloud, 'subnets', 'subnet', { network_id: net.id, ip_version: 4, cidr: '10.1.0.0/24', dns_nameservers: ['8.8.8.8'] });
    assert.equal(sub.gateway_ip, '10.1.0.1');
    assert.deepEqual(sub.allocation_pools, [{ start: '10.1.0.2', end: '10.1.0.254' }]);
    const dhcp = await cloud.request('GET', `${N}/ports?network_id=${net.id}&device_owner=network:dhcp`);
    assert.equal(dhcp.body.ports.length, 1);
    assert.equal(dhcp.body.ports[0].fixed_ips[0].subnet_id, sub.id);
    const overlap = await cloud.request('POST', `${N}/subnets`, { body: { subnet: { network_id: net.id, ip_version: 4, cidr: '10.1.0.128/25' } } });
    assert.equal(overlap.status, 400);
    assert.equal(overlap.body.NeutronError.type, 'InvalidInput');
    const hostBits = await cloud.request('POST', `${N}/subnets`, { body: { subnet: { network_id: net.id, ip_version: 4, cidr: '10.2.0.1/24' } } });
    assert.equal(hostBits.status, 400);
    const outside = await cloud.request('POST', `${N}/subnets`, {
      body: { subnet: { network_id: net.id, ip_version: 4, cidr: '10.3.0.0/24', allocation_pools: [{ start: '10.3.1.1', end: '10.3.1.5' }] } },
    });
    assert.equal(outside.status, 400);
    assert.equal(outside.body.NeutronError.type, 'OutOfBoundsAllocationPool');
    const netView = await cloud.request('GET', `${N}/networks/${net.id}`);
    assert.deepEqual(netView.body.network.subnets, [sub.id]);
    const v6 = await create(cloud, 'subnets', 'subnet', { network_id: net.id, ip_version: 6, cidr: '2001:db8:1::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' });
    assert.equal(v6.gateway_ip, '2001:db8:1::1');
    const port = await create(cloud, 'ports', 'port', { network_id: net.id });
    const v6ip = port.fixed_ips.find((f: any) => f.subnet_id === v6.id);
    const mac = port.mac_address.split(':').map((o: string) => parseInt(o, 16));
    const group = (a: number, b: number) => ((a << 8) | b).toString(16);
    assert.equal(v6ip.ip_address, `2001:db8:1:0:${group(mac[0] ^ 2, mac[1])}:${group(mac[2], 0xff)}:${group(0xfe, mac[3])}:${group(mac[4], mac[5])}`);
    const inUse = await cloud.request('DELETE', `${N}/subnets/${sub.id}`);
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.NeutronError.type, 'SubnetInUse');
    const netInUse = await cloud.request('DELETE', `${N}/networks/${net.id}`);
    assert.equal(netInUse.status, 409);
    assert.equal(netInUse.body.NeutronError.type, 'NetworkInUse');
    assert.equal((await cloud.request('DELETE', `${N}/ports/${port.id}`)).status, 204);
    assert.equal((await cloud.request('DELETE', `${N}/subnets/${sub.id}`)).status, 204);
    assert.equal((await cloud.request('DELETE', `${N}/networks/${net.id}`)).status, 204);
  });

  it('allocates subnets from subnet pools', async () => {
    const pool = await create(cloud, 'subnetpools', 'subnetpool', { name: 'pool', prefixes: ['10.100.0.0/16'], default_prefixlen: 24 });
    assert.equal(pool.ip_version, 4);
    assert.equal(pool.min_prefixlen, 16);
    const net = await create(cloud, 'networks', 'network', { name: 'pooled' });
    const a = await create(cloud, 'subnets', 'subnet', { network_id: net.id, ip_version: 4, subnetpool_id: pool.id });
    const b = await create(cloud, 'subnets', 'subnet', { network_id: net.id, ip_version: 4, subnetpool_id: pool.id, prefixlen: 26 });
    assert.equal(a.cidr, '10.100.0.0/24');
    assert.equal(b.cidr, '10.100.1.0/26');
    const del = await cloud.request('DELETE', `${N}/subnetpools/${pool.id}`);
    assert.equal(del.status, 409);
  });
});
