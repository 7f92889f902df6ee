// Public API of the policy engine (oslo.policy-compatible). Services build one PolicyEnforcer with
// their defaults, load the operator's policy file, and call authorize() per request.

export type { Credentials, ScopeType } from './credentials.ts';
export { roleNamesForChecks, tokenScope } from './credentials.ts';
export type { PolicyEnforcerOptions, PolicyOperation, PolicyRuleDefault } from './enforcer.ts';
export { PolicyEnforcer, parsePolicyDocument } from './enforcer.ts';
export { InvalidScope, PolicyLoadError, PolicyNotAuthorized, UnknownPolicyRuleError } from './errors.ts';
export { KEYSTONE_DEFAULT_RULES } from './keystone-defaults.ts';
export type { PolicyTarget } from './rule-evaluator.ts';
export { evaluateRule, lookupTarget } from './rule-evaluator.ts';
export type { RuleNode } from './rule-parser.ts';
export { PolicyRuleSyntaxError, formatRule, parseRule } from './rule-parser.ts';
