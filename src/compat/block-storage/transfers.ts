// Volume transfers between projects: the owner creates a transfer (the volume waits in
// awaiting-transfer) and hands the id and auth_key to the other project, which accepts it and
// becomes the owner (with the volume's snapshots unless no_snapshots, 3.55). Served at
// /os-volume-transfer (every version) and /volume-transfers (3.55+); 3.57 shows the projects.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiResponse, OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { atLeast } from '../../platform/http/microversion.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import { uuid } from '../../platform/ids.ts';
import { authorize } from './policies.ts';
import { asBoolean, callerIsAdmin, entity, fieldError, optionalString, projectOf, selfLinks, type CinderDeps } from './context.ts';
import { badRequest, invalidVolume, notFound, volumeNotFound } from './errors.ts';
import { cinderTime, type TransferRecord } from './model.ts';
import { parseBool, queryValue } from './listing.ts';
import { checkQuota } from './quotas.ts';
import { defaultType } from './volume-types.ts';

const transferNotFound = (id: string) => notFound(`Transfer ${id} could not be found.`);

function hashKey(salt: string, key: string): string {
  return createHash('sha256').update(`${salt}${key}`).digest('hex');
}

export function transferHandlers(deps: CinderDeps): Record<string, OperationHandler> {
  const { storage, identity } = deps;
  /** which collection name the links use: the one the request came by */
  const collection = (ctx: RequestContext) => (ctx.path.includes('/volume-transfers') ? 'volume-transfers' : 'os-volume-transfer');
  const newForm = (ctx: RequestContext) => collection(ctx) === 'volume-transfers';

  function requireNewForm(ctx: RequestContext): void {
    if (newForm(ctx) && !atLeast(ctx.microversion, '3.55')) throw notFound('The resource could not be found.');
  }

  function summary(ctx: RequestContext, t: TransferRecord): Record<string, unknown> {
    return { id: t.id, name: t.name, volume_id: t.volume_id, links: selfLinks(ctx, collection(ctx), t.id) };
  }

  function detail(ctx: RequestContext, t: TransferRecord): Record<string, unknown> {
    const body: Record<string, unknown> = { ...summary(ctx, t), created_at: cinderTime(t.created_at) };
    if (atLeast(ctx.microversion, '3.55')) body.no_snapshots = t.no_snapshots;
    if (atLeast(ctx.microversion, '3.57')) {
      body.source_project_id = t.source_project_id;
      body.destination_project_id = null;
      body.accepted = false;
    }
    return body;
  }

  async function load(ctx: RequestContext, rule: string): Promise<TransferRecord> {
    requireNewForm(ctx);
    const id = ctx.params.transfer_id;
    const transfer = await storage.transfers.get(id);
    if (!transfer || (transfer.source_project_id !== projectOf(ctx) && !callerIsAdmin(deps, ctx))) throw transferNotFound(id);
    authorize(identity, ctx, rule, { project_id: transfer.source_project_id });
    return transfer;
  }

  async function list(ctx: RequestContext, detailed: boolean): Promise<ApiResponse> {
    requireNewForm(ctx);
    authorize(identity, ctx, 'volume:get_all_transfers');
    const allTenants = queryValue(ctx, 'all_tenants');
    const everyone = callerIsAdmin(deps, ctx) && allTenants !== undefined && parseBool(allTenants, 'all_tenants');
    const found = await storage.transfers.find(everyone ? {} : { source_project_id: projectOf(ctx) }, { sort: [['created_at', 'desc']] });
    return { status: 200, body: { transfers: found.map((t) => (detailed ? detail(ctx, t) : summary(ctx, t))) } };
  }

  async function create(ctx: RequestContext): Promise<ApiResponse> {
    requireNewForm(ctx);
    const body = entity(ctx, 'transfer');
    authorize(identity, ctx, 'volume:create_transfer');
    const volumeId = body.volume_id;
    if (typeof volumeId !== 'string' || !volumeId) throw fieldError('transfer', body, "'volume_id' is a required property");
    const name = optionalString(body, 'name') ?? null;
    const noSnapshots = body.no_snapshots === undefined || !atLeast(ctx.microversion, '3.55') ? false : asBoolean(body.no_snapshots);
    if (noSnapshots === undefined) throw fieldError('no_snapshots', body.no_snapshots, `${JSON.stringify(body.no_snapshots)} is not of type 'boolean'`);
    const volume = await storage.volumes.get(volumeId);
    if (!volume || (volume.project_id !== projectOf(ctx) && !callerIsAdmin(deps, ctx))) throw volumeNotFound(volumeId);
    if (volume.status !== 'available') throw invalidVolume('status must be available');
    if (!noSnapshots) {
      const busy = (await storage.snapshots.find({ volume_id: volume.id })).find((s) => s.status !== 'available');
      if (busy) throw invalidVolume('snapshot: ' + busy.id + ' status must be available');
    }
    const key = randomBytes(8).toString('hex');
    const salt = randomBytes(8).toString('hex');
    const record: TransferRecord = {
      id: uuid(), volume_id: volume.id, name, source_project_id: volume.project_id, salt, crypt_hash: hashKey(salt, key),
      no_snapshots: noSnapshots, created_at: storage.clock.now(),
    };
    try {
      await storage.transfers.insert(record);
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw invalidVolume('status must be available');
      throw error;
    }
    await storage.volumes.update(volume.id, { status: 'awaiting-transfer', updated_at: storage.clock.now() });
    return { status: 202, body: { transfer: { ...detail(ctx, record), auth_key: key } } };
  }

  async function remove(ctx: RequestContext): Promise<ApiResponse> {
    const transfer = await load(ctx, 'volume:delete_transfer');
    await storage.transfers.delete(transfer.id);
    const volume = await storage.volumes.get(transfer.volume_id);
    if (volume?.status === 'awaiting-transfer') await storage.volumes.update(volume.id, { status: 'available', updated_at: storage.clock.now() });
    return { status: 202 };
  }

  async function accept(ctx: RequestContext): Promise<ApiResponse> {
    requireNewForm(ctx);
    const id = ctx.params.transfer_id;
    const body = entity(ctx, 'accept');
    authorize(identity, ctx, 'volume:accept_transfer');
    const key = body.auth_key;
    if (typeof key !== 'string' || !key) throw fieldError('accept', body, "'auth_key' is a required property");
    const transfer = await storage.transfers.get(id);
    if (!transfer) throw transferNotFound(id);
    const expected = Buffer.from(transfer.crypt_hash, 'hex');
    const given = Buffer.from(hashKey(transfer.salt, key), 'hex');
    if (!timingSafeEqual(expected, given)) throw badRequest(`Invalid auth key: Attempt to transfer ${id} with invalid auth key.`);
    const volume = await storage.volumes.get(transfer.volume_id);
    if (!volume) throw volumeNotFound(transfer.volume_id);
    const destination = projectOf(ctx);
    const type = (await storage.types.get(volume.volume_type_id)) ?? (await defaultType(deps));
    await checkQuota(storage, destination, type, { volumes: 1, gigabytes: volume.size });
    const snapshots = transfer.no_snapshots ? [] : await storage.snapshots.find({ volume_id: volume.id });
    const now = storage.clock.now();
    await storage.volumes.update(volume.id, { project_id: destination, user_id: ctx.auth?.userId ?? '', status: 'available', updated_at: now });
    for (const s of snapshots) await storage.snapshots.update(s.id, { project_id: destination, user_id: ctx.auth?.userId ?? '', updated_at: now });
    await storage.transfers.delete(transfer.id);
    return { status: 202, body: { transfer: summary(ctx, transfer) } };
  }

  const show = async (ctx: RequestContext): Promise<ApiResponse> => ({ status: 200, body: { transfer: detail(ctx, await load(ctx, 'volume:get_transfer')) } });
  return {
    listTransfers: (ctx) => list(ctx, false),
    listTransfersDetail: (ctx) => list(ctx, true),
    createTransfer: create,
    showTransfer: show,
    deleteTransfer: remove,
    acceptTransfer: accept,
    listVolumeTransfers: (ctx) => list(ctx, false),
    listVolumeTransfersDetail: (ctx) => list(ctx, true),
    createVolumeTransfer: create,
    showVolumeTransfer: show,
    deleteVolumeTransfer: remove,
    acceptVolumeTransfer: accept,
  };
}
