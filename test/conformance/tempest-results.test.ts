import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorLine, expandResults, matchList, serviceOfTest } from '../../conformance/lib/tempest-results.ts';

const A1 = 'tempest.api.identity.v3.test_tokens.TokensV3Test.test_a[id-11111111-1111-1111-1111-111111111111,smoke]';
const A2 = 'tempest.api.identity.v3.test_tokens.TokensV3Test.test_b[id-22222222-2222-2222-2222-222222222222]';
const B1 = 'tempest.api.identity.v3.test_users.UsersTest.test_c[id-33333333-3333-3333-3333-333333333333]';
const C1 = 'tempest.api.identity.v3.test_domains.DomainsTest.test_d[id-44444444-4444-4444-4444-444444444444]';
const D1 = 'tempest.api.identity.v3.test_roles.RolesTest.test_e[id-55555555-5555-5555-5555-555555555555]';

test('class fixture failures count for every requested test of the class', () => {
  const out = expandResults([A1, A2, B1, C1, D1], [
    { test: 'setUpClass (tempest.api.identity.v3.test_tokens.TokensV3Test)', status: 'fail', error: 'boom' },
    { test: B1, status: 'success' },
    { test: 'setUpClass (tempest.api.identity.v3.test_domains.DomainsTest)', status: 'skip', error: 'feature off' },
    { test: 'tearDownClass (tempest.api.identity.v3.test_users.UsersTest)', status: 'fail' },
  ]);
  assert.deepEqual(out.map((r) => [r.outcome, r.how]), [
    ['failed', 'class-fixture'],
    ['failed', 'class-fixture'],
    ['passed', 'test'],
    ['skipped', 'class-fixture'],
    ['failed', 'no-result'],
  ]);
  assert.equal(out[0].error, 'boom');
});

test('results match with or without [attributes]; xfail passes', () => {
  const out = expandResults([A1, A2], [
    { test: A1.split('[')[0], status: 'xfail' },
    { test: A2, status: 'uxsuccess' },
  ]);
  assert.deepEqual(out.map((r) => r.outcome), ['passed', 'failed']);
});

test('serviceOfTest maps tempest components to harness services', () => {
  assert.equal(serviceOfTest(A1), 'identity');
  assert.equal(serviceOfTest('tempest.api.object_storage.test_x.C.test_y[id-1]'), 'object');
  assert.equal(serviceOfTest('tempest.api.volume.test_x.C.test_y'), 'volume');
});

test('errorLine takes the exception line and its Details', () => {
  const tb = `Traceback (most recent call last):
  File "x.py", line 1, in f
    raise exceptions.NotFound(resp_body, resp=resp)
tempest.lib.exceptions.NotFound: Object not found
Details: {'code': 404}
`;
  assert.equal(errorLine(tb), "tempest.lib.exceptions.NotFound: Object not found Details: {'code': 404}");
  assert.equal(errorLine('Feature disabled'), 'Feature disabled');
  assert.equal(errorLine(undefined), '');
});

test('matchList resolves bare ids and uuids, reports the missing', () => {
  const renamed = 'tempest.api.identity.v3.test_tokens.TokensV3Test.test_renamed[id-22222222-2222-2222-2222-222222222222]';
  const { matched, missing } = matchList(
    ['# comment', '', A1.split('[')[0], 'tempest.api.identity.v3.test_old.Old.test_b[id-22222222-2222-2222-2222-222222222222]', 'tempest.api.gone.X.test_z', A1],
    [A1, renamed],
  );
  assert.deepEqual(matched, [A1, renamed]);
  assert.deepEqual(missing, ['tempest.api.gone.X.test_z']);
});
