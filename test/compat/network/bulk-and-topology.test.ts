import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { N, create, memberOfNewProject } from './fixtures.ts';

describe('neutron bulk create, Tempest interop corner cases and auto-allocated topology', () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startCloud(); });
  after(async () => { await cloud.stop(); });

  it('creates networks, subnets and ports in bulk, bare or wrapped items', async () => {
    const nets = await cloud.request('POST', `${N}/networks`, { body: { networks: [{ name: 'bulk-a' }, { network: { name: 'bulk-b' } }] } });
    assert.equal(nets.status, 201, nets.text);
    assert.deepEqual(nets.body.networks.map((n: any) => n.name), ['bulk-a', 'bulk-b']);
    const [a, b] = nets.body.networks;
    const subs = await cloud.request('POST', `${N}/subnets`, { body: { subnets: [
      { network_id: a.id, cidr: '10.71.0.0/24', ip_version: 4 },
      { network_id: b.id, cidr: '10.72.0.0/24', ip_version: 4 },
    ] } });
    assert.equal(subs.status, 201, subs.text);
    assert.equal(subs.body.subnets.length, 2);
    const ports = await cloud.request('POST', `${N}/ports`, { body: { ports: [{ network_id: a.id, name: 'p1' }, { network_id: b.id, name: 'p2' }] } });
    assert.equal(ports.status, 201, ports.text);
    assert.deepEqual(ports.body.ports.map((p: any) => p.name), ['p1', 'p2']);
    assert.match(ports.body.ports[0].fixed_ips[0].ip_address, /^10\.71\.0\./);
    assert.match(ports.body.ports[1].fixed_ips[0].ip_address, /^10\.72\.0\./);
  });

  it('refuses a whole bulk request when one item is bad and leaves nothing behind', async () => {
    const net = await create(cloud, 'networks', 'network', { name: 'bulk-atomic' });
    await create(cloud, 'subnets', 'subnet', { network_id: net.id, cidr: '10.73.0.0/24', ip_version: 4, enable_dhcp: false });
    const bad = await cloud.request('POST', `${N}/ports`, { body: { ports: [
      { network_id: net.id, name: 'ok-1' },
      { network_id: net.id, name: 'ok-2' },
      { network_id: '00000000-0000-0000-0000-00000000dead', name: 'bad' },
    ] } });
    assert.equal(bad.status, 404, bad.text);
    assert.equal(bad.body.NeutronError.type, 'NetworkNotFound');
    const left = await cloud.request('GET', `${N}/ports?network_id=${net.id}`);
    assert.deepEqual(left.body.ports, []);
    // the addresses and MACs of the undone ports are free again: a /29 has exactly the room for them
    const small = await create(cloud, 'networks', 'network', { name: 'bulk-small' });
    await create(cloud, 'subnets', 'subnet', { network_id: small.id, cidr: '10.75.0.0/29', ip_version: 4, enable_dhcp: false });
    const tooMany = await cloud.request('POST', `${N}/ports`, { body: { ports: Array.from({ length: 6 }, () => ({ network_id: small.id })) } });
    assert.equal(tooMany.status, 409, tooMany.text);
    assert.equal(tooMany.body.NeutronError.type, 'IpAddressGenerationFailure');
    const fits = await cloud.request('POST', `${N}/ports`, { body: { ports: Array.from({ length: 5 }, () => ({ network_id: small.id })) } });
    assert.equal(fits.status, 201, fits.text);
    assert.equal(new Set(fits.body.ports.map((p: any) => p.fixed_ips[0].ip_address)).size, 5);

    const netsBad = await cloud.request('POST', `${N}/networks`, { body: { networks: [{ name: 'nb-1' }, { name: 'nb-2', admin_state_up: 'maybe' }] } });
    assert.equal(netsBad.status, 400);
    assert.equal((await cloud.request('GET', `${N}/networks?name=nb-1`)).body.networks.length, 0);

    const empty = await cloud.request('POST', `${N}/ports`, { body: { ports: [] } });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.NeutronError.message, 'Resources required');
  });

  it('clears extra routes given as null', async () => {
    const net = await create(cloud, 'networks', 'network', { name: 'routes-net' });
    const sub = await create(cloud, 'subnets', 'subnet', { network_id: net.id, cidr: '10.74.0.0/24', ip_version: 4 });
    const router = await create(cloud, 'routers', 'router', { name: 'routes-router' });
    assert.equal((await cloud.request('PUT', `${N}/routers/${router.id}/add_router_interface`, { body: { subnet_id: sub.id } })).status, 200);
    const set = await cloud.request('PUT', `${N}/routers/${router.id}`, { body: { router: { routes: [{ destination: '10.99.0.0/24', nexthop: '10.74.0.10' }] } } });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.router.routes.length, 1);
    const cleared = await cloud.request('PUT', `${N}/routers/${router.id}`, { body: { router: { routes: null } } });
    assert.equal(cleared.status, 200, cleared.text);
    assert.deepEqual(cleared.body.router.routes, []);
  });

  it('answers a remote group id that names no group with SecurityGroupNotFound', async () => {
    const sg = await create(cloud, 'security-groups', 'security_group', { name: 'rg' });
    const res = await cloud.request('POST', `${N}/security-group-rules`, { body: { security_group_rule: {
      security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', remote_group_id: 'bad_group_id',
    } } });
    assert.equal(res.status, 404, res.text);
    assert.equal(res.body.NeutronError.type, 'SecurityGroupNotFound');
    assert.equal(res.body.NeutronError.message, 'Security group bad_group_id does not exist');
  });

  it('builds, returns and deletes an auto-allocated topology', async () => {
    const member = await memberOfNewProject(cloud, 'auto-p1');
    const path = `${N}/auto-allocated-topology/${member.projectId}`;
    const ext = await cloud.request('GET', `${N}/extensions/auto-allocated-topology`);
    assert.equal(ext.status, 200);

    const noExternal = await cloud.request('GET', path, { token: member.token });
    assert.equal(noExternal.status, 409);
    assert.deepEqual(noExternal.body.NeutronError, { type: 'AutoAllocationFailure', message: 'Deployment error: No default router:external network.', detail: '' });

    const pub = await create(cloud, 'networks', 'network', { name: 'auto-public', 'router:external': true, is_default: true });
    assert.equal(pub.is_default, true);
    await create(cloud, 'subnets', 'subnet', { network_id: pub.id, cidr: '172.25.0.0/24', ip_version: 4, enable_dhcp: false });
    const second = await cloud.request('POST', `${N}/networks`, { body: { network: { name: 'auto-public-2', 'router:external': true, is_default: true } } });
    assert.equal(second.status, 409);
    assert.equal(second.body.NeutronError.type, 'DefaultExternalNetworkExists');
    const memberDefault = await cloud.request('POST', `${N}/networks`, { token: member.token, body: { network: { name: 'x', is_default: true } } });
    assert.equal(memberDefault.status, 403);

    const noPools = await cloud.request('GET', `${path}?fields=dry-run`, { token: member.token });
    assert.equal(noPools.status, 409);
    assert.equal(noPools.body.NeutronError.message, 'Deployment error: No default subnetpools defined.');

    await create(cloud, 'subnetpools', 'subnetpool', { name: 'default-v4', prefixes: ['10.200.0.0/16'], default_prefixlen: 26, is_default: true, shared: true });
    const dry = await cloud.request('GET', `${path}?fields=dry-run`, { token: member.token });
    assert.equal(dry.status, 200, dry.text);
    assert.equal(dry.body.auto_allocated_topology.id, 'dry-run=pass');

    const other = await memberOfNewProject(cloud, 'auto-p2');
    const foreign = await cloud.request('GET', path, { token: other.token });
    assert.equal(foreign.status, 403);

    const got = await cloud.request('GET', path, { token: member.token });
    assert.equal(got.status, 200, got.text);
    const topo = got.body.auto_allocated_topology;
    assert.equal(topo.tenant_id, member.projectId);
    assert.equal(topo.project_id, member.projectId);
    const network = (await cloud.request('GET', `${N}/networks/${topo.id}`, { token: member.token })).body.network;
    assert.equal(network.name, 'auto_allocated_network');
    assert.equal(network.admin_state_up, true);
    assert.equal(network.project_id, member.projectId);
    assert.equal(network.subnets.length, 1);
    const subnet = (await cloud.request('GET', `${N}/subnets/${network.subnets[0]}`, { token: member.token })).body.subnet;
    assert.equal(subnet.name, 'auto_allocated_subnet_v4');
    assert.match(subnet.cidr, /^10\.200\.\d+\.\d+\/26$/);
    const routers = (await cloud.request('GET', `${N}/routers?name=auto_allocated_router`, { token: member.token })).body.routers;
    assert.equal(routers.length, 1);
    assert.equal(routers[0].external_gateway_info.network_id, pub.id);
    const iface = (await cloud.request('GET', `${N}/ports?device_id=${routers[0].id}&device_owner=network:router_interface`, { token: member.token })).body.ports;
    assert.equal(iface.length, 1);
    assert.equal(iface[0].network_id, topo.id);

    // the second call returns the same topology; None means the caller's project
    const again = await cloud.request('GET', `${N}/auto-allocated-topology/None`, { token: member.token });
    assert.equal(again.body.auto_allocated_topology.id, topo.id);

    const del = await cloud.request('DELETE', path, { token: member.token });
    assert.equal(del.status, 204, del.text);
    assert.equal((await cloud.request('GET', `${N}/networks/${topo.id}`)).status, 404);
    assert.equal((await cloud.request('GET', `${N}/routers/${routers[0].id}`)).status, 404);
    // deleting again is fine
    assert.equal((await cloud.request('DELETE', path, { token: member.token })).status, 204);
  });
});
