// The API role: serves every enabled service's REST API. All-in-one runs it
// together with the agents; `stackgate api` runs it alone, as many as you like.
import { publicBaseUrl } from '../platform/config.ts';
import { startServer, type RunningServer } from '../platform/http/server.ts';
import { logger } from '../platform/log.ts';
import type { Runtime } from './runtime.ts';

const log = logger('api');

export async function startApi(runtime: Runtime): Promise<RunningServer> {
  const { config } = runtime;
  const base = publicBaseUrl(config);
  runtime.identity.startSync();
  const server = await startServer(
    runtime.services,
    config.listen,
    {
      authenticator: runtime.identity,
      publicBaseUrl: base,
      publicUrl: config.publicUrl,
      recordDir: config.recordDir,
      identityUrl: `${base}/identity`,
    },
    async () => {
      await runtime.identity.db.meta.get('generation');
      return { status: 'ok', services: runtime.services.map((s) => s.type), store: config.store.kind, bus: config.bus.kind };
    },
  );
  log.info('listening', { url: base, services: runtime.services.map((s) => `${s.type} ${base}${s.prefix}`) });
  return server;
}
