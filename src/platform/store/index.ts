// Opens the configured store; each implementation is loaded only when chosen, so an embedded
// deployment never loads the MongoDB driver.
import type { Store } from './store.ts';

export * from './store.ts';

export interface StoreConfig {
  kind: 'sqlite' | 'mongodb';
  /** where the SQLite files live (`<dataDir>/<service>.sqlite`) */
  dataDir: string;
  mongodbUrl?: string;
}

export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.kind === 'sqlite') {
    const { openSqliteStore } = await import('./sqlite.ts');
    return openSqliteStore(config.dataDir);
  }
  if (config.kind === 'mongodb') {
    if (!config.mongodbUrl) throw new Error('store kind mongodb needs mongodbUrl');
    const { openMongoStore } = await import('./mongo.ts');
    return openMongoStore(config.mongodbUrl);
  }
  throw new Error(`unknown store kind ${JSON.stringify((config as { kind: unknown }).kind)}`);
}
