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
import { swiftService } from '../compat/object-store/index.ts';
import { startExpirer } from '../compat/object-store/expirer.ts';
import { openObjectStorage } from './object-storage.ts';
import { cinderService } from '../compat/block-storage/index.ts';

export interface Runtime {
  config: Config;
  clock: Clock;
  store: Store;
  bus: Bus;
  identity: IdentityEngine;
  services: ServiceApi[];
  close(): Promise<void>;
}

export async function openRuntime(config: Config = loadConfig(), clock: Clock = systemClock): Promise<Runtime> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore({ kind: config.store.kind, dataDir: config.dataDir, mongodbUrl: config.store.mongodbUrl });
  const bus = await openBus({ kind: config.bus.kind, amqpUrl: config.bus.amqpUrl });
  const identity = await IdentityEngine.open(config, store, clock);
  const services = [identityService(identity), placementService({ identity, store, clock }), glanceService(await openImageService({ config, store, identity, clock })), neutronService({ engine: identity, store, clock }), novaService({ identity, store, clock })];
  const objectStorage = await openObjectStorage(config);
  const expirer = startExpirer(objectStorage.client, 10_000);
  services.push(swiftService({ client: objectStorage.client, authenticator: identity, get identityUrl() { return `${publicBaseUrl(config)}/identity`; } }));
  const cinder = cinderService({ identity, store, clock, dataDir: config.dataDir });
  services.push(cinder);
  return {
    config,
    clock,
    store,
    bus,
    identity,
    services,
    close: async () => {
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
  return runtime.services.flatMap((s) => {
    const url = `${base}${s.prefix}${s.catalogSuffix}`;
    return [{ type: s.type, name: s.name, url }, ...(s.catalogAliases ?? []).map((alias) => ({ ...alias, url }))];
  });
}
