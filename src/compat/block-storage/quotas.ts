// Cinder's quotas: per-project limits over defaults, usage counted from the records (gigabytes
// counts volumes and snapshots, as Cinder does), per-type limits, and the 413s when exceeded.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import type { BlockStorage, VolumeTypeRecord } from './model.ts';
import { authorize } from './policies.ts';
import { asInteger, entity, projectOf, type CinderDeps } from './context.ts';
import { invalidInput, overLimit } from './errors.ts';
import { parseBool, queryValue } from './listing.ts';

export const DEFAULT_QUOTAS: Record<string, number> = {
  volumes: 10,
  snapshots: 10,
  gigabytes: 1000,
  backups: 10,
  backup_gigabytes: 1000,
  groups: 10,
  per_volume_gigabytes: -1,
};
const PER_TYPE = ['volumes', 'snapshots', 'gigabytes'];

export interface Usage {
  volumes: number;
  snapshots: number;
  gigabytes: number;
  byType: Record<string, { volumes: number; snapshots: number; gigabytes: number }>;
}

export async function usageOf(storage: BlockStorage, projectId: string): Promise<Usage> {
  const volumes = await storage.volumes.find({ project_id: projectId });
  const snapshots = await storage.snapshots.find({ project_id: projectId });
  const typeOfVolume = new Map(volumes.map((v) => [v.id, v.volume_type_id]));
  const usage: Usage = { volumes: volumes.length, snapshots: snapshots.length, gigabytes: 0, byType: {} };
  const slot = (typeId: string | undefined) => (usage.byType[typeId ?? ''] ??= { volumes: 0, snapshots: 0, gigabytes: 0 });
  for (const v of volumes) {
    usage.gigabytes += v.size;
    slot(v.volume_type_id).volumes += 1;
    slot(v.volume_type_id).gigabytes += v.size;
  }
  for (const s of snapshots) {
    usage.gigabytes += s.size;
    slot(typeOfVolume.get(s.volume_id)).snapshots += 1;
    slot(typeOfVolume.get(s.volume_id)).gigabytes += s.size;
  }
  return usage;
}

/** the effective limits of a project: defaults, per-type keys (-1) and the project's own values */
export async function limitsOf(storage: BlockStorage, projectId: string): Promise<Record<string, number>> {
  const limits: Record<string, number> = { ...DEFAULT_QUOTAS };
  for (const type of await storage.types.find({})) {
    for (const resource of PER_TYPE) limits[`${resource}_${type.name}`] = -1;
  }
  const own = await storage.quotas.get(projectId);
  return { ...limits, ...(own?.limits ?? {}) };
}

/** Throws Cinder's 413 when adding these amounts would pass a limit. */
export async function checkQuota(
  storage: BlockStorage,
  projectId: string,
  type: VolumeTypeRecord,
  add: { volumes?: number; snapshots?: number; gigabytes: number },
): Promise<void> {
  const limits = await limitsOf(storage, projectId);
  const usage = await usageOf(storage, projectId);
  const perVolume = limits.per_volume_gigabytes;
  if (add.volumes && perVolume >= 0 && add.gigabytes > perVolume) {
    throw overLimit(`Requested volume size ${add.gigabytes}G is larger than maximum allowed limit ${perVolume}G.`);
  }
  const typed = usage.byType[type.id] ?? { volumes: 0, snapshots: 0, gigabytes: 0 };
  const checks: Array<[string, number, number]> = [];
  if (add.volumes) checks.push(['volumes', usage.volumes, add.volumes], [`volumes_${type.name}`, typed.volumes, add.volumes]);
  if (add.snapshots) checks.push(['snapshots', usage.snapshots, add.snapshots], [`snapshots_${type.name}`, typed.snapshots, add.snapshots]);
  checks.push(['gigabytes', usage.gigabytes, add.gigabytes], [`gigabytes_${type.name}`, typed.gigabytes, add.gigabytes]);
  for (const [name, used, more] of checks) {
    const limit = limits[name];
    if (limit === undefined || limit < 0 || used + more <= limit) continue;
    if (name.startsWith('gigabytes')) {
      throw overLimit(`VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed ${name} quota. Requested ${more}G, quota is ${limit}G and ${used}G has been consumed.`);
    }
    const noun = name.startsWith('volumes') ? 'volumes' : 'snapshots';
    throw overLimit(`Maximum number of ${noun} allowed (${limit}) exceeded for quota '${name}'.`);
  }
}

export function quotaHandlers(deps: CinderDeps): Record<string, OperationHandler> {
  const { storage, identity } = deps;
  const target = (ctx: RequestContext) => ctx.params.target_project_id;

  async function quotaSet(projectId: string, withUsage: boolean): Promise<Record<string, unknown>> {
    const limits = await limitsOf(storage, projectId);
    if (!withUsage) return limits;
    const usage = await usageOf(storage, projectId);
    const types = new Map((await storage.types.find({})).map((t) => [t.name, t.id]));
    const used = (key: string): number => {
      if (key in usage && key !== 'byType') return (usage as unknown as Record<string, number>)[key];
      const m = /^(volumes|snapshots|gigabytes)_(.+)$/.exec(key);
      if (m) return usage.byType[types.get(m[2]) ?? '']?.[m[1] as 'volumes'] ?? 0;
      return 0;
    };
    return Object.fromEntries(Object.entries(limits).map(([k, limit]) => [k, k === 'per_volume_gigabytes' ? { limit, in_use: 0, reserved: 0 } : { limit, in_use: used(k), reserved: 0 }]));
  }

  return {
    showQuotaSet: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:quotas:show', { project_id: target(ctx) });
      const raw = queryValue(ctx, 'usage');
      const withUsage = raw !== undefined && parseBool(raw, 'usage');
      return { status: 200, body: { quota_set: { id: target(ctx), ...(await quotaSet(target(ctx), withUsage)) } } };
    },
    showDefaultQuotaSet: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:quotas:show', { project_id: target(ctx) });
      const limits: Record<string, number> = { ...DEFAULT_QUOTAS };
      for (const type of await storage.types.find({})) for (const r of PER_TYPE) limits[`${r}_${type.name}`] = -1;
      return { status: 200, body: { quota_set: { id: target(ctx), ...limits } } };
    },
    updateQuotaSet: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:quotas:update', { project_id: target(ctx) });
      const body = entity(ctx, 'quota_set');
      const known = await limitsOf(storage, target(ctx));
      const usage = await quotaSet(target(ctx), true) as Record<string, { in_use: number }>;
      const bad = Object.keys(body).filter((k) => !(k in known) && k !== 'id' && k !== 'tenant_id');
      if (bad.length) throw invalidInput(`Bad key(s) in quota set: ${bad.join(', ')}`);
      const changes: Record<string, number> = {};
      for (const [key, raw] of Object.entries(body)) {
        if (key === 'id' || key === 'tenant_id') continue;
        const value = asInteger(raw);
        if (value === undefined) throw invalidInput(`Quota '${key}' must be an integer.`);
        if (value < -1) throw invalidInput(`Quota limit ${value} for ${key} must be more than or equal to -1.`);
        if (value !== -1 && usage[key] && usage[key].in_use > value && key !== 'per_volume_gigabytes') {
          throw invalidInput(`Quota limit invalid for project '${target(ctx)}' for resource '${key}': limit of ${value} must be greater than or equal to already used and reserved ${usage[key].in_use}.`);
        }
        changes[key] = value;
      }
      const existing = await storage.quotas.get(target(ctx));
      if (existing) await storage.quotas.update(existing.id, { limits: { ...existing.limits, ...changes } });
      else await storage.quotas.insert({ id: target(ctx), limits: changes });
      return { status: 200, body: { quota_set: await quotaSet(target(ctx), false) } };
    },
    deleteQuotaSet: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:quotas:delete', { project_id: target(ctx) });
      await storage.quotas.delete(target(ctx));
      return { status: 200 };
    },
    showLimits: async (ctx) => {
      authorize(identity, ctx, 'limits_extension:used_limits');
      const project = projectOf(ctx);
      const limits = await limitsOf(storage, project);
      const usage = await usageOf(storage, project);
      return {
        status: 200,
        body: {
          limits: {
            rate: [],
            absolute: {
              maxTotalVolumes: limits.volumes,
              maxTotalSnapshots: limits.snapshots,
              maxTotalVolumeGigabytes: limits.gigabytes,
              maxTotalBackups: limits.backups,
              maxTotalBackupGigabytes: limits.backup_gigabytes,
              totalVolumesUsed: usage.volumes,
              totalGigabytesUsed: usage.gigabytes,
              totalSnapshotsUsed: usage.snapshots,
              totalBackupsUsed: 0,
              totalBackupGigabytesUsed: 0,
            },
          },
        },
      };
    },
  };
}
