import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Credentials } from '../../../src/identity/policy/credentials.ts';
import type { PolicyTarget } from '../../../src/identity/policy/rule-evaluator.ts';
import { evaluateRule, lookupTarget } from '../../../src/identity/policy/rule-evaluator.ts';
import { parseRule } from '../../../src/identity/policy/rule-parser.ts';

const creds: Credentials = {
  user_id: 'u1',
  user_domain_id: 'default',
  project_id: 'p1',
  project_domain_id: 'default',
  roles: ['Member', 'reader'],
  is_admin_project: true,
  token: { project: { id: 'p1', domain: { id: 'default' } }, methods: ['password', 'totp'] },
};

function check(rule: string, target: PolicyTarget = {}, who: Credentials = creds, rules: Record<string, string> = {}): boolean {
  return evaluateRule(parseRule(rule), {
    target,
    creds: who,
    resolveRule: (name) => (name in rules ? parseRule(rules[name]!) : undefined),
  });
}

describe('evaluateRule', () => {
  it('evaluates constants and boolean operators', () => {
    assert.equal(check('@'), true);
    assert.equal(check('!'), false);
    assert.equal(check('not !'), true);
    assert.equal(check('@ and !'), false);
    assert.equal(check('! or @'), true);
    // not > and > or: "@ or ! and !" is "@ or (! and !)"
    assert.equal(check('@ or ! and !'), true);
    assert.equal(check('(@ or !) and !'), false);
    assert.equal(check('not @ or @'), true);
    assert.equal(check('not (@ or @)'), false);
  });

  it('matches role names case-insensitively on both sides', () => {
    assert.equal(check('role:member'), true);
    assert.equal(check('role:MEMBER'), true);
    assert.equal(check('role:Reader'), true);
    assert.equal(check('role:admin'), false);
  });

  it('treats _member_ as member (and so reader), and member as _member_', () => {
    assert.equal(check('role:_member_'), true);
    const legacy: Credentials = { user_id: 'u2', project_id: 'p1', roles: ['_member_'] };
    assert.equal(check('role:member', {}, legacy), true);
    assert.equal(check('role:reader', {}, legacy), true);
    assert.equal(check('role:admin', {}, legacy), false);
  });

  it('substitutes role names from the target', () => {
    assert.equal(check('role:%(wanted)s', { wanted: 'READER' }), true);
    assert.equal(check('role:%(wanted)s', {}), false);
  });

  it('compares credential attributes with target values', () => {
    assert.equal(check('project_id:%(project_id)s', { project_id: 'p1' }), true);
    assert.equal(check('project_id:%(project_id)s', { project_id: 'p2' }), false);
    assert.equal(check('user_id:u1'), true);
    assert.equal(check("user_id:'u1'"), true);
  });

  it('resolves dotted substitutions from flattened keys and from nested objects', () => {
    assert.equal(check('user_id:%(target.user.id)s', { 'target.user.id': 'u1' }), true);
    assert.equal(check('user_id:%(target.user.id)s', { target: { user: { id: 'u1' } } }), true);
    assert.equal(check('user_id:%(target.user.id)s', { target: { user: { id: 'u9' } } }), false);
    // The flattened key wins over a nested object of the same path.
    assert.equal(check('user_id:%(target.user.id)s', { 'target.user.id': 'u1', target: { user: { id: 'u9' } } }), true);
  });

  it('makes a check with a missing target key false, never throwing', () => {
    assert.equal(check('user_id:%(target.user.id)s', {}), false);
    assert.equal(check('user_id:%(target.user.id)s', { target: { user: null } }), false);
    assert.equal(check('user_id:%(target.user.id)s', { target: 'flat' }), false);
    assert.equal(check('not user_id:%(target.user.id)s', {}), true);
    assert.equal(check('role:member and user_id:%(nope)s', {}), false);
  });

  it('walks dotted credential paths, including the token body and lists in it', () => {
    assert.equal(check('token.project.domain.id:%(target.domain.id)s', { 'target.domain.id': 'default' }), true);
    assert.equal(check('token.project.domain.id:%(target.domain.id)s', { 'target.domain.id': 'other' }), false);
    assert.equal(check('token.domain.id:%(target.domain.id)s', { 'target.domain.id': 'default' }), false);
    assert.equal(check('token.methods:totp'), true);
    assert.equal(check('token.methods:token'), false);
    assert.equal(check('no_such_attribute:x'), false);
  });

  it('compares booleans and None the way Python renders them', () => {
    assert.equal(check('is_admin_project:True'), true);
    assert.equal(check('is_admin_project:False'), false);
    assert.equal(check('token.is_admin_project:True', {}, { ...creds, token: { is_admin_project: true } }), true);
    assert.equal(check('True:%(user.enabled)s', { 'user.enabled': true }), true);
    assert.equal(check('True:%(user.enabled)s', { 'user.enabled': false }), false);
    // Present-but-null is None; absent is a failed check.
    assert.equal(check('None:%(target.role.domain_id)s', { 'target.role.domain_id': null }), true);
    assert.equal(check('None:%(target.role.domain_id)s', { 'target.role.domain_id': 'd1' }), false);
    assert.equal(check('None:%(target.role.domain_id)s', {}), false);
    assert.equal(check("'reader':%(role.name)s", { 'role.name': 'reader' }), true);
    assert.equal(check('1:%(n)s', { n: 1 }), true);
  });

  it('follows rule: references', () => {
    const rules = { admin_required: 'role:admin', owner: 'user_id:%(user_id)s', admin_or_owner: 'rule:admin_required or rule:owner' };
    assert.equal(check('rule:admin_or_owner', { user_id: 'u1' }, creds, rules), true);
    assert.equal(check('rule:admin_or_owner', { user_id: 'u2' }, creds, rules), false);
    assert.equal(check('rule:unknown', {}, creds, rules), false);
  });
});

describe('lookupTarget', () => {
  it('distinguishes a null value from a missing key', () => {
    assert.deepEqual(lookupTarget({ a: { b: null } }, 'a.b'), { found: true, value: null });
    assert.deepEqual(lookupTarget({ a: { b: null } }, 'a.c'), { found: false });
    assert.deepEqual(lookupTarget({ a: undefined }, 'a'), { found: false });
  });
});
