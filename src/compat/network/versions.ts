// The version documents (/, /v2.0/) and the extensions list. The list names only what this
// service really implements, under the upstream aliases.
import type { OperationHandler } from '../../platform/http/service-api.ts';
import { extensionNotFound } from './errors.ts';

const UPDATED = '2023-01-01T00:00:00-00:00';

/** alias -> [name, description] */
export const EXTENSIONS: Record<string, [string, string]> = {
  'standard-attr-description': ['standard-attr-description', 'Extension to add descriptions to standard attributes'],
  'standard-attr-revisions': ['Resource revision numbers', 'This extension will display the revision number of neutron resources.'],
  'standard-attr-timestamp': ['Resource timestamps', 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.'],
  'standard-attr-tag': ['Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip', 'Enables to set tag on resources with standard attribute.'],
  'revision-if-match': ['If-Match constraints based on revision_number', "Extension indicating that If-Match based on revision_number is supported."],
  'project-id': ['project_id field enabled', 'Extension that indicates that project_id field is enabled.'],
  sorting: ['Sorting support', 'Enabling sorting support by specifying sort_key and sort_dir fields in request.'],
  pagination: ['Pagination support', 'Extension that indicates that pagination is enabled.'],
  'net-mtu': ['Network MTU', 'Provides MTU attribute for a network resource.'],
  'port-security': ['Port Security', 'Provides port security'],
  'allowed-address-pairs': ['Allowed Address Pairs', 'Provides allowed address pairs'],
  extra_dhcp_opt: ['Neutron Extra DHCP options', 'Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)'],
  binding: ['Port Binding', 'Expose port bindings of a virtual port to external application'],
  'security-group': ['security-group', 'The security groups extension.'],
  'stateful-security-group': ['Stateful security group', 'Indicates if the security group is stateful or not'],
  'security-groups-normalized-cidr': ['Normalized CIDR field for security group rules', 'Add new field with normalized remote_ip_prefix cidr in SG rule'],
  provider: ['Provider Network', 'Expose mapping of virtual networks to physical networks'],
  'external-net': ['Neutron external network', 'Adds external network attribute to network resource.'],
  subnet_allocation: ['Subnet Allocation', 'Enables allocation of subnets from a subnet pool'],
  'default-subnetpools': ['Default Subnetpools', 'Provides ability to mark and use a subnetpool as the default.'],
  'network_availability_zone': ['Network Availability Zone', 'Availability zone support for network.'],
  availability_zone: ['Availability Zone', 'The availability zone extension.'],
  agent: ['agent', 'The agent management extension.'],
  'ip-substring-filtering': ['IP address substring filtering', 'Provides IP address substring filtering when listing ports'],
  'subnet-service-types': ['Subnet service types', 'Provides ability to set the subnet service_types field'],
  'network-ip-availability': ['Network IP Availability', 'Provides IP availability data for each network and subnet.'],
  router: ['Neutron L3 Router', 'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.'],
  'ext-gw-mode': ['Neutron L3 Configurable external gateway mode', 'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway'],
  extraroute: ['Neutron Extra Route', 'Extra routes configuration for L3 router'],
  'router_availability_zone': ['Router Availability Zone', 'Availability zone support for router.'],
  'fip-port-details': ['Floating IP Port Details Extension', 'Add port_details attribute to Floating IP resource'],
  'rbac-policies': ['RBAC Policies', 'Allows creation and modification of policies that control tenant access to resources.'],
  quotas: ['Quota management support', 'Expose functions for quotas management per tenant'],
  'quota_details': ['Quota details management support', 'Expose functions for quotas usage statistics per project'],
  metering: ['Neutron Metering', 'Neutron Metering extension.'],
  dhcp_agent_scheduler: ['DHCP Agent Scheduler', 'Schedule networks among dhcp agents'],
  l3_agent_scheduler: ['L3 Agent Scheduler', 'Schedule routers among l3 agents'],
  'service-type': ['Neutron Service Type Management', 'API for retrieving service providers for Neutron advanced services'],
  dvr: ['Distributed Virtual Router', 'Enables configuration of Distributed Virtual Routers.'],
  'l3-ha': ['HA Router extension', 'Adds HA capability to routers.'],
  'auto-allocated-topology': ['Auto Allocated Topology Services', 'Auto Allocated Topology Services.'],
  'binding-extended': ['Port Bindings Extended', 'Expose port bindings of a virtual port to external application'],
};

export const EXTENSION_ALIASES = Object.keys(EXTENSIONS).filter((a) => !['network-ip-availability', 'binding-extended'].includes(a));

const view = (alias: string) => ({ alias, name: EXTENSIONS[alias][0], description: EXTENSIONS[alias][1], updated: UPDATED, links: [] });

/** Extension aliases other modules (routers, floating IPs, quotas) add when they are registered. */
export function versionHandlers(extraAliases: () => string[] = () => []): Record<string, OperationHandler> {
  const aliases = () => [...EXTENSION_ALIASES, ...extraAliases()];
  return {
    listApiVersions: (ctx) => ({
      status: 200,
      body: { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${ctx.baseUrl}/v2.0/`, rel: 'self' }] }] },
    }),
    showApiV2: (ctx) => ({
      status: 200,
      body: {
        resources: ['subnet', 'network', 'subnetpool', 'port', 'security_group', 'security_group_rule', 'router', 'floatingip'].map((name) => ({
          name,
          collection: name === 'subnetpool' ? 'subnetpools' : `${name}s`,
          links: [{ href: `${ctx.baseUrl}/v2.0/${name === 'subnetpool' ? 'subnetpools' : `${name.replaceAll('_', '-')}s`}`, rel: 'self' }],
        })),
      },
    }),
    listExtensions: () => ({ status: 200, body: { extensions: aliases().filter((a) => EXTENSIONS[a]).map(view) } }),
    showExtension: (ctx) => {
      const alias = ctx.params.alias;
      if (!aliases().includes(alias) || !EXTENSIONS[alias]) throw extensionNotFound(alias);
      return { status: 200, body: { extension: view(alias) } };
    },
  };
}
