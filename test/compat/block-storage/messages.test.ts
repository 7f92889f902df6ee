// The scheduler's capabilities filter and user messages: a volume of a type no backend matches
// goes to error, and its project reads why in /messages (3.3+).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { newMember, waitFor, type Member } from './support.ts';

describe('block-storage scheduling and user messages', () => {
  let cloud: TestCloud;
  let kim: Member;
  let lee: Member;
  const v = (p: string) => `/volume/v3/${p}`;
  const mv = { 'OpenStack-API-Version': 'volume 3.3' };

  before(async () => {
    cloud = await startCloud();
    kim = await newMember(cloud, 'kim-msg');
    lee = await newMember(cloud, 'lee-msg');
  });
  after(() => cloud.stop());

  it('sends volumes of an unmatched type to error with a message, and places matching ones', async () => {
    const bogus = await cloud.request('POST', `${v(kim.projectId)}/types`, { body: { volume_type: { name: 'bogus', extra_specs: { storage_protocol: 'fibre', vendor_name: 'nobody' } } } });
    assert.equal(bogus.status, 200, bogus.text);
    const good = await cloud.request('POST', `${v(kim.projectId)}/types`, { body: { volume_type: { name: 'on-file', extra_specs: { volume_backend_name: 'file', 'capabilities:vendor_name': '<in> Open' } } } });
    assert.equal(good.status, 200, good.text);

    const failed = await cloud.request('POST', `${v(kim.projectId)}/volumes`, { token: kim.token, headers: mv, body: { volume: { size: 1, volume_type: 'bogus' } } });
    assert.equal(failed.status, 202, failed.text);
    await waitFor(cloud, `${v(kim.projectId)}/volumes/${failed.body.volume.id}`, 'error', kim.token);
    const placed = await cloud.request('POST', `${v(kim.projectId)}/volumes`, { token: kim.token, body: { volume: { size: 1, volume_type: 'on-file' } } });
    await waitFor(cloud, `${v(kim.projectId)}/volumes/${placed.body.volume.id}`, 'available', kim.token);

    assert.equal((await cloud.request('GET', `${v(kim.projectId)}/messages`, { token: kim.token, headers: { 'OpenStack-API-Version': 'volume 3.2' } })).status, 404);
    const list = await cloud.request('GET', `${v(kim.projectId)}/messages`, { token: kim.token, headers: mv });
    assert.equal(list.status, 200, list.text);
    const mine = list.body.messages.filter((m: any) => m.resource_uuid === failed.body.volume.id);
    assert.equal(mine.length, 1);
    const message = mine[0];
    assert.equal(message.resource_type, 'VOLUME');
    assert.equal(message.message_level, 'ERROR');
    assert.equal(message.event_id, 'VOLUME_VOLUME_001_002');
    assert.match(message.user_message, /Could not find any available weighted backend/);
    assert.equal(message.request_id, failed.headers.get('x-openstack-request-id'));
    assert.ok(Date.parse(`${message.guaranteed_until}Z`) > Date.parse(`${message.created_at}Z`));

    assert.equal((await cloud.request('GET', `${v(lee.projectId)}/messages/${message.id}`, { token: lee.token, headers: mv })).status, 404);
    assert.equal((await cloud.request('GET', `${v(lee.projectId)}/messages`, { token: lee.token, headers: mv })).body.messages.length, 0);
    assert.equal((await cloud.request('GET', `${v(kim.projectId)}/messages/${message.id}`, { token: kim.token, headers: mv })).status, 200);
    assert.equal((await cloud.request('DELETE', `${v(kim.projectId)}/messages/${message.id}`, { token: kim.token, headers: mv })).status, 204);
    assert.equal((await cloud.request('GET', `${v(kim.projectId)}/messages/${message.id}`, { token: kim.token, headers: mv })).status, 404);
  });
});
