// Volumes: create (empty, from a snapshot, from a volume), list/detail with Cinder's filters,
// show, update, delete (cascade), the actions (the classic attach ones in attach-actions.ts) and
// metadata. Backend work runs in the background and moves the status on, as cinder-volume does:
// creating -> available, deleting -> gone.
import type { ApiResponse, OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { atLeast } from '../../platform/http/microversion.ts';
import { MarkerNotFoundError, type Filter } from '../../platform/store/store.ts';
import { uuid } from '../../platform/ids.ts';
import { AVAILABILITY_ZONE, HOST, cinderTime, inBackground, type BackupRecord, type VolumeRecord, type VolumeTypeRecord } from './model.ts';
import { authorize } from './policies.ts';
import {
  asBoolean, asInteger, callerIsAdmin, entity, fieldError, optionalString, projectOf, projectUrl, validMetadata, type CinderDeps,
} from './context.ts';
import { badRequest, invalidInput, invalidSnapshot, invalidVolume, notFound, snapshotNotFound, volumeNotFound } from './errors.ts';
import { findOptions, nextLinks, parseBool, parseMetadataFilter, parsePage, queryValue } from './listing.ts';
import { viewerRights, volumeDetail, volumeSummary } from './volume-views.ts';
import { checkQuota } from './quotas.ts';
import { defaultType, resolveType } from './volume-types.ts';
import { metadataHandlers } from './metadata.ts';
import { ATTACH_ACTIONS, runAttachAction } from './attach-actions.ts';
import {
  asImageCaller, checkImageFits, copyImageToVolume, imageForVolume, imageMetadataOf, parseUploadRequest, volumeImageData,
} from './image-transfer.ts';
import type { ImageRecord } from '../image/model.ts';
import { GiB } from '../../backends/block/driver.ts';
import { MESSAGE_EVENTS, recordMessage } from './messages.ts';
import { choosePool, poolStates } from './scheduler.ts';
import { MultiBlockDriver } from '../../backends/block/multi-backend.ts';

const SORT_FIELDS: Record<string, string> = {
  id: 'id', name: 'name', display_name: 'name', status: 'status', size: 'size', created_at: 'created_at',
  updated_at: 'updated_at', availability_zone: 'availability_zone', bootable: 'bootable', description: 'description',
  display_description: 'description', volume_type_id: 'volume_type_id', project_id: 'project_id', user_id: 'user_id',
};

/** statuses `os-reset_status` accepts for a volume */
const RESET_STATUSES = new Set([
  'available', 'error', 'creating', 'deleting', 'in-use', 'attaching', 'detaching', 'error_deleting', 'maintenance',
  'reserved', 'error_extending', 'extending', 'downloading', 'uploading', 'retyping', 'backing-up', 'restoring-backup',
  'error_restoring', 'error_managing', 'awaiting-transfer',
]);
/** volume_image_metadata keys that describe the source image itself, not properties to pass on */
const IMAGE_CORE_KEYS = new Set(['image_id', 'image_name', 'checksum', 'container_format', 'disk_format', 'min_disk', 'min_ram', 'size']);
const DELETABLE = new Set(['available', 'error', 'error_restoring', 'error_extending', 'error_managing']);

export function volumeHandlers(deps: CinderDeps): Record<string, OperationHandler> {
  const { storage, identity } = deps;
  const typeCache = async () => new Map((await storage.types.find({})).map((t) => [t.id, t]));

  /** the volume if the caller may see it (other projects' volumes are 404 to non-admins) */
  async function loadVolume(ctx: RequestContext, id: string, action: string): Promise<VolumeRecord> {
    const volume = await storage.volumes.get(id);
    if (!volume || (volume.project_id !== projectOf(ctx) && !callerIsAdmin(deps, ctx))) throw volumeNotFound(id);
    authorize(identity, ctx, action, { project_id: volume.project_id, user_id: volume.user_id });
    return volume;
  }

  async function render(ctx: RequestContext, volume: VolumeRecord, bare = false): Promise<Record<string, unknown>> {
    const type = await storage.types.get(volume.volume_type_id);
    return volumeDetail(ctx, volume, type, viewerRights(deps, ctx), bare);
  }

  async function list(ctx: RequestContext, detailed: boolean): Promise<ApiResponse> {
    authorize(identity, ctx, 'volume:get_all');
    const page = parsePage(ctx, SORT_FIELDS);
    const filter: Filter = {};
    const admin = callerIsAdmin(deps, ctx);
    const allTenants = queryValue(ctx, 'all_tenants');
    if (!(admin && allTenants !== undefined && parseBool(allTenants, 'all_tenants'))) filter.project_id = projectOf(ctx);
    const name = queryValue(ctx, 'name');
    if (name !== undefined) filter.name = name;
    const status = queryValue(ctx, 'status');
    if (status !== undefined) filter.status = status;
    const az = queryValue(ctx, 'availability_zone');
    if (az !== undefined) filter.availability_zone = az;
    const bootable = queryValue(ctx, 'bootable');
    if (bootable !== undefined) filter.bootable = parseBool(bootable, 'bootable');
    const metadata = queryValue(ctx, 'metadata');
    if (metadata !== undefined) {
      for (const [k, v] of Object.entries(parseMetadataFilter(metadata))) filter[`metadata.${k}`] = v;
    }
    let found: VolumeRecord[];
    try {
      found = await storage.volumes.find(filter, findOptions(page));
    } catch (error) {
      if (error instanceof MarkerNotFoundError) throw notFound(`Marker ${page.marker} could not be found.`);
      throw error;
    }
    const items = found.slice(page.offset, page.offset + page.limit);
    const types = await typeCache();
    const rights = viewerRights(deps, ctx);
    const body: Record<string, unknown> = {
      volumes: items.map((v) => (detailed ? volumeDetail(ctx, v, types.get(v.volume_type_id), rights) : volumeSummary(ctx, v))),
    };
    const links = nextLinks(ctx, `${projectUrl(ctx)}/volumes${detailed ? '/detail' : ''}`, page, items);
    if (links) body.volumes_links = links;
    const withCount = queryValue(ctx, 'with_count');
    if (atLeast(ctx.microversion, '3.45') && withCount !== undefined && parseBool(withCount, 'with_count')) {
      body.count = await storage.volumes.count(filter);
    }
    return { status: 200, body };
  }

  async function create(ctx: RequestContext): Promise<ApiResponse> {
    const body = entity(ctx, 'volume');
    const project = projectOf(ctx);
    authorize(identity, ctx, 'volume:create');
    const name = optionalString(body, 'name') ?? optionalString(body, 'display_name') ?? null;
    const description = optionalString(body, 'description') ?? optionalString(body, 'display_description') ?? null;
    const metadata = body.metadata === undefined || body.metadata === null ? {} : validMetadata(body.metadata);
    const az = optionalString(body, 'availability_zone') ?? AVAILABILITY_ZONE;
    if (az !== AVAILABILITY_ZONE) throw badRequest(`Availability zone '${az}' is invalid.`);
    let size: number | undefined;
    if (body.size !== undefined && body.size !== null) {
      size = asInteger(body.size);
      if (size === undefined) throw fieldError('size', body.size, `${JSON.stringify(body.size)} is not of type 'integer', 'string', 'null'`);
      if (size < 1) throw fieldError('size', body.size, `${size} is less than the minimum of 1`);
      if (size > 2 ** 31 - 1) throw fieldError('size', body.size, `${size} is greater than the maximum of 2147483647`);
    }
    const multiattach = body.multiattach === undefined ? false : asBoolean(body.multiattach);
    if (multiattach === undefined) throw fieldError('multiattach', body.multiattach, `${JSON.stringify(body.multiattach)} is not of type 'boolean'`);

    let sourceSnapshot: Awaited<ReturnType<typeof storage.snapshots.get>>;
    let sourceVolume: VolumeRecord | undefined;
    const snapshotId = optionalString(body, 'snapshot_id');
    const sourceId = optionalString(body, 'source_volid');
    if (snapshotId) {
      sourceSnapshot = await storage.snapshots.get(snapshotId);
      if (!sourceSnapshot || (sourceSnapshot.project_id !== project && !callerIsAdmin(deps, ctx))) throw snapshotNotFound(snapshotId);
      if (sourceSnapshot.status !== 'available') {
        throw invalidSnapshot(`Originating snapshot status must be one of 'available' values`);
      }
      size ??= sourceSnapshot.size;
      if (size < sourceSnapshot.size) {
        throw invalidInput(`Volume size '${size}'GB cannot be smaller than the snapshot size ${sourceSnapshot.size}GB. They must be >= original snapshot size.`);
      }
      sourceVolume = await storage.volumes.get(sourceSnapshot.volume_id);
    } else if (sourceId) {
      sourceVolume = await storage.volumes.get(sourceId);
      if (!sourceVolume || (sourceVolume.project_id !== project && !callerIsAdmin(deps, ctx))) throw volumeNotFound(sourceId);
      if (sourceVolume.status !== 'available' && sourceVolume.status !== 'in-use') {
        throw invalidVolume(`Unable to clone volumes that are in an error state or not available.`);
      }
      size ??= sourceVolume.size;
      if (size < sourceVolume.size) {
        throw invalidInput(`Volume size '${size}'GB cannot be smaller than original volume size ${sourceVolume.size}GB. They must be >= original volume size.`);
      }
    }
    const backupId = atLeast(ctx.microversion, '3.47') ? optionalString(body, 'backup_id') : undefined;
    let backup: BackupRecord | undefined;
    if (backupId && !sourceSnapshot && !sourceVolume) {
      backup = await storage.backups.get(backupId);
      if (!backup || (backup.project_id !== project && !callerIsAdmin(deps, ctx))) throw notFound(`Backup ${backupId} could not be found.`);
      if (backup.status !== 'available') throw badRequest(`Invalid backup: Backup status must be available`);
      size ??= backup.size;
      if (size < backup.size) throw invalidInput(`Volume size ${size}GB cannot be smaller than the backup size ${backup.size}GB.`);
    }
    const imageRef = optionalString(body, 'imageRef') ?? optionalString(body, 'image_id');
    let image: ImageRecord | undefined;
    if (imageRef && !sourceSnapshot && !sourceVolume && !backup) {
      authorize(identity, ctx, 'volume:create_from_image');
      if (!deps.images) throw badRequest('Creating a volume from an image needs the image service, which this process does not run.');
      image = await imageForVolume(deps.images, ctx, imageRef);
      size ??= Math.max(1, image.min_disk, Math.ceil(Math.max(image.size ?? 0, image.virtual_size ?? 0) / GiB));
      checkImageFits(image, size);
    }
    if (size === undefined) throw invalidInput(`Volume size '${String(body.size ?? null)}' must be an integer and greater than 0`);

    const typeRef = optionalString(body, 'volume_type');
    let type: VolumeTypeRecord;
    if (typeRef) type = await resolveType(deps, ctx, typeRef);
    else if (sourceVolume) type = (await storage.types.get(sourceVolume.volume_type_id)) ?? (await defaultType(deps));
    else type = await defaultType(deps);

    await checkQuota(storage, project, type, { volumes: 1, gigabytes: size });
    // a copy stays on the backend of its source; a new volume goes where the scheduler places it
    const sourceHost = sourceVolume?.host ?? (sourceSnapshot ? (await storage.volumes.get(sourceSnapshot.volume_id))?.host : undefined);
    const placed = sourceSnapshot || sourceVolume ? undefined : choosePool(await poolStates(storage), type.extra_specs, size);
    const legacyHost = `${HOST}@${storage.driver.name}#${storage.driver.name}`;
    const host = sourceSnapshot || sourceVolume ? (sourceHost ?? legacyHost) : (placed?.pool ?? null);
    const now = storage.clock.now();
    const volume: VolumeRecord = {
      id: uuid(),
      project_id: project,
      user_id: ctx.auth?.userId ?? '',
      name,
      description,
      status: 'creating',
      attach_status: 'detached',
      migration_status: null,
      size,
      availability_zone: az,
      bootable: image ? true : (sourceVolume?.bootable ?? false),
      // a volume type with the multiattach extra spec makes its volumes multiattach
      multiattach: multiattach || /^<is>\s*true$/i.test(type.extra_specs.multiattach ?? ''),
      volume_type_id: type.id,
      snapshot_id: sourceSnapshot?.id ?? null,
      source_volid: sourceSnapshot ? null : (sourceVolume?.id ?? null),
      metadata,
      admin_metadata: {},
      attachments: [],
      volume_image_metadata: image ? imageMetadataOf(image) : (sourceVolume?.volume_image_metadata ?? null),
      host,
      service_uuid: storage.serviceUuid,
      created_at: now,
      updated_at: null,
    };
    const inserted = await storage.volumes.insert(volume);
    const finalSize = size;
    const requestId = ctx.requestId;
    inBackground(storage, async () => {
      let status = 'available';
      const fail = (event: { event_id: string; user_message: string }) =>
        recordMessage(storage, project, requestId, { type: 'VOLUME', id: volume.id }, event).catch(() => undefined);
      // the scheduler's capabilities filter: a new volume needs a backend its type's specs match
      if (!sourceSnapshot && !sourceVolume && !placed) {
        await storage.volumes.update(volume.id, { status: 'error', updated_at: storage.clock.now() });
        await fail(MESSAGE_EVENTS.noValidBackend);
        return;
      }
      if (placed && storage.driver instanceof MultiBlockDriver) storage.driver.place(volume.id, placed.backend.name);
      try {
        if (sourceSnapshot) await storage.driver.createVolumeFromSnapshot(sourceSnapshot.id, volume.id, finalSize);
        else if (sourceVolume) await storage.driver.cloneVolume(sourceVolume.id, volume.id, finalSize);
        else if (backup) {
          await storage.driver.createVolume(volume.id, finalSize);
          await storage.backups.update(backup.id, { status: 'restoring' });
          try {
            await storage.backupStore.restore(storage.driver, backup.id, volume.id, true);
          } finally {
            await storage.backups.update(backup.id, { status: 'available', updated_at: storage.clock.now() });
          }
        } else if (image && deps.images) {
          await storage.driver.createVolume(volume.id, finalSize);
          await storage.volumes.update(volume.id, { status: 'downloading', updated_at: storage.clock.now() });
          await copyImageToVolume(storage.driver, deps.images, image, volume.id);
        } else await storage.driver.createVolume(volume.id, finalSize);
      } catch {
        status = 'error';
        await fail(image ? MESSAGE_EVENTS.imageCopyFailed : MESSAGE_EVENTS.createFailed);
      }
      await storage.volumes.update(volume.id, { status, updated_at: storage.clock.now() });
    });
    return { status: 202, body: { volume: volumeDetail(ctx, inserted, type, viewerRights(deps, ctx), true) } };
  }

  async function update(ctx: RequestContext): Promise<ApiResponse> {
    const body = entity(ctx, 'volume');
    const volume = await loadVolume(ctx, ctx.params.volume_id, 'volume:update');
    const allowed = new Set(['name', 'description', 'display_name', 'display_description', 'metadata']);
    const extra = Object.keys(body).filter((k) => !allowed.has(k));
    if (extra.length) throw fieldError('volume', body, `Additional properties are not allowed ('${extra[0]}' was unexpected)`);
    const changes: Partial<VolumeRecord> = { updated_at: storage.clock.now() };
    const name = 'name' in body ? optionalString(body, 'name') : optionalString(body, 'display_name');
    if (name !== undefined) changes.name = name;
    const description = 'description' in body ? optionalString(body, 'description') : optionalString(body, 'display_description');
    if (description !== undefined) changes.description = description;
    if (body.metadata !== undefined) changes.metadata = validMetadata(body.metadata);
    const updated = (await storage.volumes.update(volume.id, changes))!;
    // like create, update answers without the show/detail extension attributes
    return { status: 200, body: { volume: await render(ctx, updated, true) } };
  }

  /** deletes the volume (and with `cascade` its snapshots) in the background */
  async function startDelete(volume: VolumeRecord, cascade: boolean): Promise<void> {
    const snapshots = await storage.snapshots.find({ volume_id: volume.id });
    if (snapshots.length && !cascade) {
      throw invalidVolume('Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.');
    }
    for (const s of snapshots) await storage.snapshots.update(s.id, { status: 'deleting' });
    await storage.volumes.update(volume.id, { status: 'deleting', updated_at: storage.clock.now() });
    inBackground(storage, async () => {
      try {
        for (const s of snapshots) {
          await storage.driver.deleteSnapshot(s.id);
          await storage.snapshots.delete(s.id);
        }
        await storage.driver.deleteVolume(volume.id);
        await storage.volumes.delete(volume.id);
      } catch {
        await storage.volumes.update(volume.id, { status: 'error_deleting' });
      }
    });
  }

  async function remove(ctx: RequestContext): Promise<ApiResponse> {
    const volume = await loadVolume(ctx, ctx.params.volume_id, 'volume:delete');
    const cascadeRaw = queryValue(ctx, 'cascade');
    const cascade = cascadeRaw !== undefined && parseBool(cascadeRaw, 'cascade');
    const forceRaw = queryValue(ctx, 'force');
    const force = forceRaw !== undefined && parseBool(forceRaw, 'force');
    if (force) authorize(identity, ctx, 'volume_extension:volume_admin_actions:force_delete', { project_id: volume.project_id });
    if (!force && (!DELETABLE.has(volume.status) || volume.attach_status !== 'detached' || volume.migration_status)) {
      throw invalidVolume('Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.');
    }
    if (cascade) {
      const busy = (await storage.snapshots.find({ volume_id: volume.id })).find((s) => s.status !== 'available' && s.status !== 'error');
      if (busy) throw invalidVolume(`Snapshot ${busy.id} must not be part of a group and must be available or error.`);
    }
    await startDelete(volume, cascade);
    return { status: 202 };
  }

  async function action(ctx: RequestContext): Promise<ApiResponse> {
    const body = ctx.body;
    if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length !== 1) {
      throw badRequest('There is no such action: None');
    }
    const [name, args] = Object.entries(body as Record<string, unknown>)[0];
    const id = ctx.params.volume_id;
    switch (name) {
      case 'os-extend': return extend(ctx, id, args);
      case 'os-set_bootable': {
        const volume = await loadVolume(ctx, id, 'volume:update');
        const value = asBoolean((args as Record<string, unknown> | null)?.bootable);
        if (value === undefined) throw invalidInput(`Invalid value for 'bootable': ${JSON.stringify((args as Record<string, unknown> | null)?.bootable ?? null)}`);
        await storage.volumes.update(volume.id, { bootable: value, updated_at: storage.clock.now() });
        return { status: 200 };
      }
      case 'os-update_readonly_flag': {
        const volume = await loadVolume(ctx, id, 'volume:update_readonly_flag');
        const value = asBoolean((args as Record<string, unknown> | null)?.readonly);
        if (value === undefined) throw invalidInput(`Invalid value for 'readonly': ${JSON.stringify((args as Record<string, unknown> | null)?.readonly ?? null)}`);
        if (volume.status !== 'available') throw invalidVolume(`Volume ${volume.id} status must be available to update readonly flag, but current status is: ${volume.status}.`);
        await storage.volumes.update(volume.id, { admin_metadata: { ...volume.admin_metadata, readonly: value ? 'True' : 'False' }, updated_at: storage.clock.now() });
        return { status: 202 };
      }
      case 'os-reset_status': {
        const volume = await loadVolume(ctx, id, 'volume_extension:volume_admin_actions:reset_status');
        const a = (args ?? {}) as Record<string, unknown>;
        const changes: Partial<VolumeRecord> = { updated_at: storage.clock.now() };
        if (a.status !== undefined) {
          if (typeof a.status !== 'string' || !RESET_STATUSES.has(a.status.toLowerCase())) throw invalidInput(`Must specify a valid status`);
          changes.status = a.status.toLowerCase();
        }
        if (a.attach_status !== undefined) {
          if (a.attach_status !== 'attached' && a.attach_status !== 'detached') throw invalidInput('Must specify a valid attach status');
          changes.attach_status = a.attach_status;
        }
        if (a.migration_status !== undefined) {
          changes.migration_status = a.migration_status === 'none' || a.migration_status === null ? null : String(a.migration_status);
        }
        if (Object.keys(changes).length === 1) throw invalidInput('Must specify \'status\', \'attach_status\' or \'migration_status\' for update.');
        await storage.volumes.update(volume.id, changes);
        return { status: 202 };
      }
      case 'os-volume_upload_image': return uploadToImage(ctx, id, args);
      case 'os-set_image_metadata':
      case 'os-unset_image_metadata':
      case 'os-show_image_metadata': return imageMetadataAction(ctx, id, name, args);
      case 'os-retype': return retype(ctx, id, args);
      case 'os-force_delete': {
        const volume = await loadVolume(ctx, id, 'volume_extension:volume_admin_actions:force_delete');
        await startDelete(volume, false);
        return { status: 202 };
      }
      default:
        if (ATTACH_ACTIONS[name]) return runAttachAction(storage, await loadVolume(ctx, id, ATTACH_ACTIONS[name]), name, args);
        await loadVolume(ctx, id, 'volume:get');
        throw badRequest(`There is no such action: ${name}`);
    }
  }

  /** os-set/unset/show_image_metadata: the volume's copy of its image's metadata */
  async function imageMetadataAction(ctx: RequestContext, id: string, name: string, rawArgs: unknown): Promise<ApiResponse> {
    const args = (rawArgs && typeof rawArgs === 'object' && !Array.isArray(rawArgs) ? rawArgs : {}) as Record<string, unknown>;
    if (name === 'os-show_image_metadata') {
      const volume = await loadVolume(ctx, id, 'volume_extension:volume_image_metadata:show');
      return { status: 200, body: { metadata: { ...(volume.volume_image_metadata ?? {}) } } };
    }
    const rule = name === 'os-set_image_metadata' ? 'volume_extension:volume_image_metadata:set' : 'volume_extension:volume_image_metadata:remove';
    const volume = await loadVolume(ctx, id, rule);
    if (!['available', 'in-use'].includes(volume.status)) {
      throw invalidVolume(`Volume ${volume.id} status must be available or in-use, but current status is: ${volume.status}.`);
    }
    const current = { ...(volume.volume_image_metadata ?? {}) };
    if (name === 'os-set_image_metadata') {
      const metadata = validMetadata(args.metadata);
      const updated = { ...current, ...metadata };
      await storage.volumes.update(volume.id, { volume_image_metadata: updated, updated_at: storage.clock.now() });
      return { status: 200, body: { metadata: updated } };
    }
    const key = args.key;
    if (typeof key !== 'string' || !key) throw fieldError('key', key ?? null, `${JSON.stringify(key ?? null)} is not of type 'string'`);
    if (!(key in current)) throw notFound(`Glance metadata for volume ${volume.id} cannot be found.`);
    delete current[key];
    await storage.volumes.update(volume.id, { volume_image_metadata: current, updated_at: storage.clock.now() });
    return { status: 200 };
  }

  /** os-retype: every type lands on this backend, so a retype never migrates data */
  async function retype(ctx: RequestContext, id: string, rawArgs: unknown): Promise<ApiResponse> {
    const volume = await loadVolume(ctx, id, 'volume:retype');
    const args = (rawArgs && typeof rawArgs === 'object' && !Array.isArray(rawArgs) ? rawArgs : {}) as Record<string, unknown>;
    if (typeof args.new_type !== 'string' || !args.new_type) throw fieldError('new_type', args.new_type ?? null, "'new_type' is a required property");
    const policy = args.migration_policy ?? 'never';
    if (policy !== 'never' && policy !== 'on-demand') throw invalidInput(`Invalid value for migration_policy: ${String(policy)}`);
    if (!['available', 'in-use'].includes(volume.status)) {
      throw invalidVolume(`Volume ${volume.id} status must be available or in-use, but current status is: ${volume.status}.`);
    }
    const target = await resolveType(deps, ctx, args.new_type);
    if (target.id === volume.volume_type_id) throw invalidInput('Retype requested to the same volume type.');
    const current = (await storage.types.get(volume.volume_type_id)) ?? (await defaultType(deps));
    // volumes of a multiattach type must stay multiattach while attached to several servers
    const targetMulti = /^<is>\s*true$/i.test(target.extra_specs.multiattach ?? '');
    if (!targetMulti && volume.multiattach && (volume.attachments ?? []).length > 1) {
      throw invalidInput('Volume is attached to more than one server; it cannot be retyped to a type without multiattach.');
    }
    // multiattach that came from the old type goes with it; one asked for at create stays
    const fromOldType = /^<is>\s*true$/i.test(current.extra_specs.multiattach ?? '');
    const multiattach = targetMulti || (volume.multiattach && !fromOldType);
    const settled = volume.status;
    await storage.volumes.update(volume.id, { status: 'retyping', updated_at: storage.clock.now() });
    inBackground(storage, async () => {
      await storage.volumes.update(volume.id, {
        status: settled, volume_type_id: target.id, multiattach, updated_at: storage.clock.now(),
      });
    });
    return { status: 202 };
  }

  /** os-volume_upload_image: a new Glance image (queued at once) filled from the volume in the background */
  async function uploadToImage(ctx: RequestContext, id: string, rawArgs: unknown): Promise<ApiResponse> {
    const volume = await loadVolume(ctx, id, 'volume_extension:volume_actions:upload_image');
    const args = (rawArgs && typeof rawArgs === 'object' && !Array.isArray(rawArgs) ? rawArgs : {}) as Record<string, unknown>;
    const request = parseUploadRequest(args);
    if (request.visibility === 'public') authorize(identity, ctx, 'volume_extension:volume_actions:upload_public', { project_id: volume.project_id });
    const force = args.force === undefined ? false : asBoolean(args.force);
    if (force === undefined) throw invalidInput(`Invalid value for 'force': ${JSON.stringify(args.force)}`);
    if (!(volume.status === 'available' || (force && volume.status === 'in-use'))) {
      throw invalidVolume(`Volume ${volume.id} status must be available${force ? ' or in-use' : ''}, but current status is: ${volume.status}.`);
    }
    const images = deps.images;
    if (!images) throw badRequest('Uploading a volume to an image needs the image service, which this process does not run.');
    const glanceCtx = asImageCaller(ctx);
    // the image keeps what the volume knew of its own source image, without the bookkeeping keys
    const inherited: Record<string, string> = {};
    for (const [key, value] of Object.entries(volume.volume_image_metadata ?? {})) {
      if (!IMAGE_CORE_KEYS.has(key)) inherited[key] = value;
    }
    const image = await images.create(glanceCtx, {
      ...inherited,
      name: request.imageName, disk_format: request.diskFormat, container_format: request.containerFormat,
      visibility: request.visibility, protected: request.protected,
    });
    const settled = volume.status;
    const now = storage.clock.now();
    await storage.volumes.update(volume.id, { status: 'uploading', updated_at: now });
    inBackground(storage, async () => {
      try {
        const { data, cleanup } = await volumeImageData(storage.driver, volume.id, volume.size, request.diskFormat);
        try {
          await images.upload(glanceCtx, image.id, data);
        } finally {
          await cleanup();
        }
      } catch {
        await images.delete(glanceCtx, image.id).catch(() => undefined);
      }
      await storage.volumes.update(volume.id, { status: settled, updated_at: storage.clock.now() });
    });
    const type = await storage.types.get(volume.volume_type_id);
    return {
      status: 202,
      body: {
        'os-volume_upload_image': {
          id: volume.id,
          updated_at: cinderTime(now),
          status: 'uploading',
          display_description: volume.description,
          size: volume.size,
          volume_type: type ? {
            id: type.id, name: type.name, description: type.description, is_public: type.is_public,
            extra_specs: type.extra_specs, qos_specs_id: null, created_at: cinderTime(type.created_at),
            updated_at: null, deleted: false, deleted_at: null,
          } : null,
          image_id: image.id,
          container_format: request.containerFormat,
          disk_format: request.diskFormat,
          image_name: request.imageName,
          visibility: request.visibility,
          protected: request.protected,
        },
      },
    };
  }

  async function extend(ctx: RequestContext, id: string, args: unknown): Promise<ApiResponse> {
    let volume = await loadVolume(ctx, id, 'volume:extend');
    const raw = (args as Record<string, unknown> | null)?.new_size;
    const newSize = asInteger(raw);
    if (newSize === undefined || newSize < 1) throw fieldError('new_size', raw ?? null, `${JSON.stringify(raw ?? null)} is not of type 'integer', 'string'`);
    const inUseAllowed = atLeast(ctx.microversion, '3.42');
    if (volume.status === 'in-use') {
      if (!inUseAllowed) throw invalidVolume(`Volume status must be available to extend, but current status is: ${volume.status}.`);
      volume = await loadVolume(ctx, id, 'volume:extend_attached_volume');
    } else if (volume.status !== 'available') {
      throw invalidVolume(`Volume status must be ${inUseAllowed ? "'available' or 'in-use'" : 'available'} to extend, but current status is: ${volume.status}.`);
    }
    if (newSize <= volume.size) {
      throw invalidInput(`New size for extend must be greater than current size. (current: ${volume.size}, extended: ${newSize}).`);
    }
    const type = (await storage.types.get(volume.volume_type_id)) ?? (await defaultType(deps));
    await checkQuota(storage, volume.project_id, type, { gigabytes: newSize - volume.size });
    const settled = volume.status;
    await storage.volumes.update(volume.id, { status: 'extending', updated_at: storage.clock.now() });
    inBackground(storage, async () => {
      try {
        await storage.driver.extendVolume(volume.id, newSize);
        await storage.volumes.update(volume.id, { status: settled, size: newSize, updated_at: storage.clock.now() });
      } catch {
        await storage.volumes.update(volume.id, { status: 'error_extending' });
      }
    });
    return { status: 202 };
  }

  async function summary(ctx: RequestContext): Promise<ApiResponse> {
    if (!atLeast(ctx.microversion, '3.12')) throw notFound('The resource could not be found.');
    authorize(identity, ctx, 'volume:get_all');
    const allTenants = queryValue(ctx, 'all_tenants');
    const everyone = callerIsAdmin(deps, ctx) && allTenants !== undefined && parseBool(allTenants, 'all_tenants');
    const volumes = await storage.volumes.find(everyone ? {} : { project_id: projectOf(ctx) });
    const body: Record<string, unknown> = {
      total_size: volumes.reduce((sum, v) => sum + v.size, 0),
      total_count: volumes.length,
    };
    if (atLeast(ctx.microversion, '3.36')) {
      // every metadata key with the values it has across the volumes
      const metadata: Record<string, string[]> = {};
      for (const v of volumes) {
        for (const [k, value] of Object.entries(v.metadata)) {
          metadata[k] ??= [];
          if (!metadata[k].includes(value)) metadata[k].push(value);
        }
      }
      body.metadata = metadata;
    }
    return { status: 200, body: { 'volume-summary': body } };
  }

  return {
    showVolumeSummary: summary,
    listVolumes: (ctx) => list(ctx, false),
    listVolumesDetail: (ctx) => list(ctx, true),
    createVolume: create,
    showVolume: async (ctx) => ({ status: 200, body: { volume: await render(ctx, await loadVolume(ctx, ctx.params.volume_id, 'volume:get')) } }),
    updateVolume: update,
    deleteVolume: remove,
    volumeAction: action,
    ...metadataHandlers('Volume', {
      noun: 'Volume',
      load: async (ctx, kind) => loadVolume(ctx, ctx.params.volume_id, kind === 'get' ? 'volume:get_volume_metadata' : kind === 'update' ? 'volume:update_volume_metadata' : 'volume:delete_volume_metadata'),
      save: async (id, metadata) => {
        await storage.volumes.update(id, { metadata, updated_at: storage.clock.now() });
      },
    }),
  };
}
