// Neutron v2.0 as a ServiceApi. One module per resource; each adds its operationIds here.
// Routers, floating IPs, RBAC and quotas join as further modules in NEUTRON_RESOURCES, with their
// extension aliases in `extensionAliases` and their taggable kinds in tags.ts TAGGABLE.
import type { OperationHandler, ServiceApi } from '../../platform/http/service-api.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/store/store.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { NetworkDriver } from '../../backends/network/driver.ts';
import { LogicalNetworkDriver } from '../../backends/network/logical/index.ts';
import { neutronConfig, openNeutronDb, type Neutron, type NeutronConfig } from './context.ts';
import { renderNeutronError } from './errors.ts';
import { NEUTRON_DEFAULT_RULES } from './policy-defaults.ts';
import { versionHandlers } from './versions.ts';
import { networkHandlers } from './networks.ts';
import { subnetHandlers } from './subnets.ts';
import { subnetPoolHandlers } from './subnetpools.ts';
import { portHandlers } from './ports.ts';
import { securityGroupHandlers } from './security-groups.ts';
import { tagHandlers } from './tags.ts';
import { agentHandlers } from './agents.ts';
import { routerHandlers } from './routers.ts';
import { floatingIpHandlers } from './floating-ips.ts';
import { rbacPolicyHandlers } from './rbac-policies.ts';
import { quotaHandlers } from './quotas.ts';
import { withBulkCreate, type BulkSpec } from './bulk-create.ts';
import { autoAllocatedTopologyHandlers } from './auto-allocated-topology.ts';
import { serviceProviderHandlers } from './service-providers.ts';
import { agentSchedulerHandlers } from './agent-schedulers.ts';
import { meteringHandlers } from './metering.ts';

export type NeutronHandlerFactory = (neutron: Neutron) => Record<string, OperationHandler>;

export const NEUTRON_RESOURCES: NeutronHandlerFactory[] = [
  networkHandlers,
  subnetHandlers,
  subnetPoolHandlers,
  portHandlers,
  securityGroupHandlers,
  tagHandlers,
  agentHandlers,
  routerHandlers,
  floatingIpHandlers,
  rbacPolicyHandlers,
  quotaHandlers,
  serviceProviderHandlers,
  agentSchedulerHandlers,
  meteringHandlers,
];

/** collections whose POST also takes the plural, bulk body */
const BULK: BulkSpec[] = [
  { member: 'network', plural: 'networks', create: 'createNetwork', delete: 'deleteNetwork', idParam: 'network_id' },
  { member: 'subnet', plural: 'subnets', create: 'createSubnet', delete: 'deleteSubnet', idParam: 'subnet_id' },
  { member: 'port', plural: 'ports', create: 'createPort', delete: 'deletePort', idParam: 'port_id' },
  { member: 'security_group', plural: 'security_groups', create: 'createSecurityGroup', delete: 'deleteSecurityGroup', idParam: 'security_group_id' },
  { member: 'security_group_rule', plural: 'security_group_rules', create: 'createSecurityGroupRule', delete: 'deleteSecurityGroupRule', idParam: 'rule_id' },
];

export interface NeutronDeps {
  engine: IdentityEngine;
  store: Store;
  clock: Clock;
  driver?: NetworkDriver;
  config?: Partial<NeutronConfig>;
  /** extension aliases of modules added later */
  extensionAliases?: string[];
}

export function neutronService(deps: NeutronDeps): ServiceApi & { neutron: Neutron } {
  // One policy namespace serves every service: generic names other services registered first
  // (context_is_admin, admin_or_owner, default, ...) are theirs; Neutron's own rules do not lean on them.
  deps.engine.policyFor('network').registerDefaults(NEUTRON_DEFAULT_RULES.filter((r) => !deps.engine.policyFor('network').has(r.name)));
  const neutron: Neutron = {
    engine: deps.engine,
    clock: deps.clock,
    driver: deps.driver ?? new LogicalNetworkDriver({ clock: deps.clock }),
    config: { ...neutronConfig(), ...deps.config },
    db: openNeutronDb(deps.store),
  };
  let handlers: Record<string, OperationHandler> = { ...versionHandlers(() => deps.extensionAliases ?? []) };
  for (const factory of NEUTRON_RESOURCES) {
    for (const [id, handler] of Object.entries(factory(neutron))) {
      if (handlers[id]) throw new Error(`network: two handlers for ${id}`);
      handlers[id] = handler;
    }
  }
  for (const spec of BULK) handlers = withBulkCreate(handlers, spec);
  // the topology is built through the other operations, so it sees them all
  const operations = handlers;
  Object.assign(handlers, autoAllocatedTopologyHandlers(neutron, () => operations));
  return {
    type: 'network',
    name: 'neutron',
    prefix: '/networking',
    port: 9696,
    apiRef: 'network',
    catalogSuffix: '',
    handlers,
    renderError: renderNeutronError,
    neutron,
  };
}
