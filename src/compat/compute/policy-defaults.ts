// Nova's default policy (2023-era rule names and check strings), registered in
// the `compute` enforcer so that its base names never meet other services'.
import type { PolicyRuleDefault } from '../../identity/policy/enforcer.ts';

const ADMIN = 'rule:context_is_admin';
const ANY = '@';
const PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin';
const PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin';
const ADMIN_OR_KEYPAIR_OWNER = '(rule:context_is_admin) or user_id:%(user_id)s';
const PROJECT = ['project' as const];

const rule = (name: string, checkStr: string): PolicyRuleDefault => ({ name, checkStr, scopeTypes: PROJECT });
const rules = (prefix: string, names: string[], checkStr: string) => names.map((n) => rule(`${prefix}${n}`, checkStr));

export const NOVA_DEFAULT_RULES: readonly PolicyRuleDefault[] = [
  { name: 'context_is_admin', checkStr: 'role:admin' },
  { name: 'admin_or_owner', checkStr: 'is_admin:True or project_id:%(project_id)s' },
  { name: 'admin_api', checkStr: 'is_admin:True' },
  { name: 'project_member_api', checkStr: 'role:member and project_id:%(project_id)s' },
  { name: 'project_reader_api', checkStr: 'role:reader and project_id:%(project_id)s' },
  { name: 'project_member_or_admin', checkStr: 'rule:project_member_api or rule:context_is_admin' },
  { name: 'project_reader_or_admin', checkStr: 'rule:project_reader_api or rule:context_is_admin' },
  ...rules('os_compute_api:os-flavor-manage:', ['create', 'update', 'delete'], ADMIN),
  ...rules('os_compute_api:os-flavor-extra-specs:', ['index', 'show'], PROJECT_READER_OR_ADMIN),
  ...rules('os_compute_api:os-flavor-extra-specs:', ['create', 'update', 'delete'], ADMIN),
  rule('os_compute_api:os-flavor-access', ADMIN),
  ...rules('os_compute_api:os-flavor-access:', ['add_tenant_access', 'remove_tenant_access'], ADMIN),
  ...rules('os_compute_api:os-keypairs:', ['index', 'create', 'delete', 'show'], ADMIN_OR_KEYPAIR_OWNER),
  rule('os_compute_api:os-availability-zone:list', ANY),
  rule('os_compute_api:os-availability-zone:detail', ADMIN),
  rule('os_compute_api:limits', ANY),
  rule('os_compute_api:limits:other_project', ADMIN),
  rule('os_compute_api:os-quota-sets:show', PROJECT_READER_OR_ADMIN),
  rule('os_compute_api:os-quota-sets:detail', PROJECT_READER_OR_ADMIN),
  rule('os_compute_api:os-quota-sets:defaults', ANY),
  ...rules('os_compute_api:os-quota-sets:', ['update', 'delete'], ADMIN),
  ...rules('os_compute_api:os-hypervisors:', ['list', 'list-detail', 'show', 'statistics', 'uptime', 'search', 'servers'], ADMIN),
  ...rules('os_compute_api:os-aggregates:', ['index', 'create', 'show', 'update', 'delete', 'add_host', 'remove_host', 'set_metadata'], ADMIN),
  ...rules('os_compute_api:os-services:', ['list', 'update', 'delete'], ADMIN),
  // Servers: registered now so operators can override them before the API lands.
  ...rules('os_compute_api:servers:', ['index', 'detail', 'show'], PROJECT_READER_OR_ADMIN),
  ...rules('os_compute_api:servers:', ['create', 'update', 'delete', 'start', 'stop', 'reboot', 'resize', 'confirm_resize', 'revert_resize', 'rebuild', 'create_image'], PROJECT_MEMBER_OR_ADMIN),
  ...rules('os_compute_api:servers:', ['index:get_all_tenants', 'detail:get_all_tenants', 'show:host_status', 'allow_all_filters'], ADMIN),
];
