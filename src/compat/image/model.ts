// The records of the image service's database and the vocabulary Glance uses for them.
import type { Doc } from '../../platform/store/store.ts';

export const IMAGE_STATUSES = ['queued', 'saving', 'uploading', 'importing', 'active', 'deactivated', 'killed', 'deleted', 'pending_delete'] as const;
export const VISIBILITIES = ['public', 'private', 'shared', 'community'] as const;
export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] as const;
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;
export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;

export type ImageStatus = (typeof IMAGE_STATUSES)[number];
export type Visibility = (typeof VISIBILITIES)[number];

export interface ImageRecord extends Doc {
  name: string | null;
  status: ImageStatus;
  visibility: Visibility;
  protected: boolean;
  os_hidden: boolean;
  owner: string | null;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  size: number | null;
  virtual_size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  tags: string[];
  /** Glance's "extra properties": free-form string key/values shown flat in the image */
  properties: Record<string, string>;
  /** ids of the stores that hold the data */
  stores: string[];
  created_at: string;
  updated_at: string;
  /** for sorting and range filters at millisecond precision */
  created_ms: number;
  updated_ms: number;
}

export interface MemberRecord extends Doc {
  image_id: string;
  member_id: string;
  status: (typeof MEMBER_STATUSES)[number];
  created_at: string;
  updated_at: string;
}

export interface TaskRecord extends Doc {
  type: string;
  status: 'pending' | 'processing' | 'success' | 'failure';
  owner: string | null;
  image_id: string | null;
  request_id: string | null;
  user_id: string | null;
  input: Record<string, unknown>;
  result: Record<string, unknown> | null;
  message: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}

/** Attributes a client never writes: Glance answers 403 "Attribute 'x' is read-only." */
export const READ_ONLY_ATTRIBUTES = new Set([
  'created_at', 'updated_at', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size',
  'direct_url', 'self', 'file', 'schema', 'stores',
]);
/** Attributes Glance reserves: 403 "Attribute 'x' is reserved." */
export const RESERVED_ATTRIBUTES = new Set(['location', 'deleted', 'deleted_at']);
/** The image's own attributes (not extra properties). */
export const BASE_ATTRIBUTES = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'owner', 'disk_format', 'container_format', 'min_disk', 'min_ram',
  'size', 'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value', 'tags', 'created_at', 'updated_at', 'locations',
]);

export const MAX_TAGS_PER_IMAGE = 128;
export const MAX_PROPERTIES_PER_IMAGE = 128;
