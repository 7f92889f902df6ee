import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';

function v3(ctx: RequestContext) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${ctx.baseUrl}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

export const versionHandlers: Record<string, OperationHandler> = {
  listVersions: (ctx) => ({ status: 300, body: { versions: { values: [v3(ctx)] } } }),
  showVersionV3: (ctx) => ({ status: 200, body: { version: v3(ctx) } }),
};
