// Nova (compute API v2.1) as a ServiceApi: version documents, flavors, keypairs,
// quotas and limits, hypervisors, services, aggregates and availability zones. The simulated
// hosts of the all-in-one cloud register (and report to Placement) when the API is first used.
import type { OperationHandler, ServiceApi } from '../../platform/http/service-api.ts';
import type { Store } from '../../platform/store/store.ts';
import { systemClock, type Clock } from '../../platform/clock.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import { renderNovaError } from './errors.ts';
import { NOVA_DEFAULT_RULES } from './policy-defaults.ts';
import { MAX_VERSION, MIN_VERSION, versionHandlers } from './versions.ts';
import { flavorHandlers } from './flavors.ts';
import { keypairHandlers } from './keypairs.ts';
import { quotaHandlers } from './quotas.ts';
import { hostHandlers } from './host-api.ts';
import { aggregateHandlers } from './aggregates.ts';
import type { HostSpec } from './simulated-hosts.ts';
import type { Bus } from '../../platform/bus/bus.ts';
import type { ComputeEngine } from './servers/record.ts';
import type { ImageService } from '../image/image-service.ts';
import type { Nova } from './support.ts';
import { EXTRA_OPERATIONS, EXTRA_POLICY_RULES, extraHandlers } from './extras.ts';
import { SERVER_OPERATIONS, glanceImages, serverHandlers } from './servers/index.ts';

export interface NovaDeps {
  identity: IdentityEngine;
  store: Store;
  clock?: Clock;
  hosts?: HostSpec;
  /** the bus to the conductor, scheduler and compute agents */
  bus?: Bus;
  /** what the servers API hands its work to (src/compat/compute/agents/engine-client.ts) */
  engine?: ComputeEngine;
  /** starts the in-process agents, which register the hosts and report them to Placement (all-in-one) */
  startAgents?: () => Promise<void>;
  /** Glance in process: the images proxy deletes through it (policy, protection, data) */
  imageService?: ImageService;
}

const registered = new WeakSet<IdentityEngine>();

export function novaService(deps: NovaDeps): ServiceApi {
  if (!registered.has(deps.identity)) {
    deps.identity.policyFor('compute').registerDefaults(NOVA_DEFAULT_RULES);
    deps.identity.policyFor('compute').registerDefaults(EXTRA_POLICY_RULES.filter((r) => !deps.identity.policyFor('compute').has(r.name)));
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
      await deps.startAgents?.();
      return { ...flavorHandlers(nova), ...keypairHandlers(nova), ...quotaHandlers(nova), ...hostHandlers(nova), ...aggregateHandlers(nova), ...extraHandlers(nova, deps.store),
        ...serverHandlers({ nova, engine: () => engineOf(deps), images: glanceImages(deps.store, clock, deps.imageService) }),
      };
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
  for (const name of [...NAMES, ...EXTRA_OPERATIONS, ...SERVER_OPERATIONS]) handlers[name] = async (ctx) => (await open())[name](ctx);
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

/** the agents' entry point; a Nova without one (an API-only test wiring) cannot build servers */
function engineOf(deps: NovaDeps): ComputeEngine {
  if (!deps.engine) throw new Error('compute: no ComputeEngine wired into the Nova API');
  return deps.engine;
}
