// Helpers the block storage tests share: members of fresh projects and status polling.
import assert from 'node:assert/strict';
import type { TestCloud } from '../../support/stackgate.ts';

export interface Member {
  projectId: string;
  token: string;
}

/** a project with a member user, made through the identity API */
export async function newMember(cloud: TestCloud, name: string): Promise<Member> {
  const project = await cloud.request('POST', '/identity/v3/projects', { body: { project: { name: `p-${name}`, domain_id: 'default' } } });
  assert.equal(project.status, 201, project.text);
  const user = await cloud.request('POST', '/identity/v3/users', { body: { user: { name: `u-${name}`, domain_id: 'default', password: `pw-${name}` } } });
  assert.equal(user.status, 201, user.text);
  const role = await cloud.request('GET', '/identity/v3/roles?name=member');
  const grant = await cloud.request('PUT', `/identity/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${role.body.roles[0].id}`);
  assert.equal(grant.status, 204, grant.text);
  const token = await cloud.token({ id: user.body.user.id }, `pw-${name}`, { project: { id: project.body.project.id } });
  return { projectId: project.body.project.id, token };
}

export async function adminProject(cloud: TestCloud): Promise<string> {
  const res = await cloud.request('GET', '/identity/v3/auth/tokens', { headers: { 'X-Subject-Token': cloud.adminToken } });
  return res.body.token.project.id;
}

/** polls a volume or snapshot until its status is `wanted` (or it is gone, for wanted 404) */
export async function waitFor(cloud: TestCloud, path: string, wanted: string | 404, token?: string): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const res = await cloud.request('GET', path, { token });
    if (wanted === 404 && res.status === 404) return res.body;
    const entity = res.body?.volume ?? res.body?.snapshot;
    if (wanted !== 404 && entity?.status === wanted) return entity;
    await new Promise((r) => setTimeout(r, 30));
  }
  assert.fail(`${path} never reached ${wanted}`);
}
