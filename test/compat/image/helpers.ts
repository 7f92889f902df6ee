// Shared fixtures of the image tests: projects with member users, and image bytes.
import assert from 'node:assert/strict';
import type { TestCloud } from '../../support/stackgate.ts';

export async function memberOfNewProject(cloud: TestCloud, name: string): Promise<{ projectId: string; token: string }> {
  const project = await cloud.request('POST', '/identity/v3/projects', { body: { project: { name, domain_id: 'default' } } });
  assert.equal(project.status, 201, project.text);
  const user = await cloud.request('POST', '/identity/v3/users', {
    body: { user: { name: `${name}-user`, password: 'pw-secret-1', domain_id: 'default', default_project_id: project.body.project.id } },
  });
  assert.equal(user.status, 201, user.text);
  const roles = await cloud.request('GET', '/identity/v3/roles?name=member');
  const grant = await cloud.request('PUT', `/identity/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${roles.body.roles[0].id}`);
  assert.equal(grant.status, 204, grant.text);
  const token = await cloud.token({ id: user.body.user.id }, 'pw-secret-1', { project: { id: project.body.project.id } });
  return { projectId: project.body.project.id, token };
}

/** A qcow2 v3 header: optionally naming a backing file, or flagging an external data file. */
export function qcow2Header(options: { backingFile?: string; dataFile?: boolean; virtualSize?: bigint } = {}): Buffer {
  const header = Buffer.alloc(512);
  header.write('QFI\xfb', 0, 'latin1');
  header.writeUInt32BE(3, 4);
  if (options.backingFile) {
    header.writeBigUInt64BE(200n, 8);
    header.writeUInt32BE(options.backingFile.length, 16);
    header.write(options.backingFile, 200, 'latin1');
  }
  header.writeUInt32BE(16, 20); // cluster bits
  header.writeBigUInt64BE(options.virtualSize ?? 1024n * 1024n * 1024n, 24);
  header.writeBigUInt64BE(options.dataFile ? 1n << 2n : 0n, 72);
  header.writeUInt32BE(104, 100);
  return header;
}

export async function upload(cloud: TestCloud, id: string, data: Uint8Array | ReadableStream, token = cloud.adminToken): Promise<Response> {
  // Node's fetch needs `duplex` for a streamed body; the DOM typings do not know it.
  const init = {
    method: 'PUT',
    headers: { 'X-Auth-Token': token, 'Content-Type': 'application/octet-stream', Accept: 'application/json' },
    body: data,
    duplex: 'half',
  } as unknown as RequestInit;
  return fetch(`${cloud.url}/image/v2/images/${id}/file`, init);
}

export const PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';
