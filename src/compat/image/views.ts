// How Glance renders its resources: images flat (extra properties beside the base
// attributes), members and tasks with their schema links.
import type { ImageRecord, MemberRecord, TaskRecord } from './model.ts';

export function imageView(image: ImageRecord): Record<string, unknown> {
  const view: Record<string, unknown> = { ...image.properties };
  Object.assign(view, {
    id: image.id,
    name: image.name,
    status: image.status,
    visibility: image.visibility,
    protected: image.protected,
    os_hidden: image.os_hidden,
    checksum: image.checksum,
    os_hash_algo: image.os_hash_algo,
    os_hash_value: image.os_hash_value,
    owner: image.owner,
    size: image.size,
    virtual_size: image.virtual_size,
    min_ram: image.min_ram,
    min_disk: image.min_disk,
    disk_format: image.disk_format,
    container_format: image.container_format,
    created_at: image.created_at,
    updated_at: image.updated_at,
    tags: [...image.tags],
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  });
  // Multi-store Glance names the stores holding the data, comma-separated, once there is data.
  if (image.stores.length > 0) view.stores = image.stores.join(',');
  return view;
}

export function memberView(member: MemberRecord): Record<string, unknown> {
  return {
    image_id: member.image_id,
    member_id: member.member_id,
    status: member.status,
    created_at: member.created_at,
    updated_at: member.updated_at,
    schema: '/v2/schemas/member',
  };
}

export function taskView(task: TaskRecord, detail = true): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: task.id,
    type: task.type,
    status: task.status,
    owner: task.owner,
    message: task.message,
    created_at: task.created_at,
    updated_at: task.updated_at,
    expires_at: task.expires_at,
    image_id: task.image_id,
    request_id: task.request_id,
    user_id: task.user_id,
    self: `/v2/tasks/${task.id}`,
    schema: '/v2/schemas/task',
  };
  if (detail) {
    view.input = task.input;
    view.result = task.result;
  }
  return view;
}
