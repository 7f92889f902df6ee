// Volume transfers: offered with an auth_key, accepted by another project (which then owns the
// volume and its snapshots), withdrawn; both paths (/os-volume-transfer, /volume-transfers 3.55+).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { newMember, waitFor, type Member } from './support.ts';

describe('block-storage volume transfers', () => {
  let cloud: TestCloud;
  let ivy: Member;
  let jack: Member;
  const v = (p: string) => `/volume/v3/${p}`;

  before(async () => {
    cloud = await startCloud();
    ivy = await newMember(cloud, 'ivy-tr');
    jack = await newMember(cloud, 'jack-tr');
  });
  after(() => cloud.stop());

  const as = (m: Member, method: string, path: string, body?: unknown, version = '3.57') =>
    cloud.request(method, `${v(m.projectId)}${path}`, { token: m.token, body, headers: { 'OpenStack-API-Version': `volume ${version}` } });

  async function volumeOf(m: Member): Promise<string> {
    const res = await as(m, 'POST', '/volumes', { volume: { size: 1, name: 'gift' } });
    assert.equal(res.status, 202, res.text);
    await waitFor(cloud, `${v(m.projectId)}/volumes/${res.body.volume.id}`, 'available', m.token);
    return res.body.volume.id;
  }

  it('moves a volume and its snapshots to the accepting project', async () => {
    const id = await volumeOf(ivy);
    const snap = await as(ivy, 'POST', '/snapshots', { snapshot: { volume_id: id, name: 's' } });
    await waitFor(cloud, `${v(ivy.projectId)}/snapshots/${snap.body.snapshot.id}`, 'available', ivy.token);
    const offered = await as(ivy, 'POST', '/volume-transfers', { transfer: { volume_id: id, name: 'to-jack' } });
    assert.equal(offered.status, 202, offered.text);
    const t = offered.body.transfer;
    assert.match(t.auth_key, /^[0-9a-f]{16}$/);
    assert.equal(t.source_project_id, ivy.projectId);
    assert.equal(t.accepted, false);
    assert.equal(t.no_snapshots, false);
    assert.equal((await as(ivy, 'GET', `/volumes/${id}`)).body.volume.status, 'awaiting-transfer');
    const listed = await as(ivy, 'GET', '/volume-transfers/detail');
    assert.deepEqual(listed.body.transfers.map((x: any) => x.id), [t.id]);
    assert.equal(listed.body.transfers[0].auth_key, undefined, 'the key is shown once');
    assert.equal((await as(jack, 'GET', `/volume-transfers/${t.id}`)).status, 404);
    assert.equal((await as(ivy, 'GET', '/volume-transfers', undefined, '3.54')).status, 404, '/volume-transfers needs 3.55');

    const wrong = await as(jack, 'POST', `/volume-transfers/${t.id}/accept`, { accept: { auth_key: '0000000000000000' } });
    assert.equal(wrong.status, 400, wrong.text);
    assert.match(wrong.body.badRequest.message, /Invalid auth key/);
    const accepted = await as(jack, 'POST', `/volume-transfers/${t.id}/accept`, { accept: { auth_key: t.auth_key } });
    assert.equal(accepted.status, 202, accepted.text);
    assert.equal(accepted.body.transfer.volume_id, id);
    const now = await as(jack, 'GET', `/volumes/${id}`);
    assert.equal(now.status, 200);
    assert.equal(now.body.volume.status, 'available');
    assert.equal((await as(ivy, 'GET', `/volumes/${id}`)).status, 404, 'the giver no longer sees it');
    assert.equal((await as(jack, 'GET', `/snapshots/${snap.body.snapshot.id}`)).status, 200, 'the snapshot moved too');
    assert.equal((await as(ivy, 'GET', '/volume-transfers')).body.transfers.length, 0);
  });

  it('withdraws a transfer through the legacy path; refuses volumes that are not available', async () => {
    const id = await volumeOf(ivy);
    const offered = await as(ivy, 'POST', '/os-volume-transfer', { transfer: { volume_id: id } }, '3.0');
    assert.equal(offered.status, 202, offered.text);
    assert.equal(offered.body.transfer.no_snapshots, undefined);
    assert.ok(offered.body.transfer.links[0].href.includes('/os-volume-transfer/'));
    const again = await as(ivy, 'POST', '/os-volume-transfer', { transfer: { volume_id: id } }, '3.0');
    assert.equal(again.status, 400);
    assert.equal((await as(ivy, 'DELETE', `/os-volume-transfer/${offered.body.transfer.id}`, undefined, '3.0')).status, 202);
    assert.equal((await as(ivy, 'GET', `/volumes/${id}`)).body.volume.status, 'available');
    const other = await as(jack, 'POST', '/os-volume-transfer', { transfer: { volume_id: id } }, '3.0');
    assert.equal(other.status, 404);
  });
});
