// Neutron's 2023.1 default rules for routers, floating IPs, network RBAC policies and quotas, in
// the same shape as policy-defaults.ts (secure-RBAC check string ORed with the legacy rule).
import type { PolicyRuleDefault } from '../../identity/policy/index.ts';

const ADMIN = 'role:admin';
const AOPM = '(role:admin) or (role:member and project_id:%(project_id)s)';
const AOPR = '(role:admin) or (role:reader and project_id:%(project_id)s)';

const rule = (name: string, checkStr: string, deprecatedCheckStr: string): PolicyRuleDefault =>
  ({ name, checkStr, scopeTypes: ['project'], deprecatedCheckStr });
const member = (name: string) => rule(name, AOPM, 'rule:admin_or_owner');
const adminOnly = (name: string) => rule(name, ADMIN, 'rule:admin_only');

/**
 * Non-admins may share only with named projects, never with `*`. Upstream says
 * `field:rbac_policies:target_tenant=*`; the service puts `target_is_wildcard` in the target instead.
 */
const NOT_WILDCARD = "(not 'True':%(target_is_wildcard)s)";

export const L3_POLICY_RULES: readonly PolicyRuleDefault[] = [
  rule('create_router', AOPM, 'rule:regular_user'),
  rule('create_router:external_gateway_info', AOPM, 'rule:admin_or_owner'),
  rule('create_router:external_gateway_info:network_id', AOPM, 'rule:admin_or_owner'),
  adminOnly('create_router:external_gateway_info:enable_snat'),
  adminOnly('create_router:external_gateway_info:external_fixed_ips'),
  adminOnly('create_router:distributed'),
  adminOnly('create_router:ha'),
  rule('get_router', AOPR, 'rule:admin_or_owner'),
  adminOnly('get_router:distributed'),
  adminOnly('get_router:ha'),
  member('update_router'),
  member('update_router:external_gateway_info'),
  member('update_router:external_gateway_info:network_id'),
  adminOnly('update_router:external_gateway_info:enable_snat'),
  adminOnly('update_router:external_gateway_info:external_fixed_ips'),
  adminOnly('update_router:distributed'),
  adminOnly('update_router:ha'),
  member('delete_router'),
  member('add_router_interface'),
  member('remove_router_interface'),

  rule('create_floatingip', AOPM, 'rule:regular_user'),
  adminOnly('create_floatingip:floating_ip_address'),
  rule('get_floatingip', AOPR, 'rule:admin_or_owner'),
  member('update_floatingip'),
  member('delete_floatingip'),

  member('create_rbac_policy'),
  rule('create_rbac_policy:target_tenant', `(${ADMIN}) or ${NOT_WILDCARD}`, `rule:restrict_wildcard`),
  rule('get_rbac_policy', AOPR, 'rule:admin_or_owner'),
  member('update_rbac_policy'),
  rule('update_rbac_policy:target_tenant', `(${ADMIN}) or ${NOT_WILDCARD}`, `rule:restrict_wildcard`),
  member('delete_rbac_policy'),
  { name: 'restrict_wildcard', checkStr: `${NOT_WILDCARD} or rule:admin_only` },

  rule('get_quota', AOPR, 'rule:admin_only'),
  adminOnly('update_quota'),
  adminOnly('delete_quota'),
];
