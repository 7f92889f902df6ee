// /v3/roles, /v3/roles/{id}/implies and /v3/role_inferences.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { RoleRecord } from '../../identity/model.ts';
import {
  createImpliedRule,
  createRole,
  deleteImpliedRule,
  deleteRole,
  getImpliedRule,
  getRole,
  listRoles,
  updateRole,
} from '../../identity/resources/roles.ts';
import { bodyObject, collectionLinks, created, matchesStringFilters, noContent, ok, queryString, selfLink } from './support.ts';

export function roleView(ctx: RequestContext, role: RoleRecord): Record<string, unknown> {
  return {
    ...role.extra,
    id: role.id,
    name: role.name,
    domain_id: role.domain_id,
    // Keystone stores no description as NULL and shows it so.
    description: role.description === '' ? null : role.description,
    options: role.options ?? {},
    links: selfLink(ctx, `/v3/roles/${role.id}`),
  };
}

function roleRef(ctx: RequestContext, role: RoleRecord) {
  return { id: role.id, name: role.name, links: selfLink(ctx, `/v3/roles/${role.id}`) };
}

/** Domain-specific roles have their own rules; Keystone picks by the role's domain_id. */
function ruleFor(role: { domain_id?: unknown }, globalRule: string, domainRule: string): string {
  return role.domain_id ? domainRule : globalRule;
}

export function roleHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const db = engine.db;

  const loadRole = async (ctx: RequestContext, id: string, globalRule: string, domainRule: string): Promise<RoleRecord> => {
    const role = await db.roles.get(id);
    // Enforce before revealing whether the role exists, as Keystone does.
    engine.authorize(ctx, role ? ruleFor(role, globalRule, domainRule) : globalRule, { target: { role: role ?? {} }, role_id: id });
    return role ?? getRole(db, id);
  };

  const inferenceTarget = async (ctx: RequestContext, rule: string) => {
    const prior = await db.roles.get(ctx.params.prior_role_id);
    const implied = ctx.params.implied_role_id ? await db.roles.get(ctx.params.implied_role_id) : undefined;
    engine.authorize(ctx, rule, { target: { prior_role: prior ?? {}, implied_role: implied ?? {} } });
    return {
      prior: prior ?? (await getRole(db, ctx.params.prior_role_id)),
      implied: ctx.params.implied_role_id ? (implied ?? (await getRole(db, ctx.params.implied_role_id))) : undefined,
    };
  };

  const inferenceBody = (ctx: RequestContext, prior: RoleRecord, implied: RoleRecord) => ({
    role_inference: { prior_role: roleRef(ctx, prior), implies: roleRef(ctx, implied) },
    links: selfLink(ctx, `/v3/roles/${prior.id}/implies/${implied.id}`),
  });

  return {
    listRoles: async (ctx) => {
      const domainId = queryString(ctx, 'domain_id');
      engine.authorize(ctx, domainId ? 'identity:list_domain_roles' : 'identity:list_roles', domainId ? { domain_id: domainId } : {});
      // Without domain_id only global roles are listed, as Keystone does.
      const roles = (await listRoles(db, domainId || null)).filter((r) => matchesStringFilters(ctx, 'name', r.name));
      return ok({ roles: roles.map((r) => roleView(ctx, r)), links: collectionLinks(ctx) });
    },
    createRole: async (ctx) => {
      const input = bodyObject(ctx, 'role');
      engine.authorize(ctx, ruleFor(input, 'identity:create_role', 'identity:create_domain_role'), { target: { role: input } });
      const role = await createRole(engine, input);
      return created({ role: roleView(ctx, role) });
    },
    getRole: async (ctx) => {
      const role = await loadRole(ctx, ctx.params.role_id, 'identity:get_role', 'identity:get_domain_role');
      return ok({ role: roleView(ctx, role) });
    },
    updateRole: async (ctx) => {
      const input = bodyObject(ctx, 'role');
      const role = await loadRole(ctx, ctx.params.role_id, 'identity:update_role', 'identity:update_domain_role');
      return ok({ role: roleView(ctx, await updateRole(engine, role, input)) });
    },
    deleteRole: async (ctx) => {
      const role = await loadRole(ctx, ctx.params.role_id, 'identity:delete_role', 'identity:delete_domain_role');
      await deleteRole(engine, role);
      return noContent();
    },
    listImpliedRoles: async (ctx) => {
      const { prior } = await inferenceTarget(ctx, 'identity:list_implied_roles');
      const rules = await db.impliedRoles.find({ prior_role_id: prior.id });
      const implied = await db.roles.find({ id: { $in: rules.map((r) => r.implied_role_id) } }, { sort: [['name', 'asc']] });
      return ok({
        role_inference: { prior_role: roleRef(ctx, prior), implies: implied.map((r) => roleRef(ctx, r)) },
        links: selfLink(ctx, `/v3/roles/${prior.id}/implies`),
      });
    },
    createImpliedRole: async (ctx) => {
      const { prior, implied } = await inferenceTarget(ctx, 'identity:create_implied_role');
      await createImpliedRule(engine, prior, implied!);
      return created(inferenceBody(ctx, prior, implied!));
    },
    getImpliedRole: async (ctx) => {
      const { prior, implied } = await inferenceTarget(ctx, 'identity:get_implied_role');
      await getImpliedRule(db, prior.id, implied!.id);
      return ok(inferenceBody(ctx, prior, implied!));
    },
    checkImpliedRole: async (ctx) => {
      const { prior, implied } = await inferenceTarget(ctx, 'identity:check_implied_role');
      await getImpliedRule(db, prior.id, implied!.id);
      return noContent();
    },
    deleteImpliedRole: async (ctx) => {
      await inferenceTarget(ctx, 'identity:delete_implied_role');
      await deleteImpliedRule(engine, ctx.params.prior_role_id, ctx.params.implied_role_id);
      return noContent();
    },
    listRoleInferences: async (ctx) => {
      engine.authorize(ctx, 'identity:list_role_inference_rules');
      const rules = await db.impliedRoles.find();
      const roles = new Map((await db.roles.find({ id: { $in: [...new Set(rules.flatMap((r) => [r.prior_role_id, r.implied_role_id]))] } })).map((r) => [r.id, r]));
      const byPrior = new Map<string, RoleRecord[]>();
      for (const rule of rules) {
        const implied = roles.get(rule.implied_role_id);
        if (!roles.has(rule.prior_role_id) || !implied) continue;
        byPrior.set(rule.prior_role_id, [...(byPrior.get(rule.prior_role_id) ?? []), implied]);
      }
      const role_inferences = [...byPrior.entries()].map(([priorId, implied]) => ({
        prior_role: roleRef(ctx, roles.get(priorId)!),
        implies: implied.map((r) => roleRef(ctx, r)),
      }));
      return ok({ role_inferences, links: collectionLinks(ctx) });
    },
  };
}
