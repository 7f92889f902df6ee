// Helpers the network tests share: a member of a fresh project, and short request wrappers.
import assert from 'node:assert/strict';
import type { TestCloud } from '../../support/stackgate.ts';

export const N = '/networking/v2.0';

export async function memberOfNewProject(cloud: TestCloud, name: string): Promise<{ token: string; projectId: string; userId: string }> {
  const project = await cloud.request('POST', '/identity/v3/projects', { body: { project: { name, domain_id: 'default' } } });
  assert.equal(project.status, 201, project.text);
  const user = await cloud.request('POST', '/identity/v3/users', { body: { user: { name: `${name}-user`, password: 'pw-secret-1', domain_id: 'default' } } });
  assert.equal(user.status, 201, user.text);
  const roles = await cloud.request('GET', '/identity/v3/roles?name=member');
  const roleId = roles.body.roles[0].id;
  const grant = await cloud.request('PUT', `/identity/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${roleId}`);
  assert.equal(grant.status, 204, grant.text);
  const token = await cloud.token({ id: user.body.user.id }, 'pw-secret-1', { project: { id: project.body.project.id } });
  return { token, projectId: project.body.project.id, userId: user.body.user.id };
}

export async function create(cloud: TestCloud, plural: string, member: string, body: Record<string, unknown>, token?: string): Promise<any> {
  const res = await cloud.request('POST', `${N}/${plural}`, { body: { [member]: body }, token });
  assert.equal(res.status, 201, `${plural}: ${res.text}`);
  return res.body[member];
}
