// The classic attach protocol Nova drove before the attachments API: reserve -> attaching,
// attach -> in-use, begin_detaching -> detaching, detach -> available (when the last one goes),
// and initialize/terminate_connection for the host's connection. Every change is a
// compare-and-set on the volume (attachments-logic.ts), so only `volumes` and `clock` of the
// storage are used: Nova's API calls this in-process with just those.
import type { ApiResponse } from '../../platform/http/service-api.ts';
import { uuid } from '../../platform/ids.ts';
import type { BlockStorage, VolumeAttachment, VolumeRecord } from './model.ts';
import { invalidInput, invalidVolume, notFound } from './errors.ts';
import { connectionInfo, detachFields, mutateVolume, type VolumeStore } from './attachments-logic.ts';

export const ATTACH_ACTIONS: Record<string, string> = {
  'os-reserve': 'volume_extension:volume_actions:reserve',
  'os-unreserve': 'volume_extension:volume_actions:unreserve',
  'os-attach': 'volume_extension:volume_actions:attach',
  'os-begin_detaching': 'volume_extension:volume_actions:begin_detaching',
  'os-roll_detaching': 'volume_extension:volume_actions:roll_detaching',
  'os-detach': 'volume_extension:volume_actions:detach',
  'os-initialize_connection': 'volume_extension:volume_actions:initialize_connection',
  'os-terminate_connection': 'volume_extension:volume_actions:terminate_connection',
  'os-force_detach': 'volume_extension:volume_admin_actions:force_detach',
};

function text(args: Record<string, unknown>, key: string): string | null {
  const value = args[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalidInput(`Invalid value for '${key}': ${JSON.stringify(value)}`);
  return value;
}

function mustBe(volume: VolumeRecord, statuses: string[], what: string): void {
  if (!statuses.includes(volume.status)) {
    throw invalidVolume(`Volume status must be ${statuses.join(' or ')} to ${what}, but current status is: ${volume.status}.`);
  }
}

export async function runAttachAction(storage: BlockStorage | VolumeStore, volume: VolumeRecord, action: string, rawArgs: unknown): Promise<ApiResponse> {
  const args = (rawArgs && typeof rawArgs === 'object' && !Array.isArray(rawArgs) ? rawArgs : {}) as Record<string, unknown>;
  const store = storage as VolumeStore;
  const change = (fn: (v: VolumeRecord) => Partial<VolumeRecord>) => mutateVolume(store, volume.id, fn);
  switch (action) {
    case 'os-reserve':
      await change((v) => {
        mustBe(v, v.multiattach ? ['available', 'in-use'] : ['available'], 'reserve');
        return { status: 'attaching' };
      });
      break;
    case 'os-unreserve':
      await change((v) => (v.status === 'attaching' ? { status: (v.attachments ?? []).length ? 'in-use' : 'available' } : {}));
      break;
    case 'os-attach': {
      const server = text(args, 'instance_uuid');
      const host = text(args, 'host_name');
      if (!server && !host) throw invalidInput('Invalid request to attach volume to an invalid target');
      const mode = text(args, 'mode') ?? 'rw';
      if (mode !== 'rw' && mode !== 'ro') throw invalidInput("Invalid attach mode, it must be 'rw' or 'ro'");
      await change((v) => {
        mustBe(v, v.multiattach ? ['available', 'attaching', 'reserved', 'in-use'] : ['available', 'attaching', 'reserved'], 'attach');
        if (mode === 'rw' && v.admin_metadata.readonly === 'True') throw invalidVolume('Volume is read-only and may only be attached in ro mode.');
        const now = storage.clock.now();
        const attachment: VolumeAttachment = {
          attachment_id: uuid(), server_id: server, host_name: host, device: text(args, 'mountpoint'), mode, attached_at: now,
          attach_status: 'attached', project_id: v.project_id, created_at: now,
        };
        const attachments = [...(v.attachments ?? []), attachment];
        return {
          status: 'in-use', attach_status: 'attached', attachments, attachment_ids: attachments.map((a) => a.attachment_id),
          admin_metadata: { ...v.admin_metadata, attached_mode: mode },
        };
      });
      break;
    }
    case 'os-begin_detaching':
      await change((v) => {
        mustBe(v, ['in-use'], 'begin detaching');
        return { status: 'detaching' };
      });
      break;
    case 'os-roll_detaching':
      await change((v) => (v.status === 'detaching' ? { status: 'in-use' } : {}));
      break;
    case 'os-detach':
    case 'os-force_detach': {
      const id = text(args, 'attachment_id');
      await change((v) => {
        const attachments = v.attachments ?? [];
        if (!id && attachments.length > 1) throw invalidVolume('Volume has more than one attachment; an attachment_id is required to detach.');
        const gone = id ? attachments.find((a) => a.attachment_id === id) : attachments[0];
        if (!gone) {
          if (action === 'os-force_detach' && !id) return { status: 'available', attach_status: 'detached', attachments: [], attachment_ids: [] };
          throw notFound(`Volume attachment could not be found with filter: attachment_id = ${id ?? 'None'}.`);
        }
        return detachFields(v, gone.attachment_id);
      });
      break;
    }
    case 'os-initialize_connection': {
      const connector = args.connector;
      if (!connector || typeof connector !== 'object' || Array.isArray(connector)) throw invalidInput('Must specify a connector');
      const current = await store.volumes.get(volume.id);
      if (!current) throw notFound(`Volume ${volume.id} could not be found.`);
      const mode = (connector as Record<string, unknown>).mode === 'ro' || current.admin_metadata.readonly === 'True' ? 'ro' : 'rw';
      const attachment = (current.attachments ?? []).find((a) => a.server_id && a.server_id === (connector as Record<string, unknown>).instance_uuid);
      return { status: 200, body: { connection_info: connectionInfo(store, current, mode, attachment?.attachment_id) } };
    }
    case 'os-terminate_connection': {
      const connector = args.connector;
      if (!connector || typeof connector !== 'object' || Array.isArray(connector)) throw invalidInput('Must specify a connector');
      break;
    }
  }
  return { status: 202 };
}
