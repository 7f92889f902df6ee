// What every role opens: configuration, the store, the bus, the identity engine,
// and the services this process serves.
import { mkdirSync } from 'node:fs';
import { loadConfig, publicBaseUrl, type Config } from '../platform/config.ts';
import { systemClock, type Clock } from '../platform/clock.ts';
import { openStore, type Store } from '../platform/store/index.ts';
import { openBus, type Bus } from '../platform/bus/index.ts';
import type { ServiceApi } from '../platform/http/service-api.ts';
import { IdentityEngine } from '../identity/engine.ts';
import type { CatalogService } from '../identity/bootstrap.ts';
import { identityService } from '../compat/identity/index.ts';
import { placementService } from '../compat/placement/index.ts';
import { glanceService, openImageService } from '../compat/image/index.ts';
import { neutronService } from '../compat/network/index.ts';
import { novaService } from '../compat/compute/index.ts';
import { ComputeCell } from '../compat/compute/agents/cell.ts';
import { EngineClient } from '../compat/compute/agents/engine-client.ts';
import { swiftService } from '../compat/object-store/index.ts';
import { startExpirer } from '../compat/object-store/expirer.ts';
import { openObjectStorage } from './object-storage.ts';
import { blockBackendsSetting, cinderService } from '../compat/block-storage/index.ts';
import { novaMetadataService } from '../compat/compute/metadata-service/index.ts';

export interface Runtime {
  config: Config;
  clock: Clock;
  store: Store;
  bus: Bus;
  identity: IdentityEngine;
  services: ServiceApi[];
  /** Nova's conductor, scheduler and compute agents of this process (started by role or on first use) */
  compute: ComputeCell;
  close(): Promise<void>;
}

/**
 * `inProcessAgents`: whether the Nova agents run in this process (all-in-one) when the API is first
 * used. An `api` role on the AMQP bus leaves them to the conductor/scheduler/compute roles.
 */
export async function openRuntime(config: Config = loadConfig(), clock: Clock = systemClock, options: { inProcessAgents?: boolean } = {}): Promise<Runtime> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore({ kind: config.store.kind, dataDir: config.dataDir, mongodbUrl: config.store.mongodbUrl });
  const bus = await openBus({ kind: config.bus.kind, amqpUrl: config.bus.amqpUrl });
  const identity = await IdentityEngine.open(config, store, clock);
  // before Glance: its image store may be the object ring (STACKGATE_IMAGE_STORE=ring)
  const objectStorage = await openObjectStorage(config);
  // built in this order, as each registers its policy defaults
  const identityApi = identityService(identity);
  const placementApi = placementService({ identity, store, clock });
  const images = await openImageService({ config, store, identity, clock, objectClient: objectStorage.client });
  const glanceApi = glanceService(images);
  const neutron = neutronService({ engine: identity, store, clock });
  const compute = new ComputeCell({ store, bus, clock, identity, neutron: neutron.neutron, images });
  const inProcessAgents = options.inProcessAgents ?? true;
  const nova = novaService({ identity, store, clock, bus, engine: new EngineClient(bus), imageService: images, startAgents: inProcessAgents ? () => compute.startAllInOne() : undefined });
  const services = [identityApi, placementApi, glanceApi, neutron, nova];
  const expirer = startExpirer(objectStorage.client, 10_000);
  services.push(swiftService({ client: objectStorage.client, authenticator: identity, get identityUrl() { return `${publicBaseUrl(config)}/identity`; } }));
  const cinder = cinderService({ identity, store, clock, dataDir: config.dataDir, images, backends: blockBackendsSetting(config) });
  services.push(cinder);
  services.push(novaMetadataService({ identity, store, clock }));
  return {
    config,
    clock,
    store,
    bus,
    identity,
    services,
    compute,
    close: async () => {
      await compute.stop();
      await cinder.close();
      expirer.stop();
      await objectStorage.stop();
      identity.stop();
      await bus.close();
      await store.close();
    },
  };
}

/** The catalog entries for the services this process serves, at the public URL. */
export function catalogServices(runtime: Runtime): CatalogService[] {
  const base = publicBaseUrl(runtime.config);
  return runtime.services.filter((s) => s.inCatalog !== false).flatMap((s) => {
    const url = `${base}${s.prefix}${s.catalogSuffix}`;
    return [{ type: s.type, name: s.name, url }, ...(s.catalogAliases ?? []).map((alias) => ({ ...alias, url }))];
  });
}
