import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { N, memberOfNewProject } from './fixtures.ts';

describe('neutron metering labels and rules', () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startCloud(); });
  after(async () => { await cloud.stop(); });

  it('creates, filters, shows and deletes labels and rules; only admins may', async () => {
    const created = await cloud.request('POST', `${N}/metering/metering-labels`, { body: { metering_label: { name: 'm1', description: 'd' } } });
    assert.equal(created.status, 201, created.text);
    const label = created.body.metering_label;
    assert.equal(label.shared, false);
    assert.equal(label.project_id, label.tenant_id);
    assert.equal((await cloud.request('GET', `${N}/metering/metering-labels?id=33`)).body.metering_labels.length, 0);
    assert.equal((await cloud.request('GET', `${N}/metering/metering-labels?id=${label.id}`)).body.metering_labels.length, 1);

    const rule = await cloud.request('POST', `${N}/metering/metering-label-rules`, { body: { metering_label_rule: {
      metering_label_id: label.id, direction: 'ingress', remote_ip_prefix: '10.0.0.0/24',
    } } });
    assert.equal(rule.status, 201, rule.text);
    assert.equal(rule.body.metering_label_rule.excluded, false);
    const overlap = await cloud.request('POST', `${N}/metering/metering-label-rules`, { body: { metering_label_rule: {
      metering_label_id: label.id, direction: 'ingress', remote_ip_prefix: '10.0.0.128/25',
    } } });
    assert.equal(overlap.status, 409);
    assert.equal(overlap.body.NeutronError.type, 'MeteringLabelRuleOverlaps');
    const shown = await cloud.request('GET', `${N}/metering/metering-label-rules/${rule.body.metering_label_rule.id}`);
    assert.equal(shown.body.metering_label_rule.remote_ip_prefix, '10.0.0.0/24');
    const noLabel = await cloud.request('POST', `${N}/metering/metering-label-rules`, { body: { metering_label_rule: {
      metering_label_id: '00000000-0000-0000-0000-000000000001', direction: 'ingress', remote_ip_prefix: '10.1.0.0/24',
    } } });
    assert.equal(noLabel.status, 404);
    assert.equal(noLabel.body.NeutronError.type, 'MeteringLabelNotFound');

    const member = await memberOfNewProject(cloud, 'meter-p1');
    const denied = await cloud.request('POST', `${N}/metering/metering-labels`, { token: member.token, body: { metering_label: { name: 'x' } } });
    assert.equal(denied.status, 403);
    assert.deepEqual((await cloud.request('GET', `${N}/metering/metering-labels`, { token: member.token })).body.metering_labels, []);

    assert.equal((await cloud.request('DELETE', `${N}/metering/metering-labels/${label.id}`)).status, 204);
    assert.equal((await cloud.request('GET', `${N}/metering/metering-label-rules/${rule.body.metering_label_rule.id}`)).status, 404);
    const gone = await cloud.request('GET', `${N}/metering/metering-labels/${label.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.NeutronError.message, `Metering label ${label.id} does not exist`);
  });
});
