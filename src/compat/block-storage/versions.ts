// The version documents: the root answers 300 Multiple Choices listing v3, as Cinder does
// since v2 went away; /v3/ answers 200 with the same entry.
import type { ApiResponse, RequestContext } from '../../platform/http/service-api.ts';

export const MIN_VERSION = '3.0';
export const MAX_VERSION = '3.71';

function v3(ctx: RequestContext): Record<string, unknown> {
  return {
    id: 'v3.0',
    status: 'CURRENT',
    version: MAX_VERSION,
    min_version: MIN_VERSION,
    updated: '2023-08-31T00:00:00Z',
    links: [
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      { rel: 'self', href: `${ctx.baseUrl}/v3/` },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
  };
}

export function listVersions(ctx: RequestContext): ApiResponse {
  return { status: 300, body: { versions: [v3(ctx)] } };
}

export function showVersionV3(ctx: RequestContext): ApiResponse {
  return { status: 200, body: { versions: [v3(ctx)] } };
}
