import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { compute, newMember, type Member } from './fixtures.ts';

describe('compute: the os-security-groups proxy to Neutron (2.1-2.35)', () => {
  let cloud: TestCloud;
  let r: ReturnType<typeof compute>;
  let alice: Member;
  let bob: Member;

  before(async () => {
    cloud = await startCloud();
    r = compute(cloud);
    alice = await newMember(cloud, 'secg-alice');
    bob = await newMember(cloud, 'secg-bob');
  });
  after(() => cloud.stop());

  const create = async (name: string, token: string, description = 'd') => {
    const res = await r('POST', '/os-security-groups', '2.1', { security_group: { name, description } }, token);
    assert.equal(res.status, 200, res.text);
    return res.body.security_group;
  };

  it('creates a group in Neutron and shows it in Nova\'s shape, ingress rules only', async () => {
    const sg = await create(' web tier ', alice.token, 'front');
    assert.deepEqual(sg, { id: sg.id, description: 'front', name: ' web tier ', tenant_id: alice.project, rules: [] });
    const neutron = await cloud.request('GET', `/networking/v2.0/security-groups/${sg.id}`, { token: alice.token });
    assert.equal(neutron.status, 200);
    assert.equal(neutron.body.security_group.security_group_rules.length, 2, 'the egress rules Neutron adds');
    const shown = await r('GET', `/os-security-groups/${sg.id}`, '2.1', undefined, alice.token);
    assert.deepEqual(shown.body.security_group, sg);
  });

  it('lists the project\'s groups (with its default) sorted by project and name; all_tenants for an admin', async () => {
    await create('b-group', alice.token);
    await create('a-group', alice.token);
    const list = await r('GET', '/os-security-groups', '2.1', undefined, alice.token);
    const names = list.body.security_groups.map((g: any) => g.name);
    assert.ok(names.includes('default'));
    assert.deepEqual(names, [...names].sort());
    assert.ok(list.body.security_groups.every((g: any) => g.tenant_id === alice.project));
    await create('bobs', bob.token);
    const asAdminOwn = await r('GET', '/os-security-groups', '2.1');
    assert.ok(!asAdminOwn.body.security_groups.some((g: any) => g.name === 'bobs'));
    const all = await r('GET', '/os-security-groups?all_tenants=1', '2.1');
    assert.ok(all.body.security_groups.some((g: any) => g.name === 'bobs'));
    const sneaky = await r('GET', '/os-security-groups?all_tenants=1', '2.1', undefined, alice.token);
    assert.ok(!sneaky.body.security_groups.some((g: any) => g.name === 'bobs'));
    const page = await r('GET', '/os-security-groups?limit=1', '2.1', undefined, alice.token);
    assert.equal(page.body.security_groups.length, 1);
  });

  it('updates name and description; both are required', async () => {
    const sg = await create('to-rename', alice.token);
    const res = await r('PUT', `/os-security-groups/${sg.id}`, '2.1', { security_group: { name: 'renamed', description: 'new' } }, alice.token);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.security_group.name, 'renamed');
    assert.equal((await r('GET', `/os-security-groups/${sg.id}`, '2.1', undefined, alice.token)).body.security_group.description, 'new');
    const partial = await r('PUT', `/os-security-groups/${sg.id}`, '2.1', { security_group: { name: 'x' } }, alice.token);
    assert.equal(partial.status, 400);
    assert.equal(partial.body.badRequest.message, 'description is not a string or unicode');
    const long = await r('PUT', `/os-security-groups/${sg.id}`, '2.1', { security_group: { name: 'x'.repeat(256), description: '' } }, alice.token);
    assert.equal(long.status, 400);
    assert.equal(long.body.badRequest.message, 'name has 256 characters, more than 255.');
  });

  it('adds and deletes ingress rules in Nova\'s rule shape', async () => {
    const sg = await create('rules', alice.token);
    const other = await create('peers', alice.token);
    const cidr = await r('POST', '/os-security-group-rules', '2.1', { security_group_rule: { parent_group_id: sg.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr: '10.0.0.0/8' } }, alice.token);
    assert.equal(cidr.status, 200, cidr.text);
    assert.deepEqual({ ...cidr.body.security_group_rule, id: 'x' }, { id: 'x', parent_group_id: sg.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, group: {}, ip_range: { cidr: '10.0.0.0/8' } });
    const byGroup = await r('POST', '/os-security-group-rules', '2.1', { security_group_rule: { parent_group_id: sg.id, ip_protocol: 'icmp', group_id: other.id } }, alice.token);
    assert.equal(byGroup.status, 200, byGroup.text);
    assert.deepEqual(byGroup.body.security_group_rule.group, { name: 'peers', tenant_id: alice.project });
    assert.deepEqual([byGroup.body.security_group_rule.from_port, byGroup.body.security_group_rule.to_port], [-1, -1]);
    const neutronRule = await cloud.request('GET', `/networking/v2.0/security-group-rules/${byGroup.body.security_group_rule.id}`, { token: alice.token });
    assert.equal(neutronRule.body.security_group_rule.direction, 'ingress');
    assert.equal(neutronRule.body.security_group_rule.remote_group_id, other.id);
    const shown = await r('GET', `/os-security-groups/${sg.id}`, '2.1', undefined, alice.token);
    assert.equal(shown.body.security_group.rules.length, 2);
    const again = await r('POST', '/os-security-group-rules', '2.1', { security_group_rule: { parent_group_id: sg.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr: '10.0.0.0/8' } }, alice.token);
    assert.equal(again.status, 400);
    assert.equal(again.body.badRequest.message, `This rule already exists in group ${sg.id}`);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ip_protocol: 'tcp', from_port: 30, to_port: 20 }, /Former value cannot be greater than the later/],
      [{ ip_protocol: 'tcp', from_port: 0, to_port: 20 }, /Valid TCP ports should be between 1-65535/],
      [{ ip_protocol: 'gre', from_port: 1, to_port: 2 }, /Invalid IP protocol gre/],
      [{ ip_protocol: 'tcp', from_port: 'a', to_port: 2 }, /To and From ports must be integers/],
      [{ ip_protocol: 'tcp', from_port: 1, to_port: 2, cidr: 'not-a-cidr' }, /is not a valid IP network/],
      [{ ip_protocol: 'tcp', from_port: 1, to_port: 2, cidr: '10.1.0.0/0' }, /Bad prefix for network in cidr/],
      [{}, /Not enough parameters to build a valid rule/],
    ];
    for (const [extra, message] of cases) {
      const res = await r('POST', '/os-security-group-rules', '2.1', { security_group_rule: { parent_group_id: sg.id, ...extra } }, alice.token);
      assert.equal(res.status, 400, JSON.stringify(extra));
      assert.match(res.body.badRequest.message, message);
    }
    const badParent = await r('POST', '/os-security-group-rules', '2.1', { security_group_rule: { parent_group_id: 'nope' } }, alice.token);
    assert.equal(badParent.body.badRequest.message, 'Security group id should be uuid');
    const del = await r('DELETE', `/os-security-group-rules/${cidr.body.security_group_rule.id}`, '2.1', undefined, alice.token);
    assert.equal(del.status, 202);
    const delAgain = await r('DELETE', `/os-security-group-rules/${cidr.body.security_group_rule.id}`, '2.1', undefined, alice.token);
    assert.equal(delAgain.status, 404);
  });

  it('deletes groups with 202; the default one and unknown ids fail as Nova fails them', async () => {
    const sg = await create('doomed', alice.token);
    assert.equal((await r('DELETE', `/os-security-groups/${sg.id}`, '2.1', undefined, alice.token)).status, 202);
    const gone = await r('GET', `/os-security-groups/${sg.id}`, '2.1', undefined, alice.token);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.itemNotFound.message, `Security group ${sg.id} does not exist`);
    const list = await r('GET', '/os-security-groups', '2.1', undefined, alice.token);
    const def = list.body.security_groups.find((g: any) => g.name === 'default');
    const protectedDefault = await r('DELETE', `/os-security-groups/${def.id}`, '2.1', undefined, alice.token);
    assert.equal(protectedDefault.status, 400);
    const unknown = '0b6f0b37-31a4-4e8a-8c6f-5b2a1d7c9e10';
    assert.equal((await r('DELETE', `/os-security-groups/${unknown}`, '2.1', undefined, alice.token)).status, 404);
    assert.equal((await r('PUT', `/os-security-groups/${unknown}`, '2.1', { security_group: { name: 'a', description: 'b' } }, alice.token)).status, 404);
    assert.equal((await r('DELETE', '/os-security-groups/', '2.1', undefined, alice.token)).status, 404);
    const notUuid = await r('GET', '/os-security-groups/123', '2.1', undefined, alice.token);
    assert.equal(notUuid.status, 400);
  });

  it('hides other projects\' groups', async () => {
    const bobs = await create('bob-private', bob.token);
    assert.equal((await r('GET', `/os-security-groups/${bobs.id}`, '2.1', undefined, alice.token)).status, 404);
    assert.equal((await r('DELETE', `/os-security-groups/${bobs.id}`, '2.1', undefined, alice.token)).status, 404);
  });

  it('is gone from 2.36', async () => {
    const res = await r('GET', '/os-security-groups', '2.36', undefined, alice.token);
    assert.equal(res.status, 404);
    assert.equal(res.body.itemNotFound.message, 'The resource could not be found.');
    assert.equal((await r('POST', '/os-security-group-rules', '2.36', { security_group_rule: {} }, alice.token)).status, 404);
  });
});
