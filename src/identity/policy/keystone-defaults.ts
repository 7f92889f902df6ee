// Keystone's default policy for every identity:* operation, as Keystone Zed (22.x) evaluates it
// out of the box: each rule is the system-scope-aware default, and where it replaced an older rule
// the older one is kept in `deprecated` so that, with enforceNewDefaults off (the Zed default),
// both are ORed: a project-scoped "admin" keeps the powers admin_required gave it.
// Rule names and check strings must stay byte-compatible with upstream, because operators'
// policy files refer to them and copy them.

import type { ScopeType } from './credentials.ts';
import type { PolicyRuleDefault } from './enforcer.ts';

const SYSTEM: ScopeType[] = ['system'];
const SYSTEM_PROJECT: ScopeType[] = ['system', 'project'];
const SYSTEM_DOMAIN: ScopeType[] = ['system', 'domain'];
const PROJECT: ScopeType[] = ['project'];
const ANY_SCOPE: ScopeType[] = ['system', 'domain', 'project'];

interface RuleOptions {
  scope?: ScopeType[];
  /** "METHOD /path" */
  ops?: string[];
  deprecated?: string;
}

function rule(name: string, checkStr: string, options: RuleOptions = {}): PolicyRuleDefault {
  const spec: PolicyRuleDefault = { name, checkStr };
  if (options.scope) spec.scopeTypes = options.scope;
  if (options.ops) {
    spec.operations = options.ops.map((op) => {
      const space = op.indexOf(' ');
      return { method: op.slice(0, space), path: op.slice(space + 1) };
    });
  }
  if (options.deprecated !== undefined) spec.deprecatedCheckStr = options.deprecated;
  return spec;
}


export const KEYSTONE_DEFAULT_RULES: readonly PolicyRuleDefault[] = [
  // Aliases other rules build on
  rule("admin_required", "role:admin or is_admin:1"),
  rule("service_role", "role:service"),
  rule("service_or_admin", "rule:admin_required or rule:service_role"),
  rule("owner", "user_id:%(user_id)s"),
  rule("admin_or_owner", "rule:admin_required or rule:owner"),
  rule("token_subject", "user_id:%(target.token.user_id)s"),
  rule("admin_or_token_subject", "rule:admin_required or rule:token_subject"),
  rule("service_admin_or_token_subject", "rule:service_or_admin or rule:token_subject"),
  // Access rules (application credential restrictions)
  rule(
    "identity:get_access_rule",
    "(role:reader and system_scope:all) or user_id:%(target.user.id)s",
    { scope: SYSTEM_PROJECT, ops: ["GET /v3/users/{user_id}/access_rules/{access_rule_id}", "HEAD /v3/users/{user_id}/access_rules/{access_rule_id}"] },
  ),
  rule(
    "identity:list_access_rules",
    "(role:reader and system_scope:all) or user_id:%(target.user.id)s",
    { scope: SYSTEM_PROJECT, ops: ["GET /v3/users/{user_id}/access_rules", "HEAD /v3/users/{user_id}/access_rules"] },
  ),
  rule(
    "identity:delete_access_rule",
    "(role:admin and system_scope:all) or user_id:%(target.user.id)s",
    { scope: SYSTEM_PROJECT, ops: ["DELETE /v3/users/{user_id}/access_rules/{access_rule_id}"] },
  ),
  // OAuth 1.0a access tokens
  rule(
    "identity:authorize_request_token",
    "rule:admin_required",
    { scope: PROJECT, ops: ["PUT /v3/OS-OAUTH1/authorize/{request_token_id}"] },
  ),
  rule(
    "identity:get_access_token",
    "rule:admin_required",
    { scope: PROJECT, ops: ["GET /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}"] },
  ),
  rule(
    "identity:get_access_token_role",
    "rule:admin_required",
    { scope: PROJECT, ops: ["GET /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}/roles/{role_id}"] },
  ),
  rule(
    "identity:list_access_tokens",
    "rule:admin_required",
    { scope: PROJECT, ops: ["GET /v3/users/{user_id}/OS-OAUTH1/access_tokens"] },
  ),
  rule(
    "identity:list_access_token_roles",
    "rule:admin_required",
    { scope: PROJECT, ops: ["GET /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}/roles"] },
  ),
  rule(
    "identity:delete_access_token",
    "rule:admin_required",
    { scope: PROJECT, ops: ["DELETE /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}"] },
  ),
  // Application credentials
  rule(
    "identity:get_application_credential",
    "(role:reader and system_scope:all) or rule:owner",
    { scope: SYSTEM_PROJECT, ops: ["GET /v3/users/{user_id}/application_credentials/{application_credential_id}", "HEAD /v3/users/{user_id}/application_credentials/{application_credential_id}"], deprecated: "rule:admin_or_owner" },
  ),
  rule(
    "identity:list_application_credentials",
    "(role:reader and system_scope:all) or rule:owner",
    { scope: SYSTEM_PROJECT, ops: ["GET /v3/users/{user_id}/application_credentials", "HEAD /v3/users/{user_id}/application_credentials"], deprecated: "rule:admin_or_owner" },
  ),
  rule(
    "identity:create_application_credential",
    "user_id:%(user_id)s",
    { scope: PROJECT, ops: ["POST /v3/users/{user_id}/application_credentials"] },
  ),
  rule(
    "identity:delete_application_credential",
    "(role:admin and system_scope:all) or rule:owner",
    { scope: SYSTEM_PROJECT, ops: ["DELETE /v3/users/{user_id}/application_credentials/{application_credential_id}"], deprecated: "rule:admin_or_owner" },
  ),
  // Auth discovery (/v3/auth/*): any valid token
  rule("identity:get_auth_catalog", "", { ops: ["GET /v3/auth/catalog", "HEAD /v3/auth/catalog"] }),
  rule("identity:get_auth_projects", "", { ops: ["GET /v3/auth/projects", "HEAD /v3/auth/projects"] }),
  rule("identity:get_auth_domains", "", { ops: ["GET /v3/auth/domains", "HEAD /v3/auth/domains"] }),
  rule("identity:get_auth_system", "", { ops: ["GET /v3/auth/system", "HEAD /v3/auth/system"] }),
  // OAuth 1.0a consumers
  rule(
    "identity:get_consumer",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-OAUTH1/consumers/{consumer_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_consumers",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-OAUTH1/consumers"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_consumer",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["POST /v3/OS-OAUTH1/consumers"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_consumer",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/OS-OAUTH1/consumers/{consumer_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_consumer",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/OS-OAUTH1/consumers/{consumer_id}"], deprecated: "rule:admin_required" },
  ),
  // Credentials
  rule(
    "identity:get_credential",
    "(role:reader and system_scope:all) or user_id:%(target.credential.user_id)s",
    { scope: SYSTEM_PROJECT, ops: ["GET /v3/credentials/{credential_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_credentials",
    "(role:reader and system_scope:all) or user_id:%(target.credential.user_id)s",
    { scope: SYSTEM_PROJECT, ops: ["GET /v3/credentials"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_credential",
    "(role:admin and system_scope:all) or user_id:%(target.credential.user_id)s",
    { scope: SYSTEM_PROJECT, ops: ["POST /v3/credentials"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_credential",
    "(role:admin and system_scope:all) or user_id:%(target.credential.user_id)s",
    { scope: SYSTEM_PROJECT, ops: ["PATCH /v3/credentials/{credential_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_credential",
    "(role:admin and system_scope:all) or user_id:%(target.credential.user_id)s",
    { scope: SYSTEM_PROJECT, ops: ["DELETE /v3/credentials/{credential_id}"], deprecated: "rule:admin_required" },
  ),
  // Domains
  rule(
    "identity:get_domain",
    "(role:reader and system_scope:all) or token.domain.id:%(target.domain.id)s or token.project.domain.id:%(target.domain.id)s",
    { scope: ANY_SCOPE, ops: ["GET /v3/domains/{domain_id}"], deprecated: "rule:admin_required or token.project.domain.id:%(target.domain.id)s" },
  ),
  rule(
    "identity:list_domains",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/domains"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_domain",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["POST /v3/domains"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_domain",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/domains/{domain_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_domain",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/domains/{domain_id}"], deprecated: "rule:admin_required" },
  ),
  // Domain-specific configuration
  rule(
    "identity:create_domain_config",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PUT /v3/domains/{domain_id}/config"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:get_domain_config",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/domains/{domain_id}/config", "HEAD /v3/domains/{domain_id}/config", "GET /v3/domains/{domain_id}/config/{group}", "HEAD /v3/domains/{domain_id}/config/{group}", "GET /v3/domains/{domain_id}/config/{group}/{option}", "HEAD /v3/domains/{domain_id}/config/{group}/{option}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:get_security_compliance_domain_config",
    "",
    { scope: ANY_SCOPE, ops: ["GET /v3/domains/{domain_id}/config/security_compliance", "HEAD /v3/domains/{domain_id}/config/security_compliance", "GET /v3/domains/{domain_id}/config/security_compliance/{option}", "HEAD /v3/domains/{domain_id}/config/security_compliance/{option}"] },
  ),
  rule(
    "identity:update_domain_config",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/domains/{domain_id}/config", "PATCH /v3/domains/{domain_id}/config/{group}", "PATCH /v3/domains/{domain_id}/config/{group}/{option}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_domain_config",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/domains/{domain_id}/config", "DELETE /v3/domains/{domain_id}/config/{group}", "DELETE /v3/domains/{domain_id}/config/{group}/{option}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:get_domain_config_default",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/domains/config/default", "HEAD /v3/domains/config/default", "GET /v3/domains/config/{group}/default", "HEAD /v3/domains/config/{group}/default", "GET /v3/domains/config/{group}/{option}/default", "HEAD /v3/domains/config/{group}/{option}/default"], deprecated: "rule:admin_required" },
  ),
  // EC2 credentials
  rule(
    "identity:ec2_get_credential",
    "(role:reader and system_scope:all) or user_id:%(target.credential.user_id)s",
    { scope: SYSTEM_PROJECT, ops: ["GET /v3/users/{user_id}/credentials/OS-EC2/{credential_id}"], deprecated: "rule:admin_required or (rule:owner and user_id:%(target.credential.user_id)s)" },
  ),
  rule(
    "identity:ec2_list_credentials",
    "(role:reader and system_scope:all) or rule:owner",
    { scope: SYSTEM_PROJECT, ops: ["GET /v3/users/{user_id}/credentials/OS-EC2"], deprecated: "rule:admin_or_owner" },
  ),
  rule(
    "identity:ec2_create_credential",
    "(role:admin and system_scope:all) or rule:owner",
    { scope: SYSTEM_PROJECT, ops: ["POST /v3/users/{user_id}/credentials/OS-EC2"], deprecated: "rule:admin_or_owner" },
  ),
  rule(
    "identity:ec2_delete_credential",
    "(role:admin and system_scope:all) or user_id:%(target.credential.user_id)s",
    { scope: SYSTEM_PROJECT, ops: ["DELETE /v3/users/{user_id}/credentials/OS-EC2/{credential_id}"], deprecated: "rule:admin_required or (rule:owner and user_id:%(target.credential.user_id)s)" },
  ),
  // Endpoints
  rule(
    "identity:get_endpoint",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/endpoints/{endpoint_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_endpoints",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/endpoints"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_endpoint",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["POST /v3/endpoints"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_endpoint",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/endpoints/{endpoint_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_endpoint",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/endpoints/{endpoint_id}"], deprecated: "rule:admin_required" },
  ),
  // Endpoint groups (OS-EP-FILTER)
  rule(
    "identity:create_endpoint_group",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["POST /v3/OS-EP-FILTER/endpoint_groups"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_endpoint_groups",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-EP-FILTER/endpoint_groups"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:get_endpoint_group",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}", "HEAD /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_endpoint_group",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_endpoint_group",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_projects_associated_with_endpoint_group",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_endpoints_associated_with_endpoint_group",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/endpoints"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:get_endpoint_group_in_project",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}", "HEAD /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_endpoint_groups_for_project",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-EP-FILTER/projects/{project_id}/endpoint_groups"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:add_endpoint_group_to_project",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PUT /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:remove_endpoint_group_from_project",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}"], deprecated: "rule:admin_required" },
  ),
  // Role grants on projects, domains and the system
  rule(
    "identity:check_grant",
    "(role:reader and system_scope:all) or ((role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s) or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s)) and (domain_id:%(target.role.domain_id)s or None:%(target.role.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["HEAD /v3/projects/{project_id}/users/{user_id}/roles/{role_id}", "GET /v3/projects/{project_id}/users/{user_id}/roles/{role_id}", "HEAD /v3/projects/{project_id}/groups/{group_id}/roles/{role_id}", "GET /v3/projects/{project_id}/groups/{group_id}/roles/{role_id}", "HEAD /v3/domains/{domain_id}/users/{user_id}/roles/{role_id}", "GET /v3/domains/{domain_id}/users/{user_id}/roles/{role_id}", "HEAD /v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}", "GET /v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}", "HEAD /v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", "GET /v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", "HEAD /v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", "GET /v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", "HEAD /v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", "GET /v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", "HEAD /v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", "GET /v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_grants",
    "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s) or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["GET /v3/projects/{project_id}/users/{user_id}/roles", "HEAD /v3/projects/{project_id}/users/{user_id}/roles", "GET /v3/projects/{project_id}/groups/{group_id}/roles", "HEAD /v3/projects/{project_id}/groups/{group_id}/roles", "GET /v3/domains/{domain_id}/users/{user_id}/roles", "HEAD /v3/domains/{domain_id}/users/{user_id}/roles", "GET /v3/domains/{domain_id}/groups/{group_id}/roles", "HEAD /v3/domains/{domain_id}/groups/{group_id}/roles", "GET /v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/inherited_to_projects", "GET /v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/inherited_to_projects"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_grant",
    "(role:admin and system_scope:all) or ((role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s) or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s)) and (domain_id:%(target.role.domain_id)s or None:%(target.role.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["PUT /v3/projects/{project_id}/users/{user_id}/roles/{role_id}", "PUT /v3/projects/{project_id}/groups/{group_id}/roles/{role_id}", "PUT /v3/domains/{domain_id}/users/{user_id}/roles/{role_id}", "PUT /v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}", "PUT /v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", "PUT /v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", "PUT /v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", "PUT /v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:revoke_grant",
    "(role:admin and system_scope:all) or ((role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s) or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s)) and (domain_id:%(target.role.domain_id)s or None:%(target.role.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["DELETE /v3/projects/{project_id}/users/{user_id}/roles/{role_id}", "DELETE /v3/projects/{project_id}/groups/{group_id}/roles/{role_id}", "DELETE /v3/domains/{domain_id}/users/{user_id}/roles/{role_id}", "DELETE /v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}", "DELETE /v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", "DELETE /v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects", "DELETE /v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects", "DELETE /v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_system_grants_for_user",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["HEAD /v3/system/users/{user_id}/roles", "GET /v3/system/users/{user_id}/roles"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:check_system_grant_for_user",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["HEAD /v3/system/users/{user_id}/roles/{role_id}", "GET /v3/system/users/{user_id}/roles/{role_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_system_grant_for_user",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PUT /v3/system/users/{user_id}/roles/{role_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:revoke_system_grant_for_user",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/system/users/{user_id}/roles/{role_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_system_grants_for_group",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["HEAD /v3/system/groups/{group_id}/roles", "GET /v3/system/groups/{group_id}/roles"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:check_system_grant_for_group",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["HEAD /v3/system/groups/{group_id}/roles/{role_id}", "GET /v3/system/groups/{group_id}/roles/{role_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_system_grant_for_group",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PUT /v3/system/groups/{group_id}/roles/{role_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:revoke_system_grant_for_group",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/system/groups/{group_id}/roles/{role_id}"], deprecated: "rule:admin_required" },
  ),
  // Groups
  rule(
    "identity:get_group",
    "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.group.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["GET /v3/groups/{group_id}", "HEAD /v3/groups/{group_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_groups",
    "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.group.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["GET /v3/groups", "HEAD /v3/groups"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_groups_for_user",
    "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(user_id)s",
    { scope: ANY_SCOPE, ops: ["GET /v3/users/{user_id}/groups", "HEAD /v3/users/{user_id}/groups"], deprecated: "rule:admin_or_owner" },
  ),
  rule(
    "identity:create_group",
    "(role:admin and system_scope:all) or (role:admin and domain_id:%(target.group.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["POST /v3/groups"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_group",
    "(role:admin and system_scope:all) or (role:admin and domain_id:%(target.group.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["PATCH /v3/groups/{group_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_group",
    "(role:admin and system_scope:all) or (role:admin and domain_id:%(target.group.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["DELETE /v3/groups/{group_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_users_in_group",
    "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.group.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["GET /v3/groups/{group_id}/users", "HEAD /v3/groups/{group_id}/users"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:remove_user_from_group",
    "(role:admin and system_scope:all) or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["DELETE /v3/groups/{group_id}/users/{user_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:check_user_in_group",
    "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["HEAD /v3/groups/{group_id}/users/{user_id}", "GET /v3/groups/{group_id}/users/{user_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:add_user_to_group",
    "(role:admin and system_scope:all) or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["PUT /v3/groups/{group_id}/users/{user_id}"], deprecated: "rule:admin_required" },
  ),
  // Federation: identity providers
  rule(
    "identity:create_identity_provider",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PUT /v3/OS-FEDERATION/identity_providers/{idp_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_identity_providers",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-FEDERATION/identity_providers", "HEAD /v3/OS-FEDERATION/identity_providers"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:get_identity_provider",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-FEDERATION/identity_providers/{idp_id}", "HEAD /v3/OS-FEDERATION/identity_providers/{idp_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_identity_provider",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/OS-FEDERATION/identity_providers/{idp_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_identity_provider",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/OS-FEDERATION/identity_providers/{idp_id}"], deprecated: "rule:admin_required" },
  ),
  // Implied roles
  rule(
    "identity:get_implied_role",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/roles/{prior_role_id}/implies/{implied_role_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_implied_roles",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/roles/{prior_role_id}/implies", "HEAD /v3/roles/{prior_role_id}/implies"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_implied_role",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PUT /v3/roles/{prior_role_id}/implies/{implied_role_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_implied_role",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/roles/{prior_role_id}/implies/{implied_role_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_role_inference_rules",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/role_inferences", "HEAD /v3/role_inferences"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:check_implied_role",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["HEAD /v3/roles/{prior_role_id}/implies/{implied_role_id}"], deprecated: "rule:admin_required" },
  ),
  // Project and domain limits
  rule(
    "identity:get_limit_model",
    "",
    { scope: ANY_SCOPE, ops: ["GET /v3/limits/model", "HEAD /v3/limits/model"] },
  ),
  rule(
    "identity:get_limit",
    "(role:reader and system_scope:all) or (domain_id:%(target.limit.domain.id)s or domain_id:%(target.limit.project.domain_id)s) or (project_id:%(target.limit.project_id)s and not None:%(target.limit.project_id)s)",
    { scope: ANY_SCOPE, ops: ["GET /v3/limits/{limit_id}", "HEAD /v3/limits/{limit_id}"] },
  ),
  rule("identity:list_limits", "", { scope: ANY_SCOPE, ops: ["GET /v3/limits", "HEAD /v3/limits"] }),
  rule(
    "identity:create_limits",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["POST /v3/limits"] },
  ),
  rule(
    "identity:update_limit",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/limits/{limit_id}"] },
  ),
  rule(
    "identity:delete_limit",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/limits/{limit_id}"] },
  ),
  // Federation: mappings
  rule(
    "identity:create_mapping",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PUT /v3/OS-FEDERATION/mappings/{mapping_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:get_mapping",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-FEDERATION/mappings/{mapping_id}", "HEAD /v3/OS-FEDERATION/mappings/{mapping_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_mappings",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-FEDERATION/mappings", "HEAD /v3/OS-FEDERATION/mappings"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_mapping",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/OS-FEDERATION/mappings/{mapping_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_mapping",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/OS-FEDERATION/mappings/{mapping_id}"], deprecated: "rule:admin_required" },
  ),
  // Policy blobs (OS-ENDPOINT-POLICY)
  rule(
    "identity:get_policy",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/policies/{policy_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_policies",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/policies"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_policy",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["POST /v3/policies"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_policy",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/policies/{policy_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_policy",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/policies/{policy_id}"], deprecated: "rule:admin_required" },
  ),
  // Policy associations (OS-ENDPOINT-POLICY)
  rule(
    "identity:create_policy_association_for_endpoint",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PUT /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints/{endpoint_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:check_policy_association_for_endpoint",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints/{endpoint_id}", "HEAD /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints/{endpoint_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_policy_association_for_endpoint",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints/{endpoint_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_policy_association_for_service",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PUT /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:check_policy_association_for_service",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}", "HEAD /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_policy_association_for_service",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_policy_association_for_region_and_service",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PUT /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}/regions/{region_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:check_policy_association_for_region_and_service",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}/regions/{region_id}", "HEAD /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}/regions/{region_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_policy_association_for_region_and_service",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}/regions/{region_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:get_policy_for_endpoint",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/endpoints/{endpoint_id}/OS-ENDPOINT-POLICY/policy", "HEAD /v3/endpoints/{endpoint_id}/OS-ENDPOINT-POLICY/policy"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_endpoints_for_policy",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints"], deprecated: "rule:admin_required" },
  ),
  // Projects and project tags
  rule(
    "identity:get_project",
    "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.project.domain_id)s) or project_id:%(target.project.id)s",
    { scope: ANY_SCOPE, ops: ["GET /v3/projects/{project_id}"], deprecated: "rule:admin_required or project_id:%(target.project.id)s" },
  ),
  rule(
    "identity:list_projects",
    "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["GET /v3/projects"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_user_projects",
    "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(target.user.id)s",
    { scope: ANY_SCOPE, ops: ["GET /v3/users/{user_id}/projects"], deprecated: "rule:admin_or_owner" },
  ),
  rule(
    "identity:create_project",
    "(role:admin and system_scope:all) or (role:admin and domain_id:%(target.project.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["POST /v3/projects"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_project",
    "(role:admin and system_scope:all) or (role:admin and domain_id:%(target.project.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["PATCH /v3/projects/{project_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_project",
    "(role:admin and system_scope:all) or (role:admin and domain_id:%(target.project.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["DELETE /v3/projects/{project_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_project_tags",
    "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.project.domain_id)s) or project_id:%(target.project.id)s",
    { scope: ANY_SCOPE, ops: ["GET /v3/projects/{project_id}/tags", "HEAD /v3/projects/{project_id}/tags"], deprecated: "rule:admin_required or project_id:%(target.project.id)s" },
  ),
  rule(
    "identity:get_project_tag",
    "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.project.domain_id)s) or project_id:%(target.project.id)s",
    { scope: ANY_SCOPE, ops: ["GET /v3/projects/{project_id}/tags/{value}", "HEAD /v3/projects/{project_id}/tags/{value}"], deprecated: "rule:admin_required or project_id:%(target.project.id)s" },
  ),
  rule(
    "identity:update_project_tags",
    "(role:admin and system_scope:all) or (role:admin and domain_id:%(target.project.domain_id)s) or (role:admin and project_id:%(target.project.id)s)",
    { scope: ANY_SCOPE, ops: ["PUT /v3/projects/{project_id}/tags"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_project_tag",
    "(role:admin and system_scope:all) or (role:admin and domain_id:%(target.project.domain_id)s) or (role:admin and project_id:%(target.project.id)s)",
    { scope: ANY_SCOPE, ops: ["PUT /v3/projects/{project_id}/tags/{value}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_project_tags",
    "(role:admin and system_scope:all) or (role:admin and domain_id:%(target.project.domain_id)s) or (role:admin and project_id:%(target.project.id)s)",
    { scope: ANY_SCOPE, ops: ["DELETE /v3/projects/{project_id}/tags"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_project_tag",
    "(role:admin and system_scope:all) or (role:admin and domain_id:%(target.project.domain_id)s) or (role:admin and project_id:%(target.project.id)s)",
    { scope: ANY_SCOPE, ops: ["DELETE /v3/projects/{project_id}/tags/{value}"], deprecated: "rule:admin_required" },
  ),
  // Project endpoints (OS-EP-FILTER)
  rule(
    "identity:list_projects_for_endpoint",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-EP-FILTER/endpoints/{endpoint_id}/projects"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:add_endpoint_to_project",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PUT /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:check_endpoint_in_project",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}", "HEAD /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_endpoints_for_project",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-EP-FILTER/projects/{project_id}/endpoints"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:remove_endpoint_from_project",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}"], deprecated: "rule:admin_required" },
  ),
  // Federation: protocols
  rule(
    "identity:create_protocol",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PUT /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_protocol",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:get_protocol",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_protocols",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_protocol",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}"], deprecated: "rule:admin_required" },
  ),
  // Regions
  rule(
    "identity:get_region",
    "",
    { scope: ANY_SCOPE, ops: ["GET /v3/regions/{region_id}", "HEAD /v3/regions/{region_id}"] },
  ),
  rule("identity:list_regions", "", { scope: ANY_SCOPE, ops: ["GET /v3/regions", "HEAD /v3/regions"] }),
  rule(
    "identity:create_region",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["POST /v3/regions", "PUT /v3/regions/{region_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_region",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/regions/{region_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_region",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/regions/{region_id}"], deprecated: "rule:admin_required" },
  ),
  // Registered limits
  rule(
    "identity:get_registered_limit",
    "",
    { scope: ANY_SCOPE, ops: ["GET /v3/registered_limits/{registered_limit_id}", "HEAD /v3/registered_limits/{registered_limit_id}"] },
  ),
  rule(
    "identity:list_registered_limits",
    "",
    { scope: ANY_SCOPE, ops: ["GET /v3/registered_limits", "HEAD /v3/registered_limits"] },
  ),
  rule(
    "identity:create_registered_limits",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["POST /v3/registered_limits"] },
  ),
  rule(
    "identity:update_registered_limit",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/registered_limits/{registered_limit_id}"] },
  ),
  rule(
    "identity:delete_registered_limit",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/registered_limits/{registered_limit_id}"] },
  ),
  // Revocation events
  rule(
    "identity:list_revoke_events",
    "rule:service_or_admin",
    { scope: SYSTEM, ops: ["GET /v3/OS-REVOKE/events"] },
  ),
  // Roles and domain-specific roles
  rule(
    "identity:get_role",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/roles/{role_id}", "HEAD /v3/roles/{role_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_roles",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/roles", "HEAD /v3/roles"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_role",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["POST /v3/roles"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_role",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/roles/{role_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_role",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/roles/{role_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:get_domain_role",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/roles/{role_id}", "HEAD /v3/roles/{role_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_domain_roles",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/roles?domain_id={domain_id}", "HEAD /v3/roles?domain_id={domain_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_domain_role",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["POST /v3/roles"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_domain_role",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/roles/{role_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_domain_role",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/roles/{role_id}"], deprecated: "rule:admin_required" },
  ),
  // Role assignments
  rule(
    "identity:list_role_assignments",
    "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["GET /v3/role_assignments", "HEAD /v3/role_assignments"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_role_assignments_for_tree",
    "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.project.domain_id)s) or (role:admin and project_id:%(target.project.id)s)",
    { scope: ANY_SCOPE, ops: ["GET /v3/role_assignments?include_subtree", "HEAD /v3/role_assignments?include_subtree"], deprecated: "rule:admin_required" },
  ),
  // Services
  rule(
    "identity:get_service",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/services/{service_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_services",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/services"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:create_service",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["POST /v3/services"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_service",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/services/{service_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_service",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/services/{service_id}"], deprecated: "rule:admin_required" },
  ),
  // Federation: service providers
  rule(
    "identity:create_service_provider",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PUT /v3/OS-FEDERATION/service_providers/{service_provider_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_service_providers",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-FEDERATION/service_providers", "HEAD /v3/OS-FEDERATION/service_providers"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:get_service_provider",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-FEDERATION/service_providers/{service_provider_id}", "HEAD /v3/OS-FEDERATION/service_providers/{service_provider_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_service_provider",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["PATCH /v3/OS-FEDERATION/service_providers/{service_provider_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_service_provider",
    "role:admin and system_scope:all",
    { scope: SYSTEM, ops: ["DELETE /v3/OS-FEDERATION/service_providers/{service_provider_id}"], deprecated: "rule:admin_required" },
  ),
  // Revocation list (PKI-era)
  rule(
    "identity:revocation_list",
    "rule:service_or_admin",
    { scope: SYSTEM_PROJECT, ops: ["GET /v3/auth/tokens/OS-PKI/revoked"] },
  ),
  // Tokens
  rule(
    "identity:check_token",
    "(role:reader and system_scope:all) or rule:token_subject",
    { scope: ANY_SCOPE, ops: ["HEAD /v3/auth/tokens"], deprecated: "rule:admin_or_token_subject" },
  ),
  rule(
    "identity:validate_token",
    "(role:reader and system_scope:all) or rule:service_role or rule:token_subject",
    { scope: ANY_SCOPE, ops: ["GET /v3/auth/tokens"], deprecated: "rule:service_admin_or_token_subject" },
  ),
  rule(
    "identity:revoke_token",
    "(role:admin and system_scope:all) or rule:token_subject",
    { scope: ANY_SCOPE, ops: ["DELETE /v3/auth/tokens"], deprecated: "rule:admin_or_token_subject" },
  ),
  // Trusts
  rule(
    "identity:create_trust",
    "user_id:%(trust.trustor_user_id)s",
    { scope: PROJECT, ops: ["POST /v3/OS-TRUST/trusts"] },
  ),
  rule(
    "identity:list_trusts",
    "role:reader and system_scope:all",
    { scope: SYSTEM, ops: ["GET /v3/OS-TRUST/trusts", "HEAD /v3/OS-TRUST/trusts"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:list_trusts_for_trustor",
    "role:reader and system_scope:all or user_id:%(target.trust.trustor_user_id)s",
    { scope: SYSTEM_PROJECT, ops: ["GET /v3/OS-TRUST/trusts?trustor_user_id={trustor_user_id}", "HEAD /v3/OS-TRUST/trusts?trustor_user_id={trustor_user_id}"] },
  ),
  rule(
    "identity:list_trusts_for_trustee",
    "role:reader and system_scope:all or user_id:%(target.trust.trustee_user_id)s",
    { scope: SYSTEM_PROJECT, ops: ["GET /v3/OS-TRUST/trusts?trustee_user_id={trustee_user_id}", "HEAD /v3/OS-TRUST/trusts?trustee_user_id={trustee_user_id}"] },
  ),
  rule(
    "identity:list_roles_for_trust",
    "role:reader and system_scope:all or user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s",
    { scope: SYSTEM_PROJECT, ops: ["GET /v3/OS-TRUST/trusts/{trust_id}/roles", "HEAD /v3/OS-TRUST/trusts/{trust_id}/roles"], deprecated: "user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s" },
  ),
  rule(
    "identity:get_role_for_trust",
    "role:reader and system_scope:all or user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s",
    { scope: SYSTEM_PROJECT, ops: ["GET /v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}", "HEAD /v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}"], deprecated: "user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s" },
  ),
  rule(
    "identity:delete_trust",
    "role:admin and system_scope:all or user_id:%(target.trust.trustor_user_id)s",
    { scope: SYSTEM_PROJECT, ops: ["DELETE /v3/OS-TRUST/trusts/{trust_id}"], deprecated: "user_id:%(target.trust.trustor_user_id)s" },
  ),
  rule(
    "identity:get_trust",
    "role:reader and system_scope:all or user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s",
    { scope: SYSTEM_PROJECT, ops: ["GET /v3/OS-TRUST/trusts/{trust_id}", "HEAD /v3/OS-TRUST/trusts/{trust_id}"], deprecated: "user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s" },
  ),
  // Users
  rule(
    "identity:get_user",
    "(role:reader and system_scope:all) or (role:reader and token.domain.id:%(target.user.domain_id)s) or user_id:%(target.user.id)s",
    { scope: ANY_SCOPE, ops: ["GET /v3/users/{user_id}", "HEAD /v3/users/{user_id}"], deprecated: "rule:admin_or_owner" },
  ),
  rule(
    "identity:list_users",
    "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["GET /v3/users", "HEAD /v3/users"], deprecated: "rule:admin_required" },
  ),
  rule("identity:list_projects_for_user", "", { ops: ["GET  /v3/auth/projects"] }),
  rule("identity:list_domains_for_user", "", { ops: ["GET /v3/auth/domains"] }),
  rule(
    "identity:create_user",
    "(role:admin and system_scope:all) or (role:admin and token.domain.id:%(target.user.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["POST /v3/users"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:update_user",
    "(role:admin and system_scope:all) or (role:admin and token.domain.id:%(target.user.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["PATCH /v3/users/{user_id}"], deprecated: "rule:admin_required" },
  ),
  rule(
    "identity:delete_user",
    "(role:admin and system_scope:all) or (role:admin and token.domain.id:%(target.user.domain_id)s)",
    { scope: SYSTEM_DOMAIN, ops: ["DELETE /v3/users/{user_id}"], deprecated: "rule:admin_required" },
  ),
];
