// Neutron's way of applying policy: the action's rule ANDed with a rule per attribute the
// request sets (`create_network:shared`), attributes the caller may not read removed from
// responses (`get_network:provider:network_type`), and a resource the caller may not even read
// answered as not found rather than forbidden.
import type { RequestContext } from '../../platform/http/service-api.ts';
import type { ApiError } from '../../platform/http/api-error.ts';
import type { Neutron } from './context.ts';
import { policyNotAuthorized } from './errors.ts';
import { NEUTRON_DEFAULT_RULES } from './policy-defaults.ts';

const ATTRIBUTE_RULES = new Set(NEUTRON_DEFAULT_RULES.map((r) => r.name).filter((n) => n.includes(':')));

export function isAdmin(ctx: RequestContext): boolean {
  return (ctx.auth?.roles ?? []).includes('admin');
}

/** The rules an action with these attributes must pass, e.g. create_port:fixed_ips:ip_address. */
function attributeRules(action: string, attributes: string[]): string[] {
  return attributes.map((a) => `${action}:${a}`).filter((r) => ATTRIBUTE_RULES.has(r));
}

export function enforce(neutron: Neutron, ctx: RequestContext, action: string, target: Record<string, unknown>, attributes: string[] = []): void {
  const rules = [action, ...attributeRules(action, attributes)];
  if (rules.every((r) => neutron.engine.allows(ctx, r, target))) return;
  const described = rules.length === 1 ? `rule:${action}` : `(${rules.map((r) => `rule:${r}`).join(' and ')})`;
  throw policyNotAuthorized(described);
}

export function allows(neutron: Neutron, ctx: RequestContext, rule: string, target: Record<string, unknown>): boolean {
  return neutron.engine.allows(ctx, rule, target);
}

/**
 * For update and delete: when the caller may not read the resource the answer is its NotFound,
 * otherwise the policy refusal.
 */
export function enforceOrHide(
  neutron: Neutron, ctx: RequestContext, action: string, getRule: string, target: Record<string, unknown>, notFound: () => ApiError, attributes: string[] = [],
): void {
  try {
    enforce(neutron, ctx, action, target, attributes);
  } catch (error) {
    if (!neutron.engine.allows(ctx, getRule, target)) throw notFound();
    throw error;
  }
}

/** Drops the attributes `get_<resource>:<attribute>` forbids this caller to see. */
export function stripByPolicy(neutron: Neutron, ctx: RequestContext, getRule: string, view: Record<string, unknown>, target: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(view)) {
    const rule = `${getRule}:${key}`;
    if (ATTRIBUTE_RULES.has(rule) && !neutron.engine.allows(ctx, rule, target)) delete view[key];
  }
  return view;
}

/** The nested attributes that have their own rules (fixed_ips:ip_address, allowed_address_pairs:mac_address). */
export function nestedAttributes(name: string, value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const keys = new Set<string>();
  for (const item of value) if (item && typeof item === 'object') for (const k of Object.keys(item)) keys.add(`${name}:${k}`);
  return [...keys];
}
