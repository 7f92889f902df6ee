// DHCP ports, as the DHCP agent of an ML2/OVS deployment keeps them: one `network:dhcp` port per
// network with DHCP-enabled subnets, holding an address on each of them. We create it at once
// (the agent would do it moments later) so that what clients see does not depend on timing.
import type { Neutron, Resource } from './context.ts';
import { createPortRecord, deletePortRecord } from './ports.ts';
import { releaseAddress } from './ipam/ip-allocator.ts';
import { allocatePortAddresses } from './ipam/port-addresses.ts';
import { isoSecondsZ } from './context.ts';

export const DHCP_OWNER = 'network:dhcp';

function dhcpDeviceId(neutron: Neutron, networkId: string): string {
  return `dhcp-${neutron.driver.name}-${networkId}`;
}

export async function dhcpSubnetAdded(neutron: Neutron, network: Resource, subnet: Resource): Promise<void> {
  const db = await neutron.db();
  const existing = await db.ports.findOne({ network_id: network.id, device_owner: DHCP_OWNER });
  let portId: string;
  if (!existing) {
    const hosts = (await neutron.driver.agents()).filter((a) => a.agent_type === 'DHCP agent').map((a) => a.host);
    const port = await createPortRecord(neutron, {
      network,
      tenant_id: network.tenant_id,
      values: {
        device_owner: DHCP_OWNER,
        device_id: dhcpDeviceId(neutron, network.id),
        fixed_ips: [{ subnet_id: subnet.id }],
        'binding:host_id': hosts[0] ?? '',
      },
    });
    portId = port.id;
  } else {
    const fixed = await allocatePortAddresses(db, network.id, [subnet], [{ subnet_id: subnet.id }], existing.id, existing.mac_address);
    await db.ports.update(existing.id, {
      fixed_ips: [...existing.fixed_ips, ...fixed],
      revision_number: existing.revision_number + 1,
      updated_at: isoSecondsZ(neutron.clock.now()),
    });
    portId = existing.id;
  }
  await neutron.driver.dhcpSubnetEnabled({ networkId: network.id, subnetId: subnet.id, portId });
}

export async function dhcpSubnetRemoved(neutron: Neutron, networkId: string, subnetId: string): Promise<void> {
  const db = await neutron.db();
  const port = await db.ports.findOne({ network_id: networkId, device_owner: DHCP_OWNER });
  if (!port) return;
  const remaining = (port.fixed_ips as Array<{ subnet_id: string; ip_address: string }>).filter((f) => f.subnet_id !== subnetId);
  for (const f of port.fixed_ips.filter((f: { subnet_id: string }) => f.subnet_id === subnetId)) await releaseAddress(db, f.subnet_id, f.ip_address);
  const stillServing = await db.subnets.count({ network_id: networkId, enable_dhcp: true, id: { $ne: subnetId } });
  if (stillServing === 0) await deletePortRecord(neutron, port);
  else {
    await db.ports.update(port.id, {
      fixed_ips: remaining,
      revision_number: port.revision_number + 1,
      updated_at: isoSecondsZ(neutron.clock.now()),
    });
  }
  await neutron.driver.dhcpSubnetDisabled({ networkId, subnetId, portId: port.id });
}
