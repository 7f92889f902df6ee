// Role grants: /v3/{projects,domains}/{id}/{users,groups}/{id}/roles[/{role_id}],
// /v3/system/{users,groups}/{id}/roles[/{role_id}] and their OS-INHERIT forms.
// Every variant is one (target, actor, inherited) triple run through the same handlers.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { notFound } from '../../platform/http/api-error.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { ActorType, RoleRecord, TargetType } from '../../identity/model.ts';
import { createGrant, grantedRoleIds, hasGrant, revokeGrant, assignmentNotFound, type Grant } from '../../identity/resources/assignments.ts';
import { forbidden } from '../../platform/http/api-error.ts';
import { roleView } from './roles.ts';
import { collectionLinks, noContent, ok } from './support.ts';

interface Variant {
  /** operationId stem, e.g. "ProjectUser" */
  stem: string;
  target: TargetType;
  actor: ActorType;
  inherited: boolean;
}

const VARIANTS: Variant[] = [];
for (const target of ['project', 'domain', 'system'] as const) {
  for (const actor of ['user', 'group'] as const) {
    const stem = `${target[0].toUpperCase()}${target.slice(1)}${actor[0].toUpperCase()}${actor.slice(1)}`;
    VARIANTS.push({ stem, target, actor, inherited: false });
    if (target !== 'system') VARIANTS.push({ stem: `Inherited${stem}`, target, actor, inherited: true });
  }
}

type Action = 'check' | 'create' | 'revoke' | 'list';

function ruleName(v: Variant, action: Action): string {
  if (v.target === 'system') return `identity:${action}_system_grant${action === 'list' ? 's' : ''}_for_${v.actor}`;
  return action === 'list' ? 'identity:list_grants' : `identity:${action}_grant`;
}

export function grantHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const db = engine.db;

  /** Loads what the path names, enforces the rule on it, then 404s for what is missing. */
  async function resolve(ctx: RequestContext, v: Variant, action: Action) {
    const actorId = ctx.params[`${v.actor}_id`];
    const targetId = v.target === 'system' ? 'all' : ctx.params[`${v.target}_id`];
    const roleId = ctx.params.role_id;
    const actor = v.actor === 'user' ? await engine.backends.getUser(actorId) : await engine.backends.getGroup(actorId);
    const targetRecord = v.target === 'system' ? undefined : await db.projects.get(targetId);
    const target = targetRecord && targetRecord.is_domain === (v.target === 'domain') ? targetRecord : undefined;
    const role: RoleRecord | undefined = roleId ? await db.roles.get(roleId) : undefined;
    const policyTarget: Record<string, unknown> = { [v.actor]: actor ?? {} };
    if (v.target !== 'system') policyTarget[v.target] = target ?? {};
    if (roleId) policyTarget.role = role ?? {};
    engine.authorize(ctx, ruleName(v, action), { target: policyTarget });
    if (roleId && !role) throw notFound(`Could not find role: ${roleId}.`);
    if (v.target !== 'system' && !target) throw notFound(`Could not find ${v.target}: ${targetId}.`);
    if (!actor) throw notFound(`Could not find ${v.actor}: ${actorId}.`);
    const grant: Grant = { actor_type: v.actor, actor_id: actorId, target_type: v.target, target_id: targetId, role_id: roleId ?? '', inherited: v.inherited };
    return { grant, role, target };
  }

  const handlers: Record<string, OperationHandler> = {};
  for (const v of VARIANTS) {
    handlers[`create${v.stem}Grant`] = async (ctx) => {
      const { grant, role, target } = await resolve(ctx, v, 'create');
      // A domain's own role is usable only on that domain's projects.
      if (role!.domain_id && v.target === 'project' && target!.domain_id !== role!.domain_id) {
        throw forbidden(`Project ${target!.id} must be in the same domain as the role ${role!.id} being assigned.`);
      }
      await createGrant(engine, grant);
      return noContent();
    };
    handlers[`check${v.stem}Grant`] = async (ctx) => {
      const { grant } = await resolve(ctx, v, 'check');
      if (!(await hasGrant(db, grant))) throw assignmentNotFound(grant);
      return noContent();
    };
    handlers[`revoke${v.stem}Grant`] = async (ctx) => {
      const { grant } = await resolve(ctx, v, 'revoke');
      await revokeGrant(engine, grant);
      return noContent();
    };
    // Keystone lists inherited grants only on domains; on projects there is no list.
    if (v.inherited && v.target === 'project') continue;
    handlers[`list${v.stem}Grants`] = async (ctx) => {
      const { grant } = await resolve(ctx, v, 'list');
      const ids = await grantedRoleIds(db, v.actor, grant.actor_id, v.target, grant.target_id, v.inherited);
      const roles = await db.roles.find({ id: { $in: ids } }, { sort: [['name', 'asc']] });
      return ok({ roles: roles.map((r) => roleView(ctx, r)), links: collectionLinks(ctx) });
    };
  }
  return handlers;
}

/** The operations above with their paths, for the api-ref and its test. */
export function grantOperations(): Array<{ operationId: string; method: 'get' | 'put' | 'delete'; path: string; rule: string }> {
  const out: Array<{ operationId: string; method: 'get' | 'put' | 'delete'; path: string; rule: string }> = [];
  for (const v of VARIANTS) {
    const base =
      v.target === 'system'
        ? `/v3/system/${v.actor}s/{${v.actor}_id}/roles`
        : `${v.inherited ? '/v3/OS-INHERIT' : '/v3'}/${v.target}s/{${v.target}_id}/${v.actor}s/{${v.actor}_id}/roles`;
    const suffix = v.inherited ? '/inherited_to_projects' : '';
    out.push({ operationId: `create${v.stem}Grant`, method: 'put', path: `${base}/{role_id}${suffix}`, rule: ruleName(v, 'create') });
    out.push({ operationId: `check${v.stem}Grant`, method: 'get', path: `${base}/{role_id}${suffix}`, rule: ruleName(v, 'check') });
    out.push({ operationId: `revoke${v.stem}Grant`, method: 'delete', path: `${base}/{role_id}${suffix}`, rule: ruleName(v, 'revoke') });
    if (!(v.inherited && v.target === 'project')) {
      out.push({ operationId: `list${v.stem}Grants`, method: 'get', path: `${base}${suffix}`, rule: ruleName(v, 'list') });
    }
  }
  return out;
}
