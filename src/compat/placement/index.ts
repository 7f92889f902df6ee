// Placement as a ServiceApi: handlers by operationId on top of PlacementLogic, the
// version document at the root, Placement's error body, and its default policy.
import type { OperationHandler, ServiceApi } from '../../platform/http/service-api.ts';
import { ApiError } from '../../platform/http/api-error.ts';
import type { Store } from '../../platform/store/store.ts';
import { systemClock, type Clock } from '../../platform/clock.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import { PlacementLogic } from './placement-logic.ts';
import { MAX_VERSION, MIN_VERSION, attachContext, renderPlacementError } from './errors.ts';
import { PLACEMENT_DEFAULT_RULES } from './policy-defaults.ts';
import { json } from './rest-support.ts';
import { providerHandlers } from './rest-providers.ts';
import { inventoryHandlers } from './rest-inventories.ts';
import { catalogHandlers } from './rest-catalog.ts';
import { allocationHandlers } from './rest-allocations.ts';

const shared = new WeakMap<Store, Promise<PlacementLogic>>();

/** The one PlacementLogic of a store, shared by the REST API and in-process callers (Nova). */
export function placementLogicFor(store: Store, clock: Clock = systemClock): Promise<PlacementLogic> {
  let logic = shared.get(store);
  if (!logic) {
    logic = PlacementLogic.open(store, clock);
    shared.set(store, logic);
  }
  return logic;
}

export interface PlacementDeps {
  identity: IdentityEngine;
  store: Store;
  clock?: Clock;
}

const registered = new WeakSet<IdentityEngine>();

export function placementService(deps: PlacementDeps): ServiceApi {
  if (!registered.has(deps.identity)) {
    // Placement's rules live in its own enforcer, so its base names (admin_api, ...) never meet Nova's.
    deps.identity.policyFor('placement').registerDefaults(PLACEMENT_DEFAULT_RULES);
    registered.add(deps.identity);
  }
  const logic = placementLogicFor(deps.store, deps.clock);
  const handlers: Record<string, OperationHandler> = {
    placementVersions: (ctx) => json({
      versions: [{ id: `v${MIN_VERSION}`, max_version: MAX_VERSION, min_version: MIN_VERSION, status: 'CURRENT', links: [{ rel: 'self', href: '' }] }],
    }, 200, ctx),
  };
  // Handlers are built once the database is open; until then each call waits for it.
  const built = logic.then((l) => ({
    ...providerHandlers(deps.identity, l),
    ...inventoryHandlers(deps.identity, l),
    ...catalogHandlers(deps.identity, l),
    ...allocationHandlers(deps.identity, l),
  }));
  const NAMES = [
    'listResourceProviders', 'createResourceProvider', 'showResourceProvider', 'updateResourceProvider', 'deleteResourceProvider',
    'listProviderAggregates', 'updateProviderAggregates', 'listProviderTraits', 'updateProviderTraits', 'deleteProviderTraits',
    'showProviderUsages', 'listProviderAllocations',
    'listInventories', 'replaceInventories', 'createInventory', 'deleteInventories', 'showInventory', 'updateInventory', 'deleteInventory',
    'listResourceClasses', 'createResourceClass', 'showResourceClass', 'updateResourceClass', 'deleteResourceClass',
    'listTraits', 'showTrait', 'putTrait', 'deleteTrait',
    'showAllocations', 'putAllocations', 'deleteAllocations', 'postAllocations', 'listUsages', 'reshape', 'listAllocationCandidates',
  ];
  for (const name of NAMES) {
    handlers[name] = async (ctx) => (await built)[name](ctx);
  }
  for (const [name, handler] of Object.entries(handlers)) {
    handlers[name] = async (ctx) => {
      try {
        return await handler(ctx);
      } catch (error) {
        if (error instanceof ApiError) attachContext(error, ctx);
        throw error;
      }
    };
  }
  return {
    type: 'placement',
    name: 'placement',
    prefix: '/placement',
    port: 8778,
    apiRef: 'placement',
    catalogSuffix: '',
    handlers,
    renderError: renderPlacementError,
    microversions: { headerService: 'placement', legacyHeaders: [], min: MIN_VERSION, max: MAX_VERSION },
  };
}
