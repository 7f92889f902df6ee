// The JSON schemas Glance serves under /v2/schemas: clients (glanceclient, the SDK)
// fetch them to validate and to tell base attributes from extra properties, so they
// describe exactly the fields this service renders.
import { CONTAINER_FORMATS, DISK_FORMATS, IMAGE_STATUSES, MEMBER_STATUSES, VISIBILITIES } from './model.ts';
import type { OperationHandler } from '../../platform/http/service-api.ts';

const UUID_PATTERN = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';
const READ_ONLY = { readOnly: true };
const nullableString = (description: string, extra: Record<string, unknown> = {}) => ({ type: ['null', 'string'], description, ...extra });

export function imageSchema(): Record<string, unknown> {
  return {
    name: 'image',
    additionalProperties: { type: 'string' },
    properties: {
      id: { type: 'string', pattern: UUID_PATTERN, description: 'An identifier for the image' },
      name: nullableString('Descriptive name for the image', { maxLength: 255 }),
      status: { type: 'string', enum: [...IMAGE_STATUSES], description: 'Status of the image', ...READ_ONLY },
      visibility: { type: 'string', enum: [...VISIBILITIES], description: 'Scope of image accessibility' },
      protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
      os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
      checksum: nullableString('md5 hash of image contents.', { maxLength: 32, ...READ_ONLY }),
      os_hash_algo: nullableString('Algorithm used to calculate os_hash_value.', { maxLength: 64, ...READ_ONLY }),
      os_hash_value: nullableString('Hexdigest of the image contents using the os_hash_algo algorithm.', { maxLength: 128, ...READ_ONLY }),
      owner: nullableString('Owner of the image', { maxLength: 255 }),
      size: { type: ['null', 'integer'], description: 'Size of image file in bytes', ...READ_ONLY },
      virtual_size: { type: ['null', 'integer'], description: 'Virtual size of image in bytes', ...READ_ONLY },
      container_format: { type: ['null', 'string'], enum: [null, ...CONTAINER_FORMATS], description: 'Format of the container' },
      disk_format: { type: ['null', 'string'], enum: [null, ...DISK_FORMATS], description: 'Format of the disk' },
      created_at: { type: 'string', description: 'Date and time of image registration', ...READ_ONLY },
      updated_at: { type: 'string', description: 'Date and time of the last image modification', ...READ_ONLY },
      tags: { type: 'array', items: { type: 'string', maxLength: 255 }, description: 'List of strings related to the image' },
      direct_url: { type: 'string', description: 'URL to access the image file kept in external store', ...READ_ONLY },
      min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
      min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
      self: { type: 'string', description: 'An image self url', ...READ_ONLY },
      file: { type: 'string', description: 'An image file url', ...READ_ONLY },
      stores: { type: 'string', description: 'Store in which image data resides.  Only present when the operator has enabled multiple stores.', ...READ_ONLY },
      schema: { type: 'string', description: 'An image schema url', ...READ_ONLY },
      locations: {
        type: 'array',
        items: {
          type: 'object',
          properties: { url: { type: 'string', maxLength: 255 }, metadata: { type: 'object' }, validation_data: { type: 'object' } },
          required: ['url', 'metadata'],
        },
        description: 'A set of URLs to access the image file kept in external store',
      },
    },
    links: [
      { rel: 'self', href: '{self}' },
      { rel: 'enclosure', href: '{file}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

export function imagesSchema(): Record<string, unknown> {
  return {
    name: 'images',
    properties: {
      images: { type: 'array', items: imageSchema() },
      schema: { type: 'string' },
      first: { type: 'string' },
      next: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

export function memberSchema(): Record<string, unknown> {
  return {
    name: 'member',
    properties: {
      created_at: { type: 'string', description: 'Date and time of image member creation' },
      image_id: { type: 'string', pattern: UUID_PATTERN, description: 'An identifier for the image' },
      member_id: { type: 'string', description: 'An identifier for the image member (tenantId)' },
      schema: { type: 'string', readOnly: true },
      status: { type: 'string', enum: [...MEMBER_STATUSES], description: 'The status of this image member' },
      updated_at: { type: 'string', description: 'Date and time of last modification of image member' },
    },
  };
}

export function membersSchema(): Record<string, unknown> {
  return {
    name: 'members',
    properties: { members: { type: 'array', items: memberSchema() }, schema: { type: 'string' } },
    links: [{ rel: 'describedby', href: '{schema}' }],
  };
}

export function taskSchema(): Record<string, unknown> {
  return {
    name: 'task',
    properties: {
      id: { type: 'string', pattern: UUID_PATTERN, description: 'An identifier for the task' },
      type: { type: 'string', enum: ['import', 'api_image_import'], description: 'The type of task represented by this content' },
      status: { type: 'string', enum: ['pending', 'processing', 'success', 'failure'], description: 'The current status of this task' },
      input: { type: 'object', description: 'The parameters required by task, JSON blob' },
      result: { type: ['null', 'object'], description: 'The result of current task, JSON blob' },
      owner: { type: 'string', description: 'An identifier for the owner of this task' },
      message: { type: 'string', description: 'Human-readable informative message only included when appropriate (usually on failure)' },
      image_id: { type: 'string', description: 'Image associated with the task', readOnly: true },
      request_id: { type: 'string', description: 'Human-readable informative request-id', readOnly: true },
      user_id: { type: 'string', description: 'User associated with the task', readOnly: true },
      expires_at: { type: ['null', 'string'], description: 'Datetime when this resource would be subject to removal' },
      created_at: { type: 'string', description: 'Datetime when this resource was created' },
      updated_at: { type: 'string', description: 'Datetime when this resource was updated' },
      self: { type: 'string', readOnly: true },
      schema: { type: 'string', readOnly: true },
    },
    links: [{ rel: 'self', href: '{self}' }, { rel: 'describedby', href: '{schema}' }],
  };
}

export function tasksSchema(): Record<string, unknown> {
  return {
    name: 'tasks',
    properties: { tasks: { type: 'array', items: taskSchema() }, schema: { type: 'string' }, first: { type: 'string' }, next: { type: 'string' } },
    links: [{ rel: 'first', href: '{first}' }, { rel: 'next', href: '{next}' }, { rel: 'describedby', href: '{schema}' }],
  };
}

export const schemaHandlers: Record<string, OperationHandler> = {
  showImageSchema: () => ({ status: 200, body: imageSchema() }),
  showImagesSchema: () => ({ status: 200, body: imagesSchema() }),
  showMemberSchema: () => ({ status: 200, body: memberSchema() }),
  showMembersSchema: () => ({ status: 200, body: membersSchema() }),
  showTaskSchema: () => ({ status: 200, body: taskSchema() }),
  showTasksSchema: () => ({ status: 200, body: tasksSchema() }),
};
