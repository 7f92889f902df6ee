import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { hexId } from '../../../src/platform/ids.ts';
import { hashPassword } from '../../../src/identity/passwords.ts';

const V3 = '/identity/v3';

describe('identity: /v3/projects', () => {
  let cloud: TestCloud;
  let seq = 0;
  const unique = (prefix: string) => `${prefix}-${process.pid}-${++seq}`;

  before(async () => {
    cloud = await startCloud();
  });
  after(() => cloud.stop());

  async function createProject(fields: Record<string, unknown> = {}): Promise<any> {
    const res = await cloud.request('POST', `${V3}/projects`, { body: { project: { name: unique('p'), ...fields } } });
    assert.equal(res.status, 201, res.text);
    return res.body.project;
  }

  async function createDomain(fields: Record<string, unknown> = {}): Promise<any> {
    const res = await cloud.request('POST', `${V3}/domains`, { body: { domain: { name: unique('d'), ...fields } } });
    assert.equal(res.status, 201, res.text);
    return res.body.domain;
  }

  async function roleId(name: string): Promise<string> {
    const role = await cloud.runtime.identity.db.roles.findOne({ name, domain_id: null });
    assert.ok(role, `role ${name}`);
    return role.id;
  }

  /** A user with a role on a project or domain, straight in the store: this file tests projects, not users. */
  async function userWithRole(role: string, target: { project?: string; domain?: string }, domainId = 'default') {
    const engine = cloud.runtime.identity;
    const password = 'pw-' + hexId();
    const id = hexId();
    await engine.db.users.insert({
      id, name: unique('u'), domain_id: domainId, enabled: true, default_project_id: null,
      password_hash: await hashPassword(password), password_created_at: Date.now(), password_expires_at: null,
      options: {}, extra: {}, failed_auth_count: 0, failed_auth_at: null, created_at: Date.now(), last_active_at: null,
    });
    const targetType = target.project ? 'project' : 'domain';
    const targetId = (target.project ?? target.domain)!;
    const rid = await roleId(role);
    await engine.db.assignments.insert({
      id: `user:${id}:${targetType}:${targetId}:${rid}:false`, actor_type: 'user', actor_id: id,
      target_type: targetType, target_id: targetId, role_id: rid, inherited: false,
    });
    await engine.changed();
    const token = await cloud.token({ id }, password, target.project ? { project: { id: target.project } } : { domain: { id: target.domain } });
    return { id, password, token };
  }

  it('creates a project with defaults, shows it, and lists it identically', async () => {
    const project = await createProject({ description: 'first', tags: ['a', 'c', 'b'] });
    assert.equal(project.domain_id, 'default');
    assert.equal(project.parent_id, 'default');
    assert.equal(project.is_domain, false);
    assert.equal(project.enabled, true);
    assert.deepEqual(project.options, {});
    assert.match(project.id, /^[0-9a-f]{32}$/);
    assert.equal(project.links.self, `${cloud.url}${V3}/projects/${project.id}`);
    const shown = await cloud.request('GET', `${V3}/projects/${project.id}`);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body.project, project);
    const list = await cloud.request('GET', `${V3}/projects`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.projects.find((p: any) => p.id === project.id), project);
    assert.equal(list.body.links.next, null);
    assert.ok(!list.body.projects.some((p: any) => p.is_domain), 'domains are not listed without is_domain');
  });

  it('keeps extra attributes and merges them on update', async () => {
    const project = await createProject({ color: 'blue', size: 1 });
    assert.equal(project.color, 'blue');
    const res = await cloud.request('PATCH', `${V3}/projects/${project.id}`, { body: { project: { size: 2 } } });
    assert.equal(res.status, 200);
    assert.equal(res.body.project.color, 'blue');
    assert.equal(res.body.project.size, 2);
  });

  it('creates projects in another domain and under a parent', async () => {
    const domain = await createDomain();
    const root = await createProject({ domain_id: domain.id });
    assert.equal(root.domain_id, domain.id);
    assert.equal(root.parent_id, domain.id);
    const child = await createProject({ domain_id: domain.id, parent_id: root.id });
    assert.equal(child.parent_id, root.id);
    const grandchild = await createProject({ domain_id: domain.id, parent_id: child.id });

    const ids = await cloud.request('GET', `${V3}/projects/${grandchild.id}?parents_as_ids`);
    assert.deepEqual(ids.body.project.parents, { [child.id]: { [root.id]: { [domain.id]: null } } });
    const subtree = await cloud.request('GET', `${V3}/projects/${root.id}?subtree_as_ids`);
    assert.deepEqual(subtree.body.project.subtree, { [child.id]: { [grandchild.id]: null } });
    const leaf = await cloud.request('GET', `${V3}/projects/${grandchild.id}?subtree_as_ids&include_limits`);
    assert.equal(leaf.body.project.subtree, null);
    const both = await cloud.request('GET', `${V3}/projects/${root.id}?parents_as_list&parents_as_ids`);
    assert.equal(both.status, 400);
    assert.equal(both.body.error.message, 'Cannot use parents_as_list and parents_as_ids query params at the same time.');

    // The list forms show only projects the caller has a role on.
    const admin = await userWithRole('admin', { project: grandchild.id }, domain.id);
    const asList = await cloud.request('GET', `${V3}/projects/${grandchild.id}?parents_as_list`, { token: admin.token });
    assert.equal(asList.status, 200);
    assert.deepEqual(asList.body.project.parents, []);
    const adminRoot = await cloud.request('GET', `${V3}/projects/${root.id}?subtree_as_list`);
    assert.deepEqual(adminRoot.body.project.subtree, []);

    // The parent must be in the project's domain.
    const elsewhere = await cloud.request('POST', `${V3}/projects`, { body: { project: { name: unique('p'), parent_id: root.id } } });
    assert.equal(elsewhere.status, 400);
    assert.match(elsewhere.body.error.message, /specifies a parent in a different domain/);
    const noParent = await cloud.request('POST', `${V3}/projects`, { body: { project: { name: unique('p'), parent_id: hexId() } } });
    assert.equal(noParent.status, 400);
    assert.match(noParent.body.error.message, /^Could not find project: /);
    const noDomain = await cloud.request('POST', `${V3}/projects`, { body: { project: { name: unique('p'), domain_id: hexId() } } });
    assert.equal(noDomain.status, 400);
    assert.match(noDomain.body.error.message, /^Could not find domain: /);
  });

  it('limits the depth of the hierarchy', async () => {
    let parent = await createProject();
    for (let depth = 2; depth <= 5; depth++) parent = await createProject({ parent_id: parent.id });
    const tooDeep = await cloud.request('POST', `${V3}/projects`, { body: { project: { name: unique('p'), parent_id: parent.id } } });
    assert.equal(tooDeep.status, 403);
    assert.equal(tooDeep.body.error.message, `Max hierarchy depth reached for ${parent.id} branch.`);
  });

  it('creates a project acting as a domain', async () => {
    const res = await cloud.request('POST', `${V3}/projects`, { body: { project: { name: unique('isd'), domain_id: null, is_domain: true } } });
    assert.equal(res.status, 201, res.text);
    const project = res.body.project;
    assert.equal(project.is_domain, true);
    assert.equal(project.domain_id, null);
    assert.equal(project.parent_id, null);
    const asProjects = await cloud.request('GET', `${V3}/projects?is_domain=True`);
    assert.ok(asProjects.body.projects.some((p: any) => p.id === project.id));
    const domains = await cloud.request('GET', `${V3}/domains`);
    assert.ok(domains.body.domains.some((d: any) => d.id === project.id));
    const plain = await cloud.request('GET', `${V3}/projects`);
    assert.ok(!plain.body.projects.some((p: any) => p.id === project.id));

    const enabledDelete = await cloud.request('DELETE', `${V3}/projects/${project.id}`);
    assert.equal(enabledDelete.status, 403);
    assert.equal(enabledDelete.body.error.message, 'Cannot delete a domain that is enabled, please disable it first.');
    assert.equal((await cloud.request('PATCH', `${V3}/projects/${project.id}`, { body: { project: { enabled: false } } })).status, 200);
    assert.equal((await cloud.request('DELETE', `${V3}/projects/${project.id}`)).status, 204);
    assert.equal((await cloud.request('GET', `${V3}/domains/${project.id}`)).status, 404);

    const notRoot = await cloud.request('POST', `${V3}/projects`, { body: { project: { name: unique('isd'), domain_id: 'default', is_domain: true } } });
    assert.equal(notRoot.status, 400);
    assert.equal(notRoot.body.error.message, 'only root projects are allowed to act as domains.');
  });

  it('filters the list by enabled, parent, name, domain and tags', async () => {
    const domain = await createDomain();
    const parent = await createProject({ domain_id: domain.id, tags: ['red', 'blue'] });
    const off = await createProject({ domain_id: domain.id, enabled: false, parent_id: parent.id, tags: ['red'] });
    const other = await createProject({ tags: ['green'] });
    const ids = async (query: string) => {
      const res = await cloud.request('GET', `${V3}/projects?${query}`);
      assert.equal(res.status, 200, `${query}: ${res.text}`);
      return res.body.projects.map((p: any) => p.id);
    };

    const disabled = await ids('enabled=False');
    assert.ok(disabled.includes(off.id) && !disabled.includes(parent.id));
    assert.deepEqual(await ids(`parent_id=${parent.id}`), [off.id]);
    assert.deepEqual(await ids(`name=${other.name}`), [other.id]);
    assert.deepEqual((await ids(`domain_id=${domain.id}`)).sort(), [parent.id, off.id].sort());
    assert.deepEqual(await ids(`name__icontains=${other.name.toUpperCase()}`), [other.id]);
    assert.deepEqual(await ids(`domain_id=${domain.id}&tags=red,blue`), [parent.id]);
    assert.deepEqual((await ids(`tags-any=blue,green`)).sort(), [parent.id, other.id].sort());
    assert.deepEqual(await ids(`domain_id=${domain.id}&not-tags=red,blue`), [off.id]);
    assert.deepEqual(await ids(`domain_id=${domain.id}&not-tags-any=blue`), [off.id]);
  });

  it('rejects invalid input with 400', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ name: '' }, /Invalid input for field 'name': '' is too short/],
      [{ name: 'a'.repeat(65) }, /is too long/],
      [{ name: '   ' }, /does not match/],
      [{ description: 'no name' }, /'name' is a required property/],
      [{ name: unique('p'), enabled: 'yes' }, /'yes' is not of type 'boolean'/],
      [{ name: unique('p'), tags: ['a/b'] }, /does not match/],
      [{ name: unique('p'), tags: ['a,b'] }, /does not match/],
      [{ name: unique('p'), tags: ['x', 'x'] }, /non-unique/],
      [{ name: unique('p'), tags: Array.from({ length: 81 }, (_, i) => `t${i}`) }, /is too long/],
      [{ name: unique('p'), tags: ['t'.repeat(256)] }, /is too long/],
      [{ name: unique('p'), options: { colour: true } }, /Additional properties are not allowed/],
      [{ name: unique('p'), domain_id: 5 }, /is not of type/],
    ];
    for (const [project, message] of cases) {
      const res = await cloud.request('POST', `${V3}/projects`, { body: { project } });
      assert.equal(res.status, 400, `${JSON.stringify(project).slice(0, 80)}: ${res.text}`);
      assert.match(res.body.error.message, message);
    }
  });

  it('keeps names unique within a domain', async () => {
    const project = await createProject();
    const dup = await cloud.request('POST', `${V3}/projects`, { body: { project: { name: project.name } } });
    assert.equal(dup.status, 409);
    assert.equal(
      dup.body.error.message.replace(/project id [0-9a-f]+/, 'project id X'),
      `Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is ${project.name}, project id X.`,
    );
    const domain = await createDomain();
    await createProject({ name: project.name, domain_id: domain.id });
    const other = await createProject();
    const rename = await cloud.request('PATCH', `${V3}/projects/${other.id}`, { body: { project: { name: project.name } } });
    assert.equal(rename.status, 409);
  });

  it('updates name, description, enabled, tags and options, and refuses what Keystone refuses', async () => {
    const project = await createProject({ enabled: false });
    const res = await cloud.request('PATCH', `${V3}/projects/${project.id}`, {
      body: { project: { name: unique('renamed'), description: 'new', enabled: true, tags: ['x'] } },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.project.description, 'new');
    assert.equal(res.body.project.enabled, true);
    assert.deepEqual(res.body.project.tags, ['x']);
    const shown = await cloud.request('GET', `${V3}/projects/${project.id}`);
    assert.deepEqual(shown.body.project, res.body.project);

    const empty = await cloud.request('PATCH', `${V3}/projects/${project.id}`, { body: { project: {} } });
    assert.equal(empty.status, 400);
    const domain = await cloud.request('PATCH', `${V3}/projects/${project.id}`, { body: { project: { domain_id: hexId() } } });
    assert.equal(domain.status, 400);
    assert.equal(domain.body.error.message, 'Cannot change Domain ID');
    const parent = await cloud.request('PATCH', `${V3}/projects/${project.id}`, { body: { project: { parent_id: hexId() } } });
    assert.equal(parent.status, 403);
    assert.equal(parent.body.error.message, 'Update of `parent_id` is not allowed.');
    const isDomain = await cloud.request('PATCH', `${V3}/projects/${project.id}`, { body: { project: { is_domain: true } } });
    assert.equal(isDomain.status, 400);
    const id = await cloud.request('PATCH', `${V3}/projects/${project.id}`, { body: { project: { id: hexId() } } });
    assert.equal(id.status, 400);
    assert.equal(id.body.error.message, 'Cannot change ID');
    const missing = await cloud.request('PATCH', `${V3}/projects/${hexId()}`, { body: { project: { name: 'x' } } });
    assert.equal(missing.status, 404);
  });

  it('protects immutable projects until the option is cleared', async () => {
    const project = await createProject({ options: { immutable: true } });
    assert.deepEqual(project.options, { immutable: true });
    const rename = await cloud.request('PATCH', `${V3}/projects/${project.id}`, { body: { project: { name: unique('x') } } });
    assert.equal(rename.status, 403);
    assert.match(rename.body.error.message, /^Unable to update immutable project resource/);
    const del = await cloud.request('DELETE', `${V3}/projects/${project.id}`);
    assert.equal(del.status, 403);
    const tag = await cloud.request('PUT', `${V3}/projects/${project.id}/tags/t1`);
    assert.equal(tag.status, 403);
    const clear = await cloud.request('PATCH', `${V3}/projects/${project.id}`, { body: { project: { options: { immutable: null } } } });
    assert.equal(clear.status, 200);
    assert.deepEqual(clear.body.project.options, {});
    assert.equal((await cloud.request('DELETE', `${V3}/projects/${project.id}`)).status, 204);
  });

  it('keeps disabled branches consistent', async () => {
    const parent = await createProject();
    const child = await createProject({ parent_id: parent.id });
    const disableParent = await cloud.request('PATCH', `${V3}/projects/${parent.id}`, { body: { project: { enabled: false } } });
    assert.equal(disableParent.status, 403);
    assert.equal(disableParent.body.error.message, `Cannot disable project ${parent.id} since its subtree contains enabled projects.`);
    await cloud.request('PATCH', `${V3}/projects/${child.id}`, { body: { project: { enabled: false } } });
    assert.equal((await cloud.request('PATCH', `${V3}/projects/${parent.id}`, { body: { project: { enabled: false } } })).status, 200);
    const enableChild = await cloud.request('PATCH', `${V3}/projects/${child.id}`, { body: { project: { enabled: true } } });
    assert.equal(enableChild.status, 403);
    assert.equal(enableChild.body.error.message, `Cannot enable project ${child.id} since it has disabled parents`);
    const under = await cloud.request('POST', `${V3}/projects`, { body: { project: { name: unique('p'), parent_id: parent.id } } });
    assert.equal(under.status, 400);
    assert.match(under.body.error.message, /^cannot create a project in a branch containing a disabled project: /);
  });

  it('deletes leaves only, with their assignments, and 404s the unknown', async () => {
    const parent = await createProject();
    const child = await createProject({ parent_id: parent.id });
    const notLeaf = await cloud.request('DELETE', `${V3}/projects/${parent.id}`);
    assert.equal(notLeaf.status, 403);
    assert.equal(
      notLeaf.body.error.message,
      `Cannot delete the project ${parent.id} since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree.`,
    );
    const member = await userWithRole('member', { project: child.id });
    assert.equal((await cloud.request('DELETE', `${V3}/projects/${child.id}`)).status, 204);
    assert.equal(await cloud.runtime.identity.db.assignments.count({ target_id: child.id }), 0);
    // The member's token for the deleted project is gone.
    assert.equal((await cloud.request('GET', `${V3}/auth/projects`, { token: member.token })).status, 401);
    assert.equal((await cloud.request('DELETE', `${V3}/projects/${parent.id}`)).status, 204);
    const again = await cloud.request('DELETE', `${V3}/projects/${parent.id}`);
    assert.equal(again.status, 404);
    assert.equal(again.body.error.message, `Could not find project: ${parent.id}.`);
    assert.equal((await cloud.request('GET', `${V3}/projects/${hexId()}`)).status, 404);
  });

  it('revokes tokens scoped to a project when it is disabled, for good', async () => {
    const project = await createProject();
    const member = await userWithRole('member', { project: project.id });
    assert.equal((await cloud.request('GET', `${V3}/projects/${project.id}`, { token: member.token })).status, 200);
    await cloud.request('PATCH', `${V3}/projects/${project.id}`, { body: { project: { enabled: false } } });
    assert.equal((await cloud.request('GET', `${V3}/auth/projects`, { token: member.token })).status, 401);
    await cloud.request('PATCH', `${V3}/projects/${project.id}`, { body: { project: { enabled: true } } });
    assert.equal((await cloud.request('GET', `${V3}/auth/projects`, { token: member.token })).status, 401);
  });

  it('serves the project tags API', async () => {
    const project = await createProject();
    const base = `${V3}/projects/${project.id}/tags`;
    const add = await cloud.request('PUT', `${base}/first`);
    assert.equal(add.status, 201);
    assert.equal(add.headers.get('location'), `${cloud.url}${base}/first`);
    assert.equal((await cloud.request('GET', `${base}/first`)).status, 204);
    const absent = await cloud.request('GET', `${base}/nope`);
    assert.equal(absent.status, 404);
    assert.equal(absent.body.error.message, 'Could not find project tag: nope.');
    assert.equal((await cloud.request('PUT', `${base}/first`)).status, 400, 'a repeated tag is refused');
    assert.equal((await cloud.request('PUT', `${base}/a%2Cb`)).status, 400);
    assert.equal((await cloud.request('PUT', `${base}/a%2Fb`)).status, 400);

    const replaced = await cloud.request('PUT', base, { body: { tags: ['x', 'y', 'z'] } });
    assert.equal(replaced.status, 200);
    assert.deepEqual(replaced.body.tags, ['x', 'y', 'z']);
    assert.equal(replaced.body.links.self, `${cloud.url}${base}`);
    const listed = await cloud.request('GET', base);
    assert.deepEqual(listed.body.tags, ['x', 'y', 'z']);
    const bad = await cloud.request('PUT', base, { body: { tags: ['ok', 'no/slash'] } });
    assert.equal(bad.status, 400);
    const notArray = await cloud.request('PUT', base, { body: {} });
    assert.equal(notArray.status, 400);

    assert.equal((await cloud.request('DELETE', `${base}/x`)).status, 204);
    assert.equal((await cloud.request('GET', `${base}/x`)).status, 404);
    assert.equal((await cloud.request('DELETE', `${base}/x`)).status, 404);
    assert.equal((await cloud.request('DELETE', base)).status, 204);
    assert.deepEqual((await cloud.request('GET', base)).body.tags, []);

    const many = Array.from({ length: 80 }, (_, i) => `t${i}`);
    assert.equal((await cloud.request('PUT', base, { body: { tags: many } })).status, 200);
    assert.equal((await cloud.request('PUT', `${base}/one-more`)).status, 400);
    assert.equal((await cloud.request('GET', `${V3}/projects/${hexId()}/tags`)).status, 404);
  });

  it('confines a project member to its own project', async () => {
    const mine = await createProject();
    const theirs = await createProject();
    const member = await userWithRole('member', { project: mine.id });
    const opts = { token: member.token };
    const list = await cloud.request('GET', `${V3}/projects`, opts);
    assert.equal(list.status, 403);
    assert.equal(list.body.error.message, 'You are not authorized to perform the requested action: identity:list_projects.');
    assert.equal((await cloud.request('GET', `${V3}/projects/${mine.id}`, opts)).status, 200);
    assert.equal((await cloud.request('GET', `${V3}/projects/${theirs.id}`, opts)).status, 403);
    assert.equal((await cloud.request('GET', `${V3}/projects/${hexId()}`, opts)).status, 403, 'no leak of existence');
    assert.equal((await cloud.request('POST', `${V3}/projects`, { ...opts, body: { project: { name: unique('p') } } })).status, 403);
    assert.equal((await cloud.request('PATCH', `${V3}/projects/${mine.id}`, { ...opts, body: { project: { name: 'x' } } })).status, 403);
    assert.equal((await cloud.request('DELETE', `${V3}/projects/${theirs.id}`, opts)).status, 403);
    assert.equal((await cloud.request('GET', `${V3}/projects/${mine.id}/tags`, opts)).status, 200);
    assert.equal((await cloud.request('GET', `${V3}/projects/${theirs.id}/tags`, opts)).status, 403);
    assert.equal((await cloud.request('PUT', `${V3}/projects/${mine.id}/tags/t`, opts)).status, 403);
  });

  it('lets a domain admin manage its own domain only', async () => {
    const domain = await createDomain();
    const inDomain = await createProject({ domain_id: domain.id });
    const outside = await createProject();
    const admin = await userWithRole('admin', { domain: domain.id }, domain.id);
    const opts = { token: admin.token };
    const list = await cloud.request('GET', `${V3}/projects`, opts);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.projects.map((p: any) => p.id), [inDomain.id]);
    // Without a domain_id the new project lands in the token's domain.
    const made = await cloud.request('POST', `${V3}/projects`, { ...opts, body: { project: { name: unique('p') } } });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.body.project.domain_id, domain.id);
    assert.equal((await cloud.request('GET', `${V3}/projects/${inDomain.id}`, opts)).status, 200);
    assert.equal((await cloud.request('GET', `${V3}/projects/${outside.id}`, opts)).status, 200, 'admin_required still holds in Zed defaults');
  });
});
