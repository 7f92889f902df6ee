// The attachments API (3.27+): POST reserves (or, with a connector, also initialises), PUT gives
// the connector and gets connection_info, os-complete (3.44) marks it attached, DELETE detaches.
// The state machine is attachments-logic.ts; here are the HTTP shapes, policy and visibility.
import type { ApiResponse, OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { atLeast } from '../../platform/http/microversion.ts';
import { authorize } from './policies.ts';
import { callerIsAdmin, entity, fieldError, projectOf, type CinderDeps } from './context.ts';
import { badRequest, notFound, volumeNotFound } from './errors.ts';
import { cinderTime, type VolumeAttachment, type VolumeRecord } from './model.ts';
import { parseBool, queryValue } from './listing.ts';
import {
  attachStatusOf, attachmentNotFound, completeAttachment, deleteAttachment, reserveAttachment, updateAttachment, volumeOfAttachment,
} from './attachments-logic.ts';

const MIN = '3.27';
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function summary(volumeId: string, a: VolumeAttachment): Record<string, unknown> {
  return { id: a.attachment_id, status: attachStatusOf(a), instance: a.server_id, volume_id: volumeId };
}

function detail(ctx: RequestContext, volumeId: string, a: VolumeAttachment): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ...summary(volumeId, a),
    attached_at: cinderTime(a.attached_at),
    detached_at: null,
    connection_info: a.connection_info ?? {},
  };
  if (atLeast(ctx.microversion, '3.54')) body.attach_mode = a.mode;
  return body;
}

/** Cinder answers a method newer than the request's microversion with 404 */
function requireVersion(ctx: RequestContext, version: string): void {
  if (!atLeast(ctx.microversion, version)) throw notFound('The resource could not be found.');
}

function objectField(body: Record<string, unknown>, field: string, required: boolean): Record<string, unknown> | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) throw fieldError('attachment', body, `'${field}' is a required property`);
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw fieldError(field, value, `${JSON.stringify(value)} is not of type 'object', 'null'`);
  return value as Record<string, unknown>;
}

export function attachmentHandlers(deps: CinderDeps): Record<string, OperationHandler> {
  const { storage, identity } = deps;

  /** the attachment and its volume if the caller may see them */
  async function load(ctx: RequestContext, id: string, rule?: string): Promise<{ volume: VolumeRecord; attachment: VolumeAttachment }> {
    const found = await volumeOfAttachment(storage, id);
    const owner = found.attachment.project_id ?? found.volume.project_id;
    if (owner !== projectOf(ctx) && found.volume.project_id !== projectOf(ctx) && !callerIsAdmin(deps, ctx)) throw attachmentNotFound(id);
    if (rule) authorize(identity, ctx, rule, { project_id: found.volume.project_id });
    return found;
  }

  async function list(ctx: RequestContext, detailed: boolean): Promise<ApiResponse> {
    requireVersion(ctx, MIN);
    const allTenants = queryValue(ctx, 'all_tenants');
    const everyone = callerIsAdmin(deps, ctx) && allTenants !== undefined && parseBool(allTenants, 'all_tenants');
    const volumes = await storage.volumes.find(everyone ? {} : { project_id: projectOf(ctx) });
    const volumeId = queryValue(ctx, 'volume_id');
    const status = queryValue(ctx, 'status') ?? queryValue(ctx, 'attach_status');
    const instance = queryValue(ctx, 'instance_id');
    let rows: Array<[string, VolumeAttachment]> = [];
    for (const v of volumes) for (const a of v.attachments ?? []) rows.push([v.id, a]);
    rows = rows.filter(([vid, a]) => (volumeId === undefined || vid === volumeId)
      && (status === undefined || attachStatusOf(a) === status)
      && (instance === undefined || a.server_id === instance));
    rows.sort((x, y) => (y[1].created_at ?? 0) - (x[1].created_at ?? 0) || (x[1].attachment_id < y[1].attachment_id ? -1 : 1));
    const marker = queryValue(ctx, 'marker');
    if (marker !== undefined) {
      const at = rows.findIndex(([, a]) => a.attachment_id === marker);
      if (at < 0) throw notFound(`Marker ${marker} could not be found.`);
      rows = rows.slice(at + 1);
    }
    const offset = Number(queryValue(ctx, 'offset') ?? 0) || 0;
    const limitRaw = queryValue(ctx, 'limit');
    const limit = limitRaw !== undefined && /^\d+$/.test(limitRaw) ? Number(limitRaw) : undefined;
    rows = rows.slice(offset, limit === undefined ? undefined : offset + limit);
    return { status: 200, body: { attachments: rows.map(([vid, a]) => (detailed ? detail(ctx, vid, a) : summary(vid, a))) } };
  }

  async function create(ctx: RequestContext): Promise<ApiResponse> {
    requireVersion(ctx, MIN);
    const body = entity(ctx, 'attachment');
    const volumeId = body.volume_uuid;
    if (typeof volumeId !== 'string' || !volumeId) throw badRequest("Must specify 'volume_uuid' to create attachment.");
    const instance = body.instance_uuid;
    if (instance !== undefined && instance !== null && (typeof instance !== 'string' || !UUID.test(instance))) {
      throw fieldError('instance_uuid', instance, `${JSON.stringify(instance)} is not a 'uuid'`);
    }
    const connector = objectField(body, 'connector', false);
    let mode: 'rw' | 'ro' | undefined;
    if (body.mode !== undefined && atLeast(ctx.microversion, '3.54')) {
      if (body.mode !== 'rw' && body.mode !== 'ro') throw fieldError('mode', body.mode, `${JSON.stringify(body.mode)} is not one of ['rw', 'ro']`);
      mode = body.mode;
    }
    const volume = await storage.volumes.get(volumeId);
    if (!volume || (volume.project_id !== projectOf(ctx) && !callerIsAdmin(deps, ctx))) throw volumeNotFound(volumeId);
    authorize(identity, ctx, 'volume:attachment_create', { project_id: volume.project_id });
    if (volume.multiattach && volume.bootable) authorize(identity, ctx, 'volume:multiattach_bootable_volume', { project_id: volume.project_id });
    const made = await reserveAttachment(storage, volume.id, (instance as string | undefined) ?? null, { connector, mode, projectId: projectOf(ctx) || volume.project_id });
    return { status: 200, body: { attachment: detail(ctx, volume.id, made.attachment) } };
  }

  async function update(ctx: RequestContext): Promise<ApiResponse> {
    requireVersion(ctx, MIN);
    const body = entity(ctx, 'attachment');
    const connector = objectField(body, 'connector', true)!;
    if (!Object.keys(connector).length) throw badRequest("Must specify 'connector' to update attachment.");
    await load(ctx, ctx.params.attachment_id, 'volume:attachment_update');
    const updated = await updateAttachment(storage, ctx.params.attachment_id, connector);
    return { status: 200, body: { attachment: detail(ctx, updated.volume.id, updated.attachment) } };
  }

  async function remove(ctx: RequestContext): Promise<ApiResponse> {
    requireVersion(ctx, MIN);
    await load(ctx, ctx.params.attachment_id, 'volume:attachment_delete');
    const { volume, removed } = await deleteAttachment(storage, ctx.params.attachment_id);
    // the attachments still sharing the removed one's host connection
    const shared = (volume.attachments ?? []).filter((a) => removed.host_name && a.host_name === removed.host_name);
    return { status: 200, body: { attachments: shared.map((a) => summary(volume.id, a)) } };
  }

  async function action(ctx: RequestContext): Promise<ApiResponse> {
    requireVersion(ctx, MIN);
    const body = ctx.body;
    if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length !== 1) throw badRequest('There is no such action: None');
    const name = Object.keys(body)[0];
    if (name !== 'os-complete') throw badRequest(`There is no such action: ${name}`);
    requireVersion(ctx, '3.44');
    await load(ctx, ctx.params.attachment_id, 'volume:attachment_complete');
    await completeAttachment(storage, ctx.params.attachment_id);
    return { status: 204 };
  }

  return {
    listAttachments: (ctx) => list(ctx, false),
    listAttachmentsDetail: (ctx) => list(ctx, true),
    createAttachment: create,
    showAttachment: async (ctx) => {
      requireVersion(ctx, MIN);
      const { volume, attachment } = await load(ctx, ctx.params.attachment_id);
      return { status: 200, body: { attachment: detail(ctx, volume.id, attachment) } };
    },
    updateAttachment: update,
    deleteAttachment: remove,
    attachmentAction: action,
  };
}
