import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { fixtures, PASSWORD } from './role-fixtures.ts';

const V3 = '/identity/v3';

describe('identity: /v3/role_assignments', () => {
  let cloud: TestCloud;
  let fx: ReturnType<typeof fixtures>;
  // domain ⊃ parent ⊃ leaf; user in group; grants made in before()
  let domain: any, parent: any, leaf: any, user: any, group: any;
  let direct: any, viaGroup: any, inheritedDomain: any, inheritedParent: any, implied: any, domainRole: any, onDomain: any;
  const put = async (path: string) => assert.equal((await cloud.request('PUT', `${V3}${path}`)).status, 204, path);
  const list = async (query: string, token?: string) => {
    const res = await cloud.request('GET', `${V3}/role_assignments${query}`, token ? { token } : {});
    assert.equal(res.status, 200, res.text);
    return res.body.role_assignments as any[];
  };

  before(async () => {
    cloud = await startCloud();
    fx = fixtures(cloud);
    domain = await fx.domain();
    parent = await fx.project(domain.id);
    leaf = await fx.project(domain.id, parent.id);
    user = await fx.user(domain.id);
    group = await fx.group(domain.id);
    await fx.addMember(group.id, user.id);
    [direct, viaGroup, inheritedDomain, inheritedParent, implied, onDomain] = [
      await fx.role('ra-direct'), await fx.role('ra-group'), await fx.role('ra-inh-domain'),
      await fx.role('ra-inh-parent'), await fx.role('ra-implied'), await fx.role('ra-on-domain'),
    ];
    domainRole = await fx.role('ra-domain-role', domain.id);
    assert.equal((await cloud.request('PUT', `${V3}/roles/${direct.id}/implies/${implied.id}`)).status, 201);
    assert.equal((await cloud.request('PUT', `${V3}/roles/${domainRole.id}/implies/${onDomain.id}`)).status, 201);
    await put(`/projects/${parent.id}/users/${user.id}/roles/${direct.id}`);
    await put(`/projects/${parent.id}/groups/${group.id}/roles/${viaGroup.id}`);
    await put(`/OS-INHERIT/domains/${domain.id}/users/${user.id}/roles/${inheritedDomain.id}/inherited_to_projects`);
    await put(`/OS-INHERIT/projects/${parent.id}/users/${user.id}/roles/${inheritedParent.id}/inherited_to_projects`);
    await put(`/projects/${leaf.id}/users/${user.id}/roles/${domainRole.id}`);
    await put(`/domains/${domain.id}/users/${user.id}/roles/${onDomain.id}`);
  });
  after(() => cloud.stop());

  it('lists stored grants with links to the grant APIs', async () => {
    const rows = await list(`?user.id=${user.id}`);
    assert.equal(rows.length, 5, 'the group grant is not the user\'s own');
    const d = rows.find((r) => r.role.id === direct.id);
    assert.deepEqual(d, {
      role: { id: direct.id },
      user: { id: user.id },
      scope: { project: { id: parent.id } },
      links: { assignment: `${cloud.url}${V3}/projects/${parent.id}/users/${user.id}/roles/${direct.id}` },
    });
    const inh = rows.find((r) => r.role.id === inheritedDomain.id);
    assert.deepEqual(inh.scope, { domain: { id: domain.id }, 'OS-INHERIT:inherited_to': 'projects' });
    assert.equal(inh.links.assignment, `${cloud.url}${V3}/OS-INHERIT/domains/${domain.id}/users/${user.id}/roles/${inheritedDomain.id}/inherited_to_projects`);

    const g = await list(`?group.id=${group.id}`);
    assert.deepEqual(g.map((r) => [r.group.id, r.role.id]), [[group.id, viaGroup.id]]);
    assert.equal(g[0].links.assignment, `${cloud.url}${V3}/projects/${parent.id}/groups/${group.id}/roles/${viaGroup.id}`);
  });

  it('filters by role, scope and inheritance', async () => {
    assert.deepEqual((await list(`?role.id=${direct.id}`)).map((r) => r.user.id), [user.id]);
    assert.deepEqual((await list(`?scope.project.id=${parent.id}`)).map((r) => r.role.id).sort(), [direct.id, viaGroup.id, inheritedParent.id].sort());
    assert.deepEqual((await list(`?scope.domain.id=${domain.id}`)).map((r) => r.role.id).sort(), [inheritedDomain.id, onDomain.id].sort());
    const inherited = await list(`?user.id=${user.id}&scope.OS-INHERIT:inherited_to=projects`);
    assert.deepEqual(inherited.map((r) => r.role.id).sort(), [inheritedDomain.id, inheritedParent.id].sort());
    const system = await list('?scope.system=all');
    assert.ok(system.length >= 1 && system.every((r) => r.scope.system.all === true));
    assert.ok(system.some((r) => r.links.assignment.includes('/v3/system/users/')));
    const subtree = await list(`?scope.project.id=${parent.id}&include_subtree=true`);
    assert.ok(subtree.some((r) => r.scope.project.id === leaf.id));
  });

  it('expands groups, inheritance and implied roles with effective, as tokens do', async () => {
    const onParent = await list(`?effective&user.id=${user.id}&scope.project.id=${parent.id}`);
    const ids = onParent.map((r) => r.role.id).sort();
    assert.deepEqual(ids, [direct.id, implied.id, viaGroup.id, inheritedDomain.id].sort());
    const g = onParent.find((r) => r.role.id === viaGroup.id);
    assert.equal(g.user.id, user.id);
    assert.equal(g.links.membership, `${cloud.url}${V3}/groups/${group.id}/users/${user.id}`);
    assert.equal(g.links.assignment, `${cloud.url}${V3}/projects/${parent.id}/groups/${group.id}/roles/${viaGroup.id}`);
    const imp = onParent.find((r) => r.role.id === implied.id);
    assert.equal(imp.links.assignment, `${cloud.url}${V3}/projects/${parent.id}/users/${user.id}/roles/${direct.id}`);
    assert.ok(imp.links.prior_role);
    const fromDomain = onParent.find((r) => r.role.id === inheritedDomain.id);
    assert.deepEqual(fromDomain.scope, { project: { id: parent.id }, 'OS-INHERIT:inherited_to': 'projects' });

    // The leaf gets both inherited roles; the domain-specific role is dropped, what it implies is kept.
    const onLeaf = await list(`?effective&user.id=${user.id}&scope.project.id=${leaf.id}`);
    assert.deepEqual(onLeaf.map((r) => r.role.id).sort(), [inheritedDomain.id, inheritedParent.id, onDomain.id].sort());

    for (const project of [parent, leaf]) {
      const token = await cloud.token({ id: user.id }, PASSWORD, { project: { id: project.id } });
      const shown = await cloud.request('GET', `${V3}/auth/tokens`, { headers: { 'X-Subject-Token': token } });
      const effective = await list(`?effective&user.id=${user.id}&scope.project.id=${project.id}`);
      assert.deepEqual(shown.body.token.roles.map((r: any) => r.id).sort(), [...new Set(effective.map((r) => r.role.id))].sort());
    }

    const everything = await list(`?effective&user.id=${user.id}`);
    assert.ok(everything.every((r) => r.user && !r.group));
    assert.ok(everything.some((r) => r.scope.domain?.id === domain.id && r.role.id === onDomain.id));
    assert.ok(!everything.some((r) => r.scope.domain && r.scope['OS-INHERIT:inherited_to']), 'no inherited domain rows remain');
  });

  it('adds names with include_names', async () => {
    const rows = await list(`?include_names&user.id=${user.id}&scope.project.id=${parent.id}`);
    const d = rows.find((r) => r.role.id === direct.id);
    assert.deepEqual(d.user, { id: user.id, name: user.name, domain: { id: domain.id, name: domain.name } });
    assert.deepEqual(d.scope.project, { id: parent.id, name: parent.name, domain: { id: domain.id, name: domain.name } });
    assert.deepEqual(d.role, { id: direct.id, name: 'ra-direct' });
    const leafRows = await list(`?include_names&scope.project.id=${leaf.id}`);
    assert.deepEqual(leafRows[0].role, { id: domainRole.id, name: 'ra-domain-role', domain: { id: domain.id, name: domain.name } });
    const dom = await list(`?include_names&scope.domain.id=${domain.id}&role.id=${onDomain.id}`);
    assert.deepEqual(dom[0].scope.domain, { id: domain.id, name: domain.name });
  });

  it('refuses filter combinations that make no sense', async () => {
    const cases: Array<[string, string]> = [
      [`?scope.project.id=${parent.id}&scope.domain.id=${domain.id}`, 'Specify a domain or project, not both'],
      [`?scope.system=all&scope.domain.id=${domain.id}`, 'Specify system or domain, not both'],
      [`?scope.system=all&scope.project.id=${parent.id}`, 'Specify system or project, not both'],
      [`?user.id=${user.id}&group.id=${group.id}`, 'Specify a user or group, not both'],
      [`?effective&group.id=${group.id}`, 'Combining effective and group filter will always result in an empty list.'],
      [`?effective&scope.domain.id=${domain.id}&scope.OS-INHERIT:inherited_to=projects`, 'Combining effective, domain and inherited filters will always result in an empty list.'],
      ['?include_subtree=true', 'scope.project.id must be specified if include_subtree is also specified'],
    ];
    for (const [query, message] of cases) {
      const res = await cloud.request('GET', `${V3}/role_assignments${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error.message, message, query);
    }
    assert.equal((await cloud.request('GET', `${V3}/role_assignments?include_subtree=true&scope.project.id=nope`)).status, 404);
  });

  it('gives a plain member 403 and a domain reader its domain only', async () => {
    const memberToken = await cloud.token({ id: user.id }, PASSWORD, { project: { id: parent.id } });
    assert.equal((await cloud.request('GET', `${V3}/role_assignments`, { token: memberToken })).status, 403);
    assert.equal((await cloud.request('GET', `${V3}/role_assignments?user.id=${user.id}`, { token: memberToken })).status, 403);
    assert.equal((await cloud.request('GET', `${V3}/role_assignments?include_subtree&scope.project.id=${parent.id}`, { token: memberToken })).status, 403);

    const reader = await fx.user(domain.id);
    await put(`/domains/${domain.id}/users/${reader.id}/roles/${(await fx.roleByName('reader')).id}`);
    const domainToken = await cloud.token({ id: reader.id }, PASSWORD, { domain: { id: domain.id } });
    const seen = await list('', domainToken);
    assert.ok(seen.length >= 6);
    for (const r of seen) {
      const ok = r.scope.domain?.id === domain.id || [parent.id, leaf.id].includes(r.scope.project?.id);
      assert.ok(ok, `outside the domain: ${JSON.stringify(r.scope)}`);
    }
    assert.ok(!seen.some((r) => r.scope.system), 'no system rows');
    const tree = await list(`?include_subtree&scope.project.id=${parent.id}`, domainToken);
    assert.ok(tree.some((r) => r.scope.project.id === leaf.id));
  });
});
