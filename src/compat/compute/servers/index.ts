// The servers API of Nova by operationId: servers, their actions, metadata, tags, addresses,
// instance actions, password and diagnostics. The agents sit behind `deps.engine`.
import type { OperationHandler } from '../../../platform/http/service-api.ts';
import type { ServersDeps } from './common.ts';
import { registerServerPolicies } from './policy.ts';
import { createServer } from './create.ts';
import { listServers } from './list.ts';
import { deleteServer, showServer, updateServer } from './server-crud.ts';
import { createRemoteConsole, serverAction } from './actions.ts';
import { metadataHandlers } from './metadata.ts';
import { tagHandlers } from './tags.ts';
import { instanceActionHandlers } from './instance-actions.ts';
import { serverInfoHandlers } from './server-info.ts';
import { imageProxyHandlers } from './image-proxy.ts';
import { externalEventHandlers } from './external-events.ts';

export type { ServersDeps } from './common.ts';
export { glanceImages } from './images.ts';
export { registerServerAction, type ActionHandler } from './actions.ts';

export const SERVER_OPERATIONS = [
  'listServers', 'listServersDetail', 'showServer', 'createServer', 'updateServer', 'deleteServer', 'serverAction', 'createRemoteConsole',
  'listServerMetadata', 'updateServerMetadata', 'replaceServerMetadata', 'showServerMetadataItem', 'setServerMetadataItem', 'deleteServerMetadataItem',
  'listServerTags', 'replaceServerTags', 'deleteServerTags', 'checkServerTag', 'addServerTag', 'deleteServerTag',
  'listInstanceActions', 'showInstanceAction',
  'listServerIps', 'showServerIpsByNetwork', 'showServerPassword', 'clearServerPassword', 'showServerDiagnostics',
  'listProxyImages', 'listProxyImagesDetail', 'showProxyImage', 'deleteProxyImage', 'deleteProxyImageWithoutId', 'createServerExternalEvents',
  'listProxyImageMetadata', 'updateProxyImageMetadata', 'replaceProxyImageMetadata', 'showProxyImageMetadataItem', 'setProxyImageMetadataItem', 'deleteProxyImageMetadataItem',
];

export function serverHandlers(deps: ServersDeps): Record<string, OperationHandler> {
  registerServerPolicies(deps.nova.engine);
  return {
    listServers: (ctx) => listServers(deps.nova, ctx, false),
    listServersDetail: (ctx) => listServers(deps.nova, ctx, true),
    showServer: (ctx) => showServer(deps, ctx),
    createServer: (ctx) => createServer(deps, ctx),
    updateServer: (ctx) => updateServer(deps, ctx),
    deleteServer: (ctx) => deleteServer(deps, ctx),
    serverAction: (ctx) => serverAction(deps, ctx),
    createRemoteConsole: (ctx) => createRemoteConsole(deps, ctx),
    ...metadataHandlers(deps),
    ...tagHandlers(deps),
    ...instanceActionHandlers(deps),
    ...serverInfoHandlers(deps),
    ...imageProxyHandlers(deps),
    ...externalEventHandlers(deps),
  };
}
