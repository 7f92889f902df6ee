import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { hexId } from '../../../src/platform/ids.ts';

const V3 = '/identity/v3';

describe('identity: /v3/users', () => {
  let cloud: TestCloud;
  let memberRoleId: string;
  let adminRoleId: string;

  async function createUser(body: Record<string, unknown>) {
    const res = await cloud.request('POST', `${V3}/users`, { body: { user: { password: 'pw-secret-1', ...body } } });
    assert.equal(res.status, 201, res.text);
    return res.body.user;
  }

  async function createDomain(name: string): Promise<string> {
    const id = hexId();
    await cloud.runtime.identity.db.projects.insert({
      id, name, domain_id: null, parent_id: null, is_domain: true, enabled: true, description: '', tags: [], options: {}, extra: {},
    });
    await cloud.runtime.identity.changed();
    return id;
  }

  async function createProject(name: string, domainId = 'default', parentId?: string): Promise<string> {
    const id = hexId();
    await cloud.runtime.identity.db.projects.insert({
      id, name, domain_id: domainId, parent_id: parentId ?? domainId, is_domain: false, enabled: true, description: '', tags: [], options: {}, extra: {},
    });
    await cloud.runtime.identity.changed();
    return id;
  }

  async function grant(actorType: 'user' | 'group', actorId: string, targetType: 'project' | 'domain', targetId: string, roleId: string, inherited = false) {
    await cloud.runtime.identity.db.assignments.insert({
      id: `${actorType}:${actorId}:${targetType}:${targetId}:${roleId}:${inherited}`,
      actor_type: actorType, actor_id: actorId, target_type: targetType, target_id: targetId, role_id: roleId, inherited,
    });
    await cloud.runtime.identity.changed();
  }

  before(async () => {
    cloud = await startCloud();
    const roles = await cloud.runtime.identity.db.roles.find({});
    memberRoleId = roles.find((r) => r.name === 'member')!.id;
    adminRoleId = roles.find((r) => r.name === 'admin')!.id;
  });
  after(() => cloud.stop());

  it('creates a user with extra attributes, never returning the password', async () => {
    const res = await cloud.request('POST', `${V3}/users`, {
      body: { user: { name: 'alice', password: 's3cret', email: 'alice@example.org', description: 'Alice', project_id: 'p1', options: { ignore_password_expiry: true } } },
    });
    assert.equal(res.status, 201, res.text);
    const u = res.body.user;
    assert.equal(u.name, 'alice');
    assert.equal(u.domain_id, 'default');
    assert.equal(u.enabled, true);
    assert.equal(u.email, 'alice@example.org');
    assert.equal(u.description, 'Alice');
    assert.equal(u.project_id, 'p1');
    assert.equal(u.password_expires_at, null);
    assert.deepEqual(u.options, { ignore_password_expiry: true });
    assert.equal(u.links.self, `${cloud.url}${V3}/users/${u.id}`);
    assert.ok(!('password' in u) && !('default_project_id' in u));
    assert.doesNotMatch(res.text, /s3cret/);
    const stored = await cloud.runtime.identity.db.users.get(u.id);
    assert.match(stored!.password_hash!, /^scrypt\$/);
    // the user can authenticate with it
    await cloud.token({ id: u.id }, 's3cret');
  });

  it('refuses bad input with Keystone messages', async () => {
    const noName = await cloud.request('POST', `${V3}/users`, { body: { user: { password: 'x' } } });
    assert.equal(noName.status, 400);
    assert.equal(noName.body.error.message, "'name' is a required property");
    const badEnabled = await cloud.request('POST', `${V3}/users`, { body: { user: { name: 'x1', enabled: 'yes' } } });
    assert.equal(badEnabled.status, 400);
    assert.equal(badEnabled.body.error.message, "Invalid input for field 'enabled': 'yes' is not of type 'boolean'");
    const badName = await cloud.request('POST', `${V3}/users`, { body: { user: { name: 42 } } });
    assert.equal(badName.status, 400);
    const badOption = await cloud.request('POST', `${V3}/users`, { body: { user: { name: 'x2', options: { bogus: true } } } });
    assert.equal(badOption.status, 400);
    assert.match(badOption.body.error.message, /Additional properties are not allowed \('bogus' was unexpected\)/);
    const noBody = await cloud.request('POST', `${V3}/users`, { body: { nope: {} } });
    assert.equal(noBody.status, 400);
  });

  it('answers 404 for an unknown domain and 409 for a duplicate name', async () => {
    const domain = hexId();
    const res = await cloud.request('POST', `${V3}/users`, { body: { user: { name: 'bob', domain_id: domain } } });
    assert.equal(res.status, 404);
    assert.equal(res.body.error.message, `Could not find domain: ${domain}.`);
    await createUser({ name: 'dup' });
    const dup = await cloud.request('POST', `${V3}/users`, { body: { user: { name: 'dup' } } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.message, 'Conflict occurred attempting to store user - Duplicate entry found with name dup at domain ID default.');
  });

  it('shows a user and 404s an unknown one', async () => {
    const project = await createProject('carol-project');
    const u = await createUser({ name: 'carol', default_project_id: project });
    const res = await cloud.request('GET', `${V3}/users/${u.id}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.user, u);
    assert.equal(res.body.user.default_project_id, project);
    const missing = await cloud.request('GET', `${V3}/users/nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.message, 'Could not find user: nope.');
    const head = await cloud.request('HEAD', `${V3}/users/${u.id}`);
    assert.equal(head.status, 200);
  });

  it('lists users with filters', async () => {
    const domain = await createDomain('list-domain');
    const inDomain = await createUser({ name: 'listed-one', domain_id: domain });
    const disabled = await createUser({ name: 'listed-two', enabled: false });
    const byDomain = await cloud.request('GET', `${V3}/users?domain_id=${domain}`);
    assert.equal(byDomain.status, 200);
    assert.deepEqual(byDomain.body.users.map((u: any) => u.id), [inDomain.id]);
    assert.equal(byDomain.body.links.previous, null);
    const notEnabled = await cloud.request('GET', `${V3}/users?enabled=False`);
    assert.ok(notEnabled.body.users.some((u: any) => u.id === disabled.id));
    assert.ok(notEnabled.body.users.every((u: any) => u.enabled === false));
    const byName = await cloud.request('GET', `${V3}/users?name=listed-two`);
    assert.deepEqual(byName.body.users.map((u: any) => u.id), [disabled.id]);
    const contains = await cloud.request('GET', `${V3}/users?name__icontains=LISTED`);
    assert.deepEqual(contains.body.users.map((u: any) => u.name).sort(), ['listed-one', 'listed-two']);
    const federated = await cloud.request('GET', `${V3}/users?idp_id=x`);
    assert.deepEqual(federated.body.users, []);
    const all = await cloud.request('GET', `${V3}/users`);
    assert.ok(all.body.users.some((u: any) => u.name === 'admin'));
    const badOp = await cloud.request('GET', `${V3}/users?password_expires_at=xx:2020-01-01T00:00:00Z`);
    assert.equal(badOp.status, 400);
    const never = await cloud.request('GET', `${V3}/users?password_expires_at=lt:2999-01-01T00:00:00Z`);
    assert.equal(never.status, 200);
    assert.deepEqual(never.body.users, []);
  });

  it('updates a user (Tempest test_user_update) and refuses a duplicate name', async () => {
    const u = await createUser({ name: 'upd', description: 'd', email: 'upd@x.tm', enabled: false });
    const project = await createProject('upd-project');
    const changes = { name: 'upd2', description: 'd2', project_id: project, email: 'user2@testmail.tm', enabled: false };
    const res = await cloud.request('PATCH', `${V3}/users/${u.id}`, { body: { user: { id: u.id, ...changes } } });
    assert.equal(res.status, 200, res.text);
    for (const [k, v] of Object.entries(changes)) assert.equal(res.body.user[k], v);
    const shown = await cloud.request('GET', `${V3}/users/${u.id}`);
    for (const [k, v] of Object.entries(changes)) assert.equal(shown.body.user[k], v);
    await createUser({ name: 'taken' });
    const dup = await cloud.request('PATCH', `${V3}/users/${u.id}`, { body: { user: { name: 'taken' } } });
    assert.equal(dup.status, 409);
    const domainChange = await cloud.request('PATCH', `${V3}/users/${u.id}`, { body: { user: { domain_id: 'other' } } });
    assert.equal(domainChange.status, 400);
    assert.equal(domainChange.body.error.message, 'Cannot change Domain ID');
    const options = await cloud.request('PATCH', `${V3}/users/${u.id}`, { body: { user: { options: { lock_password: true, multi_factor_auth_rules: [['password', 'totp']] } } } });
    assert.deepEqual(options.body.user.options, { lock_password: true, multi_factor_auth_rules: [['password', 'totp']] });
    const unset = await cloud.request('PATCH', `${V3}/users/${u.id}`, { body: { user: { options: { lock_password: null } } } });
    assert.deepEqual(unset.body.user.options, { multi_factor_auth_rules: [['password', 'totp']] });
    const missing = await cloud.request('PATCH', `${V3}/users/nope`, { body: { user: { name: 'z' } } });
    assert.equal(missing.status, 404);
  });

  it('revokes tokens on disable and on an admin password reset', async () => {
    const project = await createProject('rev-project');
    const u = await createUser({ name: 'rev', password: 'first-pw' });
    await grant('user', u.id, 'project', project, memberRoleId);
    const token = await cloud.token({ id: u.id }, 'first-pw', { project: { id: project } });
    assert.equal((await cloud.request('GET', `${V3}/users/${u.id}`, { token })).status, 200);
    const reset = await cloud.request('PATCH', `${V3}/users/${u.id}`, { body: { user: { password: 'second-pw' } } });
    assert.equal(reset.status, 200);
    assert.equal((await cloud.request('GET', `${V3}/users/${u.id}`, { token })).status, 401);
    await sleep(1100); // revocations are whole-second precise, as Keystone's
    const second = await cloud.token({ id: u.id }, 'second-pw', { project: { id: project } });
    const disable = await cloud.request('PATCH', `${V3}/users/${u.id}`, { body: { user: { enabled: false } } });
    assert.equal(disable.status, 200);
    assert.equal((await cloud.request('GET', `${V3}/users/${u.id}`, { token: second })).status, 401);
    const login = await cloud.request('POST', `${V3}/auth/tokens`, {
      token: null,
      body: { auth: { identity: { methods: ['password'], password: { user: { id: u.id, password: 'second-pw' } } } } },
    });
    assert.equal(login.status, 401);
  });

  it('deletes a user with its assignments, memberships and credentials', async () => {
    const project = await createProject('del-project');
    const u = await createUser({ name: 'del', password: 'del-pw' });
    await grant('user', u.id, 'project', project, memberRoleId);
    const db = cloud.runtime.identity.db;
    await db.groups.insert({ id: 'del-group', name: 'del-group', domain_id: 'default', description: '', extra: {} });
    await db.memberships.insert({ id: `${u.id}:del-group`, user_id: u.id, group_id: 'del-group' });
    await db.credentials.insert({ id: 'del-cred', user_id: u.id, project_id: null, type: 'cert', blob: 'x', extra: {} });
    const token = await cloud.token({ id: u.id }, 'del-pw', { project: { id: project } });
    const res = await cloud.request('DELETE', `${V3}/users/${u.id}`);
    assert.equal(res.status, 204);
    assert.equal(await db.assignments.count({ actor_id: u.id }), 0);
    assert.equal(await db.memberships.count({ user_id: u.id }), 0);
    assert.equal(await db.credentials.count({ user_id: u.id }), 0);
    assert.equal((await cloud.request('GET', `${V3}/auth/tokens`, { headers: { 'X-Subject-Token': token } })).status, 404);
    assert.equal((await cloud.request('DELETE', `${V3}/users/${u.id}`)).status, 404);
  });

  it('lists the projects of a user, through groups and inheritance', async () => {
    const u = await createUser({ name: 'projuser' });
    const direct = await createProject('pu-direct');
    const viaGroup = await createProject('pu-group');
    const parent = await createProject('pu-parent');
    const child = await createProject('pu-child', 'default', parent);
    const domain = await createDomain('pu-domain');
    const inDomain = await createProject('pu-in-domain', domain);
    await createProject('pu-unrelated');
    await grant('user', u.id, 'project', direct, memberRoleId);
    const db = cloud.runtime.identity.db;
    await db.groups.insert({ id: 'pu-g', name: 'pu-g', domain_id: 'default', description: '', extra: {} });
    await db.memberships.insert({ id: `${u.id}:pu-g`, user_id: u.id, group_id: 'pu-g' });
    await grant('group', 'pu-g', 'project', viaGroup, memberRoleId);
    await grant('user', u.id, 'project', parent, memberRoleId, true);
    await grant('user', u.id, 'domain', domain, memberRoleId, true);
    await grant('user', u.id, 'domain', 'default', memberRoleId, false);
    const res = await cloud.request('GET', `${V3}/users/${u.id}/projects`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.projects.map((p: any) => p.id).sort(), [direct, viaGroup, child, inDomain].sort());
    const named = await cloud.request('GET', `${V3}/users/${u.id}/projects?name=pu-direct`);
    assert.deepEqual(named.body.projects.map((p: any) => p.id), [direct]);
    const groups = await cloud.request('GET', `${V3}/users/${u.id}/groups`);
    assert.deepEqual(groups.body.groups.map((g: any) => g.id), ['pu-g']);
  });

  it('keeps a project member to themselves', async () => {
    const project = await createProject('iso-project');
    const member = await createUser({ name: 'iso-member', password: 'iso-pw' });
    const other = await createUser({ name: 'iso-other' });
    await grant('user', member.id, 'project', project, memberRoleId);
    const token = await cloud.token({ id: member.id }, 'iso-pw', { project: { id: project } });
    assert.equal((await cloud.request('GET', `${V3}/users/${member.id}`, { token })).status, 200);
    assert.equal((await cloud.request('GET', `${V3}/users/${member.id}/projects`, { token })).status, 200);
    assert.equal((await cloud.request('GET', `${V3}/users/${member.id}/groups`, { token })).status, 200);
    for (const [method, path, body] of [
      ['GET', `${V3}/users`, undefined],
      ['GET', `${V3}/users/${other.id}`, undefined],
      ['GET', `${V3}/users/${other.id}/projects`, undefined],
      ['GET', `${V3}/users/${other.id}/groups`, undefined],
      ['GET', `${V3}/users/nope`, undefined],
      ['POST', `${V3}/users`, { user: { name: 'sneaky' } }],
      ['PATCH', `${V3}/users/${other.id}`, { user: { enabled: false } }],
      ['PATCH', `${V3}/users/${member.id}`, { user: { name: 'renamed' } }],
      ['DELETE', `${V3}/users/${other.id}`, undefined],
    ] as const) {
      const res = await cloud.request(method, path, { token, body });
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
    }
  });

  it('lets a domain admin manage only the users of its domain', async () => {
    const domain = await createDomain('dom-a');
    const admin = await createUser({ name: 'dom-admin', domain_id: domain, password: 'dom-pw' });
    await grant('user', admin.id, 'domain', domain, adminRoleId);
    const token = await cloud.token({ id: admin.id }, 'dom-pw', { domain: { id: domain } });
    const made = await cloud.request('POST', `${V3}/users`, { token, body: { user: { name: 'dom-made' } } });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.body.user.domain_id, domain);
    const list = await cloud.request('GET', `${V3}/users`, { token });
    assert.equal(list.status, 200);
    assert.ok(list.body.users.length >= 2 && list.body.users.every((u: any) => u.domain_id === domain));
  });
});

describe('identity: self-service password change with security compliance', () => {
  let cloud: TestCloud;
  let projectId: string;
  let memberRoleId: string;

  before(async () => {
    cloud = await startCloud((config) => {
      Object.assign(config.identity.securityCompliance, {
        lockoutFailureAttempts: 2,
        lockoutDurationSeconds: 2,
        uniqueLastPasswordCount: 2,
        minimumPasswordAgeDays: 0,
      });
    });
    const roles = await cloud.runtime.identity.db.roles.find({ name: 'member' });
    memberRoleId = roles[0].id;
    const created = await cloud.request('GET', `${V3}/auth/projects`);
    projectId = created.body.projects.find((p: any) => p.name === 'admin').id;
  });
  after(() => cloud.stop());

  async function newUser(name: string, password: string, extra: Record<string, unknown> = {}) {
    const res = await cloud.request('POST', `${V3}/users`, { body: { user: { name, password, ...extra } } });
    assert.equal(res.status, 201, res.text);
    const id = res.body.user.id;
    await cloud.runtime.identity.db.assignments.insert({
      id: `user:${id}:project:${projectId}:${memberRoleId}:false`,
      actor_type: 'user', actor_id: id, target_type: 'project', target_id: projectId, role_id: memberRoleId, inherited: false,
    });
    await cloud.runtime.identity.changed();
    return id as string;
  }

  function change(id: string, original: string, password: string) {
    return cloud.request('POST', `${V3}/users/${id}/password`, { token: null, body: { user: { original_password: original, password } } });
  }

  function login(id: string, password: string) {
    return cloud.request('POST', `${V3}/auth/tokens`, {
      token: null,
      body: { auth: { identity: { methods: ['password'], password: { user: { id, password } } } } },
    });
  }

  it('changes the password, revokes tokens, and enforces the history (Tempest password history)', async () => {
    const id = await newUser('self', 'old-pass');
    const oldToken = await cloud.token({ id }, 'old-pass', { project: { id: projectId } });
    assert.equal((await change(id, 'old-pass', 'new-pass-1')).status, 204);
    assert.equal((await cloud.request('GET', `${V3}/auth/tokens`, { headers: { 'X-Subject-Token': oldToken } })).status, 404);
    await sleep(1100);
    assert.equal((await login(id, 'new-pass-1')).status, 201);
    assert.equal((await login(id, 'old-pass')).status, 401);
    const same = await change(id, 'new-pass-1', 'new-pass-1');
    assert.equal(same.status, 400);
    assert.equal(
      same.body.error.message,
      'The new password cannot be identical to a previous password. The total number which includes the new password must be unique is 2.',
    );
    assert.equal((await change(id, 'new-pass-1', 'old-pass')).status, 400);
    assert.equal((await change(id, 'new-pass-1', 'new-pass-2')).status, 204);
    // three passwords later the first one may come back
    assert.equal((await change(id, 'new-pass-2', 'new-pass-3')).status, 204);
    assert.equal((await change(id, 'new-pass-3', 'old-pass')).status, 204);
    // an administrator's reset is not held to the history
    const reset = await cloud.request('PATCH', `${V3}/users/${id}`, { body: { user: { password: 'old-pass' } } });
    assert.equal(reset.status, 200);
  });

  it('answers 401 for a wrong original password or unknown user, 400 for bad bodies', async () => {
    const id = await newUser('self-wrong', 'right-pass');
    const wrong = await change(id, 'not-it', 'whatever-1');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.message, 'The request you have made requires authentication.');
    assert.equal((await change('nobody', 'x', 'y')).status, 401);
    const missing = await cloud.request('POST', `${V3}/users/${id}/password`, { token: null, body: { user: { password: 'x' } } });
    assert.equal(missing.status, 400);
    const extra = await cloud.request('POST', `${V3}/users/${id}/password`, { token: null, body: { user: { password: 'x', original_password: 'right-pass', foo: 1 } } });
    assert.equal(extra.status, 400);
  });

  it('refuses a change when lock_password is set', async () => {
    const id = await newUser('self-locked', 'locked-pass', { options: { lock_password: true } });
    const res = await change(id, 'locked-pass', 'another-pass');
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /password policy disallowing password changes/);
    assert.equal((await login(id, 'locked-pass')).status, 201);
  });

  it('locks an account after failed attempts, then unlocks it (Tempest lockout)', async () => {
    const id = await newUser('lockme', 'good-pass');
    assert.equal((await login(id, 'good-pass')).status, 201);
    assert.equal((await login(id, 'bad-pass')).status, 401);
    assert.equal((await login(id, 'bad-pass')).status, 401);
    const locked = await login(id, 'good-pass');
    assert.equal(locked.status, 401);
    assert.equal(locked.body.error.message, `The account is locked for user: ${id}.`);
    await sleep(2100);
    assert.equal((await login(id, 'good-pass')).status, 201);
  });

  it('lets an administrator unlock by enabling the user', async () => {
    const id = await newUser('unlockme', 'good-pass');
    await login(id, 'bad-pass');
    await login(id, 'bad-pass');
    assert.equal((await login(id, 'good-pass')).status, 401);
    await cloud.request('PATCH', `${V3}/users/${id}`, { body: { user: { enabled: true } } });
    assert.equal((await login(id, 'good-pass')).status, 201);
  });
});

describe('identity: password expiry and minimum age', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud((config) => {
      Object.assign(config.identity.securityCompliance, { passwordExpiresDays: 30, minimumPasswordAgeDays: 1 });
    });
  });
  after(() => cloud.stop());

  it('sets password_expires_at and holds self-service changes to the minimum age', async () => {
    const res = await cloud.request('POST', `${V3}/users`, { body: { user: { name: 'exp', password: 'exp-pass-1' } } });
    assert.equal(res.status, 201);
    const expires = Date.parse(`${res.body.user.password_expires_at}Z`);
    assert.ok(Math.abs(expires - (Date.now() + 30 * 86_400_000)) < 60_000, res.body.user.password_expires_at);
    assert.match(res.body.user.password_expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const id = res.body.user.id;
    const change = (o: string, p: string) =>
      cloud.request('POST', `${V3}/users/${id}/password`, { token: null, body: { user: { original_password: o, password: p } } });
    // the first change follows an administrator's password: no minimum age
    assert.equal((await change('exp-pass-1', 'exp-pass-2')).status, 204);
    const early = await change('exp-pass-2', 'exp-pass-3');
    assert.equal(early.status, 400);
    assert.match(early.body.error.message, /minimum password age.*1 day\(s\).*0 day\(s\)/);
    const filtered = await cloud.request('GET', `${V3}/users?password_expires_at=gt:2000-01-01T00:00:00Z`);
    assert.deepEqual(filtered.body.users.map((u: any) => u.id), [id]);
  });
});
