// Nova's way to Neutron: where upstream Nova calls Neutron's REST API with the caller's token
// (and an admin client for port binding), stackgate calls the same Neutron handlers in process,
// with the caller's context re-targeted at the network service. Neutron's policies, invariants
// and error bodies stay Neutron's; the callers here translate them as Nova does.
import type { ApiResponse, AuthContext, OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import type { Store } from '../../platform/store/store.ts';
import type { Clock } from '../../platform/clock.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import { LogicalNetworkDriver } from '../../backends/network/logical/index.ts';
import { neutronConfig, openNeutronDb, type Neutron, type Resource } from '../network/context.ts';
import { securityGroupHandlers } from '../network/security-groups.ts';
import { portHandlers } from '../network/ports.ts';
import { networkHandlers } from '../network/networks.ts';
import type { Nova } from './support.ts';

export interface NeutronCall {
  params?: Record<string, string>;
  query?: Record<string, string | string[]>;
  body?: unknown;
}

export interface NeutronProxy {
  neutron: Neutron;
  /** runs a Neutron operation as the caller; throws Neutron's ApiError as it is */
  call(ctx: RequestContext, operationId: string, request?: NeutronCall): Promise<ApiResponse & { body: any }>;
  /** the same as Nova's admin client: ports' binding and device fields */
  callAsService(ctx: RequestContext, operationId: string, request?: NeutronCall): Promise<ApiResponse & { body: any }>;
  /** the ports whose device is this server, as stored (no policy: Nova's own view of its server) */
  serverPorts(serverId: string): Promise<Resource[]>;
}

const byStore = new WeakMap<Store, NeutronProxy>();
const byNova = new WeakMap<object, NeutronProxy>();

function serviceAuth(auth: AuthContext): AuthContext {
  const roles = [...new Set([...auth.roles, 'admin', 'member', 'reader'])];
  return { ...auth, roles, credentials: { ...auth.credentials, roles } };
}

export function neutronProxyFor(store: Store, engine: IdentityEngine, clock: Clock): NeutronProxy {
  const known = byStore.get(store);
  if (known) return known;
  const neutron: Neutron = {
    engine,
    clock,
    driver: new LogicalNetworkDriver({ clock }),
    config: neutronConfig(),
    db: openNeutronDb(store),
  };
  const handlers: Record<string, OperationHandler> = { ...networkHandlers(neutron), ...portHandlers(neutron), ...securityGroupHandlers(neutron) };
  const run = async (ctx: RequestContext, operationId: string, request: NeutronCall, auth: AuthContext | undefined) => {
    const handler = handlers[operationId];
    if (!handler) throw new Error(`neutron proxy: no operation ${operationId}`);
    const inner: RequestContext = {
      ...ctx,
      service: 'network',
      operationId,
      microversion: undefined,
      params: request.params ?? {},
      query: request.query ?? {},
      body: request.body,
      headers: { ...ctx.headers, 'if-match': undefined },
      auth,
    };
    return (await handler(inner)) as ApiResponse & { body: any };
  };
  const proxy: NeutronProxy = {
    neutron,
    call: (ctx, operationId, request = {}) => run(ctx, operationId, request, ctx.auth),
    callAsService: (ctx, operationId, request = {}) => run(ctx, operationId, request, ctx.auth && serviceAuth(ctx.auth)),
    serverPorts: async (serverId) => (await neutron.db()).ports.find({ device_id: serverId }, { sort: [['created_at', 'asc']] }),
  };
  byStore.set(store, proxy);
  return proxy;
}

/** ties the proxy to a Nova context, so that code holding only `nova` (server actions) finds it */
export function bindNeutron(nova: Nova, proxy: NeutronProxy): void {
  byNova.set(nova.db, proxy);
}

export function neutronOf(nova: Nova): NeutronProxy {
  const proxy = byNova.get(nova.db);
  if (!proxy) throw new Error('compute: the Neutron proxy is not bound to this Nova (novaService binds it when it opens)');
  return proxy;
}
