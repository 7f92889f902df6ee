import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { hexId } from '../../../src/platform/ids.ts';
import { hashPassword } from '../../../src/identity/passwords.ts';

const V3 = '/identity/v3';

describe('identity: /v3/domains', () => {
  let cloud: TestCloud;
  let seq = 0;
  const unique = (prefix: string) => `${prefix}-${process.pid}-${++seq}`;

  before(async () => {
    cloud = await startCloud();
  });
  after(() => cloud.stop());

  async function createDomain(fields: Record<string, unknown> = {}): Promise<any> {
    const res = await cloud.request('POST', `${V3}/domains`, { body: { domain: { name: unique('d'), ...fields } } });
    assert.equal(res.status, 201, res.text);
    return res.body.domain;
  }

  async function createProject(fields: Record<string, unknown>): Promise<any> {
    const res = await cloud.request('POST', `${V3}/projects`, { body: { project: { name: unique('p'), ...fields } } });
    assert.equal(res.status, 201, res.text);
    return res.body.project;
  }

  const disable = (id: string) => cloud.request('PATCH', `${V3}/domains/${id}`, { body: { domain: { enabled: false } } });

  /** Users, groups and assignments go straight into the store: this file tests domains, not those APIs. */
  async function addUser(domainId: string) {
    const engine = cloud.runtime.identity;
    const password = 'pw-' + hexId();
    const id = hexId();
    await engine.db.users.insert({
      id, name: unique('u'), domain_id: domainId, enabled: true, default_project_id: null,
      password_hash: await hashPassword(password), password_created_at: Date.now(), password_expires_at: null,
      options: {}, extra: {}, failed_auth_count: 0, failed_auth_at: null, created_at: Date.now(), last_active_at: null,
    });
    await engine.changed();
    return { id, password };
  }

  async function grant(actor: { type: 'user' | 'group'; id: string }, target: { type: 'project' | 'domain'; id: string }, roleId: string) {
    const engine = cloud.runtime.identity;
    await engine.db.assignments.insert({
      id: `${actor.type}:${actor.id}:${target.type}:${target.id}:${roleId}:false`, actor_type: actor.type, actor_id: actor.id,
      target_type: target.type, target_id: target.id, role_id: roleId, inherited: false,
    });
    await engine.changed();
  }

  async function globalRole(name: string): Promise<string> {
    const role = await cloud.runtime.identity.db.roles.findOne({ name, domain_id: null });
    assert.ok(role);
    return role.id;
  }

  it('has the default domain, visible to a member of one of its projects', async () => {
    const shown = await cloud.request('GET', `${V3}/domains/default`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.domain.enabled, true);
    assert.equal(shown.body.domain.name, 'Default');
    const project = await createProject({});
    const user = await addUser('default');
    await grant({ type: 'user', id: user.id }, { type: 'project', id: project.id }, await globalRole('member'));
    const token = await cloud.token({ id: user.id }, user.password, { project: { id: project.id } });
    assert.equal((await cloud.request('GET', `${V3}/domains/default`, { token })).status, 200);
    const other = await createDomain();
    assert.equal((await cloud.request('GET', `${V3}/domains/${other.id}`, { token })).status, 403);
    assert.equal((await cloud.request('GET', `${V3}/domains`, { token })).status, 403);
    assert.equal((await cloud.request('POST', `${V3}/domains`, { token, body: { domain: { name: unique('d') } } })).status, 403);
    assert.equal((await cloud.request('PATCH', `${V3}/domains/${other.id}`, { token, body: { domain: { description: 'x' } } })).status, 403);
    assert.equal((await cloud.request('DELETE', `${V3}/domains/${other.id}`, { token })).status, 403);
  });

  it('creates, shows, lists, updates and deletes a domain', async () => {
    const domain = await createDomain({ description: 'desc', tags: ['t1'] });
    assert.deepEqual(Object.keys(domain).sort(), ['description', 'enabled', 'id', 'links', 'name', 'options', 'tags']);
    assert.equal(domain.enabled, true);
    assert.deepEqual(domain.tags, ['t1']);
    assert.equal(domain.links.self, `${cloud.url}${V3}/domains/${domain.id}`);
    const plain = await createDomain();
    assert.equal(plain.description, '');

    const list = await cloud.request('GET', `${V3}/domains`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.domains.find((d: any) => d.id === domain.id), domain);
    assert.ok(list.body.domains.some((d: any) => d.id === 'default'));
    const byName = await cloud.request('GET', `${V3}/domains?name=${domain.name}`);
    assert.deepEqual(byName.body.domains, [domain]);
    const inexact = await cloud.request('GET', `${V3}/domains?name__startswith=${domain.name.slice(0, -1)}`);
    assert.ok(inexact.body.domains.some((d: any) => d.id === domain.id));

    const updated = await cloud.request('PATCH', `${V3}/domains/${domain.id}`, {
      body: { domain: { name: unique('renamed'), description: 'new', enabled: false } },
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.domain.enabled, false);
    assert.equal(updated.body.domain.description, 'new');
    assert.deepEqual((await cloud.request('GET', `${V3}/domains/${domain.id}`)).body.domain, updated.body.domain);
    const enabledOnly = await cloud.request('GET', `${V3}/domains?enabled=True`);
    assert.ok(enabledOnly.body.domains.every((d: any) => d.enabled === true));
    assert.ok(!enabledOnly.body.domains.some((d: any) => d.id === domain.id));
    const disabledOnly = await cloud.request('GET', `${V3}/domains?enabled=false`);
    assert.ok(disabledOnly.body.domains.some((d: any) => d.id === domain.id));

    assert.equal((await cloud.request('DELETE', `${V3}/domains/${domain.id}`)).status, 204);
    assert.equal((await cloud.request('GET', `${V3}/domains/${domain.id}`)).status, 404);
    const gone = await cloud.request('DELETE', `${V3}/domains/${domain.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.message, `Could not find domain: ${domain.id}.`);
  });

  it('refuses to delete an enabled domain', async () => {
    const domain = await createDomain();
    const res = await cloud.request('DELETE', `${V3}/domains/${domain.id}`);
    assert.equal(res.status, 403);
    assert.equal(res.body.error.message, 'Cannot delete a domain that is enabled, please disable it first.');
  });

  it('validates names and ids and keeps names unique', async () => {
    const empty = await cloud.request('POST', `${V3}/domains`, { body: { domain: { name: '' } } });
    assert.equal(empty.status, 400);
    const long = await cloud.request('POST', `${V3}/domains`, { body: { domain: { name: 'a'.repeat(65) } } });
    assert.equal(long.status, 400);
    const noName = await cloud.request('POST', `${V3}/domains`, { body: { domain: { description: 'x' } } });
    assert.equal(noName.status, 400);
    assert.equal(noName.body.error.message, "'name' is a required property");
    const badEnabled = await cloud.request('POST', `${V3}/domains`, { body: { domain: { name: unique('d'), enabled: 'no' } } });
    assert.equal(badEnabled.status, 400);
    const badTags = await cloud.request('POST', `${V3}/domains`, { body: { domain: { name: unique('d'), tags: ['a,b'] } } });
    assert.equal(badTags.status, 400);

    const domain = await createDomain();
    const dup = await cloud.request('POST', `${V3}/domains`, { body: { domain: { name: domain.name } } });
    assert.equal(dup.status, 409);
    assert.equal(
      dup.body.error.message,
      `Conflict occurred attempting to store project - it is not permitted to have two projects acting as domains with the same name: ${domain.name}.`,
    );
    // A project may share a domain's name.
    await createProject({ name: domain.name });

    const id = hexId();
    const explicit = await createDomain({ explicit_domain_id: id });
    assert.equal(explicit.id, id);
    assert.equal(explicit.explicit_domain_id, undefined);
    const badId = await cloud.request('POST', `${V3}/domains`, { body: { domain: { name: unique('d'), explicit_domain_id: 'not-a-uuid' } } });
    assert.equal(badId.status, 400);
    assert.equal(badId.body.error.message, 'Domain ID does not conform to required UUID format.');
    const emptyPatch = await cloud.request('PATCH', `${V3}/domains/${domain.id}`, { body: { domain: {} } });
    assert.equal(emptyPatch.status, 400);
    assert.equal((await cloud.request('PATCH', `${V3}/domains/${hexId()}`, { body: { domain: { description: 'x' } } })).status, 404);
    // A project is not a domain.
    const project = await createProject({});
    assert.equal((await cloud.request('GET', `${V3}/domains/${project.id}`)).status, 404);
  });

  it('honours tags and the immutable option', async () => {
    const domain = await createDomain({ options: { immutable: true }, tags: ['a'] });
    assert.deepEqual(domain.options, { immutable: true });
    const change = await cloud.request('PATCH', `${V3}/domains/${domain.id}`, { body: { domain: { description: 'x' } } });
    assert.equal(change.status, 403);
    assert.match(change.body.error.message, /^Unable to update immutable domain resource/);
    const both = await cloud.request('PATCH', `${V3}/domains/${domain.id}`, { body: { domain: { enabled: false, options: { immutable: false } } } });
    assert.equal(both.status, 403);
    const clear = await cloud.request('PATCH', `${V3}/domains/${domain.id}`, { body: { domain: { options: { immutable: false } } } });
    assert.equal(clear.status, 200);
    assert.deepEqual(clear.body.domain.options, { immutable: false });
    const tags = await cloud.request('PATCH', `${V3}/domains/${domain.id}`, { body: { domain: { tags: ['b', 'c'] } } });
    assert.deepEqual(tags.body.domain.tags, ['b', 'c']);
  });

  it('deletes a domain with its projects, users, groups, roles and assignments', async () => {
    const engine = cloud.runtime.identity;
    const domain = await createDomain();
    const root = await createProject({ domain_id: domain.id });
    const child = await createProject({ domain_id: domain.id, parent_id: root.id });
    const user = await addUser(domain.id);
    const groupId = hexId();
    await engine.db.groups.insert({ id: groupId, name: unique('g'), domain_id: domain.id, description: '', extra: {} });
    await engine.db.memberships.insert({ id: `${user.id}:${groupId}`, user_id: user.id, group_id: groupId });
    const roleId = hexId();
    await engine.db.roles.insert({ id: roleId, name: unique('r'), domain_id: domain.id, description: '', options: {}, extra: {} });
    // An outsider's assignments on the domain and its project disappear; the outsider stays.
    const outsider = await addUser('default');
    await grant({ type: 'user', id: outsider.id }, { type: 'domain', id: domain.id }, await globalRole('reader'));
    await grant({ type: 'user', id: outsider.id }, { type: 'project', id: child.id }, await globalRole('member'));
    await grant({ type: 'group', id: groupId }, { type: 'project', id: root.id }, roleId);

    await disable(domain.id);
    assert.equal((await cloud.request('DELETE', `${V3}/domains/${domain.id}`)).status, 204);
    assert.equal(await engine.db.projects.get(root.id), undefined);
    assert.equal(await engine.db.projects.get(child.id), undefined);
    assert.equal(await engine.db.users.get(user.id), undefined);
    assert.equal(await engine.db.groups.get(groupId), undefined);
    assert.equal(await engine.db.roles.get(roleId), undefined);
    assert.equal(await engine.db.memberships.count({ group_id: groupId }), 0);
    assert.equal(await engine.db.assignments.count({ actor_id: outsider.id }), 0);
    assert.ok(await engine.db.users.get(outsider.id));
    assert.equal((await cloud.request('GET', `${V3}/projects/${root.id}`)).status, 404);
  });

  it('revokes the tokens of its users and scopes when disabled', async () => {
    const domain = await createDomain();
    const project = await createProject({ domain_id: domain.id });
    const inside = await addUser(domain.id);
    await grant({ type: 'user', id: inside.id }, { type: 'domain', id: domain.id }, await globalRole('admin'));
    await grant({ type: 'user', id: inside.id }, { type: 'project', id: project.id }, await globalRole('member'));
    const outsider = await addUser('default');
    await grant({ type: 'user', id: outsider.id }, { type: 'project', id: project.id }, await globalRole('member'));
    const domainToken = await cloud.token({ id: inside.id }, inside.password, { domain: { id: domain.id } });
    const unscoped = await cloud.token({ id: inside.id }, inside.password);
    const outsiderToken = await cloud.token({ id: outsider.id }, outsider.password, { project: { id: project.id } });

    // A domain admin sees its own domain only.
    const list = await cloud.request('GET', `${V3}/domains`, { token: domainToken });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.domains.map((d: any) => d.id), [domain.id]);

    await disable(domain.id);
    await cloud.request('PATCH', `${V3}/domains/${domain.id}`, { body: { domain: { enabled: true } } });
    for (const token of [domainToken, unscoped, outsiderToken]) {
      assert.equal((await cloud.request('GET', `${V3}/auth/projects`, { token })).status, 401);
    }
    // New tokens work again once the domain is enabled (from the next second: token times are whole seconds).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const fresh = await cloud.token({ id: outsider.id }, outsider.password, { project: { id: project.id } });
    assert.equal((await cloud.request('GET', `${V3}/auth/projects`, { token: fresh })).status, 200);
  });
});
