import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KEYSTONE_DEFAULT_RULES, PolicyEnforcer } from '../../../src/identity/policy/index.ts';
import type { Credentials, PolicyTarget } from '../../../src/identity/policy/index.ts';

// Domain d1 holds project p1; project p3 (otherMember's) and p9 live in domain d2. Role lists arrive with implied roles
// expanded, as the token layer hands them over.
const personas = {
  systemAdmin: { user_id: 'sys', user_domain_id: 'd1', system_scope: 'all', roles: ['admin', 'member', 'reader'] },
  projectAdmin: { user_id: 'padm', user_domain_id: 'd1', project_id: 'p1', project_domain_id: 'd1', roles: ['admin', 'member', 'reader'], token: { project: { id: 'p1', domain: { id: 'd1' } } } },
  domainAdmin: { user_id: 'dadm', user_domain_id: 'd1', domain_id: 'd1', roles: ['admin', 'member', 'reader'], token: { domain: { id: 'd1' } } },
  projectMember: { user_id: 'mem', user_domain_id: 'd1', project_id: 'p1', project_domain_id: 'd1', roles: ['member', 'reader'], token: { project: { id: 'p1', domain: { id: 'd1' } } } },
  projectReader: { user_id: 'rdr', user_domain_id: 'd1', project_id: 'p1', project_domain_id: 'd1', roles: ['reader'], token: { project: { id: 'p1', domain: { id: 'd1' } } } },
  otherMember: { user_id: 'oth', user_domain_id: 'd2', project_id: 'p3', project_domain_id: 'd2', roles: ['member', 'reader'], token: { project: { id: 'p3', domain: { id: 'd2' } } } },
} satisfies Record<string, Credentials>;
type Persona = keyof typeof personas;
const order: Persona[] = ['systemAdmin', 'projectAdmin', 'domainAdmin', 'projectMember', 'projectReader', 'otherMember'];

// Targets shaped as Keystone builds them: URL parameters plus the flattened target.* entity.
const self = (who: Persona): PolicyTarget => ({ user_id: personas[who].user_id, 'target.user.id': personas[who].user_id, 'target.user.domain_id': personas[who].user_domain_id });
const someoneInD1: PolicyTarget = { user_id: 'x', 'target.user.id': 'x', 'target.user.domain_id': 'd1' };
const projectP1: PolicyTarget = { project_id: 'p1', 'target.project.id': 'p1', 'target.project.domain_id': 'd1' };
const projectP9: PolicyTarget = { project_id: 'p9', 'target.project.id': 'p9', 'target.project.domain_id': 'd2' }; // nobody's project

interface Row {
  rule: string;
  target: PolicyTarget | ((who: Persona) => PolicyTarget);
  /** Expected outcome for each persona, in `order`: 1 allowed, 0 denied. */
  zed: string;
  /** The same with enforceNewDefaults on, where it differs. */
  newDefaults?: string;
}

const table: Row[] = [
  { rule: 'identity:get_user', target: self, zed: '111111' },
  { rule: 'identity:get_user', target: someoneInD1, zed: '111000', newDefaults: '101000' },
  { rule: 'identity:list_projects', target: {}, zed: '111000', newDefaults: '100000' },
  { rule: 'identity:list_projects', target: { 'target.domain_id': 'd1' }, zed: '111000', newDefaults: '101000' },
  { rule: 'identity:create_project', target: { 'target.project.domain_id': 'd1' }, zed: '111000', newDefaults: '101000' },
  { rule: 'identity:get_project', target: projectP1, zed: '111110' },
  { rule: 'identity:get_project', target: projectP9, zed: '111000', newDefaults: '100000' },
  { rule: 'identity:list_role_assignments', target: {}, zed: '111000', newDefaults: '100000' },
  { rule: 'identity:list_role_assignments', target: { 'target.domain_id': 'd1' }, zed: '111000', newDefaults: '101000' },
  { rule: 'identity:list_user_projects', target: self, zed: '111111' },
  { rule: 'identity:create_user', target: { 'target.user.domain_id': 'd1' }, zed: '111000', newDefaults: '101000' },
  { rule: 'identity:update_project_tags', target: projectP1, zed: '111000' },
  { rule: 'identity:create_region', target: {}, zed: '111000', newDefaults: '100000' },
  { rule: 'identity:list_regions', target: {}, zed: '111111' },
  { rule: 'identity:validate_token', target: (who) => ({ 'target.token.user_id': personas[who].user_id }), zed: '111111' },
  { rule: 'identity:validate_token', target: { 'target.token.user_id': 'x' }, zed: '111000', newDefaults: '100000' },
  { rule: 'identity:get_auth_catalog', target: {}, zed: '111111' },
  { rule: 'identity:ec2_get_credential', target: (who) => ({ user_id: personas[who].user_id, 'target.credential.user_id': personas[who].user_id }), zed: '111111' },
  { rule: 'identity:ec2_get_credential', target: { user_id: 'x', 'target.credential.user_id': 'x' }, zed: '111000', newDefaults: '100000' },
  { rule: 'identity:list_application_credentials', target: (who) => ({ user_id: personas[who].user_id }), zed: '111111' },
];

function outcomes(enforcer: PolicyEnforcer, row: Row): string {
  return order
    .map((who) => {
      const target = typeof row.target === 'function' ? row.target(who) : row.target;
      return enforcer.enforce(row.rule, target, personas[who]) ? '1' : '0';
    })
    .join('');
}

describe('Keystone default policy', () => {
  const zed = new PolicyEnforcer({ defaults: KEYSTONE_DEFAULT_RULES });
  const newDefaults = new PolicyEnforcer({ defaults: KEYSTONE_DEFAULT_RULES, enforceNewDefaults: true });

  for (const [i, row] of table.entries()) {
    it(`${row.rule} #${i} (personas: ${order.join(', ')})`, () => {
      assert.equal(outcomes(zed, row), row.zed, 'Zed defaults (deprecated rules ORed in)');
      assert.equal(outcomes(newDefaults, row), row.newDefaults ?? row.zed, 'enforce_new_defaults');
    });
  }

  it('an admin role satisfies reader checks because the token carries implied roles', () => {
    assert.equal(zed.enforce('identity:list_regions', {}, { user_id: 'a', project_id: 'p1', roles: ['reader'] }), true);
  });

  it('with enforceScope a project-scoped admin cannot create projects, a domain admin can', () => {
    const scoped = new PolicyEnforcer({ defaults: KEYSTONE_DEFAULT_RULES, enforceScope: true });
    const target = { 'target.project.domain_id': 'd1' };
    assert.equal(scoped.enforce('identity:create_project', target, personas.projectAdmin), false);
    assert.equal(scoped.enforce('identity:create_project', target, personas.domainAdmin), true);
    assert.equal(scoped.enforce('identity:create_project', target, personas.systemAdmin), true);
  });

  it('defines every rule stackgate serves, each name once', () => {
    const names = KEYSTONE_DEFAULT_RULES.map((r) => r.name);
    assert.equal(new Set(names).size, names.length);
    const required = [
      'admin_required', 'service_role', 'service_or_admin', 'owner', 'admin_or_owner', 'token_subject', 'admin_or_token_subject', 'service_admin_or_token_subject',
      'identity:check_token', 'identity:validate_token', 'identity:revocation_list', 'identity:revoke_token',
      'identity:get_region', 'identity:get_service', 'identity:get_endpoint', 'identity:get_domain', 'identity:list_user_projects',
      'identity:list_project_tags', 'identity:create_project_tag', 'identity:update_project_tags', 'identity:delete_project_tag', 'identity:delete_project_tags',
      'identity:list_users_in_group', 'identity:add_user_to_group', 'identity:remove_user_from_group', 'identity:check_user_in_group', 'identity:list_groups_for_user',
      'identity:list_implied_roles', 'identity:create_implied_role', 'identity:get_implied_role', 'identity:check_implied_role', 'identity:delete_implied_role', 'identity:list_role_inference_rules',
      'identity:get_domain_role', 'identity:check_grant', 'identity:list_grants', 'identity:create_grant', 'identity:revoke_grant', 'identity:create_system_grant_for_user', 'identity:revoke_system_grant_for_group',
      'identity:list_role_assignments', 'identity:list_role_assignments_for_tree', 'identity:create_application_credential', 'identity:get_access_rule',
      'identity:ec2_get_credential', 'identity:ec2_list_credentials', 'identity:ec2_create_credential', 'identity:ec2_delete_credential',
      'identity:get_credential', 'identity:list_credentials', 'identity:create_credential', 'identity:update_credential', 'identity:delete_credential',
      'identity:get_auth_catalog', 'identity:get_auth_projects', 'identity:get_auth_domains', 'identity:get_auth_system',
      'identity:create_identity_provider', 'identity:create_mapping', 'identity:create_protocol', 'identity:get_domain_config', 'identity:get_limit', 'identity:get_registered_limit',
      'identity:create_endpoint_group', 'identity:get_policy',
    ];
    for (const name of required) assert.ok(names.includes(name), `missing ${name}`);
    // Every rule parses and every reference resolves: constructing the enforcer checks both.
    assert.equal(zed.ruleNames().length, names.length);
  });
});
