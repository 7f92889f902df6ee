// The in-process port API Nova calls, against a real cloud: what it does shows through the REST API.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { N, create, memberOfNewProject } from './fixtures.ts';
import type { Neutron } from '../../../src/compat/network/context.ts';
import {
  bindComputePort, createComputePort, deleteComputePort, portsOfDevice, securityGroupIds, serverAddresses, setPortSecurityGroups, unbindComputePort,
} from '../../../src/compat/network/compute-ports.ts';

describe('neutron in-process port API for compute', () => {
  let cloud: TestCloud;
  let neutron: Neutron;
  before(async () => {
    cloud = await startCloud();
    neutron = (cloud.runtime.services.find((s) => s.type === 'network') as unknown as { neutron: Neutron }).neutron;
  });
  after(async () => { await cloud.stop(); });

  it('creates, binds, shows addresses, unbinds and deletes a server port', async () => {
    const member = await memberOfNewProject(cloud, 'cp-p1');
    const net = await create(cloud, 'networks', 'network', { name: 'cp-net' }, member.token);
    await create(cloud, 'subnets', 'subnet', { network_id: net.id, cidr: '10.33.0.0/24', ip_version: 4 }, member.token);
    const other = await memberOfNewProject(cloud, 'cp-p2');
    await assert.rejects(createComputePort(neutron, { projectId: other.projectId, networkId: net.id }), /could not be found/);

    const port = await createComputePort(neutron, { projectId: member.projectId, networkId: net.id, fixedIps: [{ ip_address: '10.33.0.40' }] });
    assert.equal(port.status, 'DOWN');
    assert.deepEqual(port.fixed_ips.map((f: any) => f.ip_address), ['10.33.0.40']);
    assert.equal(port.security_groups.length, 1, 'the project default group');

    const bound = await bindComputePort(neutron, port.id, { deviceId: 'server-1', hostId: 'compute-1' });
    assert.equal(bound.status, 'ACTIVE');
    const shown = (await cloud.request('GET', `${N}/ports/${port.id}`)).body.port;
    assert.equal(shown.device_owner, 'compute:nova');
    assert.equal(shown['binding:host_id'], 'compute-1');
    assert.notEqual(shown['binding:vif_type'], 'unbound');
    await assert.rejects(bindComputePort(neutron, port.id, { deviceId: 'server-2', hostId: 'compute-1' }), /already has an attached device server-1/);
    assert.deepEqual((await portsOfDevice(neutron, 'server-1')).map((p) => p.id), [port.id]);

    const addresses = await serverAddresses(neutron, 'server-1');
    assert.deepEqual(addresses, { 'cp-net': [{ version: 4, addr: '10.33.0.40', 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': port.mac_address }] });

    const sg = await create(cloud, 'security-groups', 'security_group', { name: 'web' }, member.token);
    const ids = await securityGroupIds(neutron, member.projectId, ['web']);
    assert.deepEqual(ids, [sg.id]);
    await assert.rejects(securityGroupIds(neutron, member.projectId, ['nope']), /Security group nope does not exist/);
    assert.deepEqual((await setPortSecurityGroups(neutron, port.id, ids)).security_groups, [sg.id]);

    const unbound = await unbindComputePort(neutron, port.id);
    assert.equal(unbound.status, 'DOWN');
    assert.equal(unbound.device_id, '');
    assert.equal(await deleteComputePort(neutron, port.id), true);
    assert.equal((await cloud.request('GET', `${N}/ports/${port.id}`)).status, 404);
    assert.equal(await deleteComputePort(neutron, port.id), false);
    // the address is free again
    const again = await createComputePort(neutron, { projectId: member.projectId, networkId: net.id, fixedIps: [{ ip_address: '10.33.0.40' }] });
    assert.equal(again.fixed_ips[0].ip_address, '10.33.0.40');
  });
});
