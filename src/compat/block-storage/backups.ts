// Volume backups: full and incremental (chunks in <dataDir>/backups, see
// backends/block/backup-store.ts), restore into a new or an existing volume, delete (not while
// an incremental depends on it), update (3.9), reset-status and force-delete for admins.
// Status: creating -> available, restoring -> available, deleting -> gone; the volume shows
// backing-up and restoring-backup meanwhile.
import type { ApiResponse, OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { atLeast } from '../../platform/http/microversion.ts';
import { MarkerNotFoundError, type Filter } from '../../platform/store/store.ts';
import { uuid } from '../../platform/ids.ts';
import { authorize } from './policies.ts';
import {
  asBoolean, callerIsAdmin, entity, fieldError, optionalString, projectOf, projectUrl, selfLinks, validMetadata, type CinderDeps,
} from './context.ts';
import { badRequest, invalidInput, invalidVolume, notFound, overLimit, volumeNotFound } from './errors.ts';
import { AVAILABILITY_ZONE, HOST, cinderTime, inBackground, type BackupRecord, type VolumeRecord } from './model.ts';
import { findOptions, nextLinks, parseBool, parsePage, queryValue } from './listing.ts';
import { checkQuota, limitsOf } from './quotas.ts';
import { defaultType } from './volume-types.ts';

const SORT_FIELDS: Record<string, string> = {
  id: 'id', name: 'name', status: 'status', size: 'size', created_at: 'created_at', updated_at: 'updated_at', volume_id: 'volume_id',
};
const RESET_STATUSES = new Set(['available', 'error']);

export const backupNotFound = (id: string) => notFound(`Backup ${id} could not be found.`);
const invalidBackup = (reason: string) => badRequest(`Invalid backup: ${reason}`);

export function backupHandlers(deps: CinderDeps): Record<string, OperationHandler> {
  const { storage, identity } = deps;

  function summary(ctx: RequestContext, b: BackupRecord): Record<string, unknown> {
    return { id: b.id, name: b.name, links: selfLinks(ctx, 'backups', b.id) };
  }

  function detail(ctx: RequestContext, b: BackupRecord, hasDependents: boolean): Record<string, unknown> {
    const body: Record<string, unknown> = {
      ...summary(ctx, b),
      availability_zone: b.availability_zone,
      container: b.container,
      created_at: cinderTime(b.created_at),
      updated_at: cinderTime(b.updated_at),
      data_timestamp: cinderTime(b.data_timestamp),
      description: b.description,
      fail_reason: b.fail_reason,
      has_dependent_backups: hasDependents,
      is_incremental: b.is_incremental,
      object_count: b.object_count,
      size: b.size,
      snapshot_id: b.snapshot_id,
      status: b.status,
      volume_id: b.volume_id,
    };
    if (atLeast(ctx.microversion, '3.18') && callerIsAdmin(deps, ctx)) body['os-backup-project-attr:project_id'] = b.project_id;
    if (atLeast(ctx.microversion, '3.43')) body.metadata = b.metadata;
    if (atLeast(ctx.microversion, '3.56')) body.user_id = b.user_id;
    if (atLeast(ctx.microversion, '3.51')) body.encryption_key_id = null;
    return body;
  }

  const dependents = async (b: BackupRecord) => (await storage.backups.count({ parent_id: b.id })) > 0;

  async function load(ctx: RequestContext, rule: string): Promise<BackupRecord> {
    const id = ctx.params.backup_id;
    const backup = await storage.backups.get(id);
    if (!backup || (backup.project_id !== projectOf(ctx) && !callerIsAdmin(deps, ctx))) throw backupNotFound(id);
    authorize(identity, ctx, rule, { project_id: backup.project_id });
    return backup;
  }

  async function list(ctx: RequestContext, detailed: boolean): Promise<ApiResponse> {
    authorize(identity, ctx, 'backup:get_all');
    const page = parsePage(ctx, SORT_FIELDS);
    const filter: Filter = {};
    const allTenants = queryValue(ctx, 'all_tenants');
    if (!(callerIsAdmin(deps, ctx) && allTenants !== undefined && parseBool(allTenants, 'all_tenants'))) filter.project_id = projectOf(ctx);
    for (const key of ['name', 'status', 'volume_id']) {
      const value = queryValue(ctx, key);
      if (value !== undefined) filter[key] = value;
    }
    let found: BackupRecord[];
    try {
      found = await storage.backups.find(filter, findOptions(page));
    } catch (error) {
      if (error instanceof MarkerNotFoundError) throw notFound(`Marker ${page.marker} could not be found.`);
      throw error;
    }
    const items = found.slice(page.offset, page.offset + page.limit);
    const rendered = [];
    for (const b of items) rendered.push(detailed ? detail(ctx, b, await dependents(b)) : summary(ctx, b));
    const body: Record<string, unknown> = { backups: rendered };
    const links = nextLinks(ctx, `${projectUrl(ctx)}/backups${detailed ? '/detail' : ''}`, page, items);
    if (links) body.backups_links = links;
    return { status: 200, body };
  }

  async function create(ctx: RequestContext): Promise<ApiResponse> {
    const body = entity(ctx, 'backup');
    authorize(identity, ctx, 'backup:create');
    const volumeId = body.volume_id;
    if (typeof volumeId !== 'string' || !volumeId) throw fieldError('backup', body, "'volume_id' is a required property");
    const volume = await storage.volumes.get(volumeId);
    if (!volume || (volume.project_id !== projectOf(ctx) && !callerIsAdmin(deps, ctx))) throw volumeNotFound(volumeId);
    const incremental = body.incremental === undefined ? false : asBoolean(body.incremental);
    if (incremental === undefined) throw fieldError('incremental', body.incremental, `${JSON.stringify(body.incremental)} is not of type 'boolean'`);
    const force = body.force === undefined ? false : asBoolean(body.force);
    if (force === undefined) throw fieldError('force', body.force, `${JSON.stringify(body.force)} is not of type 'boolean'`);
    if (!(volume.status === 'available' || (force && volume.status === 'in-use'))) {
      throw invalidVolume(`Volume to be backed up must be available or in-use, but the current status is "${volume.status}".`);
    }
    const metadata = body.metadata === undefined || body.metadata === null ? {} : validMetadata(body.metadata);
    let parent: BackupRecord | undefined;
    if (incremental) {
      const candidates = await storage.backups.find({ volume_id: volume.id, status: 'available' }, { sort: [['data_timestamp', 'desc']], limit: 1 });
      parent = candidates[0];
      if (!parent) throw invalidBackup('No backups available to do an incremental backup.');
    }
    const limits = await limitsOf(storage, volume.project_id);
    const mine = await storage.backups.find({ project_id: volume.project_id });
    if (limits.backups >= 0 && mine.length + 1 > limits.backups) {
      throw overLimit(`Maximum number of backups allowed (${limits.backups}) exceeded`);
    }
    const used = mine.reduce((sum, b) => sum + b.size, 0);
    if (limits.backup_gigabytes >= 0 && used + volume.size > limits.backup_gigabytes) {
      throw overLimit(`Requested backup exceeds allowed Backup gigabytes quota. Requested ${volume.size}G, quota is ${limits.backup_gigabytes}G and ${used}G has been consumed.`);
    }
    const now = storage.clock.now();
    const record: BackupRecord = {
      id: uuid(), project_id: volume.project_id, user_id: ctx.auth?.userId ?? '', volume_id: volume.id, snapshot_id: null,
      name: optionalString(body, 'name') ?? null, description: optionalString(body, 'description') ?? null,
      status: 'creating', size: volume.size, object_count: 0, container: optionalString(body, 'container') ?? 'volumebackups',
      availability_zone: AVAILABILITY_ZONE, is_incremental: incremental, parent_id: parent?.id ?? null, fail_reason: null,
      metadata, data_timestamp: now, created_at: now, updated_at: null,
    };
    await storage.backups.insert(record);
    const settled = volume.status;
    await storage.volumes.update(volume.id, { status: 'backing-up', updated_at: now });
    inBackground(storage, async () => {
      try {
        const parentManifest = parent ? await storage.backupStore.manifest(parent.id) : undefined;
        const { stored } = await storage.backupStore.backup(storage.driver, volume.id, volume.size, record.id, parentManifest);
        await storage.backups.update(record.id, { status: 'available', object_count: stored, updated_at: storage.clock.now() });
      } catch (error) {
        await storage.backups.update(record.id, { status: 'error', fail_reason: (error as Error).message, updated_at: storage.clock.now() });
      }
      await storage.volumes.update(volume.id, { status: settled, updated_at: storage.clock.now() });
    });
    return { status: 202, body: { backup: summary(ctx, record) } };
  }

  async function update(ctx: RequestContext): Promise<ApiResponse> {
    if (!atLeast(ctx.microversion, '3.9')) throw notFound('The resource could not be found.');
    const body = entity(ctx, 'backup');
    const backup = await load(ctx, 'backup:update');
    const changes: Partial<BackupRecord> = { updated_at: storage.clock.now() };
    const name = optionalString(body, 'name');
    if (name !== undefined) changes.name = name;
    const description = optionalString(body, 'description');
    if (description !== undefined) changes.description = description;
    if (body.metadata !== undefined && atLeast(ctx.microversion, '3.43')) changes.metadata = validMetadata(body.metadata);
    const updated = (await storage.backups.update(backup.id, changes))!;
    return { status: 200, body: { backup: summary(ctx, updated) } };
  }

  async function startDelete(backup: BackupRecord): Promise<void> {
    await storage.backups.update(backup.id, { status: 'deleting', updated_at: storage.clock.now() });
    inBackground(storage, async () => {
      await storage.backupStore.delete(backup.id);
      await storage.backups.delete(backup.id);
    });
  }

  async function remove(ctx: RequestContext): Promise<ApiResponse> {
    const backup = await load(ctx, 'backup:delete');
    if (backup.status !== 'available' && backup.status !== 'error') throw invalidBackup('Backup status must be available or error');
    if (await dependents(backup)) throw invalidBackup('Incremental backups exist for this backup.');
    await startDelete(backup);
    return { status: 202 };
  }

  /** Restores into `target` (a volume being created from the backup, or an existing available one). */
  async function restoreInto(backup: BackupRecord, target: VolumeRecord, settledStatus: string, fresh: boolean): Promise<void> {
    await storage.backups.update(backup.id, { status: 'restoring', updated_at: storage.clock.now() });
    inBackground(storage, async () => {
      let status = settledStatus;
      try {
        await storage.backupStore.restore(storage.driver, backup.id, target.id, fresh);
      } catch {
        status = 'error_restoring';
      }
      await storage.volumes.update(target.id, { status, updated_at: storage.clock.now() });
      await storage.backups.update(backup.id, { status: 'available', updated_at: storage.clock.now() });
    });
  }

  /** the volume a restore without volume_id creates: the backup's size, the default type */
  async function newVolumeFor(ctx: RequestContext, backup: BackupRecord, name: string): Promise<VolumeRecord> {
    const type = await defaultType(deps);
    const project = projectOf(ctx) || backup.project_id;
    await checkQuota(storage, project, type, { volumes: 1, gigabytes: backup.size });
    const now = storage.clock.now();
    const volume: VolumeRecord = {
      id: uuid(), project_id: project, user_id: ctx.auth?.userId ?? '', name, description: null, status: 'restoring-backup',
      attach_status: 'detached', migration_status: null, size: backup.size, availability_zone: AVAILABILITY_ZONE, bootable: false,
      multiattach: false, volume_type_id: type.id, snapshot_id: null, source_volid: null, metadata: {}, admin_metadata: {},
      attachments: [], volume_image_metadata: null, host: `${HOST}@${storage.driver.name}#${storage.driver.name}`,
      service_uuid: storage.serviceUuid, created_at: now, updated_at: null,
    };
    await storage.driver.createVolume(volume.id, volume.size);
    return storage.volumes.insert(volume);
  }

  async function restore(ctx: RequestContext): Promise<ApiResponse> {
    const backup = await load(ctx, 'backup:restore');
    const body = (ctx.body && typeof ctx.body === 'object' ? ctx.body : {}) as Record<string, unknown>;
    const args = (body.restore && typeof body.restore === 'object' ? body.restore : {}) as Record<string, unknown>;
    if (backup.status !== 'available') throw invalidBackup('Backup status must be available');
    const volumeId = optionalString(args, 'volume_id');
    let target: VolumeRecord;
    if (volumeId) {
      const volume = await storage.volumes.get(volumeId);
      if (!volume || (volume.project_id !== projectOf(ctx) && !callerIsAdmin(deps, ctx))) throw volumeNotFound(volumeId);
      if (volume.status !== 'available') throw invalidVolume(`Volume to be restored to must be available`);
      if (volume.size < backup.size) {
        throw invalidVolume(`volume size ${volume.size} is too small to restore backup of size ${backup.size}.`);
      }
      target = (await storage.volumes.update(volume.id, { status: 'restoring-backup', updated_at: storage.clock.now() }))!;
    } else {
      target = await newVolumeFor(ctx, backup, optionalString(args, 'name') ?? `restore_backup_${backup.id}`);
    }
    await restoreInto(backup, target, 'available', !volumeId);
    return { status: 202, body: { restore: { backup_id: backup.id, volume_id: target.id, volume_name: target.name } } };
  }

  async function action(ctx: RequestContext): Promise<ApiResponse> {
    const body = ctx.body;
    if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length !== 1) throw badRequest('There is no such action: None');
    const [name, args] = Object.entries(body as Record<string, unknown>)[0];
    if (name === 'os-reset_status') {
      const backup = await load(ctx, 'volume_extension:backup_admin_actions:reset_status');
      const status = (args as Record<string, unknown> | null)?.status;
      if (typeof status !== 'string' || !RESET_STATUSES.has(status)) throw invalidInput('Must specify a valid status');
      await storage.backups.update(backup.id, { status, updated_at: storage.clock.now() });
      return { status: 202 };
    }
    if (name === 'os-force_delete') {
      const backup = await load(ctx, 'volume_extension:backup_admin_actions:force_delete');
      if (await dependents(backup)) throw invalidBackup('Incremental backups exist for this backup.');
      await startDelete(backup);
      return { status: 202 };
    }
    await load(ctx, 'backup:get');
    throw badRequest(`There is no such action: ${name}`);
  }

  return {
    listBackups: (ctx) => list(ctx, false),
    listBackupsDetail: (ctx) => list(ctx, true),
    createBackup: create,
    showBackup: async (ctx) => {
      const backup = await load(ctx, 'backup:get');
      return { status: 200, body: { backup: detail(ctx, backup, await dependents(backup)) } };
    },
    updateBackup: update,
    deleteBackup: remove,
    restoreBackup: restore,
    backupAction: action,
  };
}
