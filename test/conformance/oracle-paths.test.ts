import { test } from 'node:test';
import assert from 'node:assert/strict';
import { candidatePaths, compareVersions, compileTemplates, inRange, jsPattern, matchTemplate, parseVersion } from '../../conformance/lib/oracle-paths.ts';
import { prepareForVersion } from '../../conformance/lib/oracle-suite.ts';

const templates = compileTemplates([
  '/v3/users/{user_id}',
  '/v3/users/{user_id}/groups',
  '/v3/users/{user_id}/application_credentials/{application_credential_id}',
  '/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects',
  '/v3/auth/tokens',
  '/v3/projects/{project_id}/tags/{tag}',
  '/v2.1/servers/{id}',
  '/v2.1/servers/detail',
]);

test('a recorded path matches its template; the most literal template wins', () => {
  assert.equal(matchTemplate(templates, '/v3/users/abc'), '/v3/users/{user_id}');
  assert.equal(matchTemplate(templates, '/v3/users/abc/groups?x=1'), '/v3/users/{user_id}/groups');
  assert.equal(matchTemplate(templates, '/v3/auth/tokens'), '/v3/auth/tokens');
  assert.equal(matchTemplate(templates, '/v2.1/servers/detail'), '/v2.1/servers/detail');
  assert.equal(matchTemplate(templates, '/v2.1/servers/1234'), '/v2.1/servers/{id}');
  assert.equal(matchTemplate(templates, '/v3/OS-INHERIT/domains/d/users/u/roles/r/inherited_to_projects'), '/v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects');
  assert.equal(matchTemplate(templates, '/v3/users/abc/'), '/v3/users/{user_id}');
  assert.equal(matchTemplate(templates, '/v3/nothing'), undefined);
  // a dot in a template is literal
  assert.equal(matchTemplate(templates, '/v2x1/servers/1'), undefined);
});

test('candidatePaths strips the service prefix and a project id after the version', () => {
  assert.deepEqual(candidatePaths('/identity/v3/users?name=x', '/identity'), ['/v3/users']);
  assert.deepEqual(candidatePaths('/compute/v2.1/0123456789abcdef0123456789abcdef/servers', '/compute'), [
    '/v2.1/0123456789abcdef0123456789abcdef/servers',
    '/v2.1/servers',
  ]);
  assert.deepEqual(candidatePaths('/identity', '/identity'), ['/']);
});

test('microversion ranges', () => {
  assert.deepEqual(parseVersion('2.10'), [2, 10]);
  assert.equal(parseVersion(null), undefined);
  assert.ok(compareVersions([2, 10], [2, 9]) > 0);
  assert.ok(inRange([2, 55], { 'min-ver': '2.55' }));
  assert.ok(!inRange([2, 54], { 'min-ver': '2.55' }));
  assert.ok(!inRange([2, 36], { 'min-ver': '2.1', 'max-ver': '2.35' }));
  assert.ok(inRange([2, 1], undefined));
});

test('Python patterns become JavaScript patterns', () => {
  assert.equal(jsPattern('^(?P<name>[a-z]+)\\Z'), '^(?<name>[a-z]+)$');
});

test('prepareForVersion keeps the microversion variants of a oneOf and makes it anyOf', () => {
  const doc = {
    components: {
      schemas: {
        R: { oneOf: [{ $ref: '#/components/schemas/V20' }, { $ref: '#/components/schemas/V255' }], 'x-openstack': { discriminator: 'microversion' } },
        V20: { type: 'object', 'x-openstack': { 'min-ver': '2.0', 'max-ver': '2.54' } },
        V255: { type: 'object', required: ['description'], 'x-openstack': { 'min-ver': '2.55' } },
        T: { type: 'object', properties: { updated_at: { type: 'string' }, name: { type: 'string', pattern: '^(?P<x>a)\\Z' } } },
      },
    },
  };
  const at254 = prepareForVersion(doc, [2, 54]);
  assert.deepEqual(at254.components.schemas.R.anyOf, [{ $ref: '#/components/schemas/V20' }]);
  assert.equal(at254.components.schemas.R.oneOf, undefined);
  const at260 = prepareForVersion(doc, [2, 60]);
  assert.deepEqual(at260.components.schemas.R.anyOf, [{ $ref: '#/components/schemas/V255' }]);
  const any = prepareForVersion(doc, undefined);
  assert.equal(any.components.schemas.R.anyOf.length, 2);
  assert.deepEqual(any.components.schemas.T.properties.updated_at.type, ['string', 'null']);
  assert.equal(any.components.schemas.T.properties.name.pattern, '^(?<x>a)$');
});
