// The Nova API extensions beside the servers API: server groups, the security group proxy and
// the server sub-resources that reach other services (volume attachments through Cinder,
// interfaces through Neutron), usage, migrations, quota classes. index.ts registers their
// operations, handlers and policy defaults from here in one place.
import type { OperationHandler } from '../../platform/http/service-api.ts';
import type { Store } from '../../platform/store/store.ts';
import type { PolicyRuleDefault } from '../../identity/policy/enforcer.ts';
import type { Nova } from './support.ts';
import { SERVER_GROUP_RULES, serverGroupHandlers } from './server-groups.ts';
import { SECURITY_GROUP_ACTIONS, SECURITY_GROUP_RULES, securityGroupProxy } from './security-groups-proxy.ts';
import { VOLUME_ATTACHMENT_RULES, volumeAttachmentHandlers } from './volume-attachments.ts';
import { INTERFACE_RULES, interfaceHandlers } from './interfaces.ts';
import { USAGE_RULES, usageHandlers } from './usage.ts';
import { MIGRATION_RULES, migrationHandlers } from './migrations-api.ts';
import { QUOTA_CLASS_RULES, quotaClassHandlers } from './quota-classes.ts';
import { bindNeutron, neutronProxyFor } from './neutron-proxy.ts';
import { registerServerAction } from './servers/actions.ts';

export const EXTRA_POLICY_RULES: readonly PolicyRuleDefault[] = [...SERVER_GROUP_RULES, ...SECURITY_GROUP_RULES, ...VOLUME_ATTACHMENT_RULES, ...INTERFACE_RULES,
  ...USAGE_RULES, ...MIGRATION_RULES, ...QUOTA_CLASS_RULES];

export const EXTRA_OPERATIONS: readonly string[] = [
  'listServerGroups', 'createServerGroup', 'showServerGroup', 'deleteServerGroup',
  'listComputeSecurityGroups', 'createComputeSecurityGroup', 'showComputeSecurityGroup', 'updateComputeSecurityGroup',
  'deleteComputeSecurityGroup', 'deleteComputeSecurityGroupWithoutId', 'createComputeSecurityGroupRule', 'deleteComputeSecurityGroupRule',
  'listServerSecurityGroups',
  'listVolumeAttachments', 'attachVolume', 'showVolumeAttachment', 'updateVolumeAttachment', 'detachVolume',
  'listInterfaces', 'attachInterface', 'showInterface', 'detachInterface',
  'listTenantUsages', 'showTenantUsage', 'listInstanceUsageAuditLogs', 'showInstanceUsageAuditLog', 'listMigrations', 'showQuotaClassSet', 'updateQuotaClassSet',
];

export function extraHandlers(nova: Nova, store: Store): Record<string, OperationHandler> {
  bindNeutron(nova, neutronProxyFor(store, nova.engine, nova.clock));
  const securityGroups = securityGroupProxy(nova);
  for (const action of SECURITY_GROUP_ACTIONS) {
    registerServerAction(action, (deps, ctx, server, args) => securityGroupProxy(deps.nova).serverAction(ctx, server, action, args));
  }
  return {
    ...serverGroupHandlers(nova),
    ...securityGroups.handlers,
    ...volumeAttachmentHandlers(nova, store),
    ...interfaceHandlers(nova),
    ...usageHandlers(nova),
    ...migrationHandlers(nova),
    ...quotaClassHandlers(nova),
  };
}
