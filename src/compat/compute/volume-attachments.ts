// os-volume_attachments: a server's volumes (Nova's block device mappings, kept in
// record.volumes_attached) attached and detached through Cinder's classic attach protocol
// (reserve -> attaching, attach -> in-use; begin_detaching -> detaching, detach -> available).
// Nova's compute does the attach after the API answers; here it completes before the answer,
// which a client polling the volume's status cannot tell apart.
import { createHash } from 'node:crypto';
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { ApiError, badRequest, conflict, notFound } from '../../platform/http/api-error.ts';
import type { Collection, Store } from '../../platform/store/store.ts';
import type { PolicyRuleDefault } from '../../identity/policy/enforcer.ts';
import type { BlockStorage, VolumeRecord } from '../block-storage/model.ts';
import { runAttachAction } from '../block-storage/attach-actions.ts';
import { firstQuery, invalidField, invalidQuery, isAdmin, json, since, type Nova } from './support.ts';
import { findServer, invalidStateMessage } from './server-lookup.ts';
import { serversOf, type ServerRecord } from './servers/record.ts';

const POLICY = 'os_compute_api:os-volumes-attachments:';
export const VOLUME_ATTACHMENT_RULES: PolicyRuleDefault[] = [
  ...['index', 'show'].map((n) => ({ name: `${POLICY}${n}`, checkStr: 'rule:project_reader_or_admin', scopeTypes: ['project' as const] })),
  ...['create', 'update', 'delete'].map((n) => ({ name: `${POLICY}${n}`, checkStr: 'rule:project_member_or_admin', scopeTypes: ['project' as const] })),
  { name: `${POLICY}swap`, checkStr: 'rule:context_is_admin', scopeTypes: ['project'] },
];

type Attached = ServerRecord['volumes_attached'][number];

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const DEVICE = /(^\/dev\/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$/;
/** the states Nova attaches and detaches volumes in (with no task running) */
const ATTACH_STATES = ['active', 'paused', 'stopped', 'resized', 'soft-delete', 'shelved', 'shelved_offloaded'];
const SWAP_STATES = ['active', 'paused', 'resized'];

/** a stable id for the mapping, as Nova's BlockDeviceMapping.uuid (shown from 2.89) */
function bdmUuid(serverId: string, volumeId: string, attachmentId?: string): string {
  const h = createHash('sha1').update(`${serverId}/${volumeId}/${attachmentId ?? ''}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function view(ctx: RequestContext, server: ServerRecord, a: Attached): Record<string, unknown> {
  const v: Record<string, unknown> = since(ctx, '2.89') ? {} : { id: a.id };
  Object.assign(v, { volumeId: a.id, serverId: server.id });
  if (a.device) v.device = a.device;
  if (since(ctx, '2.70')) v.tag = a.tag ?? null;
  if (since(ctx, '2.79')) v.delete_on_termination = a.delete_on_termination;
  if (since(ctx, '2.89')) {
    v.attachment_id = a.attachment_id ?? null;
    v.bdm_uuid = bdmUuid(server.id, a.id, a.attachment_id);
  }
  return v;
}

function checkState(server: ServerRecord, states: string[], action: string): void {
  if (!states.includes(server.vm_state) || server.task_state) throw conflict(invalidStateMessage(server, action));
}

/** the root disk and attached volumes use /dev/vdX; the next free letter from vdb */
function nextDevice(server: ServerRecord, wanted: string | null | undefined): string {
  const used = new Set(server.volumes_attached.map((a) => a.device));
  used.add('/dev/vda');
  if (wanted) {
    if (used.has(wanted)) throw conflict(`The supplied device path (${wanted}) is in use.`);
    return wanted;
  }
  for (let i = 1; i < 26; i++) {
    const name = `/dev/vd${String.fromCharCode(97 + i)}`;
    if (!used.has(name)) return name;
  }
  throw new ApiError(403, 'The maximum allowed number of disk devices (26) to attach to a single instance has been exceeded.');
}

function checkTag(tag: unknown): string {
  if (typeof tag !== 'string') throw invalidField('tag', tag, `${JSON.stringify(tag)} is not of type 'string'`);
  if (tag.length > 60) throw invalidField('tag', tag, `'${tag}' is too long`);
  if (/[/,]/.test(tag)) throw invalidField('tag', tag, `'${tag}' does not match '^[^,/]*$'`);
  return tag;
}

export function volumeAttachmentHandlers(nova: Nova, store: Store): Record<string, OperationHandler> {
  let opened: Promise<Pick<BlockStorage, 'volumes' | 'clock'>> | undefined;
  // the block storage database Cinder keeps; the classic attach actions work on its volume records
  const cinder = () => (opened ??= store.database('block_storage').then((db) => ({
    volumes: db.collection<VolumeRecord>('volumes', { indexes: [['project_id']] }) as Collection<VolumeRecord>,
    clock: nova.clock,
  })));
  const act = async (volume: VolumeRecord, action: string, args: Record<string, unknown> = {}) =>
    runAttachAction((await cinder()) as BlockStorage, volume, action, args);

  async function volumeFor(ctx: RequestContext, id: string, missing: (m: string) => ApiError = notFound): Promise<VolumeRecord & { _rev: number }> {
    const volume = await (await cinder()).volumes.get(id);
    if (!volume || (volume.project_id !== ctx.auth?.projectId && !isAdmin(nova, ctx))) throw missing(`Volume ${id} could not be found.`);
    return volume;
  }

  /** applies a change to the server's volumes_attached with compare-and-set */
  async function changeAttached(serverId: string, change: (list: Attached[]) => Attached[]): Promise<void> {
    const servers = serversOf(nova);
    for (let i = 0; i < 50; i++) {
      const current = await servers.get(serverId);
      if (!current) return;
      if (await servers.update(serverId, { volumes_attached: change(current.volumes_attached ?? []), updated_at: nova.clock.now() }, { ifRev: current._rev })) return;
    }
    throw new Error(`instance ${serverId}: too many concurrent updates`);
  }

  const cinderInvalid = (error: unknown): never => {
    if (error instanceof ApiError && error.status === 400) throw badRequest(`Invalid input received: ${error.message}`);
    throw error;
  };

  /** reserve and attach in Cinder; the new mapping's Cinder attachment id */
  async function attachInCinder(volume: VolumeRecord, server: ServerRecord, device: string): Promise<string> {
    try {
      await act(volume, 'os-reserve');
    } catch (error) {
      cinderInvalid(error);
    }
    const reserved = (await (await cinder()).volumes.get(volume.id))!;
    try {
      await act(reserved, 'os-attach', { instance_uuid: server.id, mountpoint: device, mode: 'rw', host_name: server.host });
    } catch (error) {
      await act(reserved, 'os-unreserve').catch(() => undefined);
      cinderInvalid(error);
    }
    const attached = (await (await cinder()).volumes.get(volume.id))!;
    const mine = (attached.attachments ?? []).filter((a) => a.server_id === server.id);
    return mine[mine.length - 1].attachment_id;
  }

  async function detachInCinder(volumeId: string, attachmentId: string | undefined): Promise<void> {
    const volume = await (await cinder()).volumes.get(volumeId);
    if (!volume) return;
    if (volume.status === 'in-use') await act(volume, 'os-begin_detaching');
    const detaching = (await (await cinder()).volumes.get(volumeId))!;
    await act(detaching, 'os-detach', attachmentId ? { attachment_id: attachmentId } : {});
  }

  function mapping(server: ServerRecord, volumeId: string): Attached {
    const found = server.volumes_attached.find((a) => a.id === volumeId);
    if (!found) throw notFound(`Instance ${server.id} is not attached to volume ${volumeId}`);
    return found;
  }

  const checkLock = (ctx: RequestContext, server: ServerRecord) => {
    if (server.locked && !isAdmin(nova, ctx)) throw conflict(`Instance ${server.id} is locked`);
  };

  return {
    listVolumeAttachments: async (ctx) => {
      const server = await findServer(nova, ctx, ctx.params.server_id);
      nova.engine.authorize(ctx, `${POLICY}index`, { project_id: server.project_id });
      if (since(ctx, '2.75')) {
        const unknown = Object.keys(ctx.query).filter((k) => k !== 'limit' && k !== 'offset');
        if (unknown.length) throw badRequest(`Invalid input for query parameters ${unknown[0]}. Value: ${String(ctx.query[unknown[0]])}. Additional properties are not allowed ('${unknown[0]}' was unexpected)`);
      }
      const numbers: Record<string, number> = {};
      for (const name of ['limit', 'offset']) {
        const raw = firstQuery(ctx, name);
        if (raw === undefined) continue;
        if (!/^\d+$/.test(raw)) throw invalidQuery(name, raw, `'${raw}' does not match '^[0-9]*$'`);
        numbers[name] = Number(raw);
      }
      const start = numbers.offset ?? 0;
      const page = server.volumes_attached.slice(start, start + Math.min(numbers.limit ?? 1000, 1000));
      return json({ volumeAttachments: page.map((a) => view(ctx, server, a)) });
    },

    showVolumeAttachment: async (ctx) => {
      const server = await findServer(nova, ctx, ctx.params.server_id);
      nova.engine.authorize(ctx, `${POLICY}show`, { project_id: server.project_id });
      return json({ volumeAttachment: view(ctx, server, mapping(server, ctx.params.volume_id)) });
    },

    attachVolume: async (ctx) => {
      const body = ctx.body;
      const va = body?.volumeAttachment;
      if (!body || typeof body !== 'object' || va === undefined) throw invalidField('volumeAttachment', body ?? null, "'volumeAttachment' is a required property");
      if (typeof va !== 'object' || va === null || Array.isArray(va)) throw invalidField('volumeAttachment', va, `${JSON.stringify(va)} is not of type 'object'`);
      const allowed = ['volumeId', 'device', ...(since(ctx, '2.49') ? ['tag'] : []), ...(since(ctx, '2.79') ? ['delete_on_termination'] : [])];
      const extra = Object.keys(va).filter((k) => !allowed.includes(k));
      if (extra.length) throw invalidField('volumeAttachment', va, `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
      if (va.volumeId === undefined) throw invalidField('volumeAttachment', va, "'volumeId' is a required property");
      if (typeof va.volumeId !== 'string' || !UUID.test(va.volumeId)) throw invalidField('volumeId', va.volumeId, `'${String(va.volumeId)}' is not a 'uuid'`);
      if (va.device !== undefined && va.device !== null && (typeof va.device !== 'string' || !DEVICE.test(va.device))) {
        throw invalidField('device', va.device, `'${String(va.device)}' does not match '${DEVICE.source}'`);
      }
      const tag = va.tag === undefined ? undefined : checkTag(va.tag);
      if (va.delete_on_termination !== undefined && typeof va.delete_on_termination !== 'boolean') {
        throw invalidField('delete_on_termination', va.delete_on_termination, `${JSON.stringify(va.delete_on_termination)} is not of type 'boolean'`);
      }
      const server = await findServer(nova, ctx, ctx.params.server_id);
      nova.engine.authorize(ctx, `${POLICY}create`, { project_id: server.project_id });
      if (['shelved', 'shelved_offloaded'].includes(server.vm_state) && !since(ctx, '2.20')) {
        throw conflict(`Cannot 'attach_volume' instance ${server.id} while it is in vm_state ${server.vm_state}`);
      }
      const volume = await volumeFor(ctx, va.volumeId);
      checkLock(ctx, server);
      checkState(server, ATTACH_STATES, 'attach_volume');
      if (server.volumes_attached.some((a) => a.id === volume.id)) throw badRequest(`Invalid volume: volume ${volume.id} already attached`);
      if (volume.multiattach && volume.status === 'in-use' && !since(ctx, '2.60')) {
        throw badRequest('Multiattach volumes are only supported starting with compute API version 2.60.');
      }
      const device = nextDevice(server, va.device);
      const attachmentId = await attachInCinder(volume, server, device);
      const entry: Attached = { id: volume.id, delete_on_termination: va.delete_on_termination === true, device, attachment_id: attachmentId };
      if (tag !== undefined) entry.tag = tag;
      await changeAttached(server.id, (list) => [...list.filter((a) => a.id !== volume.id), entry]);
      const out: Record<string, unknown> = { id: volume.id, serverId: server.id, volumeId: volume.id, device };
      if (since(ctx, '2.70')) out.tag = tag ?? null;
      if (since(ctx, '2.79')) out.delete_on_termination = entry.delete_on_termination;
      return json({ volumeAttachment: out });
    },

    updateVolumeAttachment: async (ctx) => {
      const va = ctx.body?.volumeAttachment;
      if (va === undefined) throw invalidField('volumeAttachment', ctx.body ?? null, "'volumeAttachment' is a required property");
      if (typeof va !== 'object' || va === null || Array.isArray(va)) throw invalidField('volumeAttachment', va, `${JSON.stringify(va)} is not of type 'object'`);
      const v285 = since(ctx, '2.85');
      const allowed = v285 ? ['volumeId', 'device', 'tag', 'delete_on_termination', 'serverId', 'id'] : ['volumeId'];
      const extra = Object.keys(va).filter((k) => !allowed.includes(k));
      if (extra.length) throw invalidField('volumeAttachment', va, `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
      if (va.volumeId === undefined) throw invalidField('volumeAttachment', va, "'volumeId' is a required property");
      if (typeof va.volumeId !== 'string' || !UUID.test(va.volumeId)) throw invalidField('volumeId', va.volumeId, `'${String(va.volumeId)}' is not a 'uuid'`);
      if (va.delete_on_termination !== undefined && typeof va.delete_on_termination !== 'boolean') {
        throw invalidField('delete_on_termination', va.delete_on_termination, `${JSON.stringify(va.delete_on_termination)} is not of type 'boolean'`);
      }
      const server = await findServer(nova, ctx, ctx.params.server_id);
      const oldId = ctx.params.volume_id;
      const swap = !v285 || va.volumeId !== oldId;
      if (swap) nova.engine.authorize(ctx, `${POLICY}swap`, {});
      else nova.engine.authorize(ctx, `${POLICY}update`, { project_id: server.project_id });
      if (v285) {
        const current = mapping(server, oldId);
        const immutable: Array<[string, unknown]> = [['serverId', server.id], ['id', oldId], ['device', current.device], ['tag', current.tag ?? null]];
        for (const [field, value] of immutable) {
          if (field in va && va[field] !== value) throw badRequest(`The ${field} in the volume attachment cannot be changed.`);
        }
        if (typeof va.delete_on_termination === 'boolean' && va.delete_on_termination !== current.delete_on_termination) {
          await changeAttached(server.id, (list) => list.map((a) => (a.id === oldId ? { ...a, delete_on_termination: va.delete_on_termination } : a)));
        }
        if (!swap) return { status: 202 };
      }
      const oldVolume = await volumeFor(ctx, oldId);
      const newVolume = await volumeFor(ctx, va.volumeId, (m) => badRequest(m));
      const current = mapping((await findServer(nova, ctx, server.id)), oldId);
      checkLock(ctx, server);
      checkState(server, SWAP_STATES, 'swap_volume');
      if (oldVolume.multiattach && (oldVolume.attachments ?? []).length > 1) throw badRequest('Swapping multi-attach volumes with more than one read/write attachment is not supported.');
      if (newVolume.status !== 'available') throw badRequest(`Invalid volume: The new volume must be available, but is ${newVolume.status}.`);
      const attachmentId = await attachInCinder(newVolume, server, current.device);
      await detachInCinder(oldId, current.attachment_id);
      await changeAttached(server.id, (list) => list.map((a) => (a.id === oldId ? { ...a, id: newVolume.id, attachment_id: attachmentId } : a)));
      return { status: 202 };
    },

    detachVolume: async (ctx) => {
      const server = await findServer(nova, ctx, ctx.params.server_id);
      nova.engine.authorize(ctx, `${POLICY}delete`, { project_id: server.project_id });
      if (['shelved', 'shelved_offloaded'].includes(server.vm_state) && !since(ctx, '2.20')) {
        throw conflict(`Cannot 'detach_volume' instance ${server.id} while it is in vm_state ${server.vm_state}`);
      }
      const volumeId = ctx.params.volume_id;
      const volume = await volumeFor(ctx, volumeId);
      const current = mapping(server, volumeId);
      const root = server.block_device_mapping?.some((b) => b.boot_index === 0 && b.destination_type === 'volume' && b.uuid === volumeId);
      if (root) throw badRequest('Cannot detach a root device volume');
      checkLock(ctx, server);
      checkState(server, ATTACH_STATES, 'detach_volume');
      if (volume.attach_status === 'detached') throw badRequest('Invalid volume: Volume must be attached in order to detach.');
      try {
        await detachInCinder(volumeId, current.attachment_id);
      } catch (error) {
        cinderInvalid(error);
      }
      await changeAttached(server.id, (list) => list.filter((a) => a.id !== volumeId));
      return { status: 202 };
    },
  };
}

/**
 * For server delete (the agents): detaches every volume of a server in Cinder (volumes already
 * gone are skipped). Deleting those marked delete_on_termination is left to the caller, which
 * owns a Cinder driver.
 */
export async function releaseServerVolumes(store: Store, clock: Nova['clock'], server: ServerRecord): Promise<void> {
  const db = await store.database('block_storage');
  const storage = { volumes: db.collection<VolumeRecord>('volumes', { indexes: [['project_id']] }), clock } as Pick<BlockStorage, 'volumes' | 'clock'>;
  for (const a of server.volumes_attached ?? []) {
    const volume = await storage.volumes.get(a.id);
    if (!volume) continue;
    if (volume.status === 'in-use') await runAttachAction(storage as BlockStorage, volume, 'os-begin_detaching', {});
    const detaching = await storage.volumes.get(a.id);
    if (detaching && (detaching.attachments ?? []).some((x) => x.attachment_id === a.attachment_id || x.server_id === server.id)) {
      await runAttachAction(storage as BlockStorage, detaching, 'os-detach', a.attachment_id ? { attachment_id: a.attachment_id } : {}).catch(() => undefined);
    }
  }
}
