import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { adminProject, newMember, waitFor, type Member } from './support.ts';

describe('block-storage classic attach actions', () => {
  let cloud: TestCloud;
  let project: string;
  let dave: Member;
  const v = (p: string) => `/volume/v3/${p}`;

  before(async () => {
    cloud = await startCloud();
    project = await adminProject(cloud);
    dave = await newMember(cloud, 'dave-bs');
  });
  after(() => cloud.stop());

  it('reserves, attaches, extends in-use, detaches and deletes (Terraform with Nova)', async () => {
    const created = await cloud.request('POST', `${v(dave.projectId)}/volumes`, { token: dave.token, body: { volume: { size: 1, name: 'att' } } });
    assert.equal(created.status, 202, created.text);
    const path = `${v(dave.projectId)}/volumes/${created.body.volume.id}`;
    await waitFor(cloud, path, 'available', dave.token);
    const act = (body: unknown, headers?: Record<string, string>) => cloud.request('POST', `${path}/action`, { token: dave.token, body, headers });
    assert.equal((await act({ 'os-reserve': null })).status, 202);
    assert.equal((await waitFor(cloud, path, 'attaching', dave.token)).status, 'attaching');
    assert.equal((await act({ 'os-unreserve': null })).status, 202);
    await waitFor(cloud, path, 'available', dave.token);
    assert.equal((await act({ 'os-reserve': null })).status, 202);
    const server = '11111111-2222-3333-4444-555555555555';
    const attach = await act({ 'os-attach': { instance_uuid: server, mountpoint: '/dev/vdb', mode: 'rw' } });
    assert.equal(attach.status, 202, attach.text);
    const inUse = await waitFor(cloud, path, 'in-use', dave.token);
    assert.equal(inUse.attachments.length, 1);
    assert.equal(inUse.attachments[0].server_id, server);
    assert.equal(inUse.attachments[0].device, '/dev/vdb');
    assert.equal(inUse.metadata.attached_mode, 'rw');
    // attached volumes are neither deleted nor reserved again
    assert.equal((await cloud.request('DELETE', path, { token: dave.token })).status, 400);
    assert.equal((await act({ 'os-reserve': null })).status, 400);
    const grow = await act({ 'os-extend': { new_size: 3 } }, { 'OpenStack-API-Version': 'volume 3.42' });
    assert.equal(grow.status, 202, grow.text);
    assert.equal((await waitFor(cloud, path, 'in-use', dave.token)).size, 3);
    assert.equal((await act({ 'os-begin_detaching': null })).status, 202);
    assert.equal((await act({ 'os-roll_detaching': null })).status, 202);
    assert.equal((await act({ 'os-begin_detaching': null })).status, 202);
    const missing = await act({ 'os-detach': { attachment_id: 'nope' } });
    assert.equal(missing.status, 404);
    assert.equal((await act({ 'os-detach': { attachment_id: inUse.attachments[0].attachment_id } })).status, 202);
    const free = await waitFor(cloud, path, 'available', dave.token);
    assert.deepEqual(free.attachments, []);
    assert.equal((await cloud.request('DELETE', path, { token: dave.token })).status, 202);
    await waitFor(cloud, path, 404, dave.token);
  });

  it('refuses attach actions on volumes in the wrong state or of other projects', async () => {
    const created = await cloud.request('POST', `${v(project)}/volumes`, { body: { volume: { size: 1 } } });
    const path = `${v(project)}/volumes/${created.body.volume.id}`;
    await waitFor(cloud, path, 'available');
    const other = await cloud.request('POST', `${v(dave.projectId)}/volumes/${created.body.volume.id}/action`, { token: dave.token, body: { 'os-reserve': null } });
    assert.equal(other.status, 404);
    const early = await cloud.request('POST', `${path}/action`, { body: { 'os-begin_detaching': null } });
    assert.equal(early.status, 400);
    assert.match(early.body.badRequest.message, /^Invalid volume: /);
    const noTarget = await cloud.request('POST', `${path}/action`, { body: { 'os-attach': { mountpoint: '/dev/vdb' } } });
    assert.equal(noTarget.status, 400);
  });
});
