// Neutron's default policy as of 2023.1 (Antelope): the secure-RBAC check strings, each with the
// legacy rule it replaced ORed in (enforce_new_defaults is off by default in that release).
// Upstream expresses `shared`, `external` and `network_device` with `field:` checks; our policy
// engine evaluates generic checks only, so those three test attributes the service puts in the
// target itself (`shared`, `router:external`, `network_device`), with the same meaning.
import type { PolicyRuleDefault } from '../../identity/policy/index.ts';
import { L3_POLICY_RULES } from './l3-policy-defaults.ts';

const ADMIN = 'role:admin';
const PM = 'role:member and project_id:%(project_id)s';
const PR = 'role:reader and project_id:%(project_id)s';
const AOPM = `(${ADMIN}) or (${PM})`;
const AOPR = `(${ADMIN}) or (${PR})`;
const NET_OWNER_MEMBER = 'role:member and project_id:%(network:project_id)s';
const NET_OWNER_READER = 'role:reader and project_id:%(network:project_id)s';
const ADVSVC = 'rule:context_is_advsvc';

function rule(name: string, checkStr: string, deprecated?: string): PolicyRuleDefault {
  return deprecated === undefined ? { name, checkStr, scopeTypes: ['project'] } : { name, checkStr, scopeTypes: ['project'], deprecatedCheckStr: deprecated };
}

const adminOnly = (name: string) => rule(name, ADMIN, 'rule:admin_only');

export const NEUTRON_DEFAULT_RULES: readonly PolicyRuleDefault[] = [
  { name: 'context_is_admin', checkStr: 'role:admin' },
  { name: 'owner', checkStr: 'tenant_id:%(tenant_id)s' },
  { name: 'admin_or_owner', checkStr: 'rule:context_is_admin or rule:owner' },
  { name: 'context_is_advsvc', checkStr: 'role:advsvc' },
  { name: 'admin_or_network_owner', checkStr: 'rule:context_is_admin or tenant_id:%(network:tenant_id)s' },
  { name: 'admin_owner_or_network_owner', checkStr: 'rule:owner or rule:admin_or_network_owner' },
  { name: 'network_owner', checkStr: 'tenant_id:%(network:tenant_id)s' },
  { name: 'admin_only', checkStr: 'rule:context_is_admin' },
  { name: 'regular_user', checkStr: '' },
  { name: 'admin_or_data_plane_int', checkStr: 'rule:context_is_admin or role:data_plane_integrator' },
  { name: 'shared', checkStr: "'True':%(shared)s" },
  { name: 'external', checkStr: "'True':%(router:external)s" },
  { name: 'default', checkStr: 'rule:admin_or_owner' },
  { name: 'shared_subnetpools', checkStr: "'True':%(shared)s" },
  { name: 'network_device', checkStr: "'True':%(network_device)s" },

  // networks
  rule('create_network', AOPM, 'rule:regular_user'),
  adminOnly('create_network:shared'),
  adminOnly('create_network:router:external'),
  rule('create_network:is_default', ADMIN, 'rule:admin_only'),
  rule('create_network:port_security_enabled', AOPM, 'rule:regular_user'),
  adminOnly('create_network:segments'),
  adminOnly('create_network:provider:network_type'),
  adminOnly('create_network:provider:physical_network'),
  adminOnly('create_network:provider:segmentation_id'),
  rule('get_network', `(${ADMIN}) or (${PR}) or rule:shared or rule:external or ${ADVSVC}`,
    'rule:admin_or_owner or rule:shared or rule:external or rule:context_is_advsvc'),
  rule('get_network:router:external', 'rule:regular_user'),
  adminOnly('get_network:segments'),
  adminOnly('get_network:provider:network_type'),
  adminOnly('get_network:provider:physical_network'),
  adminOnly('get_network:provider:segmentation_id'),
  rule('update_network', AOPM, 'rule:admin_or_owner'),
  adminOnly('update_network:segments'),
  adminOnly('update_network:shared'),
  adminOnly('update_network:provider:network_type'),
  adminOnly('update_network:provider:physical_network'),
  adminOnly('update_network:provider:segmentation_id'),
  adminOnly('update_network:router:external'),
  adminOnly('update_network:is_default'),
  rule('update_network:port_security_enabled', AOPM, 'rule:admin_or_owner'),
  rule('delete_network', AOPM, 'rule:admin_or_owner'),

  // subnets
  rule('create_subnet', `(${ADMIN}) or (${NET_OWNER_MEMBER})`, 'rule:admin_or_network_owner'),
  rule('create_subnet:segment_id', ADMIN, 'rule:admin_only'),
  rule('create_subnet:service_types', ADMIN, 'rule:admin_only'),
  rule('get_subnet', `(${ADMIN}) or (${PR}) or rule:shared`, 'rule:admin_or_owner or rule:shared'),
  rule('get_subnet:segment_id', ADMIN, 'rule:admin_only'),
  rule('update_subnet', `(${ADMIN}) or (${NET_OWNER_MEMBER})`, 'rule:admin_or_network_owner'),
  rule('update_subnet:segment_id', ADMIN, 'rule:admin_only'),
  rule('update_subnet:service_types', ADMIN, 'rule:admin_only'),
  rule('delete_subnet', `(${ADMIN}) or (${NET_OWNER_MEMBER})`, 'rule:admin_or_network_owner'),

  // subnet pools
  rule('create_subnetpool', AOPM, 'rule:regular_user'),
  rule('create_subnetpool:shared', ADMIN, 'rule:admin_only'),
  rule('create_subnetpool:is_default', ADMIN, 'rule:admin_only'),
  rule('get_subnetpool', `(${ADMIN}) or (${PR}) or rule:shared_subnetpools`, 'rule:admin_or_owner or rule:shared_subnetpools'),
  rule('update_subnetpool', AOPM, 'rule:admin_or_owner'),
  rule('update_subnetpool:is_default', ADMIN, 'rule:admin_only'),
  rule('delete_subnetpool', AOPM, 'rule:admin_or_owner'),

  // ports
  rule('create_port', AOPM, 'rule:regular_user'),
  rule('create_port:device_owner', `not rule:network_device or ${ADVSVC} or (${ADMIN}) or (${NET_OWNER_MEMBER})`,
    'not rule:network_device or rule:context_is_advsvc or rule:admin_or_network_owner'),
  rule('create_port:mac_address', `${ADVSVC} or (${ADMIN}) or (${NET_OWNER_MEMBER})`, 'rule:context_is_advsvc or rule:admin_or_network_owner'),
  rule('create_port:fixed_ips:ip_address', `${ADVSVC} or (${ADMIN}) or (${NET_OWNER_MEMBER})`, 'rule:context_is_advsvc or rule:admin_or_network_owner'),
  rule('create_port:fixed_ips:subnet_id', `${ADVSVC} or (${ADMIN}) or (${NET_OWNER_MEMBER}) or rule:shared`,
    'rule:context_is_advsvc or rule:admin_or_network_owner or rule:shared'),
  rule('create_port:port_security_enabled', `${ADVSVC} or (${ADMIN}) or (${NET_OWNER_MEMBER})`, 'rule:context_is_advsvc or rule:admin_or_network_owner'),
  adminOnly('create_port:binding:host_id'),
  adminOnly('create_port:binding:profile'),
  rule('create_port:binding:vnic_type', AOPM, 'rule:regular_user'),
  rule('create_port:allowed_address_pairs', `(${ADMIN}) or (${NET_OWNER_MEMBER})`, 'rule:admin_or_network_owner'),
  rule('create_port:allowed_address_pairs:mac_address', `(${ADMIN}) or (${NET_OWNER_MEMBER})`, 'rule:admin_or_network_owner'),
  rule('create_port:allowed_address_pairs:ip_address', `(${ADMIN}) or (${NET_OWNER_MEMBER})`, 'rule:admin_or_network_owner'),
  rule('get_port', `${ADVSVC} or (${ADMIN}) or (${PR}) or (${NET_OWNER_READER})`, 'rule:context_is_advsvc or rule:admin_owner_or_network_owner'),
  adminOnly('get_port:binding:vif_type'),
  adminOnly('get_port:binding:vif_details'),
  adminOnly('get_port:binding:host_id'),
  adminOnly('get_port:binding:profile'),
  rule('update_port', `(${ADMIN}) or (${PM}) or ${ADVSVC}`, 'rule:admin_or_owner or rule:context_is_advsvc'),
  rule('update_port:device_owner', `not rule:network_device or ${ADVSVC} or (${ADMIN}) or (${NET_OWNER_MEMBER})`,
    'not rule:network_device or rule:context_is_advsvc or rule:admin_or_network_owner'),
  rule('update_port:mac_address', `(${ADMIN}) or ${ADVSVC}`, 'rule:admin_only or rule:context_is_advsvc'),
  rule('update_port:fixed_ips:ip_address', `${ADVSVC} or (${ADMIN}) or (${NET_OWNER_MEMBER})`, 'rule:context_is_advsvc or rule:admin_or_network_owner'),
  rule('update_port:fixed_ips:subnet_id', `${ADVSVC} or (${ADMIN}) or (${NET_OWNER_MEMBER}) or rule:shared`,
    'rule:context_is_advsvc or rule:admin_or_network_owner or rule:shared'),
  rule('update_port:port_security_enabled', `${ADVSVC} or (${ADMIN}) or (${NET_OWNER_MEMBER})`, 'rule:context_is_advsvc or rule:admin_or_network_owner'),
  adminOnly('update_port:binding:host_id'),
  adminOnly('update_port:binding:profile'),
  rule('update_port:binding:vnic_type', `(${ADMIN}) or (${PM}) or ${ADVSVC}`, 'rule:admin_or_owner or rule:context_is_advsvc'),
  rule('update_port:allowed_address_pairs', `(${ADMIN}) or (${NET_OWNER_MEMBER})`, 'rule:admin_or_network_owner'),
  rule('update_port:allowed_address_pairs:mac_address', `(${ADMIN}) or (${NET_OWNER_MEMBER})`, 'rule:admin_or_network_owner'),
  rule('update_port:allowed_address_pairs:ip_address', `(${ADMIN}) or (${NET_OWNER_MEMBER})`, 'rule:admin_or_network_owner'),
  rule('delete_port', `${ADVSVC} or (${ADMIN}) or (${PM}) or (${NET_OWNER_MEMBER})`, 'rule:context_is_advsvc or rule:admin_owner_or_network_owner'),

  // security groups
  rule('create_security_group', AOPM, 'rule:admin_or_owner'),
  rule('get_security_group', AOPR, 'rule:admin_or_owner'),
  rule('update_security_group', AOPM, 'rule:admin_or_owner'),
  rule('delete_security_group', AOPM, 'rule:admin_or_owner'),
  rule('create_security_group_rule', AOPM, 'rule:admin_or_owner'),
  rule('get_security_group_rule', `(${ADMIN}) or (${PR}) or (role:reader and project_id:%(security_group:project_id)s)`,
    'rule:admin_or_owner or rule:sg_owner'),
  { name: 'sg_owner', checkStr: 'tenant_id:%(security_group:tenant_id)s' },
  rule('delete_security_group_rule', `(${ADMIN}) or (${PM}) or (role:member and project_id:%(security_group:project_id)s)`,
    'rule:admin_or_owner or rule:sg_owner'),

  // availability zones, agents (tags are authorised as get_/update_ of their resource)
  rule('get_availability_zone', 'role:reader', 'rule:regular_user'),
  rule('get_agent', ADMIN, 'rule:admin_only'),
  rule('update_agent', ADMIN, 'rule:admin_only'),
  ...['get_dhcp-agents', 'get_dhcp-networks', 'create_dhcp-network', 'delete_dhcp-network', 'get_l3-agents', 'get_l3-routers', 'create_l3-router', 'delete_l3-router']
    .map((name) => rule(name, ADMIN, 'rule:admin_only')),
  ...['create_metering_label', 'get_metering_label', 'delete_metering_label', 'create_metering_label_rule', 'get_metering_label_rule', 'delete_metering_label_rule']
    .map((name) => rule(name, ADMIN, 'rule:admin_only')),
  rule('delete_agent', ADMIN, 'rule:admin_only'),

  // routers, floating IPs, network RBAC, quotas
  ...L3_POLICY_RULES,
  rule('get_auto_allocated_topology', AOPR, 'rule:admin_or_owner'),
  rule('delete_auto_allocated_topology', AOPM, 'rule:admin_or_owner'),
];
