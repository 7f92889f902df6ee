import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { fixtures, PASSWORD } from './role-fixtures.ts';

describe('identity: /v3/roles and implied roles', () => {
  let cloud: TestCloud;
  let fx: ReturnType<typeof fixtures>;
  let memberToken: string;
  before(async () => {
    cloud = await startCloud();
    fx = fixtures(cloud);
    memberToken = await fx.memberToken();
  });
  after(() => cloud.stop());

  it('creates, shows, updates, lists and deletes a role', async () => {
    const res = await cloud.request('POST', '/identity/v3/roles', { body: { role: { name: 'observer', description: 'looks', color: 'blue' } } });
    assert.equal(res.status, 201);
    const role = res.body.role;
    assert.equal(role.name, 'observer');
    assert.equal(role.domain_id, null);
    assert.equal(role.description, 'looks');
    assert.equal(role.color, 'blue');
    assert.deepEqual(role.options, {});
    assert.equal(role.links.self, `${cloud.url}/identity/v3/roles/${role.id}`);

    const shown = await cloud.request('GET', `/identity/v3/roles/${role.id}`);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body.role, role);

    const upd = await cloud.request('PATCH', `/identity/v3/roles/${role.id}`, { body: { role: { name: 'watcher' } } });
    assert.equal(upd.status, 200);
    assert.equal(upd.body.role.name, 'watcher');
    assert.equal(upd.body.role.description, 'looks');

    const list = await cloud.request('GET', '/identity/v3/roles');
    assert.equal(list.status, 200);
    assert.ok(list.body.roles.some((r: any) => r.id === role.id));
    assert.ok(['admin', 'member', 'reader'].every((n) => list.body.roles.some((r: any) => r.name === n)));
    assert.equal(list.body.links.next, null);

    const byName = await cloud.request('GET', '/identity/v3/roles?name=watcher');
    assert.deepEqual(byName.body.roles.map((r: any) => r.id), [role.id]);
    const contains = await cloud.request('GET', '/identity/v3/roles?name__contains=atche');
    assert.deepEqual(contains.body.roles.map((r: any) => r.id), [role.id]);

    assert.equal((await cloud.request('DELETE', `/identity/v3/roles/${role.id}`)).status, 204);
    const gone = await cloud.request('GET', `/identity/v3/roles/${role.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.message, `Could not find role: ${role.id}.`);
    assert.equal((await cloud.request('DELETE', `/identity/v3/roles/${role.id}`)).status, 404);
  });

  it('refuses invalid input and duplicates', async () => {
    const missing = await cloud.request('POST', '/identity/v3/roles', { body: { role: { description: 'x' } } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.message, "'name' is a required property");
    const blank = await cloud.request('POST', '/identity/v3/roles', { body: { role: { name: '' } } });
    assert.equal(blank.status, 400);
    const badOption = await cloud.request('POST', '/identity/v3/roles', { body: { role: { name: 'x1', options: { sticky: true } } } });
    assert.equal(badOption.status, 400);
    const noBody = await cloud.request('POST', '/identity/v3/roles', { body: {} });
    assert.equal(noBody.status, 400);

    await fx.role('twin');
    const dup = await cloud.request('POST', '/identity/v3/roles', { body: { role: { name: 'twin' } } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.message, 'Conflict occurred attempting to store role - Duplicate entry found with name twin.');
    const other = await fx.role('other-twin');
    const clash = await cloud.request('PATCH', `/identity/v3/roles/${other.id}`, { body: { role: { name: 'twin' } } });
    assert.equal(clash.status, 409);
  });

  it('keeps domain-specific roles apart from global ones', async () => {
    const domain = await fx.domain();
    const res = await cloud.request('POST', '/identity/v3/roles', { body: { role: { name: 'twin', domain_id: domain.id } } });
    assert.equal(res.status, 201, 'the same name is free in a domain');
    const role = res.body.role;
    assert.equal(role.domain_id, domain.id);
    const dup = await cloud.request('POST', '/identity/v3/roles', { body: { role: { name: 'twin', domain_id: domain.id } } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.message, `Conflict occurred attempting to store role - Duplicate entry found with name twin at domain ID ${domain.id}.`);

    const inDomain = await cloud.request('GET', `/identity/v3/roles?domain_id=${domain.id}`);
    assert.deepEqual(inDomain.body.roles, [role]);
    const global = await cloud.request('GET', '/identity/v3/roles');
    assert.ok(!global.body.roles.some((r: any) => r.id === role.id), 'list without domain_id shows global roles only');

    const move = await cloud.request('PATCH', `/identity/v3/roles/${role.id}`, { body: { role: { domain_id: null } } });
    assert.equal(move.status, 400);
    assert.equal(move.body.error.message, 'Update of `domain_id` is not allowed.');

    assert.equal((await cloud.request('DELETE', `/identity/v3/roles/${role.id}`)).status, 204);
    assert.deepEqual((await cloud.request('GET', `/identity/v3/roles?domain_id=${domain.id}`)).body.roles, []);
  });

  it('protects immutable roles until the option is cleared alone', async () => {
    const res = await cloud.request('POST', '/identity/v3/roles', { body: { role: { name: 'frozen', options: { immutable: true } } } });
    assert.equal(res.status, 201);
    const id = res.body.role.id;
    assert.deepEqual(res.body.role.options, { immutable: true });
    const upd = await cloud.request('PATCH', `/identity/v3/roles/${id}`, { body: { role: { name: 'thawed' } } });
    assert.equal(upd.status, 403);
    assert.match(upd.body.error.message, /^Unable to update immutable role resource/);
    const both = await cloud.request('PATCH', `/identity/v3/roles/${id}`, { body: { role: { name: 'thawed', options: { immutable: false } } } });
    assert.equal(both.status, 403);
    const del = await cloud.request('DELETE', `/identity/v3/roles/${id}`);
    assert.equal(del.status, 403);
    assert.match(del.body.error.message, /^Unable to delete immutable role resource/);
    const unlock = await cloud.request('PATCH', `/identity/v3/roles/${id}`, { body: { role: { options: { immutable: false } } } });
    assert.equal(unlock.status, 200);
    assert.deepEqual(unlock.body.role.options, { immutable: false });
    assert.equal((await cloud.request('DELETE', `/identity/v3/roles/${id}`)).status, 204);
  });

  it('creates, shows, checks, lists and deletes inference rules', async () => {
    const [a, b, c, d] = [await fx.role(), await fx.role(), await fx.role(), await fx.role()];
    const put = await cloud.request('PUT', `/identity/v3/roles/${a.id}/implies/${b.id}`);
    assert.equal(put.status, 201);
    assert.equal(put.body.role_inference.prior_role.id, a.id);
    assert.equal(put.body.role_inference.prior_role.name, a.name);
    assert.equal(put.body.role_inference.implies.id, b.id);
    assert.equal(put.body.role_inference.implies.links.self, `${cloud.url}/identity/v3/roles/${b.id}`);
    assert.equal(put.body.links.self, `${cloud.url}/identity/v3/roles/${a.id}/implies/${b.id}`);
    assert.equal((await cloud.request('PUT', `/identity/v3/roles/${a.id}/implies/${b.id}`)).status, 409);
    assert.equal((await cloud.request('PUT', `/identity/v3/roles/${a.id}/implies/${c.id}`)).status, 201);
    assert.equal((await cloud.request('PUT', `/identity/v3/roles/${c.id}/implies/${d.id}`)).status, 201);

    const shown = await cloud.request('GET', `/identity/v3/roles/${a.id}/implies/${b.id}`);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body, put.body);
    assert.equal((await cloud.request('HEAD', `/identity/v3/roles/${a.id}/implies/${b.id}`)).status, 204);

    const listA = await cloud.request('GET', `/identity/v3/roles/${a.id}/implies`);
    assert.equal(listA.status, 200);
    assert.deepEqual(listA.body.role_inference.implies.map((r: any) => r.id).sort(), [b.id, c.id].sort(), 'direct rules only');
    const all = await cloud.request('GET', '/identity/v3/role_inferences');
    assert.equal(all.status, 200);
    const forA = all.body.role_inferences.find((r: any) => r.prior_role.id === a.id);
    assert.equal(forA.implies.length, 2);
    const forC = all.body.role_inferences.find((r: any) => r.prior_role.id === c.id);
    assert.deepEqual(forC.implies.map((r: any) => r.id), [d.id]);
    assert.ok(all.body.role_inferences.some((r: any) => r.prior_role.name === 'admin'), 'bootstrap rules are listed');

    assert.equal((await cloud.request('DELETE', `/identity/v3/roles/${a.id}/implies/${b.id}`)).status, 204);
    const gone = await cloud.request('GET', `/identity/v3/roles/${a.id}/implies/${b.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.message, `${a.id} does not imply ${b.id}.`);
    assert.equal((await cloud.request('HEAD', `/identity/v3/roles/${a.id}/implies/${b.id}`)).status, 404);
    assert.equal((await cloud.request('DELETE', `/identity/v3/roles/${a.id}/implies/${b.id}`)).status, 404);
    const unknown = await cloud.request('PUT', `/identity/v3/roles/${a.id}/implies/nope`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.message, 'Could not find role: nope.');

    // Deleting a role takes its rules with it.
    assert.equal((await cloud.request('DELETE', `/identity/v3/roles/${c.id}`)).status, 204);
    const after = await cloud.request('GET', `/identity/v3/roles/${a.id}/implies`);
    assert.deepEqual(after.body.role_inference.implies, []);
    assert.ok(!(await cloud.request('GET', '/identity/v3/role_inferences')).body.role_inferences.some((r: any) => r.prior_role.id === c.id));
  });

  it('refuses to imply admin, and global roles implying domain roles', async () => {
    const admin = await fx.roleByName('admin');
    const g = await fx.role();
    const toAdmin = await cloud.request('PUT', `/identity/v3/roles/${g.id}/implies/${admin.id}`);
    assert.equal(toAdmin.status, 403);
    assert.equal(toAdmin.body.error.message, `${admin.id} cannot be an implied roles.`);
    const domain = await fx.domain();
    const other = await fx.domain();
    const d1 = await fx.role(undefined, domain.id);
    const d2 = await fx.role(undefined, domain.id);
    const d3 = await fx.role(undefined, other.id);
    assert.equal((await cloud.request('PUT', `/identity/v3/roles/${d1.id}/implies/${d2.id}`)).status, 201);
    assert.equal((await cloud.request('PUT', `/identity/v3/roles/${d1.id}/implies/${d3.id}`)).status, 201);
    assert.equal((await cloud.request('PUT', `/identity/v3/roles/${d1.id}/implies/${g.id}`)).status, 201);
    const down = await cloud.request('PUT', `/identity/v3/roles/${g.id}/implies/${d1.id}`);
    assert.equal(down.status, 403);
  });

  it('removes the assignments of a deleted role; tokens lose it', async () => {
    const role = await fx.role();
    const project = await fx.project();
    const user = await fx.user();
    assert.equal((await cloud.request('PUT', `/identity/v3/projects/${project.id}/users/${user.id}/roles/${role.id}`)).status, 204);
    const token = await cloud.token({ id: user.id }, PASSWORD, { project: { id: project.id } });
    const check = await cloud.request('GET', '/identity/v3/auth/tokens', { headers: { 'X-Subject-Token': token } });
    assert.deepEqual(check.body.token.roles.map((r: any) => r.id), [role.id]);
    assert.equal((await cloud.request('DELETE', `/identity/v3/roles/${role.id}`)).status, 204);
    const listed = await cloud.request('GET', `/identity/v3/role_assignments?user.id=${user.id}`);
    assert.deepEqual(listed.body.role_assignments, []);
    assert.equal((await cloud.request('GET', '/identity/v3/auth/tokens', { headers: { 'X-Subject-Token': token } })).status, 404);
  });

  it('lets a plain member neither list nor change roles', async () => {
    const list = await cloud.request('GET', '/identity/v3/roles', { token: memberToken });
    assert.equal(list.status, 403);
    assert.equal((await cloud.request('POST', '/identity/v3/roles', { token: memberToken, body: { role: { name: 'sneaky' } } })).status, 403);
    const admin = await fx.roleByName('admin');
    assert.equal((await cloud.request('GET', `/identity/v3/roles/${admin.id}`, { token: memberToken })).status, 403);
    assert.equal((await cloud.request('DELETE', `/identity/v3/roles/${admin.id}`, { token: memberToken })).status, 403);
    assert.equal((await cloud.request('GET', `/identity/v3/roles/nope`, { token: memberToken })).status, 403, 'no existence probe');
    assert.equal((await cloud.request('GET', '/identity/v3/role_inferences', { token: memberToken })).status, 403);
    assert.equal((await cloud.request('PUT', `/identity/v3/roles/${admin.id}/implies/${admin.id}`, { token: memberToken })).status, 403);
  });
});
