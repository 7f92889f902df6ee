// /v3/users/{user_id}/application_credentials and /access_rules: a user delegates
// some of their roles on one project to a secret that applications log in with.
// The secret is shown once, at creation, and kept only as a hash.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { conflict, forbidden, notFound } from '../../platform/http/api-error.ts';
import { hexId, randomSecret } from '../../platform/ids.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { AccessRuleRecord, ApplicationCredentialRecord } from '../../identity/model.ts';
import { hashPassword } from '../../identity/passwords.ts';
import { effectiveRoles } from '../../identity/role-resolver.ts';
import { invalidAppCred, parseExpiry, resolveAccessRules, resolveRoles } from '../../identity/resources/app-creds-fields.ts';
import { checkBoolean, checkString, requiredProperty } from '../../identity/resources/services-field-checks.ts';
import { bodyObject, collectionLinks, created, matchesStringFilters, noContent, ok, queryString, selfLink } from './support.ts';

/** The record as this module stores it: the expiry also as Keystone shows it (microsecond precision). */
type StoredAppCred = ApplicationCredentialRecord & { expires_at_iso?: string | null };

const denied = (action: string) => forbidden(`You are not authorized to perform the requested action: ${action}`);

export function applicationCredentialHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const db = engine.db;
  const appCredNotFound = (id: string) => notFound(`Could not find Application Credential: ${id}.`);
  const accessRuleNotFound = (id: string) => notFound(`Could not find Access Rule: ${id}.`);

  async function view(ctx: RequestContext, a: StoredAppCred) {
    const roles = [];
    for (const id of a.role_ids) {
      const r = await db.roles.get(id);
      if (r) roles.push({ id: r.id, name: r.name, domain_id: r.domain_id, description: r.description, options: r.options });
    }
    return {
      id: a.id,
      name: a.name,
      description: a.description,
      project_id: a.project_id,
      expires_at: a.expires_at === null ? null : (a.expires_at_iso ?? new Date(a.expires_at).toISOString().replace('Z', '')),
      unrestricted: a.unrestricted,
      roles,
      access_rules: a.access_rules,
      links: selfLink(ctx, `/v3/users/${a.user_id}/application_credentials/${a.id}`),
    };
  }

  /** A token obtained with a restricted application credential may not manage application credentials. */
  async function refuseRestrictedAppCredToken(ctx: RequestContext): Promise<void> {
    const validated = await engine.validate(ctx.auth!.token);
    const appCred = validated.subject.appCred;
    if (validated.payload.methods.includes('application_credential') && appCred && !appCred.unrestricted) {
      throw denied("Using method 'application_credential' is not allowed for managing additional application credentials.");
    }
  }

  /** Policy decides on the credential's real owner, never on the user id of the path. */
  async function ownedAppCred(ctx: RequestContext, rule: string): Promise<StoredAppCred> {
    const { user_id: userId, application_credential_id: id } = ctx.params;
    const appCred = (await db.applicationCredentials.get(id)) as StoredAppCred | undefined;
    engine.authorize(ctx, rule, { user_id: appCred?.user_id ?? userId });
    if (!appCred || appCred.user_id !== userId) throw appCredNotFound(id);
    return appCred;
  }

  async function userTarget(userId: string) {
    const user = await db.users.get(userId);
    return user ? { target: { user } } : {};
  }

  async function ownedAccessRule(ctx: RequestContext, rule: string): Promise<AccessRuleRecord> {
    const { user_id: userId, access_rule_id: id } = ctx.params;
    engine.authorize(ctx, rule, await userTarget(userId));
    const accessRule = await db.accessRules.get(id);
    if (!accessRule || accessRule.user_id !== userId) throw accessRuleNotFound(id);
    return accessRule;
  }

  const accessRuleView = (ctx: RequestContext, r: AccessRuleRecord) => ({
    id: r.id,
    service: r.service,
    path: r.path,
    method: r.method,
    links: selfLink(ctx, `/v3/users/${r.user_id}/access_rules/${r.id}`),
  });

  return {
    listApplicationCredentials: async (ctx) => {
      const userId = ctx.params.user_id;
      engine.authorize(ctx, 'identity:list_application_credentials', { user_id: userId });
      const found = (await db.applicationCredentials.find({ user_id: userId })) as StoredAppCred[];
      const list = [];
      for (const a of found) if (matchesStringFilters(ctx, 'name', a.name)) list.push(await view(ctx, a));
      return ok({ application_credentials: list, links: collectionLinks(ctx) });
    },
    getApplicationCredential: async (ctx) => {
      const appCred = await ownedAppCred(ctx, 'identity:get_application_credential');
      return ok({ application_credential: await view(ctx, appCred) });
    },
    createApplicationCredential: async (ctx) => {
      const userId = ctx.params.user_id;
      engine.authorize(ctx, 'identity:create_application_credential', { user_id: userId });
      const input = bodyObject(ctx, 'application_credential');
      if (input.name === undefined) throw requiredProperty('name');
      checkString(input, 'name', { minLength: 1, maxLength: 255 });
      checkString(input, 'description', { nullable: true });
      checkString(input, 'secret', { nullable: true });
      checkString(input, 'expires_at', { nullable: true });
      checkBoolean(input, 'unrestricted');
      await refuseRestrictedAppCredToken(ctx);
      const auth = ctx.auth!;
      if (auth.userId !== userId) throw denied('Cannot create an application credential for another user.');
      const projectId = auth.projectId;
      if (!projectId) throw invalidAppCred('Application credentials must be created with a project-scoped token.');
      const expiry = input.expires_at ? parseExpiry(input.expires_at, engine.clock.now()) : null;
      const roles = await resolveRoles(db, input.roles, auth.roleIds);
      const assigned = new Set((await effectiveRoles(db, userId, { type: 'project', id: projectId })).map((r) => r.id));
      for (const role of roles) {
        if (!assigned.has(role.id)) {
          throw invalidAppCred(`Could not find role assignment with role: ${role.id}, user or group: ${userId}, project, domain, or system: ${projectId}.`);
        }
      }
      if (roles.length === 0) throw invalidAppCred('Cannot create an application credential without roles');
      const duplicate = () => conflict(`Conflict occurred attempting to store application_credential - Duplicate entry found with name ${input.name}.`);
      if (await db.applicationCredentials.findOne({ user_id: userId, name: input.name })) throw duplicate();
      const accessRules = await resolveAccessRules(db, userId, input.access_rules);
      const secret: string = input.secret ? input.secret : randomSecret(64);
      const record: StoredAppCred = {
        id: hexId(),
        name: input.name,
        user_id: userId,
        project_id: projectId,
        description: input.description ?? null,
        secret_hash: await hashPassword(secret),
        expires_at: expiry?.ms ?? null,
        expires_at_iso: expiry?.iso ?? null,
        unrestricted: input.unrestricted ?? false,
        role_ids: roles.map((r) => r.id),
        access_rules: accessRules,
        created_at: engine.clock.now(),
      };
      try {
        await db.applicationCredentials.insert(record);
      } catch (error) {
        if (error instanceof DuplicateKeyError) throw duplicate();
        throw error;
      }
      await engine.changed();
      return created({ application_credential: { ...(await view(ctx, record)), secret } });
    },
    deleteApplicationCredential: async (ctx) => {
      const appCred = await ownedAppCred(ctx, 'identity:delete_application_credential');
      await refuseRestrictedAppCredToken(ctx);
      await db.applicationCredentials.delete(appCred.id);
      await engine.revocations.revoke({ app_cred_id: appCred.id });
      await engine.changed();
      return noContent();
    },

    listAccessRules: async (ctx) => {
      const userId = ctx.params.user_id;
      engine.authorize(ctx, 'identity:list_access_rules', await userTarget(userId));
      const filter: Record<string, string> = { user_id: userId };
      for (const key of ['service', 'path', 'method']) {
        const v = queryString(ctx, key);
        if (v !== undefined) filter[key] = v;
      }
      const rules = await db.accessRules.find(filter);
      return ok({ access_rules: rules.map((r) => accessRuleView(ctx, r)), links: collectionLinks(ctx) });
    },
    getAccessRule: async (ctx) => {
      const rule = await ownedAccessRule(ctx, 'identity:get_access_rule');
      return ok({ access_rule: accessRuleView(ctx, rule) });
    },
    deleteAccessRule: async (ctx) => {
      const rule = await ownedAccessRule(ctx, 'identity:delete_access_rule');
      const users = await db.applicationCredentials.find({ user_id: rule.user_id });
      if (users.some((a) => a.access_rules.some((r) => r.id === rule.id))) throw forbidden('May not delete access rule in use');
      await db.accessRules.delete(rule.id);
      await engine.changed();
      return noContent();
    },
  };
}

