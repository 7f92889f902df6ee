// The image service's database: images, their members, and import tasks.
import type { Collection, Store } from '../../platform/store/store.ts';
import type { ImageRecord, MemberRecord, TaskRecord } from './model.ts';

export interface ImageDb {
  images: Collection<ImageRecord>;
  members: Collection<MemberRecord>;
  tasks: Collection<TaskRecord>;
}

export async function openImageDb(store: Store): Promise<ImageDb> {
  const db = await store.database('image');
  return {
    images: db.collection<ImageRecord>('images', { indexes: [['owner'], ['status'], ['visibility']] }),
    members: db.collection<MemberRecord>('members', { unique: [['image_id', 'member_id']], indexes: [['member_id']] }),
    tasks: db.collection<TaskRecord>('tasks', { indexes: [['image_id']] }),
  };
}
