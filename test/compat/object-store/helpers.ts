// Shared setup for the Swift tests: a cloud, the caller's account path, and raw fetches
// for bodies the JSON-oriented cloud.request does not suit.
import type { TestCloud } from '../../support/stackgate.ts';

export async function accountPath(cloud: TestCloud, token?: string): Promise<string> {
  const res = await cloud.request('GET', '/identity/v3/auth/catalog', token ? { token } : {});
  const entry = res.body.catalog.find((c: { type: string }) => c.type === 'object-store');
  return new URL(entry.endpoints.find((e: { interface: string }) => e.interface === 'public').url).pathname;
}

export async function raw(cloud: TestCloud, method: string, path: string, options: { token?: string | null; headers?: Record<string, string>; body?: string | Buffer | ReadableStream; duplex?: boolean; redirect?: 'follow' | 'manual' | 'error' } = {}): Promise<Omit<Response, 'json'> & { json(): Promise<any> }> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? cloud.adminToken : options.token;
  if (token) headers['X-Auth-Token'] = token;
  return fetch(`${cloud.url}${path}`, { method, headers, body: options.body, redirect: options.redirect, ...(options.duplex ? { duplex: 'half' } : {}) } as RequestInit);
}

/** A member of a new project: its id, user id and token. */
export async function memberOfNewProject(cloud: TestCloud, name: string, role = 'member'): Promise<{ projectId: string; userId: string; token: string }> {
  const project = await cloud.request('POST', '/identity/v3/projects', { body: { project: { name, domain_id: 'default' } } });
  const user = await cloud.request('POST', '/identity/v3/users', { body: { user: { name: `${name}-user`, password: 'secret-pw-1', domain_id: 'default' } } });
  const roles = await cloud.request('GET', `/identity/v3/roles?name=${role}`);
  let roleId = roles.body.roles[0]?.id;
  if (!roleId) roleId = (await cloud.request('POST', '/identity/v3/roles', { body: { role: { name: role } } })).body.role.id;
  await cloud.request('PUT', `/identity/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${roleId}`);
  const token = await cloud.token({ id: user.body.user.id }, 'secret-pw-1', { project: { id: project.body.project.id } });
  return { projectId: project.body.project.id, userId: user.body.user.id, token };
}
