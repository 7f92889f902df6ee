// /v3/policies: opaque policy blobs Keystone stores for other services to fetch.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { notFound } from '../../platform/http/api-error.ts';
import { hexId } from '../../platform/ids.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { PolicyRecord } from '../../identity/extensions/extensions-db.ts';
import { checkMatchingId, checkNotEmpty, checkString, requiredProperty } from '../../identity/resources/services-field-checks.ts';
import { bodyObject, collectionLinks, created, extraFields, noContent, ok, queryString, selfLink } from './support.ts';

const KNOWN = ['id', 'blob', 'type', 'links'] as const;

function view(ctx: RequestContext, p: PolicyRecord) {
  return { ...p.extra, id: p.id, blob: p.blob, type: p.type, links: selfLink(ctx, `/v3/policies/${p.id}`) };
}

function checkFields(input: Record<string, unknown>): void {
  checkString(input, 'blob');
  checkString(input, 'type', { maxLength: 255 });
}

const policyNotFound = (id: string) => notFound(`Could not find policy: ${id}.`);

export function policyHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const policies = engine.db.extensions.policies;

  async function requirePolicy(id: string): Promise<PolicyRecord> {
    const p = await policies.get(id);
    if (!p) throw policyNotFound(id);
    return p;
  }

  return {
    listPolicies: async (ctx) => {
      engine.authorize(ctx, 'identity:list_policies');
      const type = queryString(ctx, 'type');
      const found = await policies.find(type !== undefined ? { type } : {});
      return ok({ policies: found.map((p) => view(ctx, p)), links: collectionLinks(ctx) });
    },
    getPolicy: async (ctx) => {
      engine.authorize(ctx, 'identity:get_policy');
      return ok({ policy: view(ctx, await requirePolicy(ctx.params.policy_id)) });
    },
    createPolicy: async (ctx) => {
      engine.authorize(ctx, 'identity:create_policy');
      const input = bodyObject(ctx, 'policy');
      if (input.blob === undefined) throw requiredProperty('blob');
      if (input.type === undefined) throw requiredProperty('type');
      checkFields(input);
      const record: PolicyRecord = { id: hexId(), blob: input.blob, type: input.type, extra: extraFields(input, KNOWN) };
      await policies.insert(record);
      await engine.changed();
      return created({ policy: view(ctx, record) });
    },
    updatePolicy: async (ctx) => {
      engine.authorize(ctx, 'identity:update_policy');
      const input = bodyObject(ctx, 'policy');
      checkNotEmpty(input);
      checkFields(input);
      const id = ctx.params.policy_id;
      checkMatchingId(input, id);
      const current = await requirePolicy(id);
      const set: Partial<PolicyRecord> = { extra: { ...current.extra, ...extraFields(input, KNOWN) } };
      if (input.blob !== undefined) set.blob = input.blob;
      if (input.type !== undefined) set.type = input.type;
      const updated = await policies.update(id, set);
      if (!updated) throw policyNotFound(id);
      await engine.changed();
      return ok({ policy: view(ctx, updated) });
    },
    deletePolicy: async (ctx) => {
      engine.authorize(ctx, 'identity:delete_policy');
      if (!(await policies.delete(ctx.params.policy_id))) throw policyNotFound(ctx.params.policy_id);
      await engine.changed();
      return noContent();
    },
  };
}
