// Quota sets (defaults, per-project overrides, usage detail) and the absolute
// limits view of them. Usage is counted from the stored servers, as Nova counts.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest } from '../../platform/http/api-error.ts';
import { firstQuery, invalidField, json, since, type Nova } from './support.ts';
import { serversOf } from './servers/record.ts';

export const DEFAULT_QUOTAS: Record<string, number> = {
  instances: 10, cores: 20, ram: 51200, metadata_items: 128, injected_files: 5, injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255, key_pairs: 100, server_groups: 10, server_group_members: 10,
  // network quotas, proxied to Neutron upstream and shown only before 2.36
  floating_ips: 10, fixed_ips: -1, security_groups: 10, security_group_rules: 20,
};

const NETWORK_KEYS = ['floating_ips', 'fixed_ips', 'security_groups', 'security_group_rules'];
const FILE_KEYS = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];

interface QuotaDoc {
  id: string;
  limits: Record<string, number>;
  [k: string]: unknown;
}

/** the quota names a microversion shows */
function visibleKeys(ctx: RequestContext): string[] {
  return Object.keys(DEFAULT_QUOTAS).filter((k) => {
    if (NETWORK_KEYS.includes(k) && since(ctx, '2.36')) return false;
    if (FILE_KEYS.includes(k) && since(ctx, '2.57')) return false;
    return true;
  });
}

export async function effectiveQuota(nova: Nova, project: string): Promise<Record<string, number>> {
  const doc = await nova.db.collection<QuotaDoc>('quotas').get(project);
  return { ...DEFAULT_QUOTAS, ...(doc?.limits ?? {}) };
}

export interface Usage {
  instances: number;
  cores: number;
  ram: number;
  server_groups: number;
}

/** what a project's servers consume: the live server records with the flavor each was built with */
export async function projectUsage(nova: Nova, project: string): Promise<Usage> {
  const servers = await serversOf(nova).find({ project_id: project, deleted: false });
  const groups = await nova.db.collection<{ id: string; project_id: string }>('server_groups').count({ project_id: project });
  return {
    instances: servers.length,
    cores: servers.reduce((s, x) => s + (x.flavor?.vcpus ?? 0), 0),
    ram: servers.reduce((s, x) => s + (x.flavor?.ram ?? 0), 0),
    server_groups: groups,
  };
}

async function requireProject(nova: Nova, id: string): Promise<void> {
  if (!(await nova.engine.db.projects.get(id))) throw badRequest(`Project ID ${id} is not a valid project.`);
}

export function quotaHandlers(nova: Nova): Record<string, OperationHandler> {
  const quotas = nova.db.collection<QuotaDoc>('quotas');
  const render = (ctx: RequestContext, values: Record<string, number>, id?: string) => {
    const set: Record<string, unknown> = id === undefined ? {} : { id };
    for (const k of visibleKeys(ctx)) set[k] = values[k];
    return set;
  };
  return {
    showQuotaSet: async (ctx) => {
      const project = ctx.params.tenant_id;
      nova.engine.authorize(ctx, 'os_compute_api:os-quota-sets:show', { project_id: project });
      return json({ quota_set: render(ctx, await effectiveQuota(nova, project), project) });
    },
    showQuotaSetDetail: async (ctx) => {
      const project = ctx.params.tenant_id;
      nova.engine.authorize(ctx, 'os_compute_api:os-quota-sets:detail', { project_id: project });
      const limits = await effectiveQuota(nova, project);
      const usage = await projectUsage(nova, project);
      const keypairCount = await nova.db.collection('keypairs').count({ user_id: ctx.auth!.userId });
      const used: Record<string, number> = { ...usage, key_pairs: keypairCount };
      const set: Record<string, unknown> = { id: project };
      for (const k of visibleKeys(ctx)) set[k] = { in_use: used[k] ?? 0, limit: limits[k], reserved: 0 };
      return json({ quota_set: set });
    },
    showQuotaSetDefaults: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-quota-sets:defaults', {});
      return json({ quota_set: render(ctx, DEFAULT_QUOTAS, ctx.params.tenant_id) });
    },
    updateQuotaSet: async (ctx) => {
      const project = ctx.params.tenant_id;
      nova.engine.authorize(ctx, 'os_compute_api:os-quota-sets:update', { project_id: project });
      const set = ctx.body?.quota_set;
      if (typeof set !== 'object' || set === null || Array.isArray(set)) throw invalidField('quota_set', set, "'quota_set' is a required property");
      const allowed = new Set([...visibleKeys(ctx), 'force']);
      const extra = Object.keys(set).filter((k) => !allowed.has(k));
      if (extra.length) throw invalidField('quota_set', set, `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
      await requireProject(nova, project);
      const force = set.force === true || set.force === 'true' || set.force === 'True';
      const usage = await projectUsage(nova, project);
      const changes: Record<string, number> = {};
      for (const [k, raw] of Object.entries(set)) {
        if (k === 'force') continue;
        const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
        if (!Number.isInteger(n) || n < -1 || n > 2147483647) throw invalidField(k, raw, `${JSON.stringify(raw)} is not a valid quota value (an integer from -1)`);
        const inUse = (usage as unknown as Record<string, number>)[k] ?? 0;
        if (!force && n !== -1 && n < inUse) {
          throw badRequest(`Quota limit ${n} for ${k} must be greater than or equal to already used and reserved ${inUse}.`);
        }
        changes[k] = n;
      }
      const existing = await quotas.get(project);
      if (existing) await quotas.update(project, { limits: { ...existing.limits, ...changes } });
      else await quotas.insert({ id: project, limits: changes });
      return json({ quota_set: render(ctx, await effectiveQuota(nova, project)) });
    },
    deleteQuotaSet: async (ctx) => {
      const project = ctx.params.tenant_id;
      nova.engine.authorize(ctx, 'os_compute_api:os-quota-sets:delete', { project_id: project });
      await quotas.delete(project);
      return { status: 202 };
    },
    showLimits: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:limits', {});
      let project = ctx.auth!.projectId ?? '';
      const asked = firstQuery(ctx, 'tenant_id');
      if (asked && asked !== project) {
        nova.engine.authorize(ctx, 'os_compute_api:limits:other_project', { project_id: asked });
        project = asked;
      }
      const q = await effectiveQuota(nova, project);
      const u = await projectUsage(nova, project);
      const absolute: Record<string, number> = {
        maxServerMeta: q.metadata_items,
        maxPersonality: q.injected_files,
        maxPersonalitySize: q.injected_file_content_bytes,
        maxImageMeta: q.metadata_items,
        maxTotalKeypairs: q.key_pairs,
        maxSecurityGroups: q.security_groups,
        maxSecurityGroupRules: q.security_group_rules,
        maxServerGroups: q.server_groups,
        maxServerGroupMembers: q.server_group_members,
        maxTotalCores: q.cores,
        maxTotalInstances: q.instances,
        maxTotalRAMSize: q.ram,
        maxTotalFloatingIps: q.floating_ips,
        totalCoresUsed: u.cores,
        totalInstancesUsed: u.instances,
        totalRAMUsed: u.ram,
        totalSecurityGroupsUsed: 0,
        totalFloatingIpsUsed: 0,
        totalServerGroupsUsed: u.server_groups,
      };
      if (since(ctx, '2.36')) {
        for (const k of ['maxSecurityGroups', 'maxSecurityGroupRules', 'maxTotalFloatingIps', 'totalSecurityGroupsUsed', 'totalFloatingIpsUsed']) delete absolute[k];
      }
      if (since(ctx, '2.39')) delete absolute.maxImageMeta;
      if (since(ctx, '2.57')) {
        delete absolute.maxPersonality;
        delete absolute.maxPersonalitySize;
      }
      return json({ limits: { rate: [], absolute } });
    },
  };
}
