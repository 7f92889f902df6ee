// Glance's default policy rules (2023.x), under their upstream names so operators'
// policy files apply unchanged. Glance enforces its new defaults: the legacy
// `rule:default` deprecated alternatives are not registered, because ORing them in
// (default is the empty rule) would let anyone do anything.
import type { PolicyRuleDefault } from '../../identity/policy/enforcer.ts';

const PROJECT_MEMBER = 'role:member and project_id:%(project_id)s';
const PROJECT_READER = 'role:reader and project_id:%(project_id)s';
const IMAGE_MEMBER = 'project_id:%(member_id)s';
const COMMUNITY = '"community":%(visibility)s';
const PUBLIC = '"public":%(visibility)s';
const SHARED = '"shared":%(visibility)s';

const ADMIN_OR_PROJECT_MEMBER = `role:admin or (${PROJECT_MEMBER})`;
const ADMIN_OR_PROJECT_READER = `role:admin or (${PROJECT_READER})`;
const ADMIN_OR_READER_GET_IMAGE =
  `role:admin or (role:reader and (project_id:%(project_id)s or ${IMAGE_MEMBER} or ${COMMUNITY} or ${PUBLIC} or ${SHARED}))`;
const ADMIN_OR_MEMBER_DOWNLOAD =
  `role:admin or (role:member and (project_id:%(project_id)s or ${IMAGE_MEMBER} or ${COMMUNITY} or ${PUBLIC} or ${SHARED}))`;

const SCOPES: PolicyRuleDefault['scopeTypes'] = ['system', 'project'];

function rule(name: string, checkStr: string): PolicyRuleDefault {
  return { name, checkStr, scopeTypes: SCOPES };
}

export const GLANCE_DEFAULT_RULES: readonly PolicyRuleDefault[] = [
  // `default` and `context_is_admin` are Glance's own names; Keystone does not register them.
  { name: 'default', checkStr: '' },
  { name: 'context_is_admin', checkStr: 'role:admin' },
  rule('add_image', ADMIN_OR_PROJECT_MEMBER),
  rule('delete_image', ADMIN_OR_PROJECT_MEMBER),
  rule('get_image', ADMIN_OR_READER_GET_IMAGE),
  rule('get_images', ADMIN_OR_PROJECT_READER),
  rule('modify_image', ADMIN_OR_PROJECT_MEMBER),
  rule('publicize_image', 'role:admin'),
  rule('communitize_image', ADMIN_OR_PROJECT_MEMBER),
  rule('download_image', ADMIN_OR_MEMBER_DOWNLOAD),
  rule('upload_image', ADMIN_OR_PROJECT_MEMBER),
  rule('delete_image_location', 'role:admin'),
  rule('get_image_location', ADMIN_OR_PROJECT_READER),
  rule('set_image_location', ADMIN_OR_PROJECT_MEMBER),
  rule('add_member', ADMIN_OR_PROJECT_MEMBER),
  rule('delete_member', ADMIN_OR_PROJECT_MEMBER),
  rule('get_member', ADMIN_OR_PROJECT_READER),
  rule('get_members', ADMIN_OR_PROJECT_READER),
  rule('modify_member', ADMIN_OR_PROJECT_MEMBER),
  rule('manage_image_cache', 'role:admin'),
  rule('deactivate', ADMIN_OR_PROJECT_MEMBER),
  rule('reactivate', ADMIN_OR_PROJECT_MEMBER),
  rule('copy_image', 'role:admin'),
  rule('get_task', 'rule:default'),
  rule('get_tasks', 'rule:default'),
  rule('add_task', 'rule:default'),
  rule('modify_task', 'rule:default'),
  rule('tasks_api_access', 'role:admin'),
  { name: 'stores_info_detail', checkStr: 'role:admin', scopeTypes: ['project'] },
  { name: 'cache_image', checkStr: 'role:admin', scopeTypes: ['project'] },
  { name: 'cache_list', checkStr: 'role:admin', scopeTypes: ['project'] },
  { name: 'cache_delete', checkStr: 'role:admin', scopeTypes: ['project'] },
];
