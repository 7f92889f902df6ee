import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { negotiateMicroversion, atLeast, compareVersions } from '../../../src/platform/http/microversion.ts';
import { ApiError } from '../../../src/platform/http/api-error.ts';

const compute = { headerService: 'compute', legacyHeaders: ['X-OpenStack-Nova-API-Version'], min: '2.1', max: '2.100' };

describe('microversion negotiation', () => {
  it('defaults to the minimum without a header', () => {
    assert.equal(negotiateMicroversion(compute, {}), '2.1');
  });
  it('reads OpenStack-API-Version for its service only', () => {
    assert.equal(negotiateMicroversion(compute, { 'openstack-api-version': 'volume 3.5, compute 2.79' }), '2.79');
    assert.equal(negotiateMicroversion(compute, { 'openstack-api-version': 'volume 3.5' }), '2.1');
  });
  it('reads the legacy header and latest', () => {
    assert.equal(negotiateMicroversion(compute, { 'x-openstack-nova-api-version': '2.60' }), '2.60');
    assert.equal(negotiateMicroversion(compute, { 'openstack-api-version': 'compute latest' }), '2.100');
  });
  it('answers 406 outside the range and 400 for garbage', () => {
    assert.throws(() => negotiateMicroversion(compute, { 'openstack-api-version': 'compute 2.101' }), (e: ApiError) => e.status === 406);
    assert.throws(() => negotiateMicroversion(compute, { 'openstack-api-version': 'compute 1.9' }), (e: ApiError) => e.status === 406);
    assert.throws(() => negotiateMicroversion(compute, { 'openstack-api-version': 'compute two' }), (e: ApiError) => e.status === 400);
  });
  it('compares numerically, not as text', () => {
    assert.ok(compareVersions('2.10', '2.9') > 0);
    assert.ok(atLeast('2.100', '2.99'));
    assert.ok(!atLeast(undefined, '2.1'));
  });
});
