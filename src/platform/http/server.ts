// The HTTP listener: every service on one port under its DevStack-style prefix,
// and optionally each on its own classic port too. Plus /healthz for operators.
import { createServer, type Server } from 'node:http';
import express, { type Express } from 'express';
import { createServiceRouter, type RouterOptions } from './service-router.ts';
import type { ServiceApi } from './service-api.ts';
import { requestId } from '../ids.ts';

export interface ListenOptions {
  host: string;
  port: number;
  perServicePorts: boolean;
}

export interface RunningServer {
  servers: Server[];
  close(): Promise<void>;
}

async function mount(app: Express, service: ServiceApi, path: string, options: RouterOptions): Promise<void> {
  const router = await createServiceRouter(service, options);
  app.use(path, router);
  if (path !== '/') for (const rootPath of service.rootPaths ?? []) app.all(rootPath, router);
}

function baseApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set('trust proxy', 'loopback');
  return app;
}

export async function buildApp(services: ServiceApi[], options: RouterOptions, health: () => Promise<Record<string, unknown>>): Promise<Express> {
  const app = baseApp();
  app.get('/healthz', async (_req, res) => {
    const report = await health().catch((error) => ({ status: 'error', error: String(error) }));
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  for (const service of services) await mount(app, service, service.prefix, options);
  app.use((_req, res) => {
    res.setHeader('x-openstack-request-id', requestId());
    res.status(404).json({ error: { code: 404, title: 'Not Found', message: 'The resource could not be found.' } });
  });
  return app;
}

function listen(app: Express, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    // Clients keep connections open between calls (keystoneauth, Tempest); match that.
    server.keepAliveTimeout = 75_000;
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export async function startServer(
  services: ServiceApi[],
  listenOptions: ListenOptions,
  routerOptions: RouterOptions,
  health: () => Promise<Record<string, unknown>>,
): Promise<RunningServer> {
  const servers = [await listen(await buildApp(services, routerOptions, health), listenOptions.host, listenOptions.port)];
  if (listenOptions.perServicePorts) {
    for (const service of services) {
      const app = baseApp();
      await mount(app, service, '/', routerOptions);
      servers.push(await listen(app, listenOptions.host, service.port));
    }
  }
  return {
    servers,
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
