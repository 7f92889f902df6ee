import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  InvalidScope,
  PolicyEnforcer,
  PolicyLoadError,
  PolicyNotAuthorized,
  PolicyRuleSyntaxError,
  UnknownPolicyRuleError,
  parsePolicyDocument,
} from '../../../src/identity/policy/index.ts';
import type { Credentials, PolicyRuleDefault } from '../../../src/identity/policy/index.ts';

const defaults: PolicyRuleDefault[] = [
  { name: 'admin_required', checkStr: 'role:admin' },
  { name: 'owner', checkStr: 'user_id:%(user_id)s' },
  { name: 'demo:get_thing', checkStr: '(role:reader and system_scope:all) or rule:owner', scopeTypes: ['system', 'project'], deprecatedCheckStr: 'rule:admin_required or rule:owner' },
  { name: 'demo:create_thing', checkStr: 'role:admin and system_scope:all', scopeTypes: ['system'] },
];

const projectAdmin: Credentials = { user_id: 'u1', project_id: 'p1', roles: ['admin', 'member', 'reader'] };
const systemReader: Credentials = { user_id: 'u2', system_scope: 'all', roles: ['reader'] };
const projectMember: Credentials = { user_id: 'u3', project_id: 'p1', roles: ['member', 'reader'] };

const dir = mkdtempSync(join(tmpdir(), 'stackgate-policy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('PolicyEnforcer', () => {
  it('ORs deprecated rules in by default and drops them with enforceNewDefaults', () => {
    const legacy = new PolicyEnforcer({ defaults });
    assert.equal(legacy.enforce('demo:get_thing', { user_id: 'other' }, projectAdmin), true);
    assert.equal(legacy.enforce('demo:get_thing', { user_id: 'other' }, systemReader), true);
    assert.equal(legacy.effectiveRule('demo:get_thing'), 'role:reader and system_scope:all or rule:owner or rule:admin_required or rule:owner');

    const strict = new PolicyEnforcer({ defaults, enforceNewDefaults: true });
    assert.equal(strict.enforce('demo:get_thing', { user_id: 'other' }, projectAdmin), false);
    assert.equal(strict.enforce('demo:get_thing', { user_id: 'u1' }, projectAdmin), true);
    assert.equal(strict.enforce('demo:get_thing', { user_id: 'other' }, systemReader), true);
  });

  it('authorize() throws PolicyNotAuthorized carrying the rule name', () => {
    const enforcer = new PolicyEnforcer({ defaults });
    assert.doesNotThrow(() => enforcer.authorize('demo:get_thing', { user_id: 'u3' }, projectMember));
    assert.throws(
      () => enforcer.authorize('demo:create_thing', {}, projectMember),
      (err: unknown) => err instanceof PolicyNotAuthorized && err.rule === 'demo:create_thing',
    );
  });

  it('throws UnknownPolicyRuleError (not a 403) for a rule nobody registered', () => {
    const enforcer = new PolicyEnforcer({ defaults });
    for (const call of [() => enforcer.enforce('demo:typo', {}, projectAdmin), () => enforcer.authorize('demo:typo', {}, projectAdmin)]) {
      assert.throws(call, (err: unknown) => err instanceof UnknownPolicyRuleError && !(err instanceof PolicyNotAuthorized) && err.rule === 'demo:typo');
    }
  });

  it('checks scope_types only when enforceScope is on', () => {
    const lax = new PolicyEnforcer({ defaults, overrides: { 'demo:create_thing': 'role:admin' } });
    assert.equal(lax.enforce('demo:create_thing', {}, projectAdmin), true);

    const strict = new PolicyEnforcer({ defaults, enforceScope: true, overrides: { 'demo:create_thing': 'role:admin' } });
    assert.equal(strict.enforce('demo:create_thing', {}, projectAdmin), false);
    assert.throws(
      () => strict.authorize('demo:create_thing', {}, projectAdmin),
      (err: unknown) => err instanceof InvalidScope && err instanceof PolicyNotAuthorized && err.tokenScope === 'project' && err.rule === 'demo:create_thing',
    );
    const domainAdmin: Credentials = { user_id: 'u5', domain_id: 'd1', roles: ['admin'] };
    assert.equal(strict.enforce('demo:get_thing', { user_id: 'u5' }, domainAdmin), false);
    assert.equal(strict.enforce('demo:get_thing', { user_id: 'u5' }, projectMember), false);
    assert.equal(strict.enforce('demo:get_thing', { user_id: 'u3' }, projectMember), true);
  });

  it('applies a YAML policy file on top of the defaults, replacing the deprecated merge', () => {
    const path = join(dir, 'policy.yaml');
    writeFileSync(
      path,
      [
        '# operator overrides',
        '"demo:get_thing": "rule:owner"',
        'demo:create_thing: "role:admin or rule:cloud_ops"',
        'cloud_ops: "role:ops"',
        '',
      ].join('\n'),
    );
    const enforcer = new PolicyEnforcer({ defaults, policyFile: path });
    assert.equal(enforcer.effectiveRule('demo:get_thing'), 'rule:owner');
    assert.equal(enforcer.enforce('demo:get_thing', { user_id: 'other' }, projectAdmin), false);
    assert.equal(enforcer.enforce('demo:create_thing', {}, { user_id: 'u9', roles: ['OPS'] }), true);
    assert.ok(enforcer.has('cloud_ops'));
    // Overrides keep the default's scope_types.
    assert.deepEqual(enforcer.defaultFor('demo:create_thing')?.scopeTypes, ['system']);
  });

  it('reads JSON policy files too', () => {
    const path = join(dir, 'policy.json');
    writeFileSync(path, JSON.stringify({ 'demo:create_thing': '@' }));
    const enforcer = new PolicyEnforcer({ defaults, policyFile: path });
    assert.equal(enforcer.enforce('demo:create_thing', {}, projectMember), true);
  });

  it('reloading overrides replaces the previous ones', () => {
    const enforcer = new PolicyEnforcer({ defaults, overrides: { 'demo:create_thing': '@' } });
    enforcer.loadOverrides({});
    assert.equal(enforcer.enforce('demo:create_thing', {}, projectMember), false);
  });

  it('fails at load on invalid rules and keeps the previous rules', () => {
    const enforcer = new PolicyEnforcer({ defaults });
    assert.throws(() => enforcer.loadOverrides({ 'demo:get_thing': 'role:admin or or' }), PolicyRuleSyntaxError);
    assert.throws(() => enforcer.loadOverrides({ 'demo:get_thing': 'rule:nope' }), (err: unknown) => err instanceof PolicyLoadError && /undefined rule "nope"/.test(err.message));
    assert.throws(() => enforcer.loadOverrides({ a: 'rule:b', b: 'rule:a' }), (err: unknown) => err instanceof PolicyLoadError && /cycle: a -> b -> a/.test(err.message));
    assert.throws(() => enforcer.loadOverrides({ 'demo:get_thing': ['role:admin'] }), PolicyLoadError);
    assert.equal(enforcer.enforce('demo:get_thing', { user_id: 'x' }, projectAdmin), true);
    assert.throws(() => new PolicyEnforcer({ defaults: [...defaults, defaults[0]!] }), /registered twice/);
    assert.throws(() => new PolicyEnforcer({ defaults: [{ name: 'x', checkStr: 'role' }] }), PolicyRuleSyntaxError);
  });

  it('reports unreadable or malformed policy files clearly', () => {
    assert.throws(() => new PolicyEnforcer({ defaults, policyFile: join(dir, 'missing.yaml') }), (err: unknown) => err instanceof PolicyLoadError && /cannot read policy file/.test(err.message));
    assert.throws(() => parsePolicyDocument('- a\n- b\n'), /must be a mapping/);
    assert.throws(() => parsePolicyDocument('a: [b\n'), /neither valid YAML nor JSON/);
    assert.deepEqual(parsePolicyDocument(''), {});
  });
});
