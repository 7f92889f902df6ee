// Glance's version documents: every v2 minor version it speaks, the newest CURRENT.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';

export const CURRENT_VERSION = '2.16';

function versionList(ctx: RequestContext): unknown {
  const href = `${ctx.baseUrl.replace(/\/+$/, '')}/v2/`;
  const versions = [];
  for (let minor = 16; minor >= 0; minor--) {
    versions.push({ id: `v2.${minor}`, status: minor === 16 ? 'CURRENT' : 'SUPPORTED', links: [{ rel: 'self', href }] });
  }
  return { versions };
}

export const versionHandlers: Record<string, OperationHandler> = {
  listVersions: (ctx) => ({ status: 300, body: versionList(ctx) }),
  showVersions: (ctx) => ({ status: 200, body: versionList(ctx) }),
};
