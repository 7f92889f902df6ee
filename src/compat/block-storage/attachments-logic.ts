// The attachment state machine both attach protocols share, on the volume record alone (so
// that Nova's API, holding only the volumes collection, can drive it in-process):
//
//   attachment:  reserved --(connector)--> attaching --(complete)--> attached --(delete)--> gone
//   volume:      available -> reserved -> attaching -> in-use -> (detaching) -> available
//
// Attachments live in the volume's `attachments` array, so one compare-and-set on the volume
// keeps a non-multiattach volume from gaining two. `attachment_ids` lets an attachment be found
// by id. Classic attachments (os-attach) are created attached and have no connector.
import { uuid } from '../../platform/ids.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Collection } from '../../platform/store/store.ts';
import type { VolumeAttachment, VolumeRecord } from './model.ts';
import { invalidInput, invalidVolume, notFound } from './errors.ts';

/** what the logic needs of the block storage: the volume records and the clock */
export interface VolumeStore {
  volumes: Collection<VolumeRecord>;
  clock: Clock;
  /** the backend's local path of a volume, for connection_info (absent: no device_path) */
  devicePath?: (volumeId: string) => string | undefined;
}

export type AttachStatus = 'reserved' | 'attaching' | 'attached' | 'detaching';

export const attachmentNotFound = (id: string) => notFound(`VolumeAttachment ${id} could not be found.`);

/** an attachment's state; classic attachments made before the field existed are attached */
export function attachStatusOf(a: VolumeAttachment): AttachStatus {
  return (a.attach_status as AttachStatus | undefined) ?? 'attached';
}

/** The volume's status once its attachments are as given (after a change that settles it). */
export function settledStatus(attachments: VolumeAttachment[]): string {
  if (attachments.some((a) => attachStatusOf(a) === 'attached')) return 'in-use';
  if (attachments.some((a) => attachStatusOf(a) === 'attaching')) return 'attaching';
  if (attachments.some((a) => attachStatusOf(a) === 'reserved')) return 'reserved';
  return 'available';
}

/**
 * Applies `change` to the current volume with compare-and-set, retrying on a concurrent write.
 * `change` throws to refuse; it returns the fields to set.
 */
export async function mutateVolume(
  store: VolumeStore, volumeId: string, change: (volume: VolumeRecord) => Partial<VolumeRecord>,
): Promise<VolumeRecord> {
  for (let i = 0; i < 100; i++) {
    const current = await store.volumes.get(volumeId);
    if (!current) throw notFound(`Volume ${volumeId} could not be found.`);
    const fields = change(current);
    const updated = await store.volumes.update(volumeId, { ...fields, updated_at: store.clock.now() }, { ifRev: current._rev });
    if (updated) return updated;
  }
  throw new Error(`volume ${volumeId}: too many concurrent updates`);
}

/** The volume holding an attachment, or 404. */
export async function volumeOfAttachment(store: VolumeStore, attachmentId: string): Promise<{ volume: VolumeRecord; attachment: VolumeAttachment }> {
  const volume = await store.volumes.findOne({ attachment_ids: { $contains: attachmentId } });
  const attachment = volume?.attachments?.find((a) => a.attachment_id === attachmentId);
  if (!volume || !attachment) throw attachmentNotFound(attachmentId);
  return { volume, attachment };
}

/** Cinder's connection_info for the embedded backends: os-brick's local connector reads device_path. */
export function connectionInfo(store: VolumeStore, volume: VolumeRecord, mode: string, attachmentId?: string): Record<string, unknown> {
  const data: Record<string, unknown> = { volume_id: volume.id, access_mode: mode, encrypted: false, discard: true, qos_specs: null };
  if (attachmentId) data.attachment_id = attachmentId;
  const path = store.devicePath?.(volume.id);
  if (path) data.device_path = path;
  return { driver_volume_type: 'local', data };
}

function checkMode(mode: unknown): 'rw' | 'ro' {
  if (mode === undefined || mode === null) return 'rw';
  if (mode !== 'rw' && mode !== 'ro') throw invalidInput(`Invalid attachment mode '${String(mode)}' is specified.`);
  return mode;
}

export interface ReserveOptions {
  /** the host's connector (os-brick's get_connector_properties): given, the attachment is also initialised */
  connector?: Record<string, unknown> | null;
  /** rw (default) or ro (3.54) */
  mode?: 'rw' | 'ro';
  /** the project creating it (defaults to the volume's) */
  projectId?: string;
}

/**
 * Reserves a volume for an instance: a new attachment, `reserved` (or `attaching` with a connector).
 * A volume that is not multiattach must be available; a multiattach one may also be reserved or in use.
 */
export async function reserveAttachment(store: VolumeStore, volumeId: string, instanceUuid: string | null, options: ReserveOptions = {}): Promise<{ volume: VolumeRecord; attachment: VolumeAttachment }> {
  const mode = checkMode(options.mode ?? options.connector?.mode);
  const id = uuid();
  const now = store.clock.now();
  const volume = await mutateVolume(store, volumeId, (v) => {
    const allowed = v.multiattach ? ['available', 'in-use', 'reserved', 'attaching', 'downloading'] : ['available', 'downloading'];
    if (!allowed.includes(v.status) || v.migration_status) {
      throw invalidVolume(`Volume ${v.id} status must be ${v.multiattach ? 'available, in-use or reserved' : 'available or downloading'} to reserve, but the current status is ${v.status}.`);
    }
    if (mode === 'rw' && v.admin_metadata.readonly === 'True') throw invalidVolume(`Volume ${v.id} is read-only and may only be attached in ro mode.`);
    const attachment: VolumeAttachment = {
      attachment_id: id, server_id: instanceUuid, host_name: null, device: null, mode, attached_at: null,
      attach_status: 'reserved', connector: null, connection_info: null, project_id: options.projectId ?? v.project_id, created_at: now,
    };
    if (options.connector) {
      attachment.attach_status = 'attaching';
      attachment.connector = options.connector;
      attachment.host_name = typeof options.connector.host === 'string' ? options.connector.host : null;
      attachment.device = typeof options.connector.mountpoint === 'string' ? options.connector.mountpoint : null;
      attachment.connection_info = connectionInfo(store, v, mode, id);
    }
    const attachments = [...(v.attachments ?? []), attachment];
    return {
      attachments, attachment_ids: attachments.map((a) => a.attachment_id),
      status: attachment.attach_status === 'attaching' ? 'attaching' : (v.status === 'in-use' ? 'in-use' : 'reserved'),
    };
  });
  return { volume, attachment: volume.attachments!.find((a) => a.attachment_id === id)! };
}

/** PUT /attachments/{id}: the connector arrives, the attachment is initialised (connection_info). */
export async function updateAttachment(store: VolumeStore, attachmentId: string, connector: Record<string, unknown>): Promise<{ volume: VolumeRecord; attachment: VolumeAttachment }> {
  const { volume: found } = await volumeOfAttachment(store, attachmentId);
  const volume = await mutateVolume(store, found.id, (v) => {
    const current = v.attachments?.find((a) => a.attachment_id === attachmentId);
    if (!current) throw attachmentNotFound(attachmentId);
    const status = attachStatusOf(current);
    if (status !== 'reserved' && status !== 'attaching' && !(status === 'attached' && v.multiattach)) {
      throw invalidVolume(`Attachment ${attachmentId} is ${status}; only a reserved attachment takes a connector.`);
    }
    const mode = checkMode(connector.mode ?? current.mode);
    const next: VolumeAttachment = {
      ...current,
      attach_status: status === 'attached' ? 'attached' : 'attaching',
      connector,
      mode,
      host_name: typeof connector.host === 'string' ? connector.host : current.host_name,
      device: typeof connector.mountpoint === 'string' ? connector.mountpoint : current.device,
      connection_info: connectionInfo(store, v, mode, attachmentId),
    };
    const attachments = (v.attachments ?? []).map((a) => (a.attachment_id === attachmentId ? next : a));
    return { attachments, status: v.status === 'in-use' ? 'in-use' : 'attaching' };
  });
  return { volume, attachment: volume.attachments!.find((a) => a.attachment_id === attachmentId)! };
}

/** os-complete (3.44): the host attached the volume; the volume is in-use. */
export async function completeAttachment(store: VolumeStore, attachmentId: string): Promise<VolumeRecord> {
  const { volume: found } = await volumeOfAttachment(store, attachmentId);
  return mutateVolume(store, found.id, (v) => {
    const current = v.attachments?.find((a) => a.attachment_id === attachmentId);
    if (!current) throw attachmentNotFound(attachmentId);
    const now = store.clock.now();
    const attachments = (v.attachments ?? []).map((a) => (a.attachment_id === attachmentId
      ? { ...a, attach_status: 'attached', attached_at: a.attached_at ?? now }
      : a));
    return {
      attachments, status: 'in-use', attach_status: 'attached',
      admin_metadata: { ...v.admin_metadata, attached_mode: current.mode },
    };
  });
}

/**
 * Removes an attachment (detach): the volume goes back to available when none is left, or to
 * what the remaining attachments make it. Returns the remaining attachments.
 */
export async function deleteAttachment(store: VolumeStore, attachmentId: string): Promise<{ volume: VolumeRecord; removed: VolumeAttachment }> {
  const { volume: found, attachment } = await volumeOfAttachment(store, attachmentId);
  const volume = await mutateVolume(store, found.id, (v) => detachFields(v, attachmentId));
  return { volume, removed: attachment };
}

/** the fields of a volume with one attachment gone */
export function detachFields(v: VolumeRecord, attachmentId: string): Partial<VolumeRecord> {
  const rest = (v.attachments ?? []).filter((a) => a.attachment_id !== attachmentId);
  if (rest.length === (v.attachments ?? []).length) throw attachmentNotFound(attachmentId);
  const adminMetadata = { ...v.admin_metadata };
  const attached = rest.some((a) => attachStatusOf(a) === 'attached');
  if (!attached) delete adminMetadata.attached_mode;
  return {
    attachments: rest,
    attachment_ids: rest.map((a) => a.attachment_id),
    status: settledStatus(rest),
    attach_status: attached ? 'attached' : 'detached',
    admin_metadata: adminMetadata,
  };
}

/** Attach-and-complete in one step (what Nova's compute does after reserving), for in-process callers. */
export async function attachVolume(store: VolumeStore, volumeId: string, instanceUuid: string, connector: Record<string, unknown>, mode: 'rw' | 'ro' = 'rw'): Promise<{ volume: VolumeRecord; attachment: VolumeAttachment }> {
  const { attachment } = await reserveAttachment(store, volumeId, instanceUuid, { connector, mode });
  try {
    const volume = await completeAttachment(store, attachment.attachment_id);
    return { volume, attachment: volume.attachments!.find((a) => a.attachment_id === attachment.attachment_id)! };
  } catch (error) {
    await deleteAttachment(store, attachment.attachment_id).catch(() => undefined);
    throw error;
  }
}

/** Detach by attachment id (the same as deleting the attachment). */
export async function detachVolume(store: VolumeStore, attachmentId: string): Promise<VolumeRecord> {
  return (await deleteAttachment(store, attachmentId)).volume;
}
