// /v3/auth: issue, validate, check and revoke tokens; what a token may scope to.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { forbidden, notFound } from '../../platform/http/api-error.ts';
import { authenticateAndIssue } from '../../identity/auth/authenticate.ts';
import { buildCatalog } from '../../identity/catalog.ts';
import type { IdentityEngine, ValidatedToken } from '../../identity/engine.ts';
import { effectiveRoles } from '../../identity/role-resolver.ts';
import { collectionLinks, created, noContent, ok, queryFlag } from './support.ts';
import { projectView } from './projects.ts';
import { domainView } from './domains.ts';

function subjectToken(ctx: RequestContext): string {
  const v = ctx.headers['x-subject-token'];
  if (typeof v !== 'string' || v === '') throw notFound('Could not find token: .');
  return v;
}

/** Keystone's rule targets for token operations are the subject token's owner. */
function tokenTarget(v: ValidatedToken) {
  return { target: { token: { user_id: v.subject.user.id, user: { id: v.subject.user.id, domain: { id: v.subject.user.domain_id } } } }, 'target.token.user_id': v.subject.user.id };
}

async function validateSubject(engine: IdentityEngine, ctx: RequestContext, rule: string): Promise<ValidatedToken> {
  const token = subjectToken(ctx);
  // A caller may always look at its own token; for others the rule decides.
  const own = token === ctx.auth?.token;
  const validated = await engine.validate(token, { allowExpired: queryFlag(ctx, 'allow_expired') });
  if (!own) engine.authorize(ctx, rule, tokenTarget(validated));
  return validated;
}

export function authHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  return {
    issueToken: async (ctx) => {
      const { token, validated } = await authenticateAndIssue(engine, ctx.body);
      const body = await engine.renderToken(validated, !queryFlag(ctx, 'nocatalog'));
      return created(body, { 'X-Subject-Token': token });
    },
    validateToken: async (ctx) => {
      const validated = await validateSubject(engine, ctx, 'identity:validate_token');
      const body = await engine.renderToken(validated, !queryFlag(ctx, 'nocatalog'));
      return ok(body, { 'X-Subject-Token': validated.token });
    },
    checkToken: async (ctx) => {
      const validated = await validateSubject(engine, ctx, 'identity:check_token');
      return ok(undefined, { 'X-Subject-Token': validated.token });
    },
    revokeToken: async (ctx) => {
      const validated = await validateSubject(engine, ctx, 'identity:revoke_token');
      await engine.revocations.revoke({ audit_id: validated.payload.auditIds[0] });
      await engine.changed();
      return noContent();
    },
    getAuthCatalog: async (ctx) => {
      engine.authorize(ctx, 'identity:get_auth_catalog');
      if (!ctx.auth?.projectId && !ctx.auth?.domainId && !ctx.auth?.system) {
        throw forbidden('A scoped token is required to produce a service catalog.');
      }
      return ok({ catalog: await buildCatalog(engine.db, ctx.auth.projectId), links: collectionLinks(ctx) });
    },
    getAuthProjects: async (ctx) => {
      engine.authorize(ctx, 'identity:get_auth_projects');
      const userId = ctx.auth!.userId;
      const federatedGroups = (await engine.validate(ctx.auth!.token)).payload.federated?.groupIds;
      const candidates = await engine.db.projects.find({ is_domain: false, enabled: true }, { sort: [['name', 'asc']] });
      const projects = [];
      for (const p of candidates) {
        if ((await effectiveRoles(engine.db, userId, { type: 'project', id: p.id }, federatedGroups)).length === 0) continue;
        projects.push(projectView(ctx, p));
      }
      return ok({ projects, links: collectionLinks(ctx) });
    },
    getAuthDomains: async (ctx) => {
      engine.authorize(ctx, 'identity:get_auth_domains');
      const userId = ctx.auth!.userId;
      const federatedGroups = (await engine.validate(ctx.auth!.token)).payload.federated?.groupIds;
      const candidates = await engine.db.projects.find({ is_domain: true, enabled: true }, { sort: [['name', 'asc']] });
      const domains = [];
      for (const d of candidates) {
        if ((await effectiveRoles(engine.db, userId, { type: 'domain', id: d.id }, federatedGroups)).length === 0) continue;
        domains.push(domainView(ctx, d));
      }
      return ok({ domains, links: collectionLinks(ctx) });
    },
    getAuthSystem: async (ctx) => {
      engine.authorize(ctx, 'identity:get_auth_system');
      const roles = await effectiveRoles(engine.db, ctx.auth!.userId, { type: 'system', id: 'all' });
      return ok({ system: roles.length > 0 ? [{ all: true }] : [], links: collectionLinks(ctx) });
    },
  };
}
