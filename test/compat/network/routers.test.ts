import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { N, create, memberOfNewProject } from './fixtures.ts';

describe('neutron routers', () => {
  let cloud: TestCloud;
  let publicNet: any;
  let publicSubnet: any;
  before(async () => {
    cloud = await startCloud();
    publicNet = await create(cloud, 'networks', 'network', { name: 'public', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'public' });
    publicSubnet = await create(cloud, 'subnets', 'subnet', { network_id: publicNet.id, cidr: '172.24.4.0/24', ip_version: 4, enable_dhcp: false });
  });
  after(async () => { await cloud.stop(); });

  it('lists the L3 extensions', async () => {
    const ext = await cloud.request('GET', `${N}/extensions`);
    const aliases = ext.body.extensions.map((e: any) => e.alias);
    for (const a of ['router', 'ext-gw-mode', 'extraroute', 'router_availability_zone', 'fip-port-details', 'rbac-policies', 'quotas', 'quota_details']) assert.ok(aliases.includes(a), a);
    assert.equal((await cloud.request('GET', `${N}/extensions/router`)).body.extension.alias, 'router');
  });

  it('creates a router with a gateway, attaches and detaches a subnet, and refuses to delete it in use', async () => {
    const member = await memberOfNewProject(cloud, 'rt-p1');
    const net = await create(cloud, 'networks', 'network', { name: 'private' }, member.token);
    const subnet = await create(cloud, 'subnets', 'subnet', { network_id: net.id, cidr: '10.10.0.0/24', ip_version: 4 }, member.token);
    const router = await create(cloud, 'routers', 'router', { name: 'r1', external_gateway_info: { network_id: publicNet.id } }, member.token);
    assert.equal(router.status, 'ACTIVE');
    assert.equal(router.project_id, member.projectId);
    assert.equal(router.external_gateway_info.network_id, publicNet.id);
    assert.equal(router.external_gateway_info.enable_snat, true);
    assert.equal(router.external_gateway_info.external_fixed_ips[0].subnet_id, publicSubnet.id);
    assert.match(router.external_gateway_info.external_fixed_ips[0].ip_address, /^172\.24\.4\./);
    assert.equal(router.ha, undefined, 'ha is an admin attribute');
    assert.deepEqual(router.routes, []);
    assert.deepEqual(router.availability_zones, ['nova']);

    const gw = await cloud.request('GET', `${N}/ports?device_owner=network:router_gateway&device_id=${router.id}`);
    assert.equal(gw.body.ports.length, 1);
    assert.equal(gw.body.ports[0].tenant_id, '');

    const add = await cloud.request('PUT', `${N}/routers/${router.id}/add_router_interface`, { token: member.token, body: { subnet_id: subnet.id } });
    assert.equal(add.status, 200, add.text);
    assert.equal(add.body.subnet_id, subnet.id);
    assert.deepEqual(add.body.subnet_ids, [subnet.id]);
    assert.equal(add.body.network_id, net.id);
    const port = (await cloud.request('GET', `${N}/ports/${add.body.port_id}`, { token: member.token })).body.port;
    assert.equal(port.device_owner, 'network:router_interface');
    assert.equal(port.device_id, router.id);
    assert.deepEqual(port.fixed_ips, [{ subnet_id: subnet.id, ip_address: '10.10.0.1' }]);
    const direct = await cloud.request('DELETE', `${N}/ports/${port.id}`, { token: member.token });
    assert.equal(direct.status, 409);
    assert.equal(direct.body.NeutronError.type, 'ServicePortInUse');

    const again = await cloud.request('PUT', `${N}/routers/${router.id}/add_router_interface`, { token: member.token, body: { subnet_id: subnet.id } });
    assert.equal(again.status, 400);
    assert.equal(again.body.NeutronError.message, `Bad router request: Router already has a port on subnet ${subnet.id}.`);

    const inUse = await cloud.request('DELETE', `${N}/routers/${router.id}`, { token: member.token });
    assert.equal(inUse.status, 409);
    assert.deepEqual(inUse.body.NeutronError, { type: 'RouterInUse', message: `Router ${router.id} still has ports`, detail: '' });

    const del = await cloud.request('DELETE', `${N}/subnets/${subnet.id}`, { token: member.token });
    assert.equal(del.status, 409);

    const rm = await cloud.request('PUT', `${N}/routers/${router.id}/remove_router_interface`, { token: member.token, body: { subnet_id: subnet.id } });
    assert.equal(rm.status, 200, rm.text);
    assert.equal(rm.body.port_id, add.body.port_id);
    assert.equal((await cloud.request('GET', `${N}/ports/${add.body.port_id}`)).status, 404);
    const gone = await cloud.request('PUT', `${N}/routers/${router.id}/remove_router_interface`, { token: member.token, body: { subnet_id: subnet.id } });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.NeutronError.type, 'RouterInterfaceNotFoundForSubnet');

    assert.equal((await cloud.request('DELETE', `${N}/routers/${router.id}`, { token: member.token })).status, 204);
    assert.equal((await cloud.request('GET', `${N}/ports?device_id=${router.id}`)).body.ports.length, 0);
    assert.equal((await cloud.request('GET', `${N}/routers/${router.id}`)).status, 404);
  });

  it('attaches by port, validates gateways and subnets without a gateway', async () => {
    const net = await create(cloud, 'networks', 'network', { name: 'p2' });
    const noGw = await create(cloud, 'subnets', 'subnet', { network_id: net.id, cidr: '10.20.0.0/24', ip_version: 4, gateway_ip: null });
    const router = await create(cloud, 'routers', 'router', { name: 'r2' });
    assert.equal(router.external_gateway_info, null);
    assert.equal(router.ha, false);
    assert.equal(router.distributed, false);
    const bad = await cloud.request('PUT', `${N}/routers/${router.id}/add_router_interface`, { body: { subnet_id: noGw.id } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.NeutronError.message, 'Bad router request: Subnet for router interface must have a gateway IP.');
    const neither = await cloud.request('PUT', `${N}/routers/${router.id}/add_router_interface`, { body: {} });
    assert.equal(neither.status, 400);

    const port = await create(cloud, 'ports', 'port', { network_id: net.id, fixed_ips: [{ subnet_id: noGw.id, ip_address: '10.20.0.50' }] });
    const add = await cloud.request('PUT', `${N}/routers/${router.id}/add_router_interface`, { body: { port_id: port.id } });
    assert.equal(add.status, 200, add.text);
    assert.equal(add.body.port_id, port.id);
    const shown = (await cloud.request('GET', `${N}/ports/${port.id}`)).body.port;
    assert.equal(shown.device_owner, 'network:router_interface');
    const busy = await cloud.request('PUT', `${N}/routers/${router.id}/add_router_interface`, { body: { port_id: port.id } });
    assert.equal(busy.status, 409);
    assert.equal(busy.body.NeutronError.type, 'PortInUse');

    const notExt = await cloud.request('PUT', `${N}/routers/${router.id}`, { body: { router: { external_gateway_info: { network_id: net.id } } } });
    assert.equal(notExt.status, 400);
    assert.equal(notExt.body.NeutronError.message, `Bad router request: Network ${net.id} is not an external network.`);

    const set = await cloud.request('PUT', `${N}/routers/${router.id}`, {
      body: { router: { external_gateway_info: { network_id: publicNet.id, enable_snat: false, external_fixed_ips: [{ ip_address: '172.24.4.100' }] } } },
    });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.router.external_gateway_info.enable_snat, false);
    assert.deepEqual(set.body.router.external_gateway_info.external_fixed_ips, [{ subnet_id: publicSubnet.id, ip_address: '172.24.4.100' }]);
    assert.equal(set.body.router.revision_number, router.revision_number + 2);

    // extra routes: the nexthop must sit on an attached subnet
    const off = await cloud.request('PUT', `${N}/routers/${router.id}`, { body: { router: { routes: [{ destination: '192.168.0.0/24', nexthop: '10.99.0.5' }] } } });
    assert.equal(off.status, 400);
    assert.equal(off.body.NeutronError.type, 'InvalidRoutes');
    assert.match(off.body.NeutronError.message, /the nexthop is not connected with router$/);
    const routes = await cloud.request('PUT', `${N}/routers/${router.id}`, { body: { router: { routes: [{ destination: '192.168.0.0/24', nexthop: '10.20.0.9' }] } } });
    assert.equal(routes.status, 200, routes.text);
    assert.deepEqual(routes.body.router.routes, [{ destination: '192.168.0.0/24', nexthop: '10.20.0.9' }]);
    const needed = await cloud.request('PUT', `${N}/routers/${router.id}/remove_router_interface`, { body: { port_id: port.id } });
    assert.equal(needed.status, 409);
    assert.equal(needed.body.NeutronError.type, 'RouterInterfaceInUseByRoute');
    await cloud.request('PUT', `${N}/routers/${router.id}`, { body: { router: { routes: [] } } });
    const rm = await cloud.request('PUT', `${N}/routers/${router.id}/remove_router_interface`, { body: { port_id: port.id } });
    assert.equal(rm.status, 200, rm.text);
    const clear = await cloud.request('PUT', `${N}/routers/${router.id}`, { body: { router: { external_gateway_info: {} } } });
    assert.equal(clear.body.router.external_gateway_info, null);
    assert.equal((await cloud.request('GET', `${N}/ports?device_id=${router.id}`)).body.ports.length, 0);
  });

  it('keeps SNAT and the HA/DVR flags admin-only, hides routers of other projects, and tags routers', async () => {
    const member = await memberOfNewProject(cloud, 'rt-p2');
    const snat = await cloud.request('POST', `${N}/routers`, { token: member.token, body: { router: { external_gateway_info: { network_id: publicNet.id, enable_snat: false } } } });
    assert.equal(snat.status, 403);
    assert.equal(snat.body.NeutronError.message,
      '(rule:create_router and rule:create_router:external_gateway_info and rule:create_router:external_gateway_info:network_id and rule:create_router:external_gateway_info:enable_snat) is disallowed by policy');
    const ha = await cloud.request('POST', `${N}/routers`, { token: member.token, body: { router: { ha: true } } });
    assert.equal(ha.status, 403);
    const adminRouter = await create(cloud, 'routers', 'router', { name: 'admin-r', ha: true, distributed: true, availability_zone_hints: ['nova'] });
    assert.equal(adminRouter.ha, true);
    assert.deepEqual(adminRouter.availability_zone_hints, ['nova']);
    const other = await cloud.request('GET', `${N}/routers/${adminRouter.id}`, { token: member.token });
    assert.equal(other.status, 404);
    assert.equal(other.body.NeutronError.type, 'RouterNotFound');
    assert.equal((await cloud.request('PUT', `${N}/routers/${adminRouter.id}`, { token: member.token, body: { router: { name: 'x' } } })).status, 404);
    const mine = await create(cloud, 'routers', 'router', { name: 'mine' }, member.token);
    const list = await cloud.request('GET', `${N}/routers`, { token: member.token });
    assert.deepEqual(list.body.routers.map((r: any) => r.id), [mine.id]);
    const tag = await cloud.request('PUT', `${N}/routers/${mine.id}/tags/blue`, { token: member.token });
    assert.equal(tag.status, 201);
    const tagged = await cloud.request('GET', `${N}/routers?tags=blue`, { token: member.token });
    assert.equal(tagged.body.routers.length, 1);
    const stale = await cloud.request('PUT', `${N}/routers/${mine.id}`, { token: member.token, headers: { 'If-Match': 'revision_number=1' }, body: { router: { name: 'n' } } });
    assert.equal(stale.status, 412);
    const paged = await cloud.request('GET', `${N}/routers?limit=1&sort_key=name&sort_dir=asc`);
    assert.equal(paged.body.routers.length, 1);
    assert.ok(paged.body.routers_links.some((l: any) => l.rel === 'next'));
  });
});
