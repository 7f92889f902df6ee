// Errors raised by the policy engine. Callers map PolicyNotAuthorized (and its InvalidScope
// subclass) to 403; UnknownPolicyRuleError is a programming error (500) and should be logged.

import type { ScopeType } from './credentials.ts';

export class PolicyNotAuthorized extends Error {
  readonly rule: string;
  constructor(rule: string, message?: string) {
    super(message ?? `Policy doesn't allow ${rule} to be performed.`);
    this.name = 'PolicyNotAuthorized';
    this.rule = rule;
  }
}

/** The token's scope is not among the rule's scope_types (only raised with enforceScope). */
export class InvalidScope extends PolicyNotAuthorized {
  readonly tokenScope: ScopeType;
  readonly scopeTypes: readonly ScopeType[];
  constructor(rule: string, scopeTypes: readonly ScopeType[], tokenScope: ScopeType) {
    super(rule, `${rule} requires a scope of ${JSON.stringify(scopeTypes)}, request was made with ${tokenScope} scope.`);
    this.name = 'InvalidScope';
    this.tokenScope = tokenScope;
    this.scopeTypes = scopeTypes;
  }
}

/** enforce()/authorize() was asked about a rule nobody defined: a typo in the caller. */
export class UnknownPolicyRuleError extends Error {
  readonly rule: string;
  constructor(rule: string) {
    super(`No policy rule named "${rule}" is registered`);
    this.name = 'UnknownPolicyRuleError';
    this.rule = rule;
  }
}

/** A policy file or set of defaults that cannot be used (bad shape, undefined references, cycles). */
export class PolicyLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyLoadError';
  }
}
