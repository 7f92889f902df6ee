// The mapping engine on the examples of Keystone's federation mapping guide.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyMapping, MappingError, parseListLiteral, validateMappingRules } from '../../../src/identity/federation/mapping.ts';

describe('federation mapping engine', () => {
  it('maps a user by direct maps {0} {1} and a group by id', () => {
    const rules = [
      {
        local: [{ user: { name: '{0} {1}', email: '{2}' } }, { group: { id: '0cd5e9' } }],
        remote: [{ type: 'FirstName' }, { type: 'LastName' }, { type: 'Email' }, { type: 'orgPersonType', any_one_of: ['Employee'] }],
      },
    ];
    validateMappingRules({ rules });
    const out = applyMapping('m', rules, { FirstName: ['Jill'], LastName: ['Smith'], Email: ['jill@example.com'], orgPersonType: ['Employee'] });
    assert.deepEqual(out.user, { name: 'Jill Smith', email: 'jill@example.com', type: 'ephemeral' });
    assert.deepEqual(out.groupIds, ['0cd5e9']);
    assert.throws(() => applyMapping('m', rules, { FirstName: ['Jill'], LastName: ['Smith'], Email: ['j@x'], orgPersonType: ['Contractor'] }), MappingError);
  });

  it('not_any_of refuses listed values; requirements without values do not apply', () => {
    const rules = [{ local: [{ user: { name: '{0}' } }], remote: [{ type: 'UserName' }, { type: 'orgPersonType', not_any_of: ['Contractor', 'Guest'] }] }];
    assert.equal(applyMapping('m', rules, { UserName: ['bob'], orgPersonType: ['Employee'] }).user.name, 'bob');
    assert.throws(() => applyMapping('m', rules, { UserName: ['bob'], orgPersonType: ['Guest'] }), MappingError);
    assert.throws(() => applyMapping('m', rules, { UserName: ['bob'] }), MappingError);
  });

  it('regex applies to any_one_of and not_any_of', () => {
    const rules = [{ local: [{ user: { name: '{0}' } }], remote: [{ type: 'UserName' }, { type: 'HTTP_OIDC_GROUPS', any_one_of: ['.*Contractor.*'], regex: true }] }];
    assert.equal(applyMapping('m', rules, { UserName: ['ann'], HTTP_OIDC_GROUPS: ['Group 1 Contractors'] }).user.name, 'ann');
    assert.throws(() => applyMapping('m', rules, { UserName: ['ann'], HTTP_OIDC_GROUPS: ['Employees'] }), MappingError);
  });

  it('groups with whitelist and blacklist map the filtered list by name in a domain', () => {
    const white = [
      { local: [{ user: { name: '{0}' } }, { groups: '{1}', domain: { id: '0cd5e9' } }], remote: [{ type: 'UserName' }, { type: 'orgPersonType', whitelist: ['Developer', 'Contractor'] }] },
    ];
    const out = applyMapping('m', white, { UserName: ['tim'], orgPersonType: ['Developer', 'Manager', 'Contractor'] });
    assert.deepEqual(out.groupNames, [{ name: 'Developer', domain: { id: '0cd5e9' } }, { name: 'Contractor', domain: { id: '0cd5e9' } }]);
    const black = [{ local: [{ groups: '{0}', domain: { name: 'Default' } }], remote: [{ type: 'orgPersonType', blacklist: ['Manager'] }] }];
    assert.deepEqual(applyMapping('m', black, { orgPersonType: ['Manager', 'Tester'] }).groupNames, [{ name: 'Tester', domain: { name: 'Default' } }]);
  });

  it('merges every matching rule; the first user wins; group_ids parse lists', () => {
    const rules = [
      { local: [{ user: { name: '{0}' } }], remote: [{ type: 'UserName' }] },
      { local: [{ user: { name: 'ignored' } }, { group_ids: '{0}' }], remote: [{ type: 'groupIds' }] },
      { local: [{ group: { name: 'admins', domain: { name: 'Default' } } }], remote: [{ type: 'role', any_one_of: ['admin'] }] },
    ];
    const out = applyMapping('m', rules, { UserName: ['zoe'], groupIds: ['g1', 'g2'], role: ['admin'] });
    assert.equal(out.user.name, 'zoe');
    assert.deepEqual(out.groupIds.sort(), ['g1', 'g2']);
    assert.deepEqual(out.groupNames, [{ name: 'admins', domain: { name: 'Default' } }]);
  });

  it('local users, projects for auto-provisioning, and errors', () => {
    const rules = [
      {
        local: [{ user: { name: '{0}', domain: { name: 'Default' }, type: 'local' } }, { projects: [{ name: 'Production', roles: [{ name: 'reader' }] }] }],
        remote: [{ type: 'UserName' }],
      },
    ];
    validateMappingRules({ rules });
    const out = applyMapping('m', rules, { UserName: ['kim'] });
    assert.deepEqual(out.user, { name: 'kim', domain: { name: 'Default' }, type: 'local' });
    assert.deepEqual(out.projects, [{ name: 'Production', roles: [{ name: 'reader' }] }]);
    assert.throws(() => applyMapping('m', [{ local: [{ user: { name: '{3}' } }], remote: [{ type: 'UserName' }] }], { UserName: ['x'] }), /refers to a remote match/);
    assert.throws(() => applyMapping('m', [{ local: [{ groups: '{0}' }], remote: [{ type: 'g' }] }], { g: ['x'] }), /'groups' and 'domain'/);
  });

  it('validates the schema and regexes', () => {
    for (const bad of [{}, { rules: [] }, { rules: [{ local: [], remote: [{}] }] }, { rules: [{ local: [], remote: [{ type: 'x', any_one_of: ['('], regex: true }] }] }]) {
      assert.throws(() => validateMappingRules(bad), MappingError, JSON.stringify(bad));
    }
    assert.deepEqual(parseListLiteral("['a', \"b'c\", 'd\\'e']"), ['a', "b'c", "d'e"]);
    assert.deepEqual(parseListLiteral('plain'), ['plain']);
  });
});
