// The classic attach protocol Nova drove before the attachments API: reserve -> attaching,
// attach -> in-use, begin_detaching -> detaching, detach -> available (when the last one goes).
import type { ApiResponse } from '../../platform/http/service-api.ts';
import { uuid } from '../../platform/ids.ts';
import type { BlockStorage, VolumeAttachment, VolumeRecord } from './model.ts';
import { invalidInput, invalidVolume, notFound } from './errors.ts';

export const ATTACH_ACTIONS: Record<string, string> = {
  'os-reserve': 'volume_extension:volume_actions:reserve',
  'os-unreserve': 'volume_extension:volume_actions:unreserve',
  'os-attach': 'volume_extension:volume_actions:attach',
  'os-begin_detaching': 'volume_extension:volume_actions:begin_detaching',
  'os-roll_detaching': 'volume_extension:volume_actions:roll_detaching',
  'os-detach': 'volume_extension:volume_actions:detach',
};

function text(args: Record<string, unknown>, key: string): string | null {
  const value = args[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalidInput(`Invalid value for '${key}': ${JSON.stringify(value)}`);
  return value;
}

export async function runAttachAction(storage: BlockStorage, volume: VolumeRecord, action: string, rawArgs: unknown): Promise<ApiResponse> {
  const args = (rawArgs && typeof rawArgs === 'object' && !Array.isArray(rawArgs) ? rawArgs : {}) as Record<string, unknown>;
  const attachments = volume.attachments ?? [];
  const now = storage.clock.now();
  const set = (changes: Partial<VolumeRecord>) => storage.volumes.update(volume.id, { ...changes, updated_at: now });
  const must = (statuses: string[], what: string) => {
    if (!statuses.includes(volume.status)) {
      throw invalidVolume(`Volume status must be ${statuses.join(' or ')} to ${what}, but current status is: ${volume.status}.`);
    }
  };
  switch (action) {
    case 'os-reserve':
      must(volume.multiattach ? ['available', 'in-use'] : ['available'], 'reserve');
      await set({ status: 'attaching' });
      break;
    case 'os-unreserve':
      if (volume.status === 'attaching') await set({ status: attachments.length ? 'in-use' : 'available' });
      break;
    case 'os-attach': {
      must(volume.multiattach ? ['available', 'attaching', 'reserved', 'in-use'] : ['available', 'attaching', 'reserved'], 'attach');
      const server = text(args, 'instance_uuid');
      const host = text(args, 'host_name');
      if (!server && !host) throw invalidInput('Invalid request to attach volume to an invalid target');
      const mode = text(args, 'mode') ?? 'rw';
      if (mode !== 'rw' && mode !== 'ro') throw invalidInput("Invalid attach mode, it must be 'rw' or 'ro'");
      if (mode === 'rw' && volume.admin_metadata.readonly === 'True') throw invalidVolume('Volume is read-only and may only be attached in ro mode.');
      const attachment: VolumeAttachment = { attachment_id: uuid(), server_id: server, host_name: host, device: text(args, 'mountpoint'), mode, attached_at: now };
      await set({
        status: 'in-use', attach_status: 'attached', attachments: [...attachments, attachment],
        admin_metadata: { ...volume.admin_metadata, attached_mode: mode },
      });
      break;
    }
    case 'os-begin_detaching':
      must(['in-use'], 'begin detaching');
      await set({ status: 'detaching' });
      break;
    case 'os-roll_detaching':
      if (volume.status === 'detaching') await set({ status: 'in-use' });
      break;
    case 'os-detach': {
      const id = text(args, 'attachment_id');
      if (!id && attachments.length > 1) throw invalidVolume('Volume has more than one attachment; an attachment_id is required to detach.');
      const gone = id ? attachments.find((a) => a.attachment_id === id) : attachments[0];
      if (!gone) throw notFound(`Volume attachment could not be found with filter: attachment_id = ${id ?? 'None'}.`);
      const rest = attachments.filter((a) => a !== gone);
      const adminMetadata = { ...volume.admin_metadata };
      if (!rest.length) delete adminMetadata.attached_mode;
      await set(rest.length
        ? { status: 'in-use', attachments: rest }
        : { status: 'available', attach_status: 'detached', attachments: [], admin_metadata: adminMetadata });
      break;
    }
  }
  return { status: 202 };
}
