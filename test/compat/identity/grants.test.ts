import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { fixtures, PASSWORD } from './role-fixtures.ts';

const V3 = '/identity/v3';

describe('identity: role grants', () => {
  let cloud: TestCloud;
  let fx: ReturnType<typeof fixtures>;
  before(async () => {
    cloud = await startCloud();
    fx = fixtures(cloud);
  });
  after(() => cloud.stop());

  /** PUT, HEAD, GET check, list, DELETE, then HEAD 404, for one grant URL family. */
  async function roundTrip(listUrl: string, roleId: string, suffix = '') {
    const url = `${listUrl}/${roleId}${suffix}`;
    assert.equal((await cloud.request('PUT', url)).status, 204);
    assert.equal((await cloud.request('PUT', url)).status, 204, 'PUT is idempotent');
    assert.equal((await cloud.request('HEAD', url)).status, 204);
    assert.equal((await cloud.request('GET', url)).status, 204);
    const list = await cloud.request('GET', `${listUrl}${suffix}`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.roles.map((r: any) => r.id), [roleId]);
    assert.equal(list.body.roles[0].links.self, `${cloud.url}${V3}/roles/${roleId}`);
    assert.equal((await cloud.request('DELETE', url)).status, 204);
    const gone = await cloud.request('HEAD', url);
    assert.equal(gone.status, 404);
    assert.equal((await cloud.request('DELETE', url)).status, 404);
    assert.deepEqual((await cloud.request('GET', `${listUrl}${suffix}`)).body.roles, []);
  }

  it('grants, checks, lists and revokes on projects and domains, for users and groups', async () => {
    const domain = await fx.domain();
    const project = await fx.project(domain.id);
    const user = await fx.user(domain.id);
    const group = await fx.group(domain.id);
    const role = await fx.role();
    await roundTrip(`${V3}/projects/${project.id}/users/${user.id}/roles`, role.id);
    await roundTrip(`${V3}/projects/${project.id}/groups/${group.id}/roles`, role.id);
    await roundTrip(`${V3}/domains/${domain.id}/users/${user.id}/roles`, role.id);
    await roundTrip(`${V3}/domains/${domain.id}/groups/${group.id}/roles`, role.id);
  });

  it('grants on the system', async () => {
    const user = await fx.user();
    const group = await fx.group();
    const role = await fx.role();
    await roundTrip(`${V3}/system/users/${user.id}/roles`, role.id);
    await roundTrip(`${V3}/system/groups/${group.id}/roles`, role.id);
  });

  it('grants inherited roles (OS-INHERIT) on domains and projects', async () => {
    const domain = await fx.domain();
    const project = await fx.project(domain.id);
    const user = await fx.user(domain.id);
    const group = await fx.group(domain.id);
    const role = await fx.role();
    await roundTrip(`${V3}/OS-INHERIT/domains/${domain.id}/users/${user.id}/roles`, role.id, '/inherited_to_projects');
    await roundTrip(`${V3}/OS-INHERIT/domains/${domain.id}/groups/${group.id}/roles`, role.id, '/inherited_to_projects');
    for (const actor of [`users/${user.id}`, `groups/${group.id}`]) {
      const url = `${V3}/OS-INHERIT/projects/${project.id}/${actor}/roles/${role.id}/inherited_to_projects`;
      assert.equal((await cloud.request('PUT', url)).status, 204);
      assert.equal((await cloud.request('HEAD', url)).status, 204);
      // An inherited grant is not a direct one.
      assert.equal((await cloud.request('HEAD', `${V3}/projects/${project.id}/${actor}/roles/${role.id}`)).status, 404);
      assert.equal((await cloud.request('DELETE', url)).status, 204);
      assert.equal((await cloud.request('HEAD', url)).status, 404);
    }
  });

  it('answers 404 for a missing role, actor, target or grant', async () => {
    const project = await fx.project();
    const user = await fx.user();
    const role = await fx.role();
    const cases: Array<[string, string]> = [
      [`${V3}/projects/${project.id}/users/${user.id}/roles/nope`, 'Could not find role: nope.'],
      [`${V3}/projects/${project.id}/users/nope/roles/${role.id}`, 'Could not find user: nope.'],
      [`${V3}/projects/nope/users/${user.id}/roles/${role.id}`, 'Could not find project: nope.'],
      [`${V3}/projects/${project.id}/groups/nope/roles/${role.id}`, 'Could not find group: nope.'],
      [`${V3}/domains/nope/users/${user.id}/roles/${role.id}`, 'Could not find domain: nope.'],
      [`${V3}/domains/${project.id}/users/${user.id}/roles/${role.id}`, `Could not find domain: ${project.id}.`],
      [`${V3}/system/users/nope/roles/${role.id}`, 'Could not find user: nope.'],
      [`${V3}/OS-INHERIT/domains/nope/users/${user.id}/roles/${role.id}/inherited_to_projects`, 'Could not find domain: nope.'],
    ];
    for (const [url, message] of cases) {
      const res = await cloud.request('PUT', url);
      assert.equal(res.status, 404, url);
      assert.equal(res.body.error.message, message, url);
    }
    const check = await cloud.request('GET', `${V3}/projects/${project.id}/users/${user.id}/roles/${role.id}`);
    assert.equal(check.status, 404);
    assert.equal(
      check.body.error.message,
      `Could not find role assignment with role: ${role.id}, user or group: ${user.id}, project, domain, or system: ${project.id}.`,
    );
    assert.equal((await cloud.request('GET', `${V3}/projects/${project.id}/users/nope/roles`)).status, 404);
  });

  it('keeps a domain-specific role inside its domain', async () => {
    const domain = await fx.domain();
    const inside = await fx.project(domain.id);
    const outside = await fx.project();
    const user = await fx.user();
    const role = await fx.role(undefined, domain.id);
    assert.equal((await cloud.request('PUT', `${V3}/projects/${inside.id}/users/${user.id}/roles/${role.id}`)).status, 204);
    const res = await cloud.request('PUT', `${V3}/projects/${outside.id}/users/${user.id}/roles/${role.id}`);
    assert.equal(res.status, 403);
    assert.equal(res.body.error.message, `Project ${outside.id} must be in the same domain as the role ${role.id} being assigned.`);
  });

  it("invalidates a member's token on the project when its only role is revoked", async () => {
    const project = await fx.project();
    const user = await fx.user();
    const member = await fx.roleByName('member');
    const grant = `${V3}/projects/${project.id}/users/${user.id}/roles/${member.id}`;
    assert.equal((await cloud.request('PUT', grant)).status, 204);
    const token = await cloud.token({ id: user.id }, PASSWORD, { project: { id: project.id } });
    const before = await cloud.request('GET', `${V3}/auth/tokens`, { headers: { 'X-Subject-Token': token } });
    assert.equal(before.status, 200);
    assert.deepEqual(before.body.token.roles.map((r: any) => r.name).sort(), ['member', 'reader']);
    assert.equal((await cloud.request('GET', `${V3}/auth/catalog`, { token })).status, 200);
    assert.equal((await cloud.request('DELETE', grant)).status, 204);
    assert.equal((await cloud.request('GET', `${V3}/auth/catalog`, { token })).status, 401);
    assert.equal((await cloud.request('GET', `${V3}/auth/tokens`, { headers: { 'X-Subject-Token': token } })).status, 404);
  });

  it('lets a plain member touch no grants, and a domain reader only check its own domain', async () => {
    const project = await fx.project();
    const user = await fx.user();
    const member = await fx.roleByName('member');
    const reader = await fx.roleByName('reader');
    assert.equal((await cloud.request('PUT', `${V3}/projects/${project.id}/users/${user.id}/roles/${member.id}`)).status, 204);
    const memberToken = await cloud.token({ id: user.id }, PASSWORD, { project: { id: project.id } });
    const own = `${V3}/projects/${project.id}/users/${user.id}/roles`;
    assert.equal((await cloud.request('GET', own, { token: memberToken })).status, 403);
    assert.equal((await cloud.request('HEAD', `${own}/${member.id}`, { token: memberToken })).status, 403);
    assert.equal((await cloud.request('PUT', `${own}/${reader.id}`, { token: memberToken })).status, 403);
    assert.equal((await cloud.request('DELETE', `${own}/${member.id}`, { token: memberToken })).status, 403);
    assert.equal((await cloud.request('PUT', `${V3}/system/users/${user.id}/roles/${reader.id}`, { token: memberToken })).status, 403);

    const domain = await fx.domain();
    const dProject = await fx.project(domain.id);
    const dUser = await fx.user(domain.id);
    const dReader = await fx.user(domain.id);
    assert.equal((await cloud.request('PUT', `${V3}/domains/${domain.id}/users/${dReader.id}/roles/${reader.id}`)).status, 204);
    assert.equal((await cloud.request('PUT', `${V3}/projects/${dProject.id}/users/${dUser.id}/roles/${member.id}`)).status, 204);
    const domainToken = await cloud.token({ id: dReader.id }, PASSWORD, { domain: { id: domain.id } });
    assert.equal((await cloud.request('HEAD', `${V3}/projects/${dProject.id}/users/${dUser.id}/roles/${member.id}`, { token: domainToken })).status, 204);
    assert.equal((await cloud.request('GET', `${V3}/projects/${dProject.id}/users/${dUser.id}/roles`, { token: domainToken })).status, 200);
    assert.equal((await cloud.request('HEAD', `${own}/${member.id}`, { token: domainToken })).status, 403, 'another domain');
    assert.equal((await cloud.request('PUT', `${V3}/projects/${dProject.id}/users/${dUser.id}/roles/${reader.id}`, { token: domainToken })).status, 403, 'a reader grants nothing');
  });
});
