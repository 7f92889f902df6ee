// The default rules of the servers API and its actions, under Nova's upstream names and
// 2023-era check strings. The core servers:* rules are in ../policy-defaults.ts already;
// these are the rest, registered once per identity engine (skipping names already known,
// so an operator file or another module that registered one first wins).
import type { IdentityEngine } from '../../../identity/engine.ts';
import type { PolicyRuleDefault } from '../../../identity/policy/enforcer.ts';

const ADMIN = 'rule:context_is_admin';
const READER = 'rule:project_reader_or_admin';
const MEMBER = 'rule:project_member_or_admin';

const rules: Array<[string, string]> = [
  ['os_compute_api:servers:create:forced_host', ADMIN],
  ['os_compute_api:servers:create:requested_destination', ADMIN],
  ['os_compute_api:servers:create:attach_volume', MEMBER],
  ['os_compute_api:servers:create:attach_network', MEMBER],
  ['os_compute_api:servers:create:trusted_certs', MEMBER],
  ['os_compute_api:servers:create:zero_disk_flavor', ADMIN],
  ['os_compute_api:servers:rebuild:trusted_certs', MEMBER],
  ['os_compute_api:servers:create_image:allow_volume_backed', MEMBER],
  ['os_compute_api:servers:trigger_crash_dump', MEMBER],
  ['os_compute_api:servers:show:host_status:unknown-only', ADMIN],
  ['os_compute_api:os-extended-server-attributes', ADMIN],
  ['os_compute_api:os-pause-server:pause', MEMBER],
  ['os_compute_api:os-pause-server:unpause', MEMBER],
  ['os_compute_api:os-suspend-server:suspend', MEMBER],
  ['os_compute_api:os-suspend-server:resume', MEMBER],
  ['os_compute_api:os-shelve:shelve', MEMBER],
  ['os_compute_api:os-shelve:unshelve', MEMBER],
  ['os_compute_api:os-shelve:shelve_offload', ADMIN],
  ['os_compute_api:os-shelve:unshelve_to_host', ADMIN],
  ['os_compute_api:os-rescue', MEMBER],
  ['os_compute_api:os-unrescue', MEMBER],
  ['os_compute_api:os-lock-server:lock', MEMBER],
  ['os_compute_api:os-lock-server:unlock', MEMBER],
  ['os_compute_api:os-lock-server:unlock:unlock_override', ADMIN],
  ['os_compute_api:os-console-output', MEMBER],
  ['os_compute_api:os-remote-consoles', MEMBER],
  ['os_compute_api:os-admin-password', MEMBER],
  ['os_compute_api:os-admin-actions:reset_state', ADMIN],
  ['os_compute_api:os-admin-actions:inject_network_info', ADMIN],
  ['os_compute_api:os-server-password:show', READER],
  ['os_compute_api:os-server-password:clear', MEMBER],
  ['os_compute_api:os-server-diagnostics', ADMIN],
  ['os_compute_api:os-instance-actions:list', READER],
  ['os_compute_api:os-instance-actions:show', READER],
  ['os_compute_api:os-instance-actions:events', ADMIN],
  ['os_compute_api:os-instance-actions:events:details', ADMIN],
  ['os_compute_api:server-metadata:index', READER],
  ['os_compute_api:server-metadata:show', READER],
  ['os_compute_api:server-metadata:create', MEMBER],
  ['os_compute_api:server-metadata:update', MEMBER],
  ['os_compute_api:server-metadata:update_all', MEMBER],
  ['os_compute_api:server-metadata:delete', MEMBER],
  ['os_compute_api:os-server-tags:index', READER],
  ['os_compute_api:os-server-tags:show', READER],
  ['os_compute_api:os-server-tags:update', MEMBER],
  ['os_compute_api:os-server-tags:update_all', MEMBER],
  ['os_compute_api:os-server-tags:delete', MEMBER],
  ['os_compute_api:os-server-tags:delete_all', MEMBER],
  ['os_compute_api:ips:index', READER],
  ['os_compute_api:ips:show', READER],
  ['os_compute_api:os-deferred-delete:restore', MEMBER],
  ['os_compute_api:os-deferred-delete:force', MEMBER],
  ['os_compute_api:os-create-backup', MEMBER],
  ['os_compute_api:os-migrate-server:migrate', ADMIN],
  ['os_compute_api:os-server-external-events:create', ADMIN],
];

const registered = new WeakSet<IdentityEngine>();

export function registerServerPolicies(identity: IdentityEngine): void {
  if (registered.has(identity)) return;
  registered.add(identity);
  const policy = identity.policyFor('compute');
  const missing: PolicyRuleDefault[] = rules.filter(([name]) => !policy.has(name)).map(([name, checkStr]) => ({ name, checkStr, scopeTypes: ['project'] }));
  if (missing.length) policy.registerDefaults(missing);
}
