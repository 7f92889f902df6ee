// /v2/images and its sub-resources that are not data: create, list, show, patch,
// delete, deactivate/reactivate and tags.
import { ApiError, badRequest } from '../../platform/http/api-error.ts';
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import type { ImageService } from './image-service.ts';
import { readPatch } from './json-patch.ts';
import { imageView } from './views.ts';

/** Query string of the request, with one parameter set or removed, for paging links. */
function pageLink(ctx: RequestContext, marker: string | undefined): string {
  const params = new URLSearchParams();
  const query = new URL(ctx.raw.req.originalUrl, 'http://x').searchParams;
  for (const [k, v] of query) if (k !== 'marker') params.append(k, v);
  if (marker !== undefined) params.append('marker', marker);
  const text = params.toString();
  return text ? `/v2/images?${text}` : '/v2/images';
}

/** Glance's routes do not take a trailing slash: /v2/images/ is no image id. */
function rejectTrailingSlash(ctx: RequestContext): void {
  if (ctx.path.endsWith('/')) throw new ApiError(404, 'The resource could not be found.');
}

export function imageHandlers(service: ImageService): Record<string, OperationHandler> {
  return {
    async createImage(ctx) {
      const image = await service.create(ctx, ctx.body);
      return { status: 201, body: imageView(image), headers: { Location: `${ctx.baseUrl}/v2/images/${image.id}` } };
    },
    async listImages(ctx) {
      rejectTrailingSlash(ctx);
      const { images, full } = await service.list(ctx, ctx.query);
      const body: Record<string, unknown> = {
        images: images.map(imageView),
        first: pageLink(ctx, undefined),
        schema: '/v2/schemas/images',
      };
      if (full) body.next = pageLink(ctx, images[images.length - 1].id);
      return { status: 200, body };
    },
    // Glance answers 405 for DELETE on the collection, and 404 for /v2/images/ (an empty id).
    async deleteImagesCollection(ctx) {
      rejectTrailingSlash(ctx);
      throw new ApiError(405, 'The method is not allowed for the requested URL.', { headers: { Allow: 'GET, POST' } });
    },
    async showImage(ctx) {
      return { status: 200, body: imageView(await service.show(ctx, ctx.params.image_id)) };
    },
    async updateImage(ctx) {
      const changes = await readPatch(ctx.raw.req);
      return { status: 200, body: imageView(await service.update(ctx, ctx.params.image_id, changes)) };
    },
    async deleteImage(ctx) {
      await service.delete(ctx, ctx.params.image_id);
      return { status: 204 };
    },
    async deactivateImage(ctx) {
      await service.deactivate(ctx, ctx.params.image_id);
      return { status: 204 };
    },
    async reactivateImage(ctx) {
      await service.reactivate(ctx, ctx.params.image_id);
      return { status: 204 };
    },
    async addImageTag(ctx) {
      if (ctx.params.tag === '') throw badRequest('Tag must not be empty.');
      await service.addTag(ctx, ctx.params.image_id, ctx.params.tag);
      return { status: 204 };
    },
    async deleteImageTag(ctx) {
      await service.deleteTag(ctx, ctx.params.image_id, ctx.params.tag);
      return { status: 204 };
    },
  };
}
