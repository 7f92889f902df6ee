// The request sequences Terraform's OpenStack provider runs: it polls a router interface's port
// until the port settles, and retries a subnet delete that a port still holds (409) until it succeeds.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { N, create, memberOfNewProject } from './fixtures.ts';

/** GETs the port until its status is one of `settled`, as the provider's state refresh does */
async function pollPortStatus(cloud: TestCloud, portId: string, settled: string[], token?: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const res = await cloud.request('GET', `${N}/ports/${portId}`, { token });
    assert.equal(res.status, 200, res.text);
    if (settled.includes(res.body.port.status)) return res.body.port.status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${portId} never reached ${settled.join('/')}`);
}

async function pollPortGone(cloud: TestCloud, portId: string, token?: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const res = await cloud.request('GET', `${N}/ports/${portId}`, { token });
    if (res.status === 404) {
      assert.equal(res.body.NeutronError.type, 'PortNotFound');
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${portId} is still there`);
}

describe('terraform-style network flows', () => {
  let cloud: TestCloud;
  let member: { token: string; projectId: string };
  let publicNet: any;
  before(async () => {
    cloud = await startCloud();
    publicNet = await create(cloud, 'networks', 'network', { name: 'tf-public', 'router:external': true });
    await create(cloud, 'subnets', 'subnet', { network_id: publicNet.id, cidr: '172.26.0.0/24', ip_version: 4, enable_dhcp: false });
    member = await memberOfNewProject(cloud, 'tf-project');
  });
  after(async () => { await cloud.stop(); });

  it('adds router interfaces by subnet and by port, polls their ports to ACTIVE/DOWN, and removes them', async () => {
    const t = member.token;
    const net = await create(cloud, 'networks', 'network', { name: 'tf-net' }, t);
    const subnet = await create(cloud, 'subnets', 'subnet', { network_id: net.id, cidr: '192.168.50.0/24', ip_version: 4 }, t);
    const subnet2 = await create(cloud, 'subnets', 'subnet', { network_id: net.id, cidr: '192.168.51.0/24', ip_version: 4, gateway_ip: null }, t);
    const router = await create(cloud, 'routers', 'router', { name: 'tf-router', external_gateway_info: { network_id: publicNet.id } }, t);

    // openstack_networking_router_interface_v2 with subnet_id
    const bySubnet = await cloud.request('PUT', `${N}/routers/${router.id}/add_router_interface`, { token: t, body: { subnet_id: subnet.id } });
    assert.equal(bySubnet.status, 200, bySubnet.text);
    assert.deepEqual(Object.keys(bySubnet.body).sort(), ['id', 'network_id', 'port_id', 'project_id', 'subnet_id', 'subnet_ids', 'tenant_id'].sort());
    assert.equal(await pollPortStatus(cloud, bySubnet.body.port_id, ['ACTIVE', 'DOWN'], t), 'ACTIVE');

    // openstack_networking_router_interface_v2 with port_id: the port is created first, DOWN and unbound
    const port = await create(cloud, 'ports', 'port', { network_id: net.id, fixed_ips: [{ subnet_id: subnet2.id, ip_address: '192.168.51.1' }] }, t);
    assert.equal(port.status, 'DOWN');
    const byPort = await cloud.request('PUT', `${N}/routers/${router.id}/add_router_interface`, { token: t, body: { port_id: port.id } });
    assert.equal(byPort.status, 200, byPort.text);
    assert.equal(byPort.body.port_id, port.id);
    assert.equal(byPort.body.subnet_id, subnet2.id);
    assert.equal(await pollPortStatus(cloud, port.id, ['ACTIVE', 'DOWN'], t), 'ACTIVE');
    const shown = (await cloud.request('GET', `${N}/ports/${port.id}`, { token: t })).body.port;
    assert.equal(shown.device_owner, 'network:router_interface');
    assert.equal(shown.device_id, router.id);

    // the provider lists the router's interface ports to build its state
    const ifaces = await cloud.request('GET', `${N}/ports?device_id=${router.id}&device_owner=network:router_interface`, { token: t });
    assert.deepEqual(ifaces.body.ports.map((p: any) => p.id).sort(), [bySubnet.body.port_id, port.id].sort());

    // destroy: remove each interface, then poll until its port is gone
    for (const body of [{ subnet_id: subnet.id }, { port_id: port.id }]) {
      const removed = await cloud.request('PUT', `${N}/routers/${router.id}/remove_router_interface`, { token: t, body });
      assert.equal(removed.status, 200, removed.text);
      await pollPortGone(cloud, removed.body.port_id, t);
    }
    const again = await cloud.request('PUT', `${N}/routers/${router.id}/remove_router_interface`, { token: t, body: { subnet_id: subnet.id } });
    assert.equal(again.status, 404);
    assert.equal(again.body.NeutronError.type, 'RouterInterfaceNotFoundForSubnet');
    assert.equal((await cloud.request('DELETE', `${N}/routers/${router.id}`, { token: t })).status, 204);
  });

  it('refuses to delete a subnet a port holds (409 SubnetInUse) and deletes it on retry once the port is gone', async () => {
    const t = member.token;
    const net = await create(cloud, 'networks', 'network', { name: 'tf-net-2' }, t);
    const subnet = await create(cloud, 'subnets', 'subnet', { network_id: net.id, cidr: '192.168.60.0/24', ip_version: 4 }, t);
    const port = await create(cloud, 'ports', 'port', { network_id: net.id, name: 'tf-vm-port' }, t);

    const busy = await cloud.request('DELETE', `${N}/subnets/${subnet.id}`, { token: t });
    assert.equal(busy.status, 409, busy.text);
    assert.deepEqual(busy.body.NeutronError, {
      type: 'SubnetInUse',
      message: `Unable to complete operation on subnet ${subnet.id}: One or more ports have an IP allocation from this subnet.`,
      detail: '',
    });
    const netBusy = await cloud.request('DELETE', `${N}/networks/${net.id}`, { token: t });
    assert.equal(netBusy.status, 409);
    assert.equal(netBusy.body.NeutronError.type, 'NetworkInUse');

    // the provider's retry loop: the port is deleted by another resource meanwhile
    let attempts = 0;
    let status = 0;
    for (; attempts < 10 && status !== 204; attempts++) {
      if (attempts === 2) assert.equal((await cloud.request('DELETE', `${N}/ports/${port.id}`, { token: t })).status, 204);
      status = (await cloud.request('DELETE', `${N}/subnets/${subnet.id}`, { token: t })).status;
      if (status !== 204) assert.equal(status, 409);
    }
    assert.equal(status, 204);
    assert.equal(attempts, 3, 'two refusals, then the delete');
    // the provider's delete wait: GET until 404
    const gone = await cloud.request('GET', `${N}/subnets/${subnet.id}`, { token: t });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.NeutronError.type, 'SubnetNotFound');
    assert.equal((await cloud.request('DELETE', `${N}/networks/${net.id}`, { token: t })).status, 204);
  });
});
