import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { hexId } from '../../../src/platform/ids.ts';

const V3 = '/identity/v3';

describe('identity: /v3/groups', () => {
  let cloud: TestCloud;
  let memberRoleId: string;
  let adminRoleId: string;
  let domainId: string;

  async function createUser(name: string, extra: Record<string, unknown> = {}) {
    const res = await cloud.request('POST', `${V3}/users`, { body: { user: { name, password: `${name}-pw`, email: `${name}@testmail.tm`, ...extra } } });
    assert.equal(res.status, 201, res.text);
    return res.body.user;
  }

  async function createGroup(name: string, extra: Record<string, unknown> = {}) {
    const res = await cloud.request('POST', `${V3}/groups`, { body: { group: { name, description: `${name} desc`, ...extra } } });
    assert.equal(res.status, 201, res.text);
    return res.body.group;
  }

  async function createProject(name: string, domain = 'default'): Promise<string> {
    const id = hexId();
    await cloud.runtime.identity.db.projects.insert({
      id, name, domain_id: domain, parent_id: domain, is_domain: false, enabled: true, description: '', tags: [], options: {}, extra: {},
    });
    await cloud.runtime.identity.changed();
    return id;
  }

  async function grant(actorType: 'user' | 'group', actorId: string, targetType: 'project' | 'domain', targetId: string, roleId: string) {
    await cloud.runtime.identity.db.assignments.insert({
      id: `${actorType}:${actorId}:${targetType}:${targetId}:${roleId}:false`,
      actor_type: actorType, actor_id: actorId, target_type: targetType, target_id: targetId, role_id: roleId, inherited: false,
    });
    await cloud.runtime.identity.changed();
  }

  before(async () => {
    cloud = await startCloud();
    const roles = await cloud.runtime.identity.db.roles.find({});
    memberRoleId = roles.find((r) => r.name === 'member')!.id;
    adminRoleId = roles.find((r) => r.name === 'admin')!.id;
    domainId = hexId();
    await cloud.runtime.identity.db.projects.insert({
      id: domainId, name: 'group-domain', domain_id: null, parent_id: null, is_domain: true, enabled: true, description: '', tags: [], options: {}, extra: {},
    });
    await cloud.runtime.identity.changed();
  });
  after(() => cloud.stop());

  it('creates, updates and shows a group (Tempest test_group_create_update_get)', async () => {
    const g = await createGroup('g-one', { domain_id: domainId, colour: 'blue' });
    assert.equal(g.name, 'g-one');
    assert.equal(g.description, 'g-one desc');
    assert.equal(g.domain_id, domainId);
    assert.equal(g.colour, 'blue');
    assert.equal(g.links.self, `${cloud.url}${V3}/groups/${g.id}`);
    const upd = await cloud.request('PATCH', `${V3}/groups/${g.id}`, { body: { group: { name: 'g-one-b', description: 'new desc' } } });
    assert.equal(upd.status, 200);
    assert.equal(upd.body.group.name, 'g-one-b');
    assert.equal(upd.body.group.description, 'new desc');
    const shown = await cloud.request('GET', `${V3}/groups/${g.id}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.group.name, 'g-one-b');
    const renamed = await cloud.request('PATCH', `${V3}/groups/${g.id}`, { body: { group: { name: 'g-one-c' } } });
    assert.equal(renamed.body.group.description, 'new desc');
    assert.equal(renamed.body.group.domain_id, domainId);
    const noDesc = await cloud.request('POST', `${V3}/groups`, { body: { group: { name: 'g-nodesc' } } });
    assert.equal(noDesc.body.group.description, '');
    assert.equal(noDesc.body.group.domain_id, 'default');
  });

  it('answers 400, 404 and 409 as Keystone does', async () => {
    await createGroup('g-dup');
    const dup = await cloud.request('POST', `${V3}/groups`, { body: { group: { name: 'g-dup' } } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.message, 'Conflict occurred attempting to store group - Duplicate entry found with name g-dup at domain ID default.');
    const noName = await cloud.request('POST', `${V3}/groups`, { body: { group: { description: 'x' } } });
    assert.equal(noName.status, 400);
    const badDomain = await cloud.request('POST', `${V3}/groups`, { body: { group: { name: 'x', domain_id: 'nodomain' } } });
    assert.equal(badDomain.status, 404);
    assert.equal(badDomain.body.error.message, 'Could not find domain: nodomain.');
    const missing = await cloud.request('GET', `${V3}/groups/nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.message, 'Could not find group: nope.');
    assert.equal((await cloud.request('PATCH', `${V3}/groups/nope`, { body: { group: { name: 'y' } } })).status, 404);
    assert.equal((await cloud.request('DELETE', `${V3}/groups/nope`)).status, 404);
  });

  it('lists groups with filters', async () => {
    const a = await createGroup('list-a', { domain_id: domainId });
    const b = await createGroup('list-b');
    const all = await cloud.request('GET', `${V3}/groups`);
    assert.ok([a.id, b.id].every((id) => all.body.groups.some((g: any) => g.id === id)));
    const inDomain = await cloud.request('GET', `${V3}/groups?domain_id=${domainId}`);
    assert.ok(inDomain.body.groups.every((g: any) => g.domain_id === domainId));
    assert.ok(inDomain.body.groups.some((g: any) => g.id === a.id));
    const byName = await cloud.request('GET', `${V3}/groups?name=list-b`);
    assert.deepEqual(byName.body.groups.map((g: any) => g.id), [b.id]);
    const starts = await cloud.request('GET', `${V3}/groups?name__startswith=list-`);
    assert.deepEqual(starts.body.groups.map((g: any) => g.name), ['list-a', 'list-b']);
  });

  it('adds, lists, checks and removes members (Tempest test_group_users_add_list_delete)', async () => {
    const g = await createGroup('members', { domain_id: domainId });
    const users = [];
    for (const n of ['m1', 'm2', 'm3']) {
      const u = await createUser(n);
      users.push(u);
      const put = await cloud.request('PUT', `${V3}/groups/${g.id}/users/${u.id}`);
      assert.equal(put.status, 204);
    }
    assert.equal((await cloud.request('PUT', `${V3}/groups/${g.id}/users/${users[0].id}`)).status, 204);
    const listed = await cloud.request('GET', `${V3}/groups/${g.id}/users`);
    assert.equal(listed.status, 200);
    const byName = (l: any[]) => [...l].sort((x, y) => x.name.localeCompare(y.name));
    assert.deepEqual(byName(listed.body.users), byName(users));
    const filtered = await cloud.request('GET', `${V3}/groups/${g.id}/users?name=m2`);
    assert.deepEqual(filtered.body.users.map((u: any) => u.id), [users[1].id]);
    const ofUser = await cloud.request('GET', `${V3}/users/${users[0].id}/groups`);
    assert.deepEqual(ofUser.body.groups, [g]);
    for (const u of users) {
      assert.equal((await cloud.request('HEAD', `${V3}/groups/${g.id}/users/${u.id}`)).status, 204);
      assert.equal((await cloud.request('DELETE', `${V3}/groups/${g.id}/users/${u.id}`)).status, 204);
    }
    assert.deepEqual((await cloud.request('GET', `${V3}/groups/${g.id}/users`)).body.users, []);
    const notMember = await cloud.request('GET', `${V3}/groups/${g.id}/users/${users[0].id}`);
    assert.equal(notMember.status, 404);
    assert.equal(notMember.body.error.message, `User '${users[0].id}' not found in group '${g.id}'`);
    assert.equal((await cloud.request('DELETE', `${V3}/groups/${g.id}/users/${users[0].id}`)).status, 404);
    const unknownUser = await cloud.request('PUT', `${V3}/groups/${g.id}/users/nouser`);
    assert.equal(unknownUser.status, 404);
    assert.equal(unknownUser.body.error.message, 'Could not find user: nouser.');
    const unknownGroup = await cloud.request('PUT', `${V3}/groups/nogroup/users/${users[0].id}`);
    assert.equal(unknownGroup.status, 404);
    assert.equal(unknownGroup.body.error.message, 'Could not find group: nogroup.');
  });

  it('gives and takes roles through membership at once', async () => {
    const project = await createProject('via-group');
    const u = await createUser('via-user');
    const g = await createGroup('via-group');
    await grant('group', g.id, 'project', project, memberRoleId);
    const scoped = () =>
      cloud.request('POST', `${V3}/auth/tokens`, {
        token: null,
        body: { auth: { identity: { methods: ['password'], password: { user: { id: u.id, password: 'via-user-pw' } } }, scope: { project: { id: project } } } },
      });
    assert.equal((await scoped()).status, 401);
    await cloud.request('PUT', `${V3}/groups/${g.id}/users/${u.id}`);
    const issued = await scoped();
    assert.equal(issued.status, 201);
    const token = issued.headers.get('x-subject-token')!;
    assert.equal((await cloud.request('GET', `${V3}/users/${u.id}/projects`, { token })).body.projects[0].id, project);
    await cloud.request('DELETE', `${V3}/groups/${g.id}/users/${u.id}`);
    // the token's only role came through the group: it no longer validates
    assert.equal((await cloud.request('GET', `${V3}/auth/tokens`, { headers: { 'X-Subject-Token': token } })).status, 404);
  });

  it('deletes a group with its memberships and assignments', async () => {
    const project = await createProject('del-group-project');
    const u = await createUser('del-member');
    const g = await createGroup('to-delete');
    await cloud.request('PUT', `${V3}/groups/${g.id}/users/${u.id}`);
    await grant('group', g.id, 'project', project, memberRoleId);
    assert.equal((await cloud.request('DELETE', `${V3}/groups/${g.id}`)).status, 204);
    const db = cloud.runtime.identity.db;
    assert.equal(await db.memberships.count({ group_id: g.id }), 0);
    assert.equal(await db.assignments.count({ actor_id: g.id }), 0);
    assert.equal((await cloud.request('GET', `${V3}/groups/${g.id}`)).status, 404);
    assert.deepEqual((await cloud.request('GET', `${V3}/users/${u.id}/groups`)).body.groups, []);
  });

  it('keeps a project member out, and a domain admin inside its domain', async () => {
    const project = await createProject('iso-groups');
    const member = await createUser('g-iso-member');
    await grant('user', member.id, 'project', project, memberRoleId);
    const g = await createGroup('iso-target');
    const token = await cloud.token({ id: member.id }, 'g-iso-member-pw', { project: { id: project } });
    for (const [method, path, body] of [
      ['GET', `${V3}/groups`, undefined],
      ['GET', `${V3}/groups/${g.id}`, undefined],
      ['POST', `${V3}/groups`, { group: { name: 'nope' } }],
      ['PATCH', `${V3}/groups/${g.id}`, { group: { name: 'nope' } }],
      ['DELETE', `${V3}/groups/${g.id}`, undefined],
      ['GET', `${V3}/groups/${g.id}/users`, undefined],
      ['PUT', `${V3}/groups/${g.id}/users/${member.id}`, undefined],
      ['GET', `${V3}/groups/${g.id}/users/${member.id}`, undefined],
      ['DELETE', `${V3}/groups/${g.id}/users/${member.id}`, undefined],
    ] as const) {
      const res = await cloud.request(method, path, { token, body });
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
    }
    // a domain admin sees and manages its domain's groups only
    const domAdmin = await createUser('g-dom-admin', { domain_id: domainId });
    await grant('user', domAdmin.id, 'domain', domainId, adminRoleId);
    const domToken = await cloud.token({ id: domAdmin.id }, 'g-dom-admin-pw', { domain: { id: domainId } });
    const made = await cloud.request('POST', `${V3}/groups`, { token: domToken, body: { group: { name: 'dom-made' } } });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.body.group.domain_id, domainId);
    const listed = await cloud.request('GET', `${V3}/groups`, { token: domToken });
    assert.equal(listed.status, 200);
    assert.ok(listed.body.groups.every((x: any) => x.domain_id === domainId));
    const add = await cloud.request('PUT', `${V3}/groups/${made.body.group.id}/users/${domAdmin.id}`, { token: domToken });
    assert.equal(add.status, 204);
  });
});
