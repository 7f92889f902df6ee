// Snapshots: create (force for in-use volumes), list/detail/show/update/delete, admin actions,
// metadata. The backend copies the volume's bytes in the background: creating -> available.
import type { ApiResponse, OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { atLeast } from '../../platform/http/microversion.ts';
import { MarkerNotFoundError, type Filter } from '../../platform/store/store.ts';
import { uuid } from '../../platform/ids.ts';
import { cinderTime, inBackground, type SnapshotRecord } from './model.ts';
import { allows, authorize } from './policies.ts';
import { asBoolean, callerIsAdmin, entity, fieldError, optionalString, projectOf, projectUrl, validMetadata, type CinderDeps } from './context.ts';
import { badRequest, invalidInput, invalidSnapshot, invalidVolume, notFound, snapshotNotFound, volumeNotFound } from './errors.ts';
import { findOptions, nextLinks, parseBool, parseMetadataFilter, parsePage, queryValue } from './listing.ts';
import { checkQuota } from './quotas.ts';
import { defaultType } from './volume-types.ts';
import { metadataHandlers } from './metadata.ts';

const SORT_FIELDS: Record<string, string> = {
  id: 'id', name: 'name', display_name: 'name', status: 'status', size: 'size', created_at: 'created_at',
  updated_at: 'updated_at', volume_id: 'volume_id', project_id: 'project_id',
};
const RESET_STATUSES = new Set(['available', 'error', 'creating', 'deleting', 'error_deleting', 'backing-up', 'restoring']);

export function snapshotView(ctx: RequestContext, s: SnapshotRecord, extended: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: s.id,
    name: s.name,
    description: s.description,
    status: s.status,
    size: s.size,
    volume_id: s.volume_id,
    created_at: cinderTime(s.created_at),
    updated_at: cinderTime(s.updated_at),
    metadata: s.metadata,
  };
  if (extended) {
    body['os-extended-snapshot-attributes:project_id'] = s.project_id;
    body['os-extended-snapshot-attributes:progress'] = s.progress;
  }
  if (atLeast(ctx.microversion, '3.14')) body.group_snapshot_id = null;
  if (atLeast(ctx.microversion, '3.41')) body.user_id = s.user_id;
  if (atLeast(ctx.microversion, '3.65')) body.consumes_quota = true;
  return body;
}

export function snapshotHandlers(deps: CinderDeps): Record<string, OperationHandler> {
  const { storage, identity } = deps;
  const extended = (ctx: RequestContext) => allows(identity, ctx, 'volume_extension:extended_snapshot_attributes', { project_id: projectOf(ctx) });

  async function loadSnapshot(ctx: RequestContext, action: string): Promise<SnapshotRecord> {
    const id = ctx.params.snapshot_id;
    const snapshot = await storage.snapshots.get(id);
    if (!snapshot || (snapshot.project_id !== projectOf(ctx) && !callerIsAdmin(deps, ctx))) throw snapshotNotFound(id);
    authorize(identity, ctx, action, { project_id: snapshot.project_id, user_id: snapshot.user_id });
    return snapshot;
  }

  async function list(ctx: RequestContext, detailed: boolean): Promise<ApiResponse> {
    authorize(identity, ctx, 'volume:get_all_snapshots');
    const page = parsePage(ctx, SORT_FIELDS);
    const filter: Filter = {};
    const allTenants = queryValue(ctx, 'all_tenants');
    if (!(callerIsAdmin(deps, ctx) && allTenants !== undefined && parseBool(allTenants, 'all_tenants'))) filter.project_id = projectOf(ctx);
    for (const field of ['name', 'status', 'volume_id']) {
      const value = queryValue(ctx, field);
      if (value !== undefined) filter[field] = value;
    }
    const metadata = queryValue(ctx, 'metadata');
    if (metadata !== undefined) for (const [k, v] of Object.entries(parseMetadataFilter(metadata))) filter[`metadata.${k}`] = v;
    let found: SnapshotRecord[];
    try {
      found = await storage.snapshots.find(filter, findOptions(page));
    } catch (error) {
      if (error instanceof MarkerNotFoundError) throw notFound(`Marker ${page.marker} could not be found.`);
      throw error;
    }
    const items = found.slice(page.offset, page.offset + page.limit);
    const ext = detailed && extended(ctx);
    const body: Record<string, unknown> = { snapshots: items.map((s) => snapshotView(ctx, s, ext)) };
    const links = nextLinks(ctx, `${projectUrl(ctx)}/snapshots${detailed ? '/detail' : ''}`, page, items);
    if (links) body.snapshots_links = links;
    const withCount = queryValue(ctx, 'with_count');
    if (atLeast(ctx.microversion, '3.45') && withCount !== undefined && parseBool(withCount, 'with_count')) body.count = await storage.snapshots.count(filter);
    return { status: 200, body };
  }

  async function create(ctx: RequestContext): Promise<ApiResponse> {
    const body = entity(ctx, 'snapshot');
    const volumeId = body.volume_id;
    if (!('volume_id' in body)) throw fieldError('snapshot', body, `'volume_id' is a required property`);
    // upstream's schema lets null through, and the volume lookup then fails
    if (volumeId === null) throw volumeNotFound('None');
    if (typeof volumeId !== 'string' || !volumeId) throw fieldError('volume_id', volumeId, `${JSON.stringify(volumeId)} is not of type 'string'`);
    const force = body.force === undefined ? false : asBoolean(body.force);
    if (force === undefined) throw invalidInput(`Invalid value '${String(body.force)}' for force.`);
    const name = optionalString(body, 'name') ?? optionalString(body, 'display_name') ?? null;
    const description = optionalString(body, 'description') ?? optionalString(body, 'display_description') ?? null;
    const metadata = body.metadata === undefined || body.metadata === null ? {} : validMetadata(body.metadata);
    const volume = await storage.volumes.get(volumeId);
    if (!volume || (volume.project_id !== projectOf(ctx) && !callerIsAdmin(deps, ctx))) throw volumeNotFound(volumeId);
    authorize(identity, ctx, 'volume:create_snapshot', { project_id: volume.project_id });
    if (volume.migration_status) throw invalidVolume('Volume cannot be migrating while creating a snapshot.');
    if (volume.status === 'in-use' ? !force : volume.status !== 'available') {
      throw invalidVolume(`Volume ${volume.id} status must be available, but current status is: ${volume.status}.`);
    }
    const type = (await storage.types.get(volume.volume_type_id)) ?? (await defaultType(deps));
    await checkQuota(storage, volume.project_id, type, { snapshots: 1, gigabytes: volume.size });
    const snapshot: SnapshotRecord = {
      id: uuid(), project_id: volume.project_id, user_id: ctx.auth?.userId ?? '', volume_id: volume.id, name, description,
      status: 'creating', progress: '0%', size: volume.size, metadata, created_at: storage.clock.now(), updated_at: null,
    };
    await storage.snapshots.insert(snapshot);
    inBackground(storage, async () => {
      let status = 'available';
      try {
        await storage.driver.createSnapshot(volume.id, snapshot.id);
      } catch {
        status = 'error';
      }
      await storage.snapshots.update(snapshot.id, { status, progress: status === 'available' ? '100%' : '0%', updated_at: storage.clock.now() });
    });
    // upstream adds the extended attributes in show and detail only
    return { status: 202, body: { snapshot: snapshotView(ctx, snapshot, false) } };
  }

  async function update(ctx: RequestContext): Promise<ApiResponse> {
    const body = entity(ctx, 'snapshot');
    const snapshot = await loadSnapshot(ctx, 'volume:update_snapshot');
    const allowed = new Set(['name', 'description', 'display_name', 'display_description']);
    const extra = Object.keys(body).filter((k) => !allowed.has(k));
    if (extra.length) throw fieldError('snapshot', body, `Additional properties are not allowed ('${extra[0]}' was unexpected)`);
    if (Object.keys(body).length === 0) throw fieldError('snapshot', body, '{} does not have enough properties');
    const changes: Partial<SnapshotRecord> = { updated_at: storage.clock.now() };
    const name = 'name' in body ? optionalString(body, 'name') : optionalString(body, 'display_name');
    if (name !== undefined) changes.name = name;
    const description = 'description' in body ? optionalString(body, 'description') : optionalString(body, 'display_description');
    if (description !== undefined) changes.description = description;
    const updated = (await storage.snapshots.update(snapshot.id, changes))!;
    return { status: 200, body: { snapshot: snapshotView(ctx, updated, false) } };
  }

  function startDelete(snapshot: SnapshotRecord): Promise<unknown> {
    inBackground(storage, async () => {
      try {
        await storage.driver.deleteSnapshot(snapshot.id);
        await storage.snapshots.delete(snapshot.id);
      } catch {
        await storage.snapshots.update(snapshot.id, { status: 'error_deleting' });
      }
    });
    return storage.snapshots.update(snapshot.id, { status: 'deleting', updated_at: storage.clock.now() });
  }

  async function remove(ctx: RequestContext): Promise<ApiResponse> {
    const snapshot = await loadSnapshot(ctx, 'volume:delete_snapshot');
    if (snapshot.status !== 'available' && snapshot.status !== 'error') {
      throw invalidSnapshot('Volume Snapshot status must be available or error and must not be part of a group.');
    }
    if (await storage.volumes.count({ snapshot_id: snapshot.id, status: 'creating' })) {
      throw invalidSnapshot('Snapshot is being used to create a volume.');
    }
    await startDelete(snapshot);
    return { status: 202 };
  }

  async function action(ctx: RequestContext): Promise<ApiResponse> {
    const body = ctx.body;
    if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length !== 1) throw badRequest('There is no such action: None');
    const [name, args] = Object.entries(body as Record<string, unknown>)[0];
    if (name === 'os-reset_status') {
      const snapshot = await loadSnapshot(ctx, 'volume_extension:snapshot_admin_actions:reset_status');
      const status = (args as Record<string, unknown> | null)?.status;
      if (typeof status !== 'string' || !RESET_STATUSES.has(status.toLowerCase())) throw invalidInput('Must specify a valid status');
      await storage.snapshots.update(snapshot.id, { status: status.toLowerCase(), updated_at: storage.clock.now() });
      return { status: 202 };
    }
    if (name === 'os-update_snapshot_status') {
      // Nova's assisted snapshots report their progress here
      const snapshot = await loadSnapshot(ctx, 'snapshot_extension:snapshot_actions:update_snapshot_status');
      const a = (args ?? {}) as Record<string, unknown>;
      const allowed: Record<string, string[]> = { creating: ['creating', 'available', 'error'], deleting: ['deleting', 'error_deleting'] };
      if (typeof a.status !== 'string') throw invalidInput("'status' must be specified.");
      if (!allowed[snapshot.status]) throw invalidSnapshot(`Snapshot status ${snapshot.status} not allowed for update_snapshot_status`);
      if (!allowed[snapshot.status].includes(a.status)) {
        throw invalidSnapshot(`Provided snapshot status ${a.status} not allowed for snapshot with status ${snapshot.status}.`);
      }
      const changes: Partial<SnapshotRecord> = { status: a.status, updated_at: storage.clock.now() };
      if (a.progress !== undefined) changes.progress = String(a.progress);
      await storage.snapshots.update(snapshot.id, changes);
      return { status: 202 };
    }
    if (name === 'os-force_delete') {
      await startDelete(await loadSnapshot(ctx, 'volume_extension:snapshot_admin_actions:force_delete'));
      return { status: 202 };
    }
    await loadSnapshot(ctx, 'volume:get_snapshot');
    throw badRequest(`There is no such action: ${name}`);
  }

  return {
    listSnapshots: (ctx) => list(ctx, false),
    listSnapshotsDetail: (ctx) => list(ctx, true),
    createSnapshot: create,
    showSnapshot: async (ctx) => ({ status: 200, body: { snapshot: snapshotView(ctx, await loadSnapshot(ctx, 'volume:get_snapshot'), extended(ctx)) } }),
    updateSnapshot: update,
    deleteSnapshot: remove,
    snapshotAction: action,
    ...metadataHandlers('Snapshot', {
      noun: 'Snapshot',
      load: (ctx, kind) => loadSnapshot(ctx, kind === 'get' ? 'volume:get_snapshot_metadata' : kind === 'update' ? 'volume:update_snapshot_metadata' : 'volume:delete_snapshot_metadata'),
      save: async (id, metadata) => {
        await storage.snapshots.update(id, { metadata, updated_at: storage.clock.now() });
      },
    }),
  };
}
