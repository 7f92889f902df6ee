// Nova's images proxy (/images, up to 2.35): Glance images as Nova rendered them, with
// their properties as metadata. Tempest's compute tests wait on snapshots through it.
import type { OperationHandler, RequestContext } from '../../../platform/http/service-api.ts';
import { badRequest, forbidden, notFound } from '../../../platform/http/api-error.ts';
import { isoSeconds } from '../../../platform/clock.ts';
import { json, links, since } from '../support.ts';
import type { ImageRecord } from '../../image/model.ts';
import { isAdminCtx, type ServersDeps } from './common.ts';
import { checkMetadata, checkMetadataQuota } from './validation.ts';
import { effectiveQuota } from '../quotas.ts';

const STATUS: Record<string, string> = { active: 'ACTIVE', queued: 'SAVING', saving: 'SAVING', uploading: 'SAVING', importing: 'SAVING', deleted: 'DELETED', pending_delete: 'DELETED', killed: 'ERROR' };
const PROGRESS: Record<string, number> = { queued: 25, saving: 50, uploading: 50, importing: 50, active: 100 };

const imageNotFound = () => notFound('Image not found.');

function glanceUrl(ctx: RequestContext): string {
  return ctx.baseUrl.replace(/\/compute$/, '/image');
}

function imageLinks(ctx: RequestContext, id: string) {
  return [...links(ctx, 'images', id), { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${glanceUrl(ctx)}/images/${id}` }];
}

function detailView(ctx: RequestContext, image: ImageRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: image.id,
    name: image.name,
    minRam: image.min_ram ?? 0,
    minDisk: image.min_disk ?? 0,
    metadata: { ...image.properties },
    created: isoSeconds(image.created_ms),
    updated: isoSeconds(image.updated_ms),
    status: STATUS[image.status] ?? 'UNKNOWN',
    progress: PROGRESS[image.status] ?? 0,
    links: imageLinks(ctx, image.id),
    'OS-EXT-IMG-SIZE:size': image.size,
  };
  const server = image.properties.instance_uuid;
  if (server) view.server = { id: server, links: links(ctx, 'servers', server) };
  const auto = image.properties.auto_disk_config;
  if (auto !== undefined) view['OS-DCF:diskConfig'] = ['true', 'True', '1'].includes(auto) ? 'AUTO' : 'MANUAL';
  return view;
}

export function imageProxyHandlers(deps: ServersDeps): Record<string, OperationHandler> {
  const { nova } = deps;
  const gate = (ctx: RequestContext) => {
    if (since(ctx, '2.36')) throw notFound('The resource could not be found.');
  };
  const load = async (ctx: RequestContext) => {
    gate(ctx);
    const image = await deps.images.find(ctx, ctx.params.image_id, isAdminCtx(nova, ctx));
    if (!image) throw imageNotFound();
    return image;
  };
  const list = async (ctx: RequestContext, detail: boolean) => {
    gate(ctx);
    let images = await deps.images.list(ctx, isAdminCtx(nova, ctx));
    const q = (n: string) => { const v = ctx.query[n]; return Array.isArray(v) ? v.at(-1) : v; };
    const name = q('name');
    if (name !== undefined) images = images.filter((i) => i.name === name);
    const status = q('status');
    if (status !== undefined) images = images.filter((i) => (STATUS[i.status] ?? 'UNKNOWN') === status.toUpperCase());
    const server = q('server');
    if (server !== undefined) images = images.filter((i) => i.properties.instance_uuid === server.split('/').pop());
    const type = q('type');
    if (type !== undefined) images = images.filter((i) => (i.properties.image_type ?? 'base') === type);
    for (const [param, field] of [['minRam', 'min_ram'], ['minDisk', 'min_disk']] as const) {
      const v = q(param);
      if (v !== undefined) images = images.filter((i) => (i[field] ?? 0) >= Number(v));
    }
    images.sort((a, b) => b.created_ms - a.created_ms || (a.id < b.id ? 1 : -1));
    const marker = q('marker');
    if (marker !== undefined) {
      const at = images.findIndex((i) => i.id === marker);
      if (at < 0) throw badRequest(`Marker ${marker} could not be found.`);
      images = images.slice(at + 1);
    }
    const limitRaw = q('limit');
    const limit = limitRaw === undefined ? undefined : Number(limitRaw);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw badRequest('limit param must be an integer');
    const page = limit === undefined ? images : images.slice(0, limit);
    const body: Record<string, unknown> = { images: page.map((i) => (detail ? detailView(ctx, i) : { id: i.id, name: i.name, links: imageLinks(ctx, i.id) })) };
    if (limit !== undefined && page.length === limit && limit > 0) {
      const params = new URLSearchParams({ limit: String(limit), marker: page[page.length - 1].id });
      body.images_links = [{ rel: 'next', href: `${ctx.baseUrl}/v2.1/images${detail ? '/detail' : ''}?${params}` }];
    }
    return json(body);
  };
  const writeProperties = async (ctx: RequestContext, change: (current: Record<string, string>) => Record<string, string>) => {
    const image = await load(ctx);
    if (!isAdminCtx(nova, ctx) && image.owner !== ctx.auth?.projectId) throw forbidden('You are not authorized to access the requested image.');
    const next = change({ ...image.properties });
    checkMetadataQuota(next, (await effectiveQuota(nova, ctx.auth?.projectId ?? '')).metadata_items);
    return deps.images.setProperties(image.id, next);
  };
  const body = (ctx: RequestContext, key: 'metadata' | 'meta') => {
    if (typeof ctx.body !== 'object' || ctx.body === null || ctx.body[key] === undefined) throw badRequest('Malformed request body');
    return checkMetadata(ctx.body[key], key);
  };
  return {
    listProxyImages: (ctx) => list(ctx, false),
    listProxyImagesDetail: (ctx) => list(ctx, true),
    showProxyImage: async (ctx) => json({ image: detailView(ctx, await load(ctx)) }),
    // DELETE /images/ with no id has no route in Nova: a 404, not a 405
    deleteProxyImageWithoutId: async () => {
      throw notFound('The resource could not be found.');
    },
    deleteProxyImage: async (ctx) => {
      await load(ctx);
      await deps.images.delete(ctx, ctx.params.image_id);
      return { status: 204 };
    },
    listProxyImageMetadata: async (ctx) => json({ metadata: (await load(ctx)).properties }),
    updateProxyImageMetadata: async (ctx) => {
      const given = body(ctx, 'metadata');
      return json({ metadata: await writeProperties(ctx, (m) => ({ ...m, ...given })) });
    },
    replaceProxyImageMetadata: async (ctx) => {
      const given = body(ctx, 'metadata');
      return json({ metadata: await writeProperties(ctx, () => given) });
    },
    showProxyImageMetadataItem: async (ctx) => {
      const image = await load(ctx);
      const key = ctx.params.key;
      if (!(key in image.properties)) throw notFound('Invalid metadata key');
      return json({ meta: { [key]: image.properties[key] } });
    },
    setProxyImageMetadataItem: async (ctx) => {
      const given = body(ctx, 'meta');
      const keys = Object.keys(given);
      if (keys.length !== 1) throw badRequest('Request body contains too many items');
      if (keys[0] !== ctx.params.key) throw badRequest('Request body and URI mismatch');
      await writeProperties(ctx, (m) => ({ ...m, ...given }));
      return json({ meta: given });
    },
    deleteProxyImageMetadataItem: async (ctx) => {
      const key = ctx.params.key;
      await writeProperties(ctx, (m) => {
        if (!(key in m)) throw notFound('Invalid metadata key');
        delete m[key];
        return m;
      });
      return { status: 204 };
    },
  };
}
