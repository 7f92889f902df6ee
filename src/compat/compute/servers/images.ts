// The Glance side of the servers API, in process: the image a server boots from (must be
// visible to the caller and active) and the queued image record a snapshot starts as. The
// agents upload the snapshot's bytes later.
import type { RequestContext } from '../../../platform/http/service-api.ts';
import type { Store } from '../../../platform/store/store.ts';
import { isoSeconds, type Clock } from '../../../platform/clock.ts';
import { uuid } from '../../../platform/ids.ts';
import { openImageDb, type ImageDb } from '../../image/image-db.ts';
import type { ImageRecord } from '../../image/model.ts';
import type { ImageService } from '../../image/image-service.ts';

export interface ServerImages {
  /** the image when it exists and the caller may see it */
  find(ctx: RequestContext, id: string, admin: boolean): Promise<ImageRecord | undefined>;
  /** a queued snapshot image owned by the caller's project */
  createSnapshot(ctx: RequestContext, attributes: { name: string; properties: Record<string, string>; disk_format: string | null; container_format: string | null; min_disk: number; min_ram: number }): Promise<ImageRecord>;
  /** every image the caller may see (the images proxy) */
  list(ctx: RequestContext, admin: boolean): Promise<ImageRecord[]>;
  /** Glance's delete (policy, protection, data) when the service is wired in, else the record */
  delete(ctx: RequestContext, id: string): Promise<void>;
  setProperties(id: string, properties: Record<string, string>): Promise<Record<string, string>>;
}

export function glanceImages(store: Store, clock: Clock, service?: ImageService): ServerImages {
  let db: Promise<ImageDb> | undefined;
  const open = () => (db ??= openImageDb(store));
  const visible = async (ctx: RequestContext, image: ImageRecord, admin: boolean) => {
    const project = ctx.auth?.projectId;
    if (admin || image.owner === project || image.visibility === 'public' || image.visibility === 'community') return true;
    if (image.visibility === 'shared' && project) {
      const member = await (await open()).members.findOne({ image_id: image.id, member_id: project });
      return Boolean(member && member.status !== 'rejected');
    }
    return false;
  };
  return {
    async find(ctx, id, admin) {
      const image = await (await open()).images.get(id);
      if (!image || image.status === 'deleted') return undefined;
      return (await visible(ctx, image, admin)) ? image : undefined;
    },
    async list(ctx, admin) {
      const out: ImageRecord[] = [];
      for (const image of await (await open()).images.find({ status: { $ne: 'deleted' } })) if (await visible(ctx, image, admin)) out.push(image);
      return out;
    },
    async delete(ctx, id) {
      // Glance's rules live in the image enforcer, which the request's service would not pick
      if (service) return service.delete({ ...ctx, service: 'image' }, id);
      await (await open()).images.delete(id);
    },
    async setProperties(id, properties) {
      const now = clock.now();
      const updated = await (await open()).images.update(id, { properties, updated_at: isoSeconds(now), updated_ms: now });
      return updated?.properties ?? properties;
    },
    async createSnapshot(ctx, attributes) {
      const now = clock.now();
      const record: ImageRecord = {
        id: uuid(),
        name: attributes.name,
        status: 'queued',
        visibility: 'private',
        protected: false,
        os_hidden: false,
        owner: ctx.auth?.projectId ?? null,
        disk_format: attributes.disk_format,
        container_format: attributes.container_format,
        min_disk: attributes.min_disk,
        min_ram: attributes.min_ram,
        size: null,
        virtual_size: null,
        checksum: null,
        os_hash_algo: null,
        os_hash_value: null,
        tags: [],
        properties: attributes.properties,
        stores: [],
        created_at: isoSeconds(now),
        updated_at: isoSeconds(now),
        created_ms: now,
        updated_ms: now,
      };
      const { _rev, ...stored } = await (await open()).images.insert(record);
      void _rev;
      return stored as ImageRecord;
    },
  };
}
