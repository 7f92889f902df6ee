// QoS specs: admin CRUD, keys, associations with volume types (qos_specs_id), the in-use
// delete rule, Cinder's error bodies, and the admin-only policy.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { newMember, type Member } from './support.ts';

describe('block-storage QoS specs', () => {
  let cloud: TestCloud;
  let kim: Member;
  let base: string;

  before(async () => {
    cloud = await startCloud();
    kim = await newMember(cloud, 'kim-qos');
    base = `/volume/v3/${kim.projectId}`;
  });
  after(() => cloud.stop());

  it('creates, lists, shows, updates and unsets keys', async () => {
    const created = await cloud.request('POST', `${base}/qos-specs`, { body: { qos_specs: { name: 'gold', consumer: 'front-end', read_iops_sec: 2000, total_bytes_sec: '1048576' } } });
    assert.equal(created.status, 200, created.text);
    const q = created.body.qos_specs;
    assert.equal(q.consumer, 'front-end');
    assert.deepEqual(q.specs, { read_iops_sec: '2000', total_bytes_sec: '1048576' });
    assert.match(created.body.links[0].href, new RegExp(`/qos-specs/${q.id}$`));

    const plain = await cloud.request('POST', '/volume/v3/qos-specs', { body: { qos_specs: { name: 'silver' } } });
    assert.equal(plain.status, 200, plain.text);
    assert.equal(plain.body.qos_specs.consumer, 'back-end');

    const dup = await cloud.request('POST', `${base}/qos-specs`, { body: { qos_specs: { name: 'gold' } } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.conflictingRequest.message, 'QoS Specs gold already exists.');
    const badConsumer = await cloud.request('POST', `${base}/qos-specs`, { body: { qos_specs: { name: 'x', consumer: 'middle' } } });
    assert.equal(badConsumer.status, 400);
    assert.match(badConsumer.body.badRequest.message, /consumer/);
    assert.equal((await cloud.request('POST', `${base}/qos-specs`, { body: { qos_specs: { consumer: 'both' } } })).status, 400);
    assert.equal((await cloud.request('POST', `${base}/qos-specs`, { body: { nope: {} } })).status, 400);

    const list = await cloud.request('GET', `${base}/qos-specs`);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body.qos_specs.map((x: any) => x.name).sort(), ['gold', 'silver']);

    const put = await cloud.request('PUT', `${base}/qos-specs/${q.id}`, { body: { qos_specs: { read_iops_sec: '3000', write_iops_sec: '100', consumer: 'both' } } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.body.qos_specs, { read_iops_sec: '3000', write_iops_sec: '100', consumer: 'both' });
    const shown = await cloud.request('GET', `${base}/qos-specs/${q.id}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.qos_specs.consumer, 'both');
    assert.deepEqual(shown.body.qos_specs.specs, { read_iops_sec: '3000', total_bytes_sec: '1048576', write_iops_sec: '100' });

    const unset = await cloud.request('PUT', `${base}/qos-specs/${q.id}/delete_keys`, { body: { keys: ['write_iops_sec'] } });
    assert.equal(unset.status, 202, unset.text);
    const missingKey = await cloud.request('PUT', `${base}/qos-specs/${q.id}/delete_keys`, { body: { keys: ['nope'] } });
    assert.equal(missingKey.status, 404);
    assert.equal(missingKey.body.itemNotFound.message, `QoS spec ${q.id} has no spec with key nope.`);
    assert.deepEqual((await cloud.request('GET', `${base}/qos-specs/${q.id}`)).body.qos_specs.specs, { read_iops_sec: '3000', total_bytes_sec: '1048576' });

    const missing = await cloud.request('GET', `${base}/qos-specs/00000000-0000-0000-0000-000000000000`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.itemNotFound.message, 'QoS Specs 00000000-0000-0000-0000-000000000000 could not be found.');
  });

  it('associates with volume types and refuses a plain delete while in use', async () => {
    const q = (await cloud.request('POST', `${base}/qos-specs`, { body: { qos_specs: { name: 'bronze', consumer: 'back-end', iops: '10' } } })).body.qos_specs;
    const other = (await cloud.request('POST', `${base}/qos-specs`, { body: { qos_specs: { name: 'copper' } } })).body.qos_specs;
    const type = (await cloud.request('POST', `${base}/types`, { body: { volume_type: { name: 'qos-type' } } })).body.volume_type;

    const assoc = await cloud.request('GET', `${base}/qos-specs/${q.id}/associate?vol_type_id=${type.id}`);
    assert.equal(assoc.status, 202, assoc.text);
    assert.equal((await cloud.request('GET', `${base}/types/${type.id}`)).body.volume_type.qos_specs_id, q.id);
    const assocs = await cloud.request('GET', `${base}/qos-specs/${q.id}/associations`);
    assert.equal(assocs.status, 200);
    assert.deepEqual(assocs.body.qos_associations, [{ association_type: 'volume_type', name: 'qos-type', id: type.id }]);

    const taken = await cloud.request('GET', `${base}/qos-specs/${other.id}/associate?vol_type_id=${type.id}`);
    assert.equal(taken.status, 400);
    assert.match(taken.body.badRequest.message, /already associated with another qos specs/);
    const noType = await cloud.request('GET', `${base}/qos-specs/${q.id}/associate`);
    assert.equal(noType.status, 400);
    assert.equal(noType.body.badRequest.message, 'Volume Type id must not be None.');
    assert.equal((await cloud.request('GET', `${base}/qos-specs/${q.id}/associate?vol_type_id=nope`)).status, 404);

    const inUse = await cloud.request('DELETE', `${base}/qos-specs/${q.id}`);
    assert.equal(inUse.status, 400);
    assert.equal(inUse.body.badRequest.message, `QoS Specs ${q.id} is still associated with entities.`);
    assert.equal((await cloud.request('DELETE', `${base}/qos-specs/${q.id}?force=False`)).status, 400);

    assert.equal((await cloud.request('GET', `${base}/qos-specs/${q.id}/disassociate?vol_type_id=${type.id}`)).status, 202);
    assert.equal((await cloud.request('GET', `${base}/types/${type.id}`)).body.volume_type.qos_specs_id, null);
    assert.equal((await cloud.request('GET', `${base}/qos-specs/${q.id}/associate?vol_type_id=${type.id}`)).status, 202);
    assert.equal((await cloud.request('GET', `${base}/qos-specs/${q.id}/disassociate_all`)).status, 202);
    assert.deepEqual((await cloud.request('GET', `${base}/qos-specs/${q.id}/associations`)).body.qos_associations, []);

    assert.equal((await cloud.request('GET', `${base}/qos-specs/${q.id}/associate?vol_type_id=${type.id}`)).status, 202);
    assert.equal((await cloud.request('DELETE', `${base}/qos-specs/${q.id}?force=True`)).status, 202);
    assert.equal((await cloud.request('GET', `${base}/qos-specs/${q.id}`)).status, 404);
    assert.equal((await cloud.request('GET', `${base}/types/${type.id}`)).body.volume_type.qos_specs_id, null);
    assert.equal((await cloud.request('DELETE', `${base}/qos-specs/${other.id}`)).status, 202);
  });

  it('is admin-only', async () => {
    const list = await cloud.request('GET', `${base}/qos-specs`, { token: kim.token });
    assert.equal(list.status, 403);
    assert.equal(list.body.forbidden.message, "Policy doesn't allow volume_extension:qos_specs_manage:get_all to be performed.");
    const create = await cloud.request('POST', `${base}/qos-specs`, { token: kim.token, body: { qos_specs: { name: 'mine' } } });
    assert.equal(create.status, 403);
    assert.equal(create.body.forbidden.message, "Policy doesn't allow volume_extension:qos_specs_manage:create to be performed.");
  });
});
