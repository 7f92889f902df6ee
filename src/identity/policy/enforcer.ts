// The policy enforcer every service uses: in-code defaults, an operator's overrides on top, and
// enforce()/authorize() for a rule name, a target and the caller's credentials.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Credentials, ScopeType } from './credentials.ts';
import { tokenScope } from './credentials.ts';
import { InvalidScope, PolicyLoadError, PolicyNotAuthorized, UnknownPolicyRuleError } from './errors.ts';
import type { PolicyTarget } from './rule-evaluator.ts';
import { evaluateRule } from './rule-evaluator.ts';
import type { RuleNode } from './rule-parser.ts';
import { formatRule, parseRule, referencedRules } from './rule-parser.ts';

export interface PolicyOperation {
  method: string;
  path: string;
}

export interface PolicyRuleDefault {
  name: string;
  /** The rule in the oslo.policy language. */
  checkStr: string;
  description?: string;
  operations?: PolicyOperation[];
  /** Token scopes the operation accepts; checked only when enforceScope is on. */
  scopeTypes?: ScopeType[];
  /**
   * The rule this default replaced. Unless enforceNewDefaults is on, it is ORed with checkStr,
   * which is what upstream services evaluate out of the box during a defaults migration.
   */
  deprecatedCheckStr?: string;
}

export interface PolicyEnforcerOptions {
  defaults?: Iterable<PolicyRuleDefault>;
  /** Deny tokens whose scope is not in a rule's scopeTypes (oslo.policy enforce_scope). Default false. */
  enforceScope?: boolean;
  /** Drop the deprecated rules instead of ORing them in (oslo.policy enforce_new_defaults). Default false. */
  enforceNewDefaults?: boolean;
  /** Operator overrides, rule name -> rule string. */
  overrides?: Record<string, unknown>;
  /** Path of an operator's YAML or JSON policy file; applied after `overrides` if both are given. */
  policyFile?: string;
}

interface RegisteredDefault {
  spec: PolicyRuleDefault;
  checkNode: RuleNode;
  deprecatedNode: RuleNode | undefined;
}

type Verdict = { allowed: true } | { allowed: false; error: PolicyNotAuthorized };

/** Parses the text of a policy file (YAML, of which JSON is a subset) into rule name -> rule string. */
export function parsePolicyDocument(text: string, source = 'policy file'): Record<string, string> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new PolicyLoadError(`${source} is neither valid YAML nor JSON: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PolicyLoadError(`${source} must be a mapping of rule names to rule strings`);
  }
  const rules: Record<string, string> = {};
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof value !== 'string') {
      throw new PolicyLoadError(
        `${source}: rule "${name}" must be a string (the list-of-lists syntax is not supported)`,
      );
    }
    rules[name] = value;
  }
  return rules;
}

export class PolicyEnforcer {
  readonly enforceScope: boolean;
  readonly enforceNewDefaults: boolean;
  #defaults = new Map<string, RegisteredDefault>();
  #overrides = new Map<string, RuleNode>();
  #rules = new Map<string, RuleNode>();

  constructor(options: PolicyEnforcerOptions = {}) {
    this.enforceScope = options.enforceScope ?? false;
    this.enforceNewDefaults = options.enforceNewDefaults ?? false;
    if (options.defaults) this.registerDefaults(options.defaults);
    if (options.overrides) this.loadOverrides(options.overrides);
    if (options.policyFile) this.loadPolicyFile(options.policyFile);
  }

  /** Adds in-code defaults (each service registers its own). A name may be registered once. */
  registerDefaults(defaults: Iterable<PolicyRuleDefault>): void {
    const added = new Map<string, RegisteredDefault>();
    for (const spec of defaults) {
      if (this.#defaults.has(spec.name) || added.has(spec.name)) {
        throw new PolicyLoadError(`policy default "${spec.name}" is registered twice`);
      }
      added.set(spec.name, {
        spec,
        checkNode: parseRule(spec.checkStr, spec.name),
        deprecatedNode:
          spec.deprecatedCheckStr === undefined ? undefined : parseRule(spec.deprecatedCheckStr, spec.name),
      });
    }
    this.#commit(new Map([...this.#defaults, ...added]), this.#overrides);
  }

  /**
   * Replaces the operator overrides with `rules` (rule name -> rule string). Names that are not
   * defaults become extra rules that others may reference. Nothing changes if any rule is invalid.
   */
  loadOverrides(rules: Record<string, unknown>, source = 'policy overrides'): void {
    const parsed = new Map<string, RuleNode>();
    for (const [name, text] of Object.entries(rules)) {
      if (typeof text !== 'string') {
        throw new PolicyLoadError(`${source}: rule "${name}" must be a string`);
      }
      parsed.set(name, parseRule(text, name));
    }
    this.#commit(this.#defaults, parsed);
  }

  /** Reads an operator's YAML or JSON policy file and applies it as the overrides. */
  loadPolicyFile(path: string): void {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new PolicyLoadError(`cannot read policy file ${path}: ${(err as Error).message}`);
    }
    this.loadOverrides(parsePolicyDocument(text, path), path);
  }

  /** True when the caller may perform `rule` on `target`. Throws UnknownPolicyRuleError for an unknown name. */
  enforce(rule: string, target: PolicyTarget, creds: Credentials): boolean {
    return this.#check(rule, target, creds).allowed;
  }

  /** Like enforce(), but throws PolicyNotAuthorized (or its subclass InvalidScope) when denied. */
  authorize(rule: string, target: PolicyTarget, creds: Credentials): void {
    const verdict = this.#check(rule, target, creds);
    if (!verdict.allowed) throw verdict.error;
  }

  has(rule: string): boolean {
    return this.#rules.has(rule);
  }

  ruleNames(): string[] {
    return [...this.#rules.keys()];
  }

  defaultFor(rule: string): PolicyRuleDefault | undefined {
    return this.#defaults.get(rule)?.spec;
  }

  /** The rule as evaluated now (after overrides and deprecated-rule merging), in the rule language. */
  effectiveRule(rule: string): string {
    const node = this.#rules.get(rule);
    if (!node) throw new UnknownPolicyRuleError(rule);
    return formatRule(node);
  }

  #check(rule: string, target: PolicyTarget, creds: Credentials): Verdict {
    const node = this.#rules.get(rule);
    if (!node) throw new UnknownPolicyRuleError(rule);
    const scopeTypes = this.#defaults.get(rule)?.spec.scopeTypes;
    if (this.enforceScope && scopeTypes && scopeTypes.length > 0) {
      const scope = tokenScope(creds);
      if (!scopeTypes.includes(scope)) {
        return { allowed: false, error: new InvalidScope(rule, scopeTypes, scope) };
      }
    }
    const allowed = evaluateRule(node, {
      target,
      creds,
      resolveRule: (name) => this.#rules.get(name),
    });
    return allowed ? { allowed } : { allowed, error: new PolicyNotAuthorized(rule) };
  }

  // Builds the effective rule set and swaps it in only if every reference resolves without cycles.
  #commit(defaults: Map<string, RegisteredDefault>, overrides: Map<string, RuleNode>): void {
    const rules = new Map<string, RuleNode>();
    for (const [name, d] of defaults) {
      const overridden = overrides.get(name);
      if (overridden) {
        rules.set(name, overridden);
      } else if (d.deprecatedNode && !this.enforceNewDefaults && d.spec.deprecatedCheckStr !== d.spec.checkStr) {
        rules.set(name, { type: 'or', operands: [d.checkNode, d.deprecatedNode] });
      } else {
        rules.set(name, d.checkNode);
      }
    }
    for (const [name, node] of overrides) if (!rules.has(name)) rules.set(name, node);
    validateReferences(rules);
    this.#defaults = defaults;
    this.#overrides = overrides;
    this.#rules = rules;
  }
}

function validateReferences(rules: Map<string, RuleNode>): void {
  const undefinedRefs: string[] = [];
  for (const [name, node] of rules) {
    for (const ref of referencedRules(node)) {
      if (!rules.has(ref)) undefinedRefs.push(`"${name}" references undefined rule "${ref}"`);
    }
  }
  if (undefinedRefs.length > 0) throw new PolicyLoadError(`policy: ${undefinedRefs.join('; ')}`);

  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new PolicyLoadError(`policy: rules reference each other in a cycle: ${cycle.join(' -> ')}`);
    }
    state.set(name, 'visiting');
    for (const ref of referencedRules(rules.get(name)!)) visit(ref, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of rules.keys()) visit(name, []);
}
