import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { N, create, memberOfNewProject } from './fixtures.ts';

describe('neutron DHCP and L3 agent schedulers', () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startCloud(); });
  after(async () => { await cloud.stop(); });

  it('shows which DHCP agent serves a network and moves networks on and off it', async () => {
    const agents = (await cloud.request('GET', `${N}/agents?agent_type=DHCP agent`)).body.agents;
    assert.equal(agents.length, 1);
    const dhcp = agents[0];
    const served = await create(cloud, 'networks', 'network', { name: 'served' });
    await create(cloud, 'subnets', 'subnet', { network_id: served.id, cidr: '10.81.0.0/24', ip_version: 4 });
    const hosting = await cloud.request('GET', `${N}/networks/${served.id}/dhcp-agents`);
    assert.equal(hosting.status, 200, hosting.text);
    assert.deepEqual(hosting.body.agents.map((a: any) => a.id), [dhcp.id]);
    const networks = await cloud.request('GET', `${N}/agents/${dhcp.id}/dhcp-networks`);
    assert.ok(networks.body.networks.some((n: any) => n.id === served.id));

    const bare = await create(cloud, 'networks', 'network', { name: 'no-subnet' });
    assert.deepEqual((await cloud.request('GET', `${N}/networks/${bare.id}/dhcp-agents`)).body.agents, []);
    const add = await cloud.request('POST', `${N}/agents/${dhcp.id}/dhcp-networks`, { body: { network_id: bare.id } });
    assert.equal(add.status, 201, add.text);
    const twice = await cloud.request('POST', `${N}/agents/${dhcp.id}/dhcp-networks`, { body: { network_id: bare.id } });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.NeutronError.type, 'NetworkHostedByDHCPAgent');
    assert.ok((await cloud.request('GET', `${N}/agents/${dhcp.id}/dhcp-networks`)).body.networks.some((n: any) => n.id === bare.id));
    assert.equal((await cloud.request('DELETE', `${N}/agents/${dhcp.id}/dhcp-networks/${bare.id}`)).status, 204);
    assert.ok(!(await cloud.request('GET', `${N}/agents/${dhcp.id}/dhcp-networks`)).body.networks.some((n: any) => n.id === bare.id));
    const notHosted = await cloud.request('DELETE', `${N}/agents/${dhcp.id}/dhcp-networks/${bare.id}`);
    assert.equal(notHosted.status, 409);
    assert.equal(notHosted.body.NeutronError.type, 'NetworkNotHostedByDhcpAgent');

    const l3 = (await cloud.request('GET', `${N}/agents?agent_type=L3 agent`)).body.agents[0];
    const wrongType = await cloud.request('GET', `${N}/agents/${l3.id}/dhcp-networks`);
    assert.equal(wrongType.status, 400);
    const member = await memberOfNewProject(cloud, 'sched-p1');
    const denied = await cloud.request('GET', `${N}/agents/${dhcp.id}/dhcp-networks`, { token: member.token });
    assert.equal(denied.status, 403);
  });

  it('shows which L3 agent hosts a router and moves routers off and on it', async () => {
    const l3 = (await cloud.request('GET', `${N}/agents?agent_type=L3 agent`)).body.agents[0];
    const router = await create(cloud, 'routers', 'router', { name: 'scheduled' });
    assert.deepEqual((await cloud.request('GET', `${N}/routers/${router.id}/l3-agents`)).body.agents.map((a: any) => a.id), [l3.id]);
    assert.ok((await cloud.request('GET', `${N}/agents/${l3.id}/l3-routers`)).body.routers.some((r: any) => r.id === router.id));
    assert.equal((await cloud.request('DELETE', `${N}/agents/${l3.id}/l3-routers/${router.id}`)).status, 204);
    assert.deepEqual((await cloud.request('GET', `${N}/routers/${router.id}/l3-agents`)).body.agents, []);
    assert.equal((await cloud.request('POST', `${N}/agents/${l3.id}/l3-routers`, { body: { router_id: router.id } })).status, 201);
    assert.equal((await cloud.request('GET', `${N}/routers/${router.id}/l3-agents`)).body.agents.length, 1);
  });
});
