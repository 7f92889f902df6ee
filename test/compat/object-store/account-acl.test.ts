// Account ACLs (X-Account-Access-Control: admin, read-write, read-only) and container ACLs
// written with project and user names.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { accountPath, memberOfNewProject, raw } from './helpers.ts';

describe('object-store account ACLs', () => {
  let cloud: TestCloud;
  let owner: { projectId: string; userId: string; token: string };
  let reader: { projectId: string; userId: string; token: string };
  let writer: { projectId: string; userId: string; token: string };
  let admin: { projectId: string; userId: string; token: string };
  let stranger: { projectId: string; userId: string; token: string };
  let acct: string;
  before(async () => {
    cloud = await startCloud();
    owner = await memberOfNewProject(cloud, 'acl-owner');
    reader = await memberOfNewProject(cloud, 'acl-reader');
    writer = await memberOfNewProject(cloud, 'acl-writer');
    admin = await memberOfNewProject(cloud, 'acl-admin');
    stranger = await memberOfNewProject(cloud, 'acl-stranger');
    acct = await accountPath(cloud, owner.token);
    await raw(cloud, 'PUT', `${acct}/box`, { token: owner.token });
    await raw(cloud, 'PUT', `${acct}/box/thing`, { token: owner.token, body: 'content' });
  });
  after(async () => cloud?.stop());

  it('validates the ACL document', async () => {
    for (const bad of ['not json', '[]', '{"owner":["x"]}', '{"admin":"x"}', '{"read-only":[1]}']) {
      const res = await raw(cloud, 'POST', acct, { token: owner.token, headers: { 'X-Account-Access-Control': bad } });
      assert.equal(res.status, 400, bad);
    }
  });

  it('grants read-only, read-write and admin access by level', async () => {
    const acl = {
      'read-only': [`${reader.projectId}:${reader.userId}`],
      'read-write': [`${writer.projectId}:*`],
      admin: [`*:${admin.userId}`],
    };
    assert.equal((await raw(cloud, 'POST', acct, { token: owner.token, headers: { 'X-Account-Access-Control': JSON.stringify(acl) } })).status, 204);
    const shown = (await raw(cloud, 'HEAD', acct, { token: owner.token })).headers.get('x-account-access-control');
    assert.deepEqual(JSON.parse(shown!), acl);

    // read-only: reads everything, writes nothing, no privileged headers
    assert.equal((await raw(cloud, 'GET', acct, { token: reader.token })).status, 200);
    const head = await raw(cloud, 'HEAD', acct, { token: reader.token });
    assert.equal(head.status, 204);
    assert.equal(head.headers.get('x-account-access-control'), null);
    assert.equal((await raw(cloud, 'GET', `${acct}/box`, { token: reader.token })).status, 200);
    assert.equal(await (await raw(cloud, 'GET', `${acct}/box/thing`, { token: reader.token })).text(), 'content');
    assert.equal((await raw(cloud, 'PUT', `${acct}/box/r`, { token: reader.token, body: 'x' })).status, 403);
    assert.equal((await raw(cloud, 'PUT', `${acct}/other`, { token: reader.token })).status, 403);
    assert.equal((await raw(cloud, 'POST', acct, { token: reader.token, headers: { 'X-Account-Meta-A': 'b' } })).status, 403);

    // read-write: containers and objects, but neither account changes nor ACLs
    assert.equal((await raw(cloud, 'PUT', `${acct}/made-by-writer`, { token: writer.token, headers: { 'X-Container-Read': '.r:*' } })).status, 201);
    assert.equal((await raw(cloud, 'HEAD', `${acct}/made-by-writer`, { token: owner.token })).headers.get('x-container-read'), null);
    assert.equal((await raw(cloud, 'PUT', `${acct}/box/w`, { token: writer.token, body: 'w' })).status, 201);
    assert.equal((await raw(cloud, 'DELETE', `${acct}/box/w`, { token: writer.token })).status, 204);
    assert.equal((await raw(cloud, 'POST', acct, { token: writer.token, headers: { 'X-Account-Meta-A': 'b' } })).status, 403);
    assert.equal((await raw(cloud, 'DELETE', `${acct}/made-by-writer`, { token: writer.token })).status, 204);

    // admin: an owner in all but name
    assert.equal((await raw(cloud, 'POST', acct, { token: admin.token, headers: { 'X-Account-Meta-Set-By': 'admin' } })).status, 204);
    assert.ok((await raw(cloud, 'HEAD', acct, { token: admin.token })).headers.get('x-account-access-control'));

    // anyone else: still refused
    assert.equal((await raw(cloud, 'GET', `${acct}/box/thing`, { token: stranger.token })).status, 403);
    assert.equal((await raw(cloud, 'GET', `${acct}/box/thing`, { token: null })).status, 401);
  });

  it('removes the ACL with an empty value', async () => {
    assert.equal((await raw(cloud, 'POST', acct, { token: owner.token, headers: { 'X-Account-Access-Control': '' } })).status, 204);
    assert.equal((await raw(cloud, 'HEAD', acct, { token: owner.token })).headers.get('x-account-access-control'), null);
    assert.equal((await raw(cloud, 'GET', acct, { token: reader.token })).status, 403);
  });

  it('honours container ACLs written with project and user names in the default domain', async () => {
    await raw(cloud, 'POST', `${acct}/box`, { token: owner.token, headers: { 'X-Container-Read': 'acl-reader:acl-reader-user' } });
    assert.equal((await raw(cloud, 'GET', `${acct}/box/thing`, { token: reader.token })).status, 200);
    assert.equal((await raw(cloud, 'GET', `${acct}/box/thing`, { token: stranger.token })).status, 403);
    await raw(cloud, 'POST', `${acct}/box`, { token: owner.token, headers: { 'X-Container-Read': 'acl-reader:*' } });
    assert.equal((await raw(cloud, 'GET', `${acct}/box`, { token: reader.token })).status, 200);
  });

  it('ignores names for callers outside the default domain, where names are not unique', async () => {
    const domain = await cloud.request('POST', '/identity/v3/domains', { body: { domain: { name: 'acl-elsewhere' } } });
    const domainId = domain.body.domain.id;
    const project = await cloud.request('POST', '/identity/v3/projects', { body: { project: { name: 'acl-reader', domain_id: domainId } } });
    const user = await cloud.request('POST', '/identity/v3/users', { body: { user: { name: 'acl-reader-user', password: 'secret-pw-2', domain_id: domainId } } });
    const roleId = (await cloud.request('GET', '/identity/v3/roles?name=member')).body.roles[0].id;
    await cloud.request('PUT', `/identity/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${roleId}`);
    const token = await cloud.token({ id: user.body.user.id }, 'secret-pw-2', { project: { id: project.body.project.id } });
    await raw(cloud, 'POST', `${acct}/box`, { token: owner.token, headers: { 'X-Container-Read': 'acl-reader:acl-reader-user' } });
    assert.equal((await raw(cloud, 'GET', `${acct}/box/thing`, { token })).status, 403);
    assert.equal((await raw(cloud, 'GET', `${acct}/box/thing`, { token: reader.token })).status, 200);
  });
});
