// /v2/images/{id}/file: upload streams the request into the store; download streams
// the store to the response, whole or one Range.
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../../platform/http/api-error.ts';
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import type { ByteRange } from '../../backends/image-store/store.ts';
import type { ImageService } from './image-service.ts';

export function requireOctetStream(ctx: RequestContext): void {
  const type = String(ctx.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/octet-stream') {
    throw new ApiError(415, `Content-Type must be application/octet-stream, not '${type || 'none'}'.`);
  }
}

/** One `bytes=` range resolved against the size; undefined for no Range header. */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const unsatisfiable = () => new ApiError(416, 'Requested range not satisfiable', { headers: { 'Content-Range': `bytes */${size}` } });
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) throw unsatisfiable();
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw unsatisfiable();
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) throw unsatisfiable();
  return { start, end };
}

export function imageDataHandlers(service: ImageService): Record<string, OperationHandler> {
  return {
    async uploadImageFile(ctx) {
      requireOctetStream(ctx);
      await service.upload(ctx, ctx.params.image_id, ctx.raw.req);
      return { status: 204 };
    },
    async downloadImageFile(ctx) {
      const image = await service.download(ctx, ctx.params.image_id);
      const size = image.size === null ? undefined : await service.store.size(image.id);
      if (size === undefined || image.status === 'queued' || image.status === 'saving' || image.status === 'uploading') {
        return { status: 204 };
      }
      const rangeHeader = ctx.headers.range;
      const range = parseRange(typeof rangeHeader === 'string' ? rangeHeader : undefined, size);
      const data = await service.openData(image, range);
      const res = ctx.raw.res;
      res.status(range ? 206 : 200);
      res.setHeader('Content-Type', 'application/octet-stream');
      if (image.checksum && !range) res.setHeader('Content-MD5', image.checksum);
      res.setHeader('Content-Length', String(range ? range.end - range.start + 1 : size));
      if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
      try {
        await pipeline(data, res);
      } catch {
        // The client went away mid-download: nothing left to tell it.
        res.destroy();
      }
      return { status: range ? 206 : 200, streamed: true };
    },
  };
}
