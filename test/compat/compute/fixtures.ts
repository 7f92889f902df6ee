// Shared by the Nova extension tests: members of fresh projects made through the identity API,
// and a compute request helper with a microversion.
import assert from 'node:assert/strict';
import type { TestCloud, TestResponse } from '../../support/stackgate.ts';

export interface Member {
  project: string;
  user: string;
  token: string;
}

export async function newMember(cloud: TestCloud, name: string, roleName = 'member'): Promise<Member> {
  const project = await cloud.request('POST', '/identity/v3/projects', { body: { project: { name: `p-${name}`, domain_id: 'default' } } });
  assert.equal(project.status, 201, project.text);
  const password = `pw-${name}-secret`;
  const user = await cloud.request('POST', '/identity/v3/users', { body: { user: { name: `u-${name}`, domain_id: 'default', password } } });
  assert.equal(user.status, 201, user.text);
  const roles = await cloud.request('GET', `/identity/v3/roles?name=${roleName}`);
  const grant = await cloud.request('PUT', `/identity/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${roles.body.roles[0].id}`);
  assert.equal(grant.status, 204, grant.text);
  const token = await cloud.token({ id: user.body.user.id }, password, { project: { id: project.body.project.id } });
  return { project: project.body.project.id, user: user.body.user.id, token };
}

export function compute(cloud: TestCloud) {
  return (method: string, path: string, version = '2.1', body?: unknown, token?: string, unchecked = false): Promise<TestResponse> =>
    cloud.request(method, `/compute/v2.1${path}`, { body, token, unchecked, headers: { 'OpenStack-API-Version': `compute ${version}` } });
}
