// /v2.0/quotas: per-project limits on Neutron resources (the `quotas` and `quota_details`
// extensions), and the check create operations make before adding a resource.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import type { Collection } from '../../platform/store/store.ts';
import type { Neutron, NeutronDb, Resource } from './context.ts';
import { httpBadRequest, invalidAttribute, notFoundKind, overQuota } from './errors.ts';
import { enforce } from './policy.ts';
import { pyRepr } from './attributes.ts';

/** Neutron's configured defaults (quota_network, quota_port, ...); -1 means unlimited. */
export const DEFAULT_QUOTAS: Record<string, number> = {
  network: 100,
  subnet: 100,
  subnetpool: -1,
  port: 500,
  router: 10,
  floatingip: 50,
  security_group: 10,
  security_group_rule: 100,
  rbac_policy: 10,
};

const COUNTED: Record<string, (db: NeutronDb) => Collection<Resource>> = {
  network: (db) => db.networks,
  subnet: (db) => db.subnets,
  subnetpool: (db) => db.subnetpools,
  port: (db) => db.ports,
  router: (db) => db.routers,
  floatingip: (db) => db.floatingips,
  security_group: (db) => db.securityGroups,
  security_group_rule: (db) => db.securityGroupRules,
  rbac_policy: (db) => db.rbacPolicies,
};

export async function quotaLimits(db: NeutronDb, projectId: string): Promise<Record<string, number>> {
  const stored = await db.quotas.get(projectId);
  return { ...DEFAULT_QUOTAS, ...(stored?.limits ?? {}) };
}

export async function quotaUsage(db: NeutronDb, resource: string, projectId: string): Promise<number> {
  return COUNTED[resource](db).count({ tenant_id: projectId });
}

/** 409 OverQuota when the project already holds as many `resource`s as its limit allows. */
export async function checkQuota(neutron: Neutron, resource: string, projectId: string, adding = 1): Promise<void> {
  const db = await neutron.db();
  const limit = (await quotaLimits(db, projectId))[resource];
  if (limit === undefined || limit < 0) return;
  if ((await quotaUsage(db, resource, projectId)) + adding > limit) throw overQuota([resource]);
}

function checkLimits(body: unknown): Record<string, number> {
  const quota = (body as Record<string, unknown> | undefined)?.quota;
  if (!quota || typeof quota !== 'object' || Array.isArray(quota)) throw httpBadRequest("Unable to find 'quota' in request body");
  const unknown = Object.keys(quota).filter((k) => !(k in DEFAULT_QUOTAS));
  if (unknown.length) throw httpBadRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
  const limits: Record<string, number> = {};
  for (const [name, raw] of Object.entries(quota as Record<string, unknown>)) {
    const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw invalidAttribute(name, `'${pyRepr(raw)}' is not an integer`);
    if (n < -1) throw invalidAttribute(name, `'${n}' is too small - must be at least '-1'`);
    limits[name] = n;
  }
  return limits;
}

export function quotaHandlers(neutron: Neutron): Record<string, OperationHandler> {
  const target = (projectId: string) => ({ project_id: projectId, tenant_id: projectId });
  const authorize = (ctx: RequestContext, action: string) => enforce(neutron, ctx, action, target(ctx.params.project_id));

  const showDetails: OperationHandler = async (ctx) => {
    authorize(ctx, 'get_quota');
    const db = await neutron.db();
    const limits = await quotaLimits(db, ctx.params.project_id);
    const quota: Record<string, { limit: number; used: number; reserved: number }> = {};
    for (const [name, limit] of Object.entries(limits)) {
      quota[name] = { limit, used: await quotaUsage(db, name, ctx.params.project_id), reserved: 0 };
    }
    return { status: 200, body: { quota } };
  };

  return {
    listQuotas: async (ctx) => {
      const db = await neutron.db();
      const stored: Resource[] = await db.quotas.find({});
      const quotas = stored
        .filter((q) => neutron.engine.allows(ctx, 'get_quota', target(q.id)))
        .map((q) => ({ ...DEFAULT_QUOTAS, ...q.limits, project_id: q.id, tenant_id: q.id }));
      return { status: 200, body: { quotas } };
    },
    showQuota: async (ctx) => {
      authorize(ctx, 'get_quota');
      return { status: 200, body: { quota: await quotaLimits(await neutron.db(), ctx.params.project_id) } };
    },
    showQuotaDefault: async (ctx) => {
      authorize(ctx, 'get_quota');
      return { status: 200, body: { quota: { ...DEFAULT_QUOTAS } } };
    },
    showQuotaDetails: showDetails,
    // Neutron takes a `.json` suffix on any path; Tempest's client asks for the details that way
    showQuotaDetailsJson: showDetails,
    updateQuota: async (ctx) => {
      authorize(ctx, 'update_quota');
      const limits = checkLimits(ctx.body);
      const db = await neutron.db();
      const id = ctx.params.project_id;
      for (let attempt = 0; attempt < 20; attempt++) {
        const current = await db.quotas.get(id);
        const merged = { ...(current?.limits ?? {}), ...limits };
        const done = current
          ? await db.quotas.update(id, { limits: merged }, { ifRev: current._rev })
          : await db.quotas.insert({ id, limits: merged }).catch(() => undefined);
        if (done) return { status: 200, body: { quota: { ...DEFAULT_QUOTAS, ...merged } } };
      }
      throw new Error(`quota ${id}: too many concurrent updates`);
    },
    deleteQuota: async (ctx) => {
      authorize(ctx, 'delete_quota');
      const removed = await (await neutron.db()).quotas.delete(ctx.params.project_id);
      if (!removed) throw notFoundKind('TenantQuotaNotFound', `Quota for tenant ${ctx.params.project_id} could not be found.`);
      return { status: 204 };
    },
  };
}
