// Nova (compute API v2.1) as a ServiceApi: version documents, flavors, keypairs,
// quotas and limits, hypervisors, services, aggregates and availability zones. The simulated
// hosts of the all-in-one cloud register (and report to Placement) when the API is first used.
import type { OperationHandler, ServiceApi } from '../../platform/http/service-api.ts';
import type { Store } from '../../platform/store/store.ts';
import { systemClock, type Clock } from '../../platform/clock.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import { placementLogicFor } from '../placement/index.ts';
import { renderNovaError } from './errors.ts';
import { NOVA_DEFAULT_RULES } from './policy-defaults.ts';
import { MAX_VERSION, MIN_VERSION, versionHandlers } from './versions.ts';
import { flavorHandlers } from './flavors.ts';
import { keypairHandlers } from './keypairs.ts';
import { quotaHandlers } from './quotas.ts';
import { hostHandlers } from './host-api.ts';
import { aggregateHandlers } from './aggregates.ts';
import { hostSpecFromEnv, registerSimulatedHosts, type HostSpec } from './simulated-hosts.ts';
import type { Nova } from './support.ts';

export interface NovaDeps {
  identity: IdentityEngine;
  store: Store;
  clock?: Clock;
  hosts?: HostSpec;
}

const registered = new WeakSet<IdentityEngine>();

export function novaService(deps: NovaDeps): ServiceApi {
  if (!registered.has(deps.identity)) {
    deps.identity.policyFor('compute').registerDefaults(NOVA_DEFAULT_RULES);
    registered.add(deps.identity);
  }
  const clock = deps.clock ?? systemClock;
  // Opened on the first compute request: the hosts then register and report to Placement.
  // (Eagerly at start would be closer to real compute agents, but would put providers into
  // Placement-only test clouds that count them; see the report.)
  let ready: Promise<Record<string, OperationHandler>> | undefined;
  const open = () => {
    if (ready) return ready;
    const opening = (async () => {
      const nova: Nova = { engine: deps.identity, db: await deps.store.database('compute'), clock };
      await registerSimulatedHosts(nova, await placementLogicFor(deps.store, clock), deps.hosts ?? hostSpecFromEnv());
      return { ...flavorHandlers(nova), ...keypairHandlers(nova), ...quotaHandlers(nova), ...hostHandlers(nova), ...aggregateHandlers(nova) };
    })();
    // a failed start is retried by the next request instead of failing every one after it
    opening.catch(() => { if (ready === opening) ready = undefined; });
    ready = opening;
    return opening;
  };
  const handlers: Record<string, OperationHandler> = { ...versionHandlers() };
  const NAMES = [
    'listFlavors', 'listFlavorsDetail', 'showFlavor', 'createFlavor', 'updateFlavor', 'deleteFlavor',
    'listFlavorExtraSpecs', 'createFlavorExtraSpecs', 'showFlavorExtraSpec', 'updateFlavorExtraSpec', 'deleteFlavorExtraSpec',
    'listFlavorAccess', 'flavorAction',
    'listKeypairs', 'showKeypair', 'deleteKeypair', 'createKeypair',
    'showQuotaSet', 'showQuotaSetDetail', 'showQuotaSetDefaults', 'updateQuotaSet', 'deleteQuotaSet', 'showLimits',
    'listHypervisors', 'listHypervisorsDetail', 'showHypervisor', 'showHypervisorUptime', 'showHypervisorStatistics', 'listServices',
    'listAvailabilityZones', 'listAvailabilityZonesDetail',
    'listAggregates', 'showAggregate', 'createAggregate', 'updateAggregate', 'deleteAggregate', 'aggregateAction',
  ];
  for (const name of NAMES) handlers[name] = async (ctx) => (await open())[name](ctx);
  return {
    type: 'compute',
    name: 'nova',
    prefix: '/compute',
    port: 8774,
    apiRef: 'compute',
    catalogSuffix: '/v2.1',
    handlers,
    renderError: renderNovaError,
    microversions: { headerService: 'compute', legacyHeaders: ['X-OpenStack-Nova-API-Version'], min: MIN_VERSION, max: MAX_VERSION },
  };
}
