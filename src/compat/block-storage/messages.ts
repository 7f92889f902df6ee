// User messages (3.3+): what went wrong with a request that failed after it was answered (a
// volume no backend could take, a failed image copy...), kept for 30 days, readable by the
// project that made the request.
import type { ApiResponse, OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { atLeast } from '../../platform/http/microversion.ts';
import { uuid } from '../../platform/ids.ts';
import { authorize } from './policies.ts';
import { callerIsAdmin, projectOf, selfLinks, type CinderDeps } from './context.ts';
import { notFound } from './errors.ts';
import { cinderTime, type BlockStorage, type MessageRecord } from './model.ts';
import { queryValue } from './listing.ts';

const KEEP_MS = 30 * 24 * 3600 * 1000;

/** Cinder's event ids and texts (action, then detail) for the failures this service reports */
export const MESSAGE_EVENTS = {
  noValidBackend: { event_id: 'VOLUME_VOLUME_001_002', user_message: 'schedule allocate volume: Could not find any available weighted backend.' },
  createFailed: { event_id: 'VOLUME_VOLUME_001_001', user_message: 'schedule allocate volume: An unknown error occurred.' },
  imageCopyFailed: { event_id: 'VOLUME_VOLUME_002_004', user_message: 'copy image to volume: An unknown error occurred.' },
  backupFailed: { event_id: 'VOLUME_BACKUP_013_001', user_message: 'backup create: An unknown error occurred.' },
} as const;

export async function recordMessage(
  storage: BlockStorage, projectId: string, requestId: string, resource: { type: string; id: string | null }, event: { event_id: string; user_message: string },
): Promise<void> {
  const now = storage.clock.now();
  await storage.messages.insert({
    id: uuid(), project_id: projectId, request_id: requestId, message_level: 'ERROR', event_id: event.event_id,
    resource_type: resource.type, resource_uuid: resource.id, user_message: event.user_message, created_at: now, expires_at: now + KEEP_MS,
  });
}

export function messageHandlers(deps: CinderDeps): Record<string, OperationHandler> {
  const { storage, identity } = deps;

  function view(ctx: RequestContext, m: MessageRecord): Record<string, unknown> {
    return {
      id: m.id, request_id: m.request_id, message_level: m.message_level, event_id: m.event_id, resource_type: m.resource_type,
      resource_uuid: m.resource_uuid, user_message: m.user_message, created_at: cinderTime(m.created_at),
      guaranteed_until: cinderTime(m.expires_at), links: selfLinks(ctx, 'messages', m.id),
    };
  }

  function requireVersion(ctx: RequestContext): void {
    if (!atLeast(ctx.microversion, '3.3')) throw notFound('The resource could not be found.');
  }

  async function load(ctx: RequestContext, rule: string): Promise<MessageRecord> {
    requireVersion(ctx);
    const id = ctx.params.message_id;
    const message = await storage.messages.get(id);
    if (!message || message.expires_at < storage.clock.now() || (message.project_id !== projectOf(ctx) && !callerIsAdmin(deps, ctx))) {
      throw notFound(`Message ${id} could not be found.`);
    }
    authorize(identity, ctx, rule, { project_id: message.project_id });
    return message;
  }

  return {
    listMessages: async (ctx): Promise<ApiResponse> => {
      requireVersion(ctx);
      authorize(identity, ctx, 'message:get_all');
      const found = await storage.messages.find({ project_id: projectOf(ctx), expires_at: { $gte: storage.clock.now() } }, { sort: [['created_at', 'desc']] });
      const resource = queryValue(ctx, 'resource_uuid');
      const event = queryValue(ctx, 'event_id');
      const shown = found.filter((m) => (resource === undefined || m.resource_uuid === resource) && (event === undefined || m.event_id === event));
      return { status: 200, body: { messages: shown.map((m) => view(ctx, m)) } };
    },
    showMessage: async (ctx) => ({ status: 200, body: { message: view(ctx, await load(ctx, 'message:get')) } }),
    deleteMessage: async (ctx) => {
      const message = await load(ctx, 'message:delete');
      await storage.messages.delete(message.id);
      return { status: 204 };
    },
  };
}
