// Every project has one security group named `default`, made the first time the project uses
// Neutron, holding Neutron's default rules: all egress, and ingress from members of the group.
import { DuplicateKeyError } from '../../platform/store/store.ts';
import { uuid } from '../../platform/ids.ts';
import type { Neutron, Resource } from './context.ts';
import { newStandardAttributes } from './standard-attrs.ts';

export function ruleDocument(neutron: Neutron, fields: Partial<Resource> & { security_group_id: string; tenant_id: string }): Resource {
  return {
    id: uuid(),
    direction: 'egress',
    ethertype: 'IPv4',
    protocol: null,
    port_range_min: null,
    port_range_max: null,
    remote_ip_prefix: null,
    remote_group_id: null,
    remote_address_group_id: null,
    description: '',
    ...newStandardAttributes(neutron),
    ...fields,
  };
}

/** Egress rules every new group starts with. */
export function egressRules(neutron: Neutron, sgId: string, tenantId: string): Resource[] {
  return ['IPv4', 'IPv6'].map((ethertype) => ruleDocument(neutron, { security_group_id: sgId, tenant_id: tenantId, direction: 'egress', ethertype }));
}

export async function ensureDefaultSecurityGroup(neutron: Neutron, projectId: string | undefined): Promise<string | undefined> {
  if (!projectId) return undefined;
  const db = await neutron.db();
  const known = await db.defaultSecurityGroups.get(projectId);
  if (known) return known.security_group_id as string;
  const sgId = uuid();
  try {
    await db.defaultSecurityGroups.insert({ id: projectId, security_group_id: sgId });
  } catch (error) {
    if (!(error instanceof DuplicateKeyError)) throw error;
    return (await db.defaultSecurityGroups.get(projectId))!.security_group_id as string;
  }
  await db.securityGroups.insert({
    id: sgId,
    name: 'default',
    description: 'Default security group',
    tenant_id: projectId,
    stateful: true,
    ...newStandardAttributes(neutron),
  });
  const rules = [
    ...egressRules(neutron, sgId, projectId),
    ...['IPv4', 'IPv6'].map((ethertype) =>
      ruleDocument(neutron, { security_group_id: sgId, tenant_id: projectId, direction: 'ingress', ethertype, remote_group_id: sgId }),
    ),
  ];
  for (const rule of rules) await db.securityGroupRules.insert(rule);
  return sgId;
}
