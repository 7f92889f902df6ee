// The image service logic: who sees which image, the status machine
// (queued -> saving -> active, uploading -> importing -> active, deactivated),
// members, and data in and out of the store. Handlers stay thin; other services
// (Nova snapshots, Cinder upload-to-image) call createImageFromStream here.
import type { Readable } from 'node:stream';
import { ApiError, badRequest, conflict, forbidden } from '../../platform/http/api-error.ts';
import type { RequestContext } from '../../platform/http/service-api.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { Clock } from '../../platform/clock.ts';
import { isoSeconds } from '../../platform/clock.ts';
import { uuid } from '../../platform/ids.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import { ImageTooLargeError, type ByteRange, type ImageStore } from '../../backends/image-store/store.ts';
import type { ImageDb } from './image-db.ts';
import { imageNotFound } from './errors.ts';
import { FormatInspector, ImageFormatRejected, inspected } from './format-inspector/inspector.ts';
import { checkAttribute, checkTags, checkWritable } from './image-rules.ts';
import { parseListQuery, sortImages } from './list-query.ts';
import {
  BASE_ATTRIBUTES,
  MAX_PROPERTIES_PER_IMAGE,
  MAX_TAGS_PER_IMAGE,
  MEMBER_STATUSES,
  type ImageRecord,
  type MemberRecord,
  type TaskRecord,
} from './model.ts';

export interface ImageOptions {
  /** Glance's image_size_cap: the largest upload accepted (413 beyond) */
  sizeCap: number;
  /** hosts web-download may fetch from; empty means web-download is refused */
  webDownloadAllowedHosts: string[];
}

export const DEFAULT_IMAGE_OPTIONS: ImageOptions = { sizeCap: 1024 ** 4, webDownloadAllowedHosts: [] };

export interface ImageServiceDeps {
  db: ImageDb;
  store: ImageStore;
  /** where `PUT /stage` puts data until an import moves it into the store */
  staging: ImageStore;
  identity: IdentityEngine;
  clock: Clock;
  options: ImageOptions;
}

/** One JSON-patch change, already parsed (json-patch.ts). */
export interface ImageChange {
  op: 'add' | 'replace' | 'remove';
  /** the attribute (first path segment); `tags` etc. */
  path: string;
  value?: unknown;
}

export const IMPORT_METHODS = ['glance-direct', 'web-download', 'copy-image'];

export class ImageService {
  readonly db: ImageDb;
  readonly store: ImageStore;
  readonly staging: ImageStore;
  readonly identity: IdentityEngine;
  readonly clock: Clock;
  readonly options: ImageOptions;

  constructor(deps: ImageServiceDeps) {
    this.db = deps.db;
    this.store = deps.store;
    this.staging = deps.staging;
    this.identity = deps.identity;
    this.clock = deps.clock;
    this.options = deps.options;
  }

  // --- who may see what -------------------------------------------------------------------

  isAdmin(ctx: RequestContext): boolean {
    return this.identity.allows(ctx, 'context_is_admin');
  }

  private project(ctx: RequestContext): string | undefined {
    return ctx.auth?.projectId;
  }

  private async membership(ctx: RequestContext, imageId: string): Promise<MemberRecord | undefined> {
    const project = this.project(ctx);
    if (!project) return undefined;
    return this.db.members.get(memberKey(imageId, project));
  }

  /** Glance's is_image_visible: admin, owner, public, community, or a member of a shared image. */
  private async visible(ctx: RequestContext, image: ImageRecord): Promise<boolean> {
    if (this.isAdmin(ctx)) return true;
    const project = this.project(ctx);
    if (project && image.owner === project) return true;
    if (image.visibility === 'public' || image.visibility === 'community') return true;
    if (image.visibility === 'shared') return (await this.membership(ctx, image.id)) !== undefined;
    return false;
  }

  /** The policy target Glance builds for an image. */
  async target(ctx: RequestContext, image: ImageRecord): Promise<Record<string, unknown>> {
    const member = await this.membership(ctx, image.id);
    return {
      project_id: image.owner,
      owner: image.owner,
      visibility: image.visibility,
      member_id: member ? member.member_id : undefined,
      id: image.id,
    };
  }

  /**
   * Glance checks member rules against the caller's own project (membership and ownership
   * are enforced by the member logic itself), so that a member can answer a share.
   */
  private async memberTarget(ctx: RequestContext, image: ImageRecord): Promise<Record<string, unknown>> {
    return { ...(await this.target(ctx, image)), project_id: this.project(ctx) };
  }

  /** The image if the caller may see it; 404 otherwise (Glance hides what you may not see). */
  async find(ctx: RequestContext, id: string): Promise<ImageRecord> {
    const image = await this.db.images.get(id);
    if (!image || image.status === 'deleted' || !(await this.visible(ctx, image))) throw imageNotFound(id);
    return image;
  }

  async show(ctx: RequestContext, id: string): Promise<ImageRecord> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'get_image', await this.target(ctx, image));
    return image;
  }

  // --- create, list, update, delete -------------------------------------------------------

  async create(ctx: RequestContext, body: unknown): Promise<ImageRecord> {
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw badRequest('Body expected in request.');
    }
    const fields = body as Record<string, unknown>;
    for (const [key, value] of Object.entries(fields)) {
      checkWritable(key, { creating: true });
      if (key === 'locations') throw new ApiError(403, "Attribute 'locations' is reserved.");
      checkAttribute(key, value);
    }
    const owner = fields.owner === undefined ? (this.project(ctx) ?? null) : (fields.owner as string | null);
    const visibility = (fields.visibility as ImageRecord['visibility'] | undefined) ?? 'shared';
    const draft = { project_id: owner, owner, visibility };
    this.identity.authorize(ctx, 'add_image', draft);
    if (visibility === 'public') this.identity.authorize(ctx, 'publicize_image', draft);
    if (visibility === 'community') this.identity.authorize(ctx, 'communitize_image', draft);
    const properties: Record<string, string> = {};
    for (const [key, value] of Object.entries(fields)) if (!BASE_ATTRIBUTES.has(key)) properties[key] = value as string;
    if (Object.keys(properties).length > MAX_PROPERTIES_PER_IMAGE) throw new ApiError(413, 'Maximum number of image properties exceeded.');
    const tags = (fields.tags as string[] | undefined) ?? [];
    if (tags.length > MAX_TAGS_PER_IMAGE) throw new ApiError(413, 'Maximum number of tags exceeded.');
    const now = this.clock.now();
    const record: ImageRecord = {
      id: (fields.id as string | undefined) ?? uuid(),
      name: (fields.name as string | null | undefined) ?? null,
      status: 'queued',
      visibility,
      protected: (fields.protected as boolean | undefined) ?? false,
      os_hidden: (fields.os_hidden as boolean | undefined) ?? false,
      owner,
      disk_format: (fields.disk_format as string | null | undefined) ?? null,
      container_format: (fields.container_format as string | null | undefined) ?? null,
      min_disk: (fields.min_disk as number | undefined) ?? 0,
      min_ram: (fields.min_ram as number | undefined) ?? 0,
      size: null,
      virtual_size: null,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      tags,
      properties,
      stores: [],
      created_at: isoSeconds(now),
      updated_at: isoSeconds(now),
      created_ms: now,
      updated_ms: now,
    };
    try {
      const { _rev, ...stored } = await this.db.images.insert(record);
      void _rev;
      return stored as ImageRecord;
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw conflict(`Image with identifier ${record.id} already exists!`);
      throw error;
    }
  }

  async list(ctx: RequestContext, raw: Record<string, string | string[] | undefined>): Promise<{ images: ImageRecord[]; full: boolean }> {
    this.identity.authorize(ctx, 'get_images', { project_id: this.project(ctx) });
    const query = parseListQuery(raw);
    const admin = this.isAdmin(ctx);
    const project = this.project(ctx);
    const all = await this.db.images.find({ status: { $ne: 'deleted' } });
    const memberships = new Map<string, MemberRecord>();
    if (project && !admin) for (const m of await this.db.members.find({ member_id: project })) memberships.set(m.image_id, m);
    const seen = all.filter((image) => {
      if (!admin) {
        const own = project !== undefined && image.owner === project;
        const open = image.visibility === 'public' || image.visibility === 'community';
        const m = memberships.get(image.id);
        const shared = image.visibility === 'shared' && m !== undefined && (query.memberStatus === 'all' || m.status === query.memberStatus);
        if (!own && !open && !shared) return false;
      }
      if (query.visibility !== undefined) {
        if (query.visibility !== 'all' && image.visibility !== query.visibility) return false;
      } else if (image.visibility === 'community' && (project === undefined || image.owner !== project)) {
        // Community images appear only when asked for, or to their owner.
        return false;
      }
      return query.predicates.every((p) => p(image));
    });
    const sorted = sortImages(seen, query.sort);
    let start = 0;
    if (query.marker !== undefined) {
      const index = sorted.findIndex((i) => i.id === query.marker);
      if (index < 0) {
        const marker = await this.db.images.get(query.marker);
        if (!marker || !(await this.visible(ctx, marker))) throw badRequest(`Invalid marker. Image ${query.marker} could not be found.`);
        // A visible marker filtered out of this listing: continue after where it would sort.
        const merged = sortImages([...sorted, marker], query.sort);
        start = merged.findIndex((i) => i.id === marker.id);
      } else {
        start = index + 1;
      }
    }
    const page = sorted.slice(start, start + query.limit);
    return { images: page, full: page.length > 0 && page.length === query.limit };
  }

  async update(ctx: RequestContext, id: string, changes: ImageChange[]): Promise<ImageRecord> {
    const image = await this.find(ctx, id);
    const target = await this.target(ctx, image);
    this.identity.authorize(ctx, 'modify_image', target);
    const next: ImageRecord = { ...image, tags: [...image.tags], properties: { ...image.properties } };
    for (const change of changes) this.applyChange(ctx, image, next, change, target);
    if (Object.keys(next.properties).length > MAX_PROPERTIES_PER_IMAGE) throw new ApiError(413, 'Maximum number of image properties exceeded.');
    if (next.tags.length > MAX_TAGS_PER_IMAGE) throw new ApiError(413, 'Maximum number of tags exceeded.');
    return this.save(image, next);
  }

  private applyChange(ctx: RequestContext, before: ImageRecord, next: ImageRecord, change: ImageChange, target: Record<string, unknown>): void {
    const { op, path, value } = change;
    checkWritable(path, { creating: false });
    if (path === 'locations') throw new ApiError(403, 'It\'s not allowed to update locations if locations are invisible.');
    if (op === 'remove') {
      if (BASE_ATTRIBUTES.has(path)) throw new ApiError(403, `Property ${path} may not be removed.`);
      if (!(path in next.properties)) throw conflict(`Property ${path} does not exist.`);
      delete next.properties[path];
      return;
    }
    checkAttribute(path, value);
    if (op === 'replace' && !BASE_ATTRIBUTES.has(path) && !(path in next.properties)) {
      throw conflict(`Property ${path} does not exist.`);
    }
    switch (path) {
      case 'tags':
        checkTags(value);
        next.tags = [...value];
        return;
      case 'visibility':
        if (value === 'public' && before.visibility !== 'public') this.identity.authorize(ctx, 'publicize_image', target);
        if (value === 'community' && before.visibility !== 'community') this.identity.authorize(ctx, 'communitize_image', target);
        next.visibility = value as ImageRecord['visibility'];
        return;
      case 'disk_format':
      case 'container_format':
        if (before.status !== 'queued' && before[path] !== value) {
          throw new ApiError(403, `Attribute ${path} can be only replaced for a queued image.`);
        }
        next[path] = value as string | null;
        return;
      case 'owner':
        if (!this.isAdmin(ctx) && value !== before.owner) throw new ApiError(403, "Attribute 'owner' is read-only.");
        next.owner = value as string | null;
        return;
      case 'name':
      case 'protected':
      case 'os_hidden':
      case 'min_disk':
      case 'min_ram':
        (next as Record<string, unknown>)[path] = value;
        return;
      default:
        if (BASE_ATTRIBUTES.has(path)) throw new ApiError(403, `Attribute '${path}' is read-only.`);
        next.properties[path] = value as string;
    }
  }

  /** Writes a changed image if nobody changed it meanwhile (409 otherwise). */
  private async save(before: ImageRecord, next: ImageRecord): Promise<ImageRecord> {
    const now = this.clock.now();
    const { id, _rev, ...fields } = next as ImageRecord & { _rev?: number };
    const updated = await this.db.images.update(
      id,
      { ...fields, updated_at: isoSeconds(now), updated_ms: now },
      { ifRev: (before as ImageRecord & { _rev?: number })._rev },
    );
    if (!updated) throw conflict(`Image ${id} was changed by another request; retry.`);
    return updated;
  }

  private async setStatus(image: ImageRecord, status: ImageRecord['status'], extra: Partial<ImageRecord> = {}): Promise<ImageRecord | undefined> {
    const now = this.clock.now();
    return this.db.images.update(image.id, { status, ...extra, updated_at: isoSeconds(now), updated_ms: now }, {
      ifRev: (image as ImageRecord & { _rev?: number })._rev,
    });
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'delete_image', await this.target(ctx, image));
    if (image.protected) throw new ApiError(403, `Image ${id} is protected and cannot be deleted.`);
    await this.db.images.delete(id);
    await this.db.members.deleteMany({ image_id: id });
    await this.store.delete(id);
    await this.staging.delete(id);
  }

  async deactivate(ctx: RequestContext, id: string): Promise<void> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'deactivate', await this.target(ctx, image));
    if (image.status === 'deactivated') return;
    if (image.status !== 'active') throw new ApiError(403, `Not allowed to deactivate image in status '${image.status}'`);
    if (!(await this.setStatus(image, 'deactivated'))) throw conflict(`Image ${id} was changed by another request; retry.`);
  }

  async reactivate(ctx: RequestContext, id: string): Promise<void> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'reactivate', await this.target(ctx, image));
    if (image.status === 'active') return;
    if (image.status !== 'deactivated') throw new ApiError(403, `Not allowed to reactivate image in status '${image.status}'`);
    if (!(await this.setStatus(image, 'active'))) throw conflict(`Image ${id} was changed by another request; retry.`);
  }

  async addTag(ctx: RequestContext, id: string, tag: string): Promise<void> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'modify_image', await this.target(ctx, image));
    if (tag.length > 255) throw badRequest(`Provided object does not match schema 'image': '${tag}' is too long`);
    if (image.tags.includes(tag)) return;
    if (image.tags.length >= MAX_TAGS_PER_IMAGE) throw new ApiError(413, 'Maximum number of tags exceeded.');
    await this.save(image, { ...image, tags: [...image.tags, tag] });
  }

  async deleteTag(ctx: RequestContext, id: string, tag: string): Promise<void> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'modify_image', await this.target(ctx, image));
    if (!image.tags.includes(tag)) throw new ApiError(404, `Tag ${tag} not found`);
    await this.save(image, { ...image, tags: image.tags.filter((t) => t !== tag) });
  }

  // --- data ---------------------------------------------------------------------------------

  /**
   * PUT /file: queued -> saving -> active. The bytes stream through the format inspector
   * into the store; a rejected or failed upload puts the image back to queued.
   */
  async upload(ctx: RequestContext, id: string, data: AsyncIterable<Buffer | Uint8Array>): Promise<ImageRecord> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'upload_image', await this.target(ctx, image));
    return this.storeData(image, data, 'saving');
  }

  /** The shared path of upload, import and createImageFromStream. */
  private async storeData(image: ImageRecord, data: AsyncIterable<Buffer | Uint8Array>, via: 'saving' | 'importing', allowFrom: ImageRecord['status'][] = ['queued']): Promise<ImageRecord> {
    if (!image.disk_format || !image.container_format) {
      throw badRequest('Properties disk_format, container_format must be set prior to saving data.');
    }
    if (!allowFrom.includes(image.status)) {
      throw conflict(`Image status transition from ${image.status} to ${via} is not allowed`);
    }
    const working = await this.setStatus(image, via);
    if (!working) throw conflict(`Image status transition from ${image.status} to ${via} is not allowed`);
    const inspector = new FormatInspector(image.disk_format);
    let stored;
    try {
      stored = await this.store.put(image.id, inspected(data, inspector), { maxSize: this.options.sizeCap });
    } catch (error) {
      await this.restoreQueued(working);
      if (error instanceof ImageFormatRejected) throw badRequest(error.message);
      if (error instanceof ImageTooLargeError) throw new ApiError(413, `Image exceeds the storage quota: the limit is ${error.limit} bytes.`);
      throw error;
    }
    const done = await this.setStatus(working, 'active', {
      size: stored.size,
      virtual_size: inspector.virtualSize(stored.size),
      checksum: stored.md5,
      os_hash_algo: stored.hashAlgo,
      os_hash_value: stored.hashValue,
      stores: [this.store.id],
    });
    if (!done) {
      // Deleted (or changed) while the data streamed: the data has no image to belong to.
      const current = await this.db.images.get(image.id);
      if (!current) {
        await this.store.delete(image.id);
        throw new ApiError(410, `Image ${image.id} could not be found after upload. The image may have been deleted during the upload.`);
      }
      throw conflict(`Image ${image.id} was changed during the upload.`);
    }
    return done;
  }

  private async restoreQueued(image: ImageRecord): Promise<void> {
    const current = await this.db.images.get(image.id);
    if (current && (current.status === 'saving' || current.status === 'importing')) await this.setStatus(current, 'queued');
  }

  /** What GET /file sends: the image, and a stream for the whole data or one range. */
  async download(ctx: RequestContext, id: string): Promise<ImageRecord> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'download_image', await this.target(ctx, image));
    if (image.status === 'deactivated' && !this.isAdmin(ctx)) {
      throw forbidden('The requested image has been deactivated. Image data download is forbidden.');
    }
    return image;
  }

  openData(image: ImageRecord, range?: ByteRange): Promise<Readable> {
    return this.store.get(image.id, range);
  }

  /**
   * The internal API for other services (Nova's createImage, Cinder's upload-to-image):
   * creates an image with these attributes for the caller and streams the data into it.
   * Same policies, inspection and status machine as the REST path.
   */
  async createImageFromStream(ctx: RequestContext, attributes: Record<string, unknown>, data: AsyncIterable<Buffer | Uint8Array>): Promise<ImageRecord> {
    const image = await this.create(ctx, attributes);
    try {
      this.identity.authorize(ctx, 'upload_image', await this.target(ctx, image));
      return await this.storeData(image, data, 'saving');
    } catch (error) {
      await this.db.images.delete(image.id);
      throw error;
    }
  }

  // --- interoperable import -----------------------------------------------------------------

  async stage(ctx: RequestContext, id: string, data: AsyncIterable<Buffer | Uint8Array>): Promise<void> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'upload_image', await this.target(ctx, image));
    if (image.status !== 'queued') throw conflict(`Image status transition from ${image.status} to uploading is not allowed`);
    const uploading = await this.setStatus(image, 'uploading');
    if (!uploading) throw conflict(`Image status transition from ${image.status} to uploading is not allowed`);
    try {
      const staged = await this.staging.put(id, data, { maxSize: this.options.sizeCap });
      await this.db.images.update(id, { size: staged.size });
    } catch (error) {
      await this.setStatus(uploading, 'queued');
      if (error instanceof ImageTooLargeError) throw new ApiError(413, `Image exceeds the storage quota: the limit is ${error.limit} bytes.`);
      throw error;
    }
  }

  /** POST /import: checks the request now (400/403/409), runs the import as a task. */
  async import(ctx: RequestContext, id: string, body: unknown): Promise<TaskRecord> {
    const image = await this.find(ctx, id);
    const target = await this.target(ctx, image);
    const request = (body ?? {}) as Record<string, any>;
    const method = request.method?.name;
    if (typeof method !== 'string') throw badRequest('Import request requires a \'method\' field.');
    if (!IMPORT_METHODS.includes(method)) throw badRequest(`Import method ${method} is not valid.`);
    const stores: string[] | undefined = Array.isArray(request.stores) ? request.stores : undefined;
    for (const s of stores ?? []) if (s !== this.store.id) throw badRequest(`Unknown store(s) requested: ${String(s)}`);
    if (method === 'copy-image') {
      this.identity.authorize(ctx, 'copy_image', target);
      if (image.status !== 'active') throw conflict(`Image ${id} is not active: copy-image needs an active image.`);
      if (!stores && request.all_stores !== true) throw badRequest('Copy-image requires stores or all_stores.');
    } else {
      this.identity.authorize(ctx, 'modify_image', target);
      if (method === 'glance-direct' && image.status !== 'uploading') {
        throw conflict("Image needs to be staged before 'glance-direct' method can be used");
      }
      if (method === 'web-download') {
        if (image.status !== 'queued') throw conflict(`Image status must be 'queued' for 'web-download', not '${image.status}'`);
        const uri = request.method?.uri;
        if (typeof uri !== 'string' || !this.uriAllowed(uri)) throw badRequest(`URI for web-download does not pass filtering: ${String(uri)}`);
      }
      if (!image.disk_format || !image.container_format) {
        throw badRequest('Properties disk_format, container_format must be set prior to saving data.');
      }
    }
    const now = this.clock.now();
    const task: TaskRecord = {
      id: uuid(),
      type: 'api_image_import',
      status: 'processing',
      owner: this.project(ctx) ?? null,
      image_id: id,
      request_id: ctx.requestId,
      user_id: ctx.auth?.userId ?? null,
      input: { image_id: id, import_req: request, backend: stores ?? [this.store.id] },
      result: null,
      message: '',
      created_at: isoSeconds(now),
      updated_at: isoSeconds(now),
      expires_at: null,
    };
    await this.db.tasks.insert(task);
    if (method !== 'copy-image') {
      await this.save(image, { ...image, properties: { ...image.properties, os_glance_importing_to_stores: this.store.id, os_glance_failed_import: '' } });
    }
    // The import runs after the 202, as Glance's task executor does.
    setImmediate(() => void this.runImport(task.id, id, method, request));
    return task;
  }

  private uriAllowed(uri: string): boolean {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return this.options.webDownloadAllowedHosts.includes(url.hostname);
  }

  private async runImport(taskId: string, imageId: string, method: string, request: Record<string, any>): Promise<void> {
    let failure: string | undefined;
    try {
      const image = await this.db.images.get(imageId);
      if (!image) throw new Error(`image ${imageId} is gone`);
      if (method === 'glance-direct') {
        const staged = await this.staging.get(imageId);
        await this.storeData(image, staged, 'importing', ['uploading']);
        await this.staging.delete(imageId);
      } else if (method === 'web-download') {
        const response = await fetch(String(request.method.uri), { redirect: 'error' });
        if (!response.ok || !response.body) throw new Error(`web-download got HTTP ${response.status}`);
        await this.storeData(image, response.body as unknown as AsyncIterable<Uint8Array>, 'importing');
      }
      // copy-image: the only store already holds the data.
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    const current = await this.db.images.get(imageId);
    if (current && method !== 'copy-image') {
      const properties = { ...current.properties, os_glance_importing_to_stores: '', os_glance_failed_import: failure ? this.store.id : '' };
      if (failure && method === 'glance-direct') await this.staging.delete(imageId);
      await this.db.images.update(imageId, { properties, ...(failure && current.status !== 'active' ? { status: 'queued' as const } : {}) });
    }
    const now = this.clock.now();
    await this.db.tasks.update(taskId, {
      status: failure ? 'failure' : 'success',
      message: failure ?? '',
      result: failure ? null : { image_id: imageId },
      updated_at: isoSeconds(now),
      expires_at: isoSeconds(now + 48 * 3600 * 1000),
    });
  }

  async imageTasks(ctx: RequestContext, id: string): Promise<TaskRecord[]> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'get_image', await this.target(ctx, image));
    return this.db.tasks.find({ image_id: id }, { sort: [['created_at', 'desc']] });
  }

  // --- members ------------------------------------------------------------------------------

  async addMember(ctx: RequestContext, id: string, memberId: unknown): Promise<MemberRecord> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'add_member', await this.memberTarget(ctx, image));
    if (typeof memberId !== 'string' || memberId === '' || memberId.length > 255) {
      throw badRequest("Provided object does not match schema 'member': 'member' must be a non-empty string");
    }
    if (image.owner !== this.project(ctx) && !this.isAdmin(ctx)) throw forbidden('You are not permitted to create image members for the image.');
    if (image.visibility !== 'shared') throw forbidden('Only shared images have members.');
    const now = isoSeconds(this.clock.now());
    try {
      const { _rev, ...member } = await this.db.members.insert({
        id: memberKey(id, memberId),
        image_id: id,
        member_id: memberId,
        status: 'pending',
        created_at: now,
        updated_at: now,
      });
      void _rev;
      return member as MemberRecord;
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw conflict(`Member ${memberId} is duplicated for image ${id}`);
      throw error;
    }
  }

  async listMembers(ctx: RequestContext, id: string): Promise<MemberRecord[]> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'get_members', await this.memberTarget(ctx, image));
    if (image.visibility !== 'shared') throw forbidden('Only shared images have members.');
    const members = await this.db.members.find({ image_id: id }, { sort: [['created_at', 'asc']] });
    // A member sees its own membership only; the owner and admins see them all.
    if (image.owner === this.project(ctx) || this.isAdmin(ctx)) return members;
    return members.filter((m) => m.member_id === this.project(ctx));
  }

  async showMember(ctx: RequestContext, id: string, memberId: string): Promise<MemberRecord> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'get_member', await this.memberTarget(ctx, image));
    const member = await this.db.members.get(memberKey(id, memberId));
    const mayRead = image.owner === this.project(ctx) || memberId === this.project(ctx) || this.isAdmin(ctx);
    if (!member || !mayRead) throw new ApiError(404, `Member ${memberId} not found`);
    return member;
  }

  async updateMember(ctx: RequestContext, id: string, memberId: string, body: unknown): Promise<MemberRecord> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'modify_member', await this.memberTarget(ctx, image));
    const status = (body as Record<string, unknown> | undefined)?.status;
    if (!MEMBER_STATUSES.includes(status as never)) {
      throw badRequest(`Provided object does not match schema 'member': ${JSON.stringify(status ?? null)} is not one of ['pending', 'accepted', 'rejected']`);
    }
    const member = await this.db.members.get(memberKey(id, memberId));
    if (!member) throw new ApiError(404, `Member ${memberId} not found`);
    // Only the member decides whether it accepts an image shared with it.
    if (memberId !== this.project(ctx)) throw forbidden(`You are not permitted to modify 'status' on this image member.`);
    const updated = await this.db.members.update(member.id, { status: status as MemberRecord['status'], updated_at: isoSeconds(this.clock.now()) });
    if (!updated) throw new ApiError(404, `Member ${memberId} not found`);
    return updated;
  }

  async deleteMember(ctx: RequestContext, id: string, memberId: string): Promise<void> {
    const image = await this.find(ctx, id);
    this.identity.authorize(ctx, 'delete_member', await this.memberTarget(ctx, image));
    if (image.owner !== this.project(ctx) && !this.isAdmin(ctx)) throw forbidden('You are not permitted to delete image members for the image.');
    if (!(await this.db.members.delete(memberKey(id, memberId)))) throw new ApiError(404, `Member ${memberId} not found`);
  }
}

function memberKey(imageId: string, memberId: string): string {
  return `${imageId}:${memberId}`;
}
