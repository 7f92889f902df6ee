// Glance v2 as a ServiceApi: handlers by operationId, Glance's error bodies, the image data
// store (the filesystem under <dataDir>/images, or the object ring), and the service logic
// other services use.
import { join } from 'node:path';
import type { OperationHandler, ServiceApi } from '../../platform/http/service-api.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { Config } from '../../platform/config.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/store/store.ts';
import type { ImageStore } from '../../backends/image-store/store.ts';
import { FileImageStore } from '../../backends/image-store/file/file-store.ts';
import { RingImageStore } from '../../backends/image-store/ring/ring-store.ts';
import type { ObjectClient } from '../../backends/object-ring/index.ts';
import { openImageDb } from './image-db.ts';
import { DEFAULT_IMAGE_OPTIONS, ImageService, type ImageOptions } from './image-service.ts';
import { GLANCE_DEFAULT_RULES } from './policies.ts';
import { renderGlanceError, withGlanceErrors } from './errors.ts';
import { versionHandlers } from './versions.ts';
import { schemaHandlers } from './schemas.ts';
import { imageHandlers } from './images.ts';
import { imageDataHandlers } from './image-data.ts';
import { memberHandlers } from './members.ts';
import { importHandlers } from './imports.ts';

export interface GlanceDeps {
  config: Config;
  store: Store;
  identity: IdentityEngine;
  clock: Clock;
  /** the data store; default: the one imageStoreKind() names */
  imageStore?: ImageStore;
  /** the object ring's proxy core, for the ring store */
  objectClient?: ObjectClient;
}

export type ImageStoreKind = 'file' | 'ring';

/** STACKGATE_IMAGE_STORE, else `image: {store}` in stackgate.yaml: `file` (default) or `ring`. */
export function imageStoreKind(config: Config, env: Record<string, string | undefined> = process.env): ImageStoreKind {
  const section = ((config as unknown as Record<string, unknown>).image ?? {}) as { store?: unknown };
  const kind = env.STACKGATE_IMAGE_STORE || (typeof section.store === 'string' ? section.store : 'file');
  if (kind !== 'file' && kind !== 'ring') throw new Error(`STACKGATE_IMAGE_STORE must be file or ring, not ${JSON.stringify(kind)}`);
  return kind;
}

function defaultImageStore(deps: GlanceDeps): ImageStore {
  if (imageStoreKind(deps.config) === 'ring') {
    if (!deps.objectClient) throw new Error('the ring image store needs the object storage');
    return new RingImageStore(deps.objectClient, { description: 'Object ring store' });
  }
  return new FileImageStore(join(deps.config.dataDir, 'images'), { description: 'Filesystem store (embedded default)' });
}

/** `image:` in stackgate.yaml: sizeCap, webDownloadAllowedHosts. */
export function imageOptions(config: Config): ImageOptions {
  const section = ((config as unknown as Record<string, unknown>).image ?? {}) as Partial<ImageOptions>;
  return {
    sizeCap: typeof section.sizeCap === 'number' ? section.sizeCap : DEFAULT_IMAGE_OPTIONS.sizeCap,
    webDownloadAllowedHosts: Array.isArray(section.webDownloadAllowedHosts) ? section.webDownloadAllowedHosts.map(String) : [],
  };
}

export async function openImageService(deps: GlanceDeps): Promise<ImageService> {
  if (!deps.identity.policyFor('image').has('add_image')) deps.identity.policyFor('image').registerDefaults(GLANCE_DEFAULT_RULES);
  return new ImageService({
    db: await openImageDb(deps.store),
    store: deps.imageStore ?? defaultImageStore(deps),
    staging: new FileImageStore(join(deps.config.dataDir, 'images', 'staging'), { id: 'os_glance_staging_store' }),
    identity: deps.identity,
    clock: deps.clock,
    options: imageOptions(deps.config),
  });
}

export function glanceService(service: ImageService): ServiceApi {
  const handlers: Record<string, OperationHandler> = {};
  const groups = [versionHandlers, schemaHandlers, imageHandlers(service), imageDataHandlers(service), memberHandlers(service), importHandlers(service)];
  for (const group of groups) {
    for (const [id, handler] of Object.entries(group)) {
      if (handlers[id]) throw new Error(`image: two handlers for ${id}`);
      handlers[id] = withGlanceErrors(handler);
    }
  }
  return {
    type: 'image',
    name: 'glance',
    prefix: '/image',
    port: 9292,
    apiRef: 'image',
    // Glance's catalog URL is its root; clients discover /v2 from the version document.
    catalogSuffix: '',
    handlers,
    renderError: renderGlanceError,
  };
}
