// /servers/{id}/metadata[/{key}]: list, merge (POST), replace (PUT), one item, delete, with
// Nova's schema (400), quota (403), lock and state checks (409).
import type { ApiResponse, OperationHandler, RequestContext } from '../../../platform/http/service-api.ts';
import { badRequest, notFound } from '../../../platform/http/api-error.ts';
import { invalidField, json } from '../support.ts';
import { effectiveQuota } from '../quotas.ts';
import { checkState } from './states.ts';
import { casUpdate, checkLock, findServer, targetOf, type ServersDeps } from './common.ts';
import { checkMetadata, checkMetadataQuota } from './validation.ts';

const WRITABLE = { vm: ['active', 'paused', 'suspended', 'stopped'] };
const itemNotFound = () => notFound('Metadata item was not found');

export function metadataHandlers(deps: ServersDeps): Record<string, OperationHandler> {
  const { nova } = deps;
  const load = async (ctx: RequestContext, rule: string) => {
    const server = await findServer(nova, ctx, ctx.params.server_id);
    nova.engine.authorize(ctx, `os_compute_api:server-metadata:${rule}`, targetOf(server));
    return server;
  };
  const write = async (ctx: RequestContext, rule: string, change: (current: Record<string, string>) => Record<string, string>, action = 'update metadata'): Promise<Record<string, string>> => {
    for (let attempt = 0; ; attempt++) {
      const server = await load(ctx, rule);
      checkLock(nova, ctx, server);
      checkState(server, action, WRITABLE, action);
      const next = change({ ...server.metadata });
      checkMetadataQuota(next, (await effectiveQuota(nova, server.project_id)).metadata_items);
      try {
        return (await casUpdate(nova, server, { metadata: next }, action)).metadata;
      } catch (error) {
        if (attempt >= 4) throw error;
      }
    }
  };
  const bodyMetadata = (ctx: RequestContext, key: 'metadata' | 'meta') => {
    const body = ctx.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || body[key] === undefined) throw invalidField(key, body, `'${key}' is a required property`);
    return checkMetadata(body[key], key);
  };
  return {
    listServerMetadata: async (ctx): Promise<ApiResponse> => json({ metadata: (await load(ctx, 'index')).metadata }),
    updateServerMetadata: async (ctx) => {
      const given = bodyMetadata(ctx, 'metadata');
      return json({ metadata: await write(ctx, 'create', (m) => ({ ...m, ...given })) });
    },
    replaceServerMetadata: async (ctx) => {
      const given = bodyMetadata(ctx, 'metadata');
      return json({ metadata: await write(ctx, 'update_all', () => given) });
    },
    showServerMetadataItem: async (ctx) => {
      const server = await load(ctx, 'show');
      const key = ctx.params.key;
      if (!(key in server.metadata)) throw itemNotFound();
      return json({ meta: { [key]: server.metadata[key] } });
    },
    setServerMetadataItem: async (ctx) => {
      const given = bodyMetadata(ctx, 'meta');
      const keys = Object.keys(given);
      if (keys.length > 1) throw badRequest('Request body contains too many items');
      if (keys[0] !== ctx.params.key) throw badRequest('Request body and URI mismatch');
      await write(ctx, 'update', (m) => ({ ...m, ...given }));
      return json({ meta: given });
    },
    deleteServerMetadataItem: async (ctx) => {
      const key = ctx.params.key;
      await write(ctx, 'delete', (m) => {
        if (!(key in m)) throw itemNotFound();
        delete m[key];
        return m;
      }, 'delete metadata');
      return { status: 204 };
    },
  };
}
