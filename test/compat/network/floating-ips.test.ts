import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { N, create, memberOfNewProject } from './fixtures.ts';

describe('neutron floating IPs', () => {
  let cloud: TestCloud;
  let publicNet: any;
  before(async () => {
    cloud = await startCloud();
    publicNet = await create(cloud, 'networks', 'network', { name: 'public', 'router:external': true });
    await create(cloud, 'subnets', 'subnet', { network_id: publicNet.id, cidr: '172.24.4.0/28', ip_version: 4, enable_dhcp: false });
  });
  after(async () => { await cloud.stop(); });

  it('allocates, associates through a router, dissociates and frees an address', async () => {
    const member = await memberOfNewProject(cloud, 'fip-p1');
    const net = await create(cloud, 'networks', 'network', { name: 'private' }, member.token);
    const subnet = await create(cloud, 'subnets', 'subnet', { network_id: net.id, cidr: '10.30.0.0/24', ip_version: 4 }, member.token);
    const port = await create(cloud, 'ports', 'port', { network_id: net.id }, member.token);

    const fip = await create(cloud, 'floatingips', 'floatingip', { floating_network_id: publicNet.id, description: 'web' }, member.token);
    assert.match(fip.floating_ip_address, /^172\.24\.4\./);
    assert.equal(fip.status, 'DOWN');
    assert.equal(fip.port_id, null);
    assert.equal(fip.router_id, null);
    assert.equal(fip.port_details, null);
    assert.equal(fip.description, 'web');
    assert.equal(fip.project_id, member.projectId);
    const fipPort = await cloud.request('GET', `${N}/ports?device_owner=network:floatingip&device_id=${fip.id}`);
    assert.equal(fipPort.body.ports.length, 1);
    assert.equal(fipPort.body.ports[0].fixed_ips[0].ip_address, fip.floating_ip_address);

    // no router joins the port's subnet to the external network yet
    const unreachable = await cloud.request('PUT', `${N}/floatingips/${fip.id}`, { token: member.token, body: { floatingip: { port_id: port.id } } });
    assert.equal(unreachable.status, 404);
    assert.equal(unreachable.body.NeutronError.type, 'ExternalGatewayForFloatingIPNotFound');
    assert.equal(unreachable.body.NeutronError.message,
      `External network ${publicNet.id} is not reachable from subnet ${subnet.id}.  Therefore, cannot associate Port ${port.id} with a Floating IP.`);

    const router = await create(cloud, 'routers', 'router', { external_gateway_info: { network_id: publicNet.id } }, member.token);
    const add = await cloud.request('PUT', `${N}/routers/${router.id}/add_router_interface`, { token: member.token, body: { subnet_id: subnet.id } });
    assert.equal(add.status, 200, add.text);

    const assoc = await cloud.request('PUT', `${N}/floatingips/${fip.id}`, { token: member.token, body: { floatingip: { port_id: port.id } } });
    assert.equal(assoc.status, 200, assoc.text);
    assert.equal(assoc.body.floatingip.port_id, port.id);
    assert.equal(assoc.body.floatingip.fixed_ip_address, port.fixed_ips[0].ip_address);
    assert.equal(assoc.body.floatingip.router_id, router.id);
    assert.equal(assoc.body.floatingip.status, 'ACTIVE');
    assert.equal(assoc.body.floatingip.port_details.network_id, net.id);
    assert.equal(assoc.body.floatingip.port_details.mac_address, port.mac_address);

    const second = await create(cloud, 'floatingips', 'floatingip', { floating_network_id: publicNet.id }, member.token);
    const dup = await cloud.request('PUT', `${N}/floatingips/${second.id}`, { token: member.token, body: { floatingip: { port_id: port.id } } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.NeutronError.type, 'FloatingIPPortAlreadyAssociated');

    const filtered = await cloud.request('GET', `${N}/floatingips?port_id=${port.id}`, { token: member.token });
    assert.deepEqual(filtered.body.floatingips.map((f: any) => f.id), [fip.id]);

    const needed = await cloud.request('PUT', `${N}/routers/${router.id}/remove_router_interface`, { token: member.token, body: { subnet_id: subnet.id } });
    assert.equal(needed.status, 409);
    assert.equal(needed.body.NeutronError.type, 'RouterInterfaceInUseByFloatingIP');
    const gwNeeded = await cloud.request('PUT', `${N}/routers/${router.id}`, { token: member.token, body: { router: { external_gateway_info: {} } } });
    assert.equal(gwNeeded.status, 409);

    const dis = await cloud.request('PUT', `${N}/floatingips/${fip.id}`, { token: member.token, body: { floatingip: { port_id: null } } });
    assert.equal(dis.status, 200);
    assert.equal(dis.body.floatingip.port_id, null);
    assert.equal(dis.body.floatingip.fixed_ip_address, null);
    assert.equal(dis.body.floatingip.router_id, null);
    assert.equal(dis.body.floatingip.status, 'DOWN');

    // deleting the port dissociates its floating IP
    const again = await cloud.request('PUT', `${N}/floatingips/${second.id}`, { token: member.token, body: { floatingip: { port_id: port.id } } });
    assert.equal(again.status, 200, again.text);
    assert.equal((await cloud.request('DELETE', `${N}/ports/${port.id}`, { token: member.token })).status, 204);
    assert.equal((await cloud.request('GET', `${N}/floatingips/${second.id}`, { token: member.token })).body.floatingip.port_id, null);

    assert.equal((await cloud.request('DELETE', `${N}/floatingips/${fip.id}`, { token: member.token })).status, 204);
    assert.equal((await cloud.request('GET', `${N}/ports?device_id=${fip.id}`)).body.ports.length, 0);
    const gone = await cloud.request('GET', `${N}/floatingips/${fip.id}`, { token: member.token });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.NeutronError.type, 'FloatingIPNotFound');
    // the freed address can be asked for again (explicit addresses are for admins)
    const explicit = await cloud.request('POST', `${N}/floatingips`, { token: member.token, body: { floatingip: { floating_network_id: publicNet.id, floating_ip_address: fip.floating_ip_address } } });
    assert.equal(explicit.status, 403);
    const reused = await create(cloud, 'floatingips', 'floatingip', { floating_network_id: publicNet.id, floating_ip_address: fip.floating_ip_address });
    assert.equal(reused.floating_ip_address, fip.floating_ip_address);
  });

  it('refuses internal networks, hides other projects and picks the fixed IP of a multi-address port', async () => {
    const internal = await create(cloud, 'networks', 'network', { name: 'int' });
    const bad = await cloud.request('POST', `${N}/floatingips`, { body: { floatingip: { floating_network_id: internal.id } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.NeutronError.message, `Bad floatingip request: Network ${internal.id} is not a valid external network.`);
    const missing = await cloud.request('POST', `${N}/floatingips`, { body: { floatingip: {} } });
    assert.equal(missing.status, 400);

    const sub = await create(cloud, 'subnets', 'subnet', { network_id: internal.id, cidr: '10.40.0.0/24', ip_version: 4 });
    const router = await create(cloud, 'routers', 'router', { external_gateway_info: { network_id: publicNet.id } });
    await cloud.request('PUT', `${N}/routers/${router.id}/add_router_interface`, { body: { subnet_id: sub.id } });
    const port = await create(cloud, 'ports', 'port', { network_id: internal.id, fixed_ips: [{ subnet_id: sub.id }, { subnet_id: sub.id }] });
    const fip = await create(cloud, 'floatingips', 'floatingip', { floating_network_id: publicNet.id });
    const ambiguous = await cloud.request('PUT', `${N}/floatingips/${fip.id}`, { body: { floatingip: { port_id: port.id } } });
    assert.equal(ambiguous.status, 400);
    const chosen = await cloud.request('PUT', `${N}/floatingips/${fip.id}`, { body: { floatingip: { port_id: port.id, fixed_ip_address: port.fixed_ips[1].ip_address } } });
    assert.equal(chosen.status, 200, chosen.text);
    assert.equal(chosen.body.floatingip.fixed_ip_address, port.fixed_ips[1].ip_address);

    const other = await memberOfNewProject(cloud, 'fip-p2');
    assert.equal((await cloud.request('GET', `${N}/floatingips/${fip.id}`, { token: other.token })).status, 404);
    assert.equal((await cloud.request('DELETE', `${N}/floatingips/${fip.id}`, { token: other.token })).status, 404);
    assert.deepEqual((await cloud.request('GET', `${N}/floatingips`, { token: other.token })).body.floatingips, []);
    const tag = await cloud.request('PUT', `${N}/floatingips/${fip.id}/tags`, { body: { tags: ['a', 'b'] } });
    assert.equal(tag.status, 200);
    assert.deepEqual((await cloud.request('GET', `${N}/floatingips/${fip.id}`)).body.floatingip.tags, ['a', 'b']);
  });
});
