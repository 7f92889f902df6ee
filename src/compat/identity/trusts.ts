// /v3/OS-TRUST/trusts: a trustor delegates some of their roles on a project to a
// trustee, who then gets trust-scoped tokens (see src/identity/auth/authenticate.ts).
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { ApiError, badRequest, forbidden, notFound } from '../../platform/http/api-error.ts';
import { isoMicros } from '../../platform/clock.ts';
import { hexId } from '../../platform/ids.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { RoleRecord } from '../../identity/model.ts';
import type { TrustRecord } from '../../identity/extensions/extensions-db.ts';
import { MAX_REDELEGATION_COUNT, usableTrust } from '../../identity/extensions/trusts.ts';
import { assignmentsOnScope, expandImplied, groupIdsOf } from '../../identity/role-resolver.ts';
import { invalidField, pythonRepr, requiredProperty } from '../../identity/resources/services-field-checks.ts';
import { roleView } from './roles.ts';
import { bodyObject, collectionLinks, created, extraFields, noContent, ok, queryString, selfLink } from './support.ts';

const KNOWN = [
  'id', 'trustor_user_id', 'trustee_user_id', 'project_id', 'impersonation', 'expires_at', 'remaining_uses',
  'allow_redelegation', 'redelegation_count', 'redelegated_trust_id', 'roles', 'links', 'roles_links',
] as const;

const forbiddenAction = (action: string) => forbidden(`You are not authorized to perform the requested action: ${action}.`);

function summaryView(ctx: RequestContext, t: TrustRecord): Record<string, unknown> {
  return {
    ...t.extra,
    id: t.id,
    trustor_user_id: t.trustor_user_id,
    trustee_user_id: t.trustee_user_id,
    project_id: t.project_id,
    impersonation: t.impersonation,
    expires_at: t.expires_at === null ? null : isoMicros(t.expires_at),
    remaining_uses: t.remaining_uses,
    allow_redelegation: t.allow_redelegation,
    redelegation_count: t.redelegation_count,
    redelegated_trust_id: t.redelegated_trust_id,
    links: selfLink(ctx, `/v3/OS-TRUST/trusts/${t.id}`),
  };
}

function checkTypes(input: Record<string, unknown>): void {
  const typed = (field: string, ok: (v: unknown) => boolean, type: string) => {
    const v = input[field];
    if (v !== undefined && !ok(v)) throw invalidField(field, `${pythonRepr(v)} is not of type ${type}`);
  };
  for (const field of ['trustor_user_id', 'trustee_user_id', 'impersonation']) if (input[field] === undefined) throw requiredProperty(field);
  typed('trustor_user_id', (v) => typeof v === 'string', "'string'");
  typed('trustee_user_id', (v) => typeof v === 'string', "'string'");
  typed('impersonation', (v) => typeof v === 'boolean', "'boolean'");
  typed('project_id', (v) => v === null || typeof v === 'string', "['string', 'null']");
  typed('expires_at', (v) => v === null || typeof v === 'string', "['null', 'string']");
  typed('allow_redelegation', (v) => v === null || typeof v === 'boolean', "['boolean', 'null']");
  typed('remaining_uses', (v) => v === null || Number.isInteger(v), "['integer', 'null']");
  typed('redelegation_count', (v) => v === null || Number.isInteger(v), "['integer', 'null']");
  if (typeof input.remaining_uses === 'number' && input.remaining_uses < 1) {
    throw invalidField('remaining_uses', `${input.remaining_uses} is less than the minimum of 1`);
  }
  if (typeof input.redelegation_count === 'number' && input.redelegation_count < 0) {
    throw invalidField('redelegation_count', `${input.redelegation_count} is less than the minimum of 0`);
  }
  const roles = input.roles;
  if (roles === undefined) return;
  if (!Array.isArray(roles)) throw invalidField('roles', `${pythonRepr(roles)} is not of type 'array'`);
  for (const r of roles) {
    const ok = typeof r === 'object' && r !== null && !Array.isArray(r) && Object.keys(r).length === 1 &&
      ((typeof r.id === 'string' && r.id !== '') || (typeof r.name === 'string' && r.name !== ''));
    if (!ok) throw invalidField('roles', `${pythonRepr(r)} is not valid under any of the given schemas`);
  }
}

/** Keystone's expiration parsing: an ISO 8601 time, not in the past. */
function parseExpiry(value: string | null | undefined, now: number): number | null {
  if (value === undefined || value === null) return null;
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
  const ms = iso.test(value) ? Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`) : NaN;
  if (Number.isNaN(ms)) {
    throw badRequest('Timestamp not in expected format. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
  }
  if (ms < now) {
    throw badRequest("The 'expires_at' must not be before now. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.");
  }
  return ms;
}

export function trustHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const db = engine.db;
  const trusts = db.extensions.trusts;

  /** Keystone reads the trust (404) before the policy check, and passes it as the target. */
  async function trustTarget(ctx: RequestContext, rule: string): Promise<TrustRecord> {
    const trust = await usableTrust(db, engine.clock, ctx.params.trust_id);
    engine.authorize(ctx, rule, { target: { trust }, trust });
    return trust;
  }

  async function rolesOf(t: TrustRecord): Promise<RoleRecord[]> {
    if (t.role_ids.length === 0) return [];
    return db.roles.find({ id: { $in: t.role_ids } });
  }

  async function fullView(ctx: RequestContext, t: TrustRecord): Promise<Record<string, unknown>> {
    return {
      ...summaryView(ctx, t),
      roles: (await rolesOf(t)).map((r) => roleView(ctx, r)),
      roles_links: { self: `${ctx.baseUrl}/v3/OS-TRUST/trusts/${t.id}/roles`, previous: null, next: null },
    };
  }

  /** Restricted application credentials may not manage trusts. */
  async function checkUnrestricted(ctx: RequestContext): Promise<void> {
    const validated = await engine.validate(ctx.auth!.token);
    if (validated.subject.appCred && !validated.subject.appCred.unrestricted) {
      throw forbiddenAction("Using method 'application_credential' is not allowed for managing trusts");
    }
    if (validated.payload.scope.kind === 'trust') throw new ApiError(501, 'Trust redelegation is not implemented.');
  }

  /** `{id}` or `{name}` of a global role, to ids. */
  async function roleIds(refs: Array<{ id?: string; name?: string }>): Promise<string[]> {
    const ids: string[] = [];
    for (const ref of refs) {
      if (ref.id !== undefined) {
        ids.push(ref.id);
        continue;
      }
      const matches = await db.roles.find({ name: ref.name!, domain_id: null });
      if (matches.length === 0) throw notFound(`Could not find role: ${ref.name}.`);
      ids.push(matches[0].id);
    }
    return [...new Set(ids)];
  }

  return {
    listTrusts: async (ctx) => {
      const trustor = queryString(ctx, 'trustor_user_id');
      const trustee = queryString(ctx, 'trustee_user_id');
      let found: TrustRecord[];
      if (trustor !== undefined) {
        engine.authorize(ctx, 'identity:list_trusts_for_trustor', { target: { trust: { trustor_user_id: trustor } } });
        found = await trusts.find({ trustor_user_id: trustor });
      } else if (trustee !== undefined) {
        engine.authorize(ctx, 'identity:list_trusts_for_trustee', { target: { trust: { trustee_user_id: trustee } } });
        found = await trusts.find({ trustee_user_id: trustee });
      } else {
        engine.authorize(ctx, 'identity:list_trusts');
        found = await trusts.find();
      }
      return ok({ trusts: found.map((t) => summaryView(ctx, t)), links: collectionLinks(ctx) });
    },
    getTrust: async (ctx) => {
      const trust = await trustTarget(ctx, 'identity:get_trust');
      return ok({ trust: await fullView(ctx, trust) });
    },
    createTrust: async (ctx) => {
      const input = bodyObject(ctx, 'trust');
      engine.authorize(ctx, 'identity:create_trust', { trust: input, target: { trust: input } });
      checkTypes(input);
      await checkUnrestricted(ctx);
      const refs: Array<{ id?: string; name?: string }> = input.roles ?? [];
      if (input.project_id && refs.length === 0) throw forbiddenAction('At least one role should be specified');
      if (ctx.auth!.userId !== input.trustor_user_id) throw forbiddenAction('The authenticated user should match the trustor');
      if (!(await engine.backends.getUser(input.trustee_user_id))) throw notFound(`Could not find user: ${input.trustee_user_id}.`);
      const ids = await roleIds(refs);
      const projectId: string | null = input.project_id ? input.project_id : null;
      if (projectId !== null) {
        const project = await db.projects.get(projectId);
        if (!project || project.is_domain) throw notFound(`Could not find project: ${projectId}.`);
        // Keystone counts every role the trustor effectively holds, domain-specific ones included.
        const held = new Set(await heldRoleIds(projectId, input.trustor_user_id));
        for (const id of ids) if (!held.has(id)) throw notFound(`Could not find role: ${id}.`);
      } else if (ids.length > 0) {
        throw notFound(`Could not find role: ${ids[0]}.`);
      }
      const expiresAt = parseExpiry(input.expires_at, engine.clock.now());
      const allowRedelegation = input.allow_redelegation === true;
      const remainingUses: number | null = input.remaining_uses ?? null;
      if (allowRedelegation && remainingUses !== null) {
        throw badRequest('remaining_uses must not be set if redelegation is allowed');
      }
      let redelegationCount = 0;
      if (allowRedelegation) {
        redelegationCount = input.redelegation_count ?? MAX_REDELEGATION_COUNT;
        if (redelegationCount > MAX_REDELEGATION_COUNT) {
          throw forbiddenAction(`Requested redelegation depth of ${redelegationCount} is greater than allowed ${MAX_REDELEGATION_COUNT}`);
        }
      }
      const record: TrustRecord = {
        id: hexId(),
        trustor_user_id: input.trustor_user_id,
        trustee_user_id: input.trustee_user_id,
        project_id: projectId,
        impersonation: input.impersonation,
        expires_at: expiresAt,
        remaining_uses: remainingUses,
        allow_redelegation: allowRedelegation,
        redelegation_count: redelegationCount,
        redelegated_trust_id: null,
        role_ids: ids,
        extra: extraFields(input, KNOWN),
      };
      await trusts.insert(record);
      await engine.changed();
      return created({ trust: await fullView(ctx, record) });
    },
    deleteTrust: async (ctx) => {
      const trust = await trustTarget(ctx, 'identity:delete_trust');
      await checkUnrestricted(ctx);
      await trusts.delete(trust.id);
      await trusts.deleteMany({ redelegated_trust_id: trust.id });
      // The trust's tokens fail validation from now on: their trust is gone.
      await engine.changed();
      return noContent();
    },
    listTrustRoles: async (ctx) => {
      const trust = await trustTarget(ctx, 'identity:list_roles_for_trust');
      return ok({
        roles: (await rolesOf(trust)).map((r) => roleView(ctx, r)),
        links: { self: `${ctx.baseUrl}/v3/OS-TRUST/trusts/${trust.id}/roles`, previous: null, next: null },
      });
    },
    getTrustRole: async (ctx) => {
      const trust = await trustTarget(ctx, 'identity:get_role_for_trust');
      const roleId = ctx.params.role_id;
      const role = trust.role_ids.includes(roleId) ? await db.roles.get(roleId) : undefined;
      if (!role) throw notFound(`Could not find role: ${roleId}.`);
      return ok({ role: roleView(ctx, role) });
    },
  };

  /** Every role the user effectively holds on the project (groups, inheritance, implied roles), domain-specific ones too. */
  async function heldRoleIds(projectId: string, userId: string): Promise<string[]> {
    const actors = [userId, ...(await groupIdsOf(db, userId))];
    const assigned = [...new Set((await assignmentsOnScope(db, actors, { type: 'project', id: projectId })).map((a) => a.role_id))];
    return expandImplied(db, assigned);
  }
}
