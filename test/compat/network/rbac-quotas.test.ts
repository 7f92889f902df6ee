import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { N, create, memberOfNewProject } from './fixtures.ts';

describe('neutron network RBAC and quotas', () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startCloud(); });
  after(async () => { await cloud.stop(); });

  it('shares a network with one project and refuses to drop a policy that is in use', async () => {
    const owner = await memberOfNewProject(cloud, 'rbac-owner');
    const target = await memberOfNewProject(cloud, 'rbac-target');
    const outsider = await memberOfNewProject(cloud, 'rbac-outsider');
    const net = await create(cloud, 'networks', 'network', { name: 'to-share' }, owner.token);
    await create(cloud, 'subnets', 'subnet', { network_id: net.id, cidr: '10.50.0.0/24', ip_version: 4 }, owner.token);
    assert.equal((await cloud.request('GET', `${N}/networks/${net.id}`, { token: target.token })).status, 404);

    const wildcard = await cloud.request('POST', `${N}/rbac-policies`, { token: owner.token,
      body: { rbac_policy: { object_type: 'network', object_id: net.id, action: 'access_as_shared', target_tenant: '*' } } });
    assert.equal(wildcard.status, 403);

    const policy = await create(cloud, 'rbac-policies', 'rbac_policy', { object_type: 'network', object_id: net.id, action: 'access_as_shared', target_tenant: target.projectId }, owner.token);
    assert.equal(policy.project_id, owner.projectId);
    assert.equal(policy.target_tenant, target.projectId);
    const dup = await cloud.request('POST', `${N}/rbac-policies`, { token: owner.token,
      body: { rbac_policy: { object_type: 'network', object_id: net.id, action: 'access_as_shared', target_tenant: target.projectId } } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.NeutronError.type, 'DuplicateRbacPolicy');

    const seen = await cloud.request('GET', `${N}/networks/${net.id}`, { token: target.token });
    assert.equal(seen.status, 200);
    assert.equal(seen.body.network.shared, true);
    assert.equal((await cloud.request('GET', `${N}/networks/${net.id}`, { token: owner.token })).body.network.shared, false);
    assert.ok((await cloud.request('GET', `${N}/networks`, { token: target.token })).body.networks.some((n: any) => n.id === net.id));
    assert.equal((await cloud.request('GET', `${N}/subnets?network_id=${net.id}`, { token: target.token })).body.subnets.length, 1);
    assert.equal((await cloud.request('GET', `${N}/networks/${net.id}`, { token: outsider.token })).status, 404);
    assert.deepEqual((await cloud.request('GET', `${N}/rbac-policies`, { token: target.token })).body.rbac_policies, []);

    const notOwner = await cloud.request('POST', `${N}/rbac-policies`, { token: target.token,
      body: { rbac_policy: { object_type: 'network', object_id: net.id, action: 'access_as_shared', target_tenant: outsider.projectId } } });
    assert.equal(notOwner.status, 400);
    assert.equal(notOwner.body.NeutronError.message, 'Invalid input for operation: Only admins can manipulate policies on networks they do not own.');

    const port = await create(cloud, 'ports', 'port', { network_id: net.id }, target.token);
    const inUse = await cloud.request('DELETE', `${N}/rbac-policies/${policy.id}`, { token: owner.token });
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.NeutronError.type, 'RbacPolicyInUse');
    assert.equal((await cloud.request('DELETE', `${N}/ports/${port.id}`, { token: target.token })).status, 204);
    assert.equal((await cloud.request('DELETE', `${N}/rbac-policies/${policy.id}`, { token: owner.token })).status, 204);
    assert.equal((await cloud.request('GET', `${N}/networks/${net.id}`, { token: target.token })).status, 404);
    const gone = await cloud.request('GET', `${N}/rbac-policies/${policy.id}`, { token: owner.token });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.NeutronError.type, 'RbacPolicyNotFound');
  });

  it('makes a network external with access_as_external', async () => {
    const net = await create(cloud, 'networks', 'network', { name: 'ext-by-rbac' });
    const policy = await create(cloud, 'rbac-policies', 'rbac_policy', { object_type: 'network', object_id: net.id, action: 'access_as_external', target_tenant: '*' });
    assert.equal(policy.action, 'access_as_external');
    assert.equal((await cloud.request('GET', `${N}/networks/${net.id}`)).body.network['router:external'], true);
    const filtered = await cloud.request('GET', `${N}/rbac-policies?action=access_as_external&object_id=${net.id}`);
    assert.deepEqual(filtered.body.rbac_policies.map((p: any) => p.id), [policy.id]);
  });

  it('shows, sets, details and resets quotas, and enforces them with OverQuota', async () => {
    const member = await memberOfNewProject(cloud, 'quota-p1');
    const shown = await cloud.request('GET', `${N}/quotas/${member.projectId}`, { token: member.token });
    assert.equal(shown.status, 200);
    assert.equal(shown.body.quota.network, 100);
    assert.equal(shown.body.quota.port, 500);
    assert.equal(shown.body.quota.floatingip, 50);
    const dflt = await cloud.request('GET', `${N}/quotas/${member.projectId}/default`);
    assert.equal(dflt.body.quota.router, 10);
    const forbidden = await cloud.request('PUT', `${N}/quotas/${member.projectId}`, { token: member.token, body: { quota: { network: 1 } } });
    assert.equal(forbidden.status, 403);

    const set = await cloud.request('PUT', `${N}/quotas/${member.projectId}`, { body: { quota: { network: 1, router: 0 } } });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.quota.network, 1);
    assert.equal(set.body.quota.subnet, 100);
    const bad = await cloud.request('PUT', `${N}/quotas/${member.projectId}`, { body: { quota: { network: -2 } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.NeutronError.message, "Invalid input for network. Reason: '-2' is too small - must be at least '-1'.");
    const unknown = await cloud.request('PUT', `${N}/quotas/${member.projectId}`, { body: { quota: { bananas: 3 } } });
    assert.equal(unknown.status, 400);

    await create(cloud, 'networks', 'network', { name: 'one' }, member.token);
    const over = await cloud.request('POST', `${N}/networks`, { token: member.token, body: { network: { name: 'two' } } });
    assert.equal(over.status, 409);
    assert.deepEqual(over.body.NeutronError, { type: 'OverQuota', message: "Quota exceeded for resources: ['network'].", detail: '' });
    const noRouter = await cloud.request('POST', `${N}/routers`, { token: member.token, body: { router: {} } });
    assert.equal(noRouter.status, 409);

    const details = await cloud.request('GET', `${N}/quotas/${member.projectId}/details`, { token: member.token });
    assert.deepEqual(details.body.quota.network, { limit: 1, used: 1, reserved: 0 });
    assert.equal(details.body.quota.security_group.used, 1, 'the default group counts');

    const list = await cloud.request('GET', `${N}/quotas`);
    const mine = list.body.quotas.find((q: any) => q.project_id === member.projectId);
    assert.equal(mine.network, 1);
    assert.equal((await cloud.request('GET', `${N}/quotas`, { token: member.token })).body.quotas.length, 1);

    assert.equal((await cloud.request('DELETE', `${N}/quotas/${member.projectId}`)).status, 204);
    assert.equal((await cloud.request('GET', `${N}/quotas/${member.projectId}`)).body.quota.network, 100);
    assert.equal((await cloud.request('DELETE', `${N}/quotas/${member.projectId}`)).status, 404);
    const other = await memberOfNewProject(cloud, 'quota-p2');
    assert.equal((await cloud.request('GET', `${N}/quotas/${member.projectId}`, { token: other.token })).status, 403);
  });
});
