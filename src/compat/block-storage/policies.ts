// Cinder's default policy (2023-era names and check strings: project reader/member personas,
// admin across projects) and the authorize helper that words a denial as Cinder does.
import { ApiError } from '../../platform/http/api-error.ts';
import type { RequestContext } from '../../platform/http/service-api.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { PolicyRuleDefault } from '../../identity/policy/enforcer.ts';

const ADMIN = 'rule:admin_api';
const MEMBER = 'rule:project_member_or_admin';
const READER = 'rule:project_reader_or_admin';
const rule = (name: string, checkStr: string): PolicyRuleDefault => ({ name, checkStr, scopeTypes: ['project'] });
const each = (checkStr: string, names: string[]) => names.map((n) => rule(n, checkStr));

export const CINDER_DEFAULT_RULES: readonly PolicyRuleDefault[] = [
  { name: 'context_is_admin', checkStr: 'role:admin' },
  { name: 'admin_or_owner', checkStr: 'is_admin:True or (role:admin and is_admin_project:True) or project_id:%(project_id)s' },
  { name: 'admin_api', checkStr: 'is_admin:True or (role:admin and is_admin_project:True)' },
  { name: 'project_member', checkStr: 'role:member and project_id:%(project_id)s' },
  { name: 'project_reader', checkStr: 'role:reader and project_id:%(project_id)s' },
  { name: 'project_member_or_admin', checkStr: 'rule:project_member or rule:context_is_admin' },
  { name: 'project_reader_or_admin', checkStr: 'rule:project_reader or rule:context_is_admin' },
  ...each(MEMBER, [
    'volume:create', 'volume:create_from_image', 'volume:update', 'volume:delete', 'volume:extend', 'volume:extend_attached_volume',
    'volume:update_readonly_flag', 'volume:retype', 'volume:create_volume_metadata', 'volume:update_volume_metadata',
    'volume:delete_volume_metadata', 'volume:create_snapshot', 'volume:update_snapshot', 'volume:delete_snapshot',
    'volume:update_snapshot_metadata', 'volume:delete_snapshot_metadata',
    'volume_extension:volume_actions:attach', 'volume_extension:volume_actions:detach', 'volume_extension:volume_actions:reserve',
    'volume_extension:volume_actions:unreserve', 'volume_extension:volume_actions:begin_detaching',
    'volume_extension:volume_actions:roll_detaching', 'volume_extension:volume_actions:initialize_connection',
    'volume_extension:volume_actions:terminate_connection',
    'volume:attachment_create', 'volume:attachment_update', 'volume:attachment_delete', 'volume:attachment_complete',
    'volume:multiattach_bootable_volume', 'volume_extension:volume_actions:upload_image',
    'snapshot_extension:snapshot_actions:update_snapshot_status',
    'backup:create', 'backup:delete', 'backup:update', 'backup:restore',
    'volume:create_transfer', 'volume:accept_transfer', 'volume:delete_transfer', 'message:delete',
    'volume_extension:volume_image_metadata:set', 'volume_extension:volume_image_metadata:remove',
  ]),
  ...each(READER, [
    'volume:get', 'volume:get_all', 'volume:get_volume_metadata', 'volume:get_snapshot', 'volume:get_all_snapshots',
    'volume:get_snapshot_metadata', 'volume_extension:volume_tenant_attribute', 'volume_extension:extended_snapshot_attributes',
    'volume_extension:volume_type_access', 'volume_extension:type_get', 'volume_extension:type_get_all',
    'volume_extension:types_extra_specs:index', 'volume_extension:types_extra_specs:show', 'volume_extension:quotas:show',
    'limits_extension:used_limits', 'volume_extension:availability_zone_list', 'volume_extension:default_get',
    'volume_extension:volume_image_metadata:show', 'backup:get', 'backup:get_all', 'volume:get_transfer', 'volume:get_all_transfers',
    'message:get', 'message:get_all',
  ]),
  ...each(ADMIN, [
    'volume_extension:volume_host_attribute', 'volume_extension:volume_mig_status_attribute', 'volume:get_all_attachments_admin',
    'volume_extension:volume_admin_actions:reset_status', 'volume_extension:volume_admin_actions:force_delete',
    'volume_extension:volume_admin_actions:force_detach', 'volume_extension:snapshot_admin_actions:reset_status',
    'volume_extension:snapshot_admin_actions:force_delete', 'volume_extension:types_manage',
    'volume_extension:access_types_extra_specs', 'volume_extension:access_types_qos_specs_id',
    'volume_extension:types_extra_specs:create', 'volume_extension:types_extra_specs:update', 'volume_extension:types_extra_specs:delete',
    'volume_extension:volume_type_access:addProjectAccess', 'volume_extension:volume_type_access:removeProjectAccess',
    'volume_extension:quotas:update', 'volume_extension:quotas:delete', 'volume_extension:services:index',
    'volume_extension:services:update', 'scheduler_extension:scheduler_stats:get_pools', 'volume:get_all_admin',
    'volume_extension:default_set_or_update', 'volume_extension:default_unset',
    'volume_extension:volume_actions:upload_public',
    'volume_extension:backup_admin_actions:reset_status', 'volume_extension:backup_admin_actions:force_delete',
    'backup:backup-import', 'backup:export-import', 'backup:backup_project_attribute',
    'volume_extension:qos_specs_manage:create', 'volume_extension:qos_specs_manage:get',
    'volume_extension:qos_specs_manage:get_all', 'volume_extension:qos_specs_manage:update',
    'volume_extension:qos_specs_manage:delete', 'volume_extension:capabilities',
  ]),
];

const registered = new WeakSet<IdentityEngine>();

export function registerCinderPolicy(identity: IdentityEngine): void {
  if (registered.has(identity)) return;
  identity.policyFor('block-storage').registerDefaults(CINDER_DEFAULT_RULES);
  registered.add(identity);
}

/**
 * oslo.context treats a token as from the admin project when Keystone names no admin project
 * (keystonemiddleware then sends no is_admin_project), which is what `admin_api` expects.
 */
function withAdminProjectDefault(ctx: RequestContext): RequestContext {
  const auth = ctx.auth;
  if (!auth || auth.credentials.is_admin_project !== undefined) return ctx;
  return { ...ctx, auth: { ...auth, credentials: { ...auth.credentials, is_admin_project: true } } };
}

/** Whether the policy allows the action (no exception), for views and filters. */
export function allows(identity: IdentityEngine, ctx: RequestContext, action: string, target: Record<string, unknown> = {}): boolean {
  return identity.allows(withAdminProjectDefault(ctx), action, target);
}

/** A policy check with Cinder's denial message. */
export function authorize(identity: IdentityEngine, ctx: RequestContext, action: string, target: Record<string, unknown> = {}): void {
  const full = { project_id: ctx.auth?.projectId, user_id: ctx.auth?.userId, ...target };
  if (!allows(identity, ctx, action, full)) {
    if (!ctx.auth) identity.authorize(ctx, action, full);
    throw new ApiError(403, `Policy doesn't allow ${action} to be performed.`);
  }
}

/** Whether the caller is a cloud admin (Cinder's `context.is_admin`). */
export function isAdmin(identity: IdentityEngine, ctx: RequestContext): boolean {
  return allows(identity, ctx, 'context_is_admin', {});
}
