import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PolicyRuleSyntaxError, formatRule, parseRule, referencedRules } from '../../../src/identity/policy/rule-parser.ts';

describe('parseRule', () => {
  it('treats "", "@" and "!" as the constant checks', () => {
    assert.deepEqual(parseRule(''), { type: 'always' });
    assert.deepEqual(parseRule('   '), { type: 'always' });
    assert.deepEqual(parseRule('@'), { type: 'always' });
    assert.deepEqual(parseRule('!'), { type: 'never' });
  });

  it('binds not tighter than and, and and tighter than or', () => {
    assert.equal(formatRule(parseRule('role:a or role:b and role:c')), 'role:a or role:b and role:c');
    const tree = parseRule('role:a or role:b and not role:c');
    assert.equal(tree.type, 'or');
    if (tree.type !== 'or') return;
    assert.equal(tree.operands[0]!.type, 'role');
    const right = tree.operands[1]!;
    assert.equal(right.type, 'and');
    if (right.type !== 'and') return;
    assert.equal(right.operands[1]!.type, 'not');
  });

  it('honours parentheses, including ones glued to checks and substitutions', () => {
    const tree = parseRule('(role:a or role:b) and project_id:%(target.project.id)s');
    assert.equal(tree.type, 'and');
    assert.equal(formatRule(tree), '(role:a or role:b) and project_id:%(target.project.id)s');
    const nested = parseRule('((role:admin and system_scope:all)) or (user_id:%(target.user.id)s)');
    assert.equal(formatRule(nested), 'role:admin and system_scope:all or user_id:%(target.user.id)s');
  });

  it('accepts the operators in any case', () => {
    assert.equal(parseRule('role:a AND NOT role:b').type, 'and');
    assert.equal(parseRule('role:a Or role:b').type, 'or');
  });

  it('reads quoted right sides as literals, with spaces inside', () => {
    const tree = parseRule("name:'two words' and role:x");
    assert.equal(tree.type, 'and');
    if (tree.type !== 'and') return;
    assert.deepEqual(tree.operands[0], {
      type: 'generic',
      subject: { credentialPath: ['name'] },
      match: { parts: [{ text: 'two words' }] },
      source: "name:'two words'",
    });
  });

  it('reads Python literals on the left side', () => {
    const t = parseRule('True:%(user.enabled)s');
    assert.equal(t.type, 'generic');
    if (t.type === 'generic') assert.deepEqual(t.subject, { literal: 'True' });
    const q = parseRule("'member':%(role.name)s");
    if (q.type === 'generic') assert.deepEqual(q.subject, { literal: 'member' });
    const dotted = parseRule('token.project.domain.id:%(target.domain.id)s');
    if (dotted.type === 'generic') {
      assert.deepEqual(dotted.subject, { credentialPath: ['token', 'project', 'domain', 'id'] });
      assert.deepEqual(dotted.match, { parts: [{ targetKey: 'target.domain.id' }] });
    }
  });

  it('splits a right side into text and substitutions', () => {
    const t = parseRule('project_id:prefix-%(a.b)s-%(c)s');
    assert.equal(t.type, 'generic');
    if (t.type === 'generic') {
      assert.deepEqual(t.match.parts, [{ text: 'prefix-' }, { targetKey: 'a.b' }, { text: '-' }, { targetKey: 'c' }]);
    }
  });

  it('lists the rules a tree references', () => {
    assert.deepEqual(referencedRules(parseRule('rule:a or (rule:b and not rule:c)')), ['a', 'b', 'c']);
  });

  const invalid: [string, RegExp][] = [
    ['role:a or', /expected a check or "\(" but found end of rule/],
    ['(role:a', /expected "\)"/],
    ['role:a)', /unexpected "\)"/],
    ['role:a role:b', /unexpected "role:b"/],
    ['and role:a', /expected a check/],
    ['admin', /"admin" is not a check/],
    ['role:', /empty right side/],
    [':x', /empty left side/],
    ['user_id:%(user_id', /unterminated substitution/],
    ["name:'abc", /unterminated quoted string/],
    ['user_id:%(user_id)', /malformed substitution/],
    ['http://example.com/check', /remote http checks are not supported/],
    ['not', /expected a check/],
    ['()', /expected a check/],
  ];
  for (const [text, message] of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseRule(text, 'identity:demo'),
        (err: unknown) =>
          err instanceof PolicyRuleSyntaxError &&
          message.test(err.message) &&
          err.message.includes('identity:demo') &&
          err.ruleName === 'identity:demo',
      );
    });
  }
});
