// Nova's version documents: the list at the root and v2.1's own document.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { json } from './support.ts';

export const MIN_VERSION = '2.1';
export const MAX_VERSION = '2.100';

function versions(ctx: RequestContext) {
  return [
    {
      id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z',
      links: [{ rel: 'self', href: `${ctx.baseUrl}/v2/` }],
    },
    {
      id: 'v2.1', status: 'CURRENT', version: MAX_VERSION, min_version: MIN_VERSION, updated: '2013-07-23T11:33:21Z',
      links: [{ rel: 'self', href: `${ctx.baseUrl}/v2.1/` }],
    },
  ];
}

export function versionHandlers(): Record<string, OperationHandler> {
  return {
    listComputeVersions: (ctx) => json({ versions: versions(ctx) }),
    showComputeVersion: (ctx) => {
      const v = versions(ctx)[1];
      return json({
        version: {
          ...v,
          links: [...v.links, { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
        },
      });
    },
  };
}
