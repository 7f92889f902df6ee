// Placement's default policy (rule names and check strings as upstream registers them).
import type { PolicyRuleDefault } from '../../identity/policy/enforcer.ts';

const ADMIN_OR_SERVICE = 'rule:admin_or_service_api';
const PROJECT = ['project' as const];
const rule = (name: string, checkStr: string, deprecatedCheckStr?: string): PolicyRuleDefault => ({
  name, checkStr, scopeTypes: PROJECT, ...(deprecatedCheckStr ? { deprecatedCheckStr } : {}),
});

const adminOrService = (names: string[]) => names.map((n) => rule(`placement:${n}`, ADMIN_OR_SERVICE));

export const PLACEMENT_DEFAULT_RULES: readonly PolicyRuleDefault[] = [
  rule('admin_api', 'role:admin'),
  rule('service_api', 'role:service', 'role:admin'),
  rule('admin_or_service_api', 'role:admin or role:service', 'role:admin'),
  { name: 'project_reader_api', checkStr: 'role:reader and project_id:%(project_id)s', deprecatedCheckStr: 'role:admin' },
  rule('admin_or_project_reader_or_service_api', 'role:admin or rule:project_reader_api or role:service', 'role:admin'),
  ...adminOrService([
    'resource_providers:list', 'resource_providers:create', 'resource_providers:show', 'resource_providers:update', 'resource_providers:delete',
    'resource_providers:inventories:list', 'resource_providers:inventories:create', 'resource_providers:inventories:show',
    'resource_providers:inventories:update', 'resource_providers:inventories:delete',
    'resource_providers:aggregates:list', 'resource_providers:aggregates:update',
    'resource_providers:traits:list', 'resource_providers:traits:update', 'resource_providers:traits:delete',
    'resource_providers:usages', 'resource_providers:allocations:list',
    'resource_classes:list', 'resource_classes:create', 'resource_classes:show', 'resource_classes:update', 'resource_classes:delete',
    'traits:list', 'traits:show', 'traits:update', 'traits:delete',
    'allocations:manage', 'allocations:list', 'allocations:update', 'allocations:delete',
    'allocation_candidates:list',
  ]),
  rule('placement:usages', 'rule:admin_or_project_reader_or_service_api'),
  rule('placement:reshaper:reshape', 'rule:service_api'),
];
