// The metadata sub-resource that volumes and snapshots share: list, merge, replace, and one key.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, notFound } from './errors.ts';
import { validMetadata } from './context.ts';

export interface MetadataOwner {
  /** loads the owning record (404 and policy included) and returns its metadata */
  load(ctx: RequestContext, action: 'get' | 'update' | 'delete'): Promise<{ id: string; metadata: Record<string, string> }>;
  save(id: string, metadata: Record<string, string>): Promise<void>;
  /** e.g. "Volume" in "Volume <id> has no metadata with key <key>." */
  noun: string;
}

function bodyMetadata(ctx: RequestContext, key: 'metadata' | 'meta'): Record<string, string> {
  const body = ctx.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body) || !(key in body)) throw badRequest('Malformed request body');
  return validMetadata(body[key], key);
}

export function metadataHandlers(noun: 'Volume' | 'Snapshot', owner: MetadataOwner): Record<string, OperationHandler> {
  const missing = (id: string, key: string) => notFound(`${owner.noun} ${id} has no metadata with key ${key}.`);
  return {
    [`list${noun}Metadata`]: async (ctx) => {
      const record = await owner.load(ctx, 'get');
      return { status: 200, body: { metadata: record.metadata } };
    },
    [`create${noun}Metadata`]: async (ctx) => {
      const record = await owner.load(ctx, 'update');
      const merged = { ...record.metadata, ...bodyMetadata(ctx, 'metadata') };
      await owner.save(record.id, merged);
      return { status: 200, body: { metadata: merged } };
    },
    [`replace${noun}Metadata`]: async (ctx) => {
      const record = await owner.load(ctx, 'update');
      const replaced = bodyMetadata(ctx, 'metadata');
      await owner.save(record.id, replaced);
      return { status: 200, body: { metadata: replaced } };
    },
    [`show${noun}MetadataItem`]: async (ctx) => {
      const record = await owner.load(ctx, 'get');
      const key = ctx.params.key;
      if (!(key in record.metadata)) throw missing(record.id, key);
      return { status: 200, body: { meta: { [key]: record.metadata[key] } } };
    },
    [`update${noun}MetadataItem`]: async (ctx) => {
      const record = await owner.load(ctx, 'update');
      const meta = bodyMetadata(ctx, 'meta');
      const keys = Object.keys(meta);
      if (keys.length > 1) throw badRequest('Request body contains too many items');
      if (keys.length === 0 || keys[0] !== ctx.params.key) throw badRequest('Request body and URI mismatch');
      await owner.save(record.id, { ...record.metadata, ...meta });
      return { status: 200, body: { meta } };
    },
    [`delete${noun}MetadataItem`]: async (ctx) => {
      const record = await owner.load(ctx, 'delete');
      const key = ctx.params.key;
      if (!(key in record.metadata)) throw missing(record.id, key);
      const rest = { ...record.metadata };
      delete rest[key];
      await owner.save(record.id, rest);
      return { status: 200 };
    },
  };
}
