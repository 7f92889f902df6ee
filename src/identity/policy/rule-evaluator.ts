// Evaluates parsed rules against a target (what is being acted on) and credentials (who acts).
// Comparisons are on strings, as in oslo.policy, with Python's rendering of True/False/None so
// that rules such as `None:%(target.role.domain_id)s` keep their upstream meaning.

import type { Credentials } from './credentials.ts';
import { roleNamesForChecks } from './credentials.ts';
import type { GenericSubject, MatchTemplate, RuleNode } from './rule-parser.ts';

/** What a rule is checked against: flattened dotted keys ("target.project.id"), nested objects, or both. */
export type PolicyTarget = Record<string, unknown>;

export interface EvaluationContext {
  target: PolicyTarget;
  creds: Credentials;
  /** Resolves `rule:name`; the enforcer guarantees at load time that every reference resolves. */
  resolveRule: (name: string) => RuleNode | undefined;
}

/** Python's str() for the values that reach policy checks. */
export function pythonString(value: unknown): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Finds `key` in the target: first as a literal key (Keystone flattens its targets into
 * "target.user.id"-style keys), then as a dotted path through nested objects.
 */
export function lookupTarget(target: PolicyTarget, key: string): { found: true; value: unknown } | { found: false } {
  if (Object.hasOwn(target, key) && target[key] !== undefined) return { found: true, value: target[key] };
  let current: unknown = target;
  for (const segment of key.split('.')) {
    if (!isRecord(current) || !Object.hasOwn(current, segment) || current[segment] === undefined) {
      return { found: false };
    }
    current = current[segment];
  }
  return { found: true, value: current };
}

/** Renders a right-hand side against the target; undefined when a substituted key is missing. */
export function renderMatch(match: MatchTemplate, target: PolicyTarget): string | undefined {
  let out = '';
  for (const part of match.parts) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    const hit = lookupTarget(target, part.targetKey);
    if (!hit.found) return undefined;
    out += pythonString(hit.value);
  }
  return out;
}

// Walks a credential attribute path; a list along the way matches when any element does.
function credentialMatches(value: unknown, path: readonly string[], expected: string): boolean {
  if (Array.isArray(value)) return value.some((item) => credentialMatches(item, path, expected));
  if (path.length === 0) return value !== undefined && pythonString(value) === expected;
  if (!isRecord(value)) return false;
  const [head, ...rest] = path;
  if (!Object.hasOwn(value, head!) || value[head!] === undefined) return false;
  return credentialMatches(value[head!], rest, expected);
}

function genericCheck(subject: GenericSubject, expected: string, creds: Credentials): boolean {
  if ('literal' in subject) return subject.literal === expected;
  return credentialMatches(creds, subject.credentialPath, expected);
}

export function evaluateRule(node: RuleNode, ctx: EvaluationContext): boolean {
  let roleNames: Set<string> | undefined;
  const visit = (n: RuleNode): boolean => {
    switch (n.type) {
      case 'always':
        return true;
      case 'never':
        return false;
      case 'and':
        return n.operands.every(visit);
      case 'or':
        return n.operands.some(visit);
      case 'not':
        return !visit(n.operand);
      case 'rule': {
        const referenced = ctx.resolveRule(n.name);
        return referenced !== undefined && visit(referenced);
      }
      case 'role': {
        const wanted = renderMatch(n.match, ctx.target);
        if (wanted === undefined) return false;
        roleNames ??= roleNamesForChecks(Array.isArray(ctx.creds.roles) ? ctx.creds.roles : []);
        return roleNames.has(wanted.toLowerCase());
      }
      case 'generic': {
        const expected = renderMatch(n.match, ctx.target);
        return expected !== undefined && genericCheck(n.subject, expected, ctx.creds);
      }
    }
  };
  return visit(node);
}
