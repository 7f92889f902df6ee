// os-quota-class-sets: the quota limits of a class. Nova honours only the `default` class
// (the defaults every project starts from); any class name can be read and written. The keys
// follow the microversion: network quotas until 2.49, server group quotas from 2.50, no
// injected-file quotas from 2.57.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import type { PolicyRuleDefault } from '../../identity/policy/enforcer.ts';
import { invalidField, json, since, type Nova } from './support.ts';
import { DEFAULT_QUOTAS } from './quotas.ts';

export const QUOTA_CLASS_RULES: PolicyRuleDefault[] = [
  { name: 'os_compute_api:os-quota-class-sets:show', checkStr: 'rule:context_is_admin', scopeTypes: ['project'] },
  { name: 'os_compute_api:os-quota-class-sets:update', checkStr: 'rule:context_is_admin', scopeTypes: ['project'] },
];

interface QuotaClassDoc {
  id: string;
  limits: Record<string, number>;
  [k: string]: unknown;
}

const NETWORK = ['floating_ips', 'fixed_ips', 'security_groups', 'security_group_rules'];
const GROUPS = ['server_groups', 'server_group_members'];
const FILES = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];

function keys(ctx: RequestContext): string[] {
  return Object.keys(DEFAULT_QUOTAS).filter((k) => {
    if (since(ctx, '2.50')) {
      if (NETWORK.includes(k)) return false;
    } else if (GROUPS.includes(k)) {
      return false;
    }
    return !(since(ctx, '2.57') && FILES.includes(k));
  });
}

const classesOf = (nova: Nova) => nova.db.collection<QuotaClassDoc>('quota_classes');

/** the limits of the `default` class: Nova's defaults with what an admin set on the class */
export async function defaultClassLimits(nova: Nova): Promise<Record<string, number>> {
  return { ...DEFAULT_QUOTAS, ...((await classesOf(nova).get('default'))?.limits ?? {}) };
}

export function quotaClassHandlers(nova: Nova): Record<string, OperationHandler> {
  const classes = classesOf(nova);
  const limitsOf = async (name: string) => ({ ...(await defaultClassLimits(nova)), ...(name === 'default' ? {} : (await classes.get(name))?.limits ?? {}) });
  const render = (ctx: RequestContext, limits: Record<string, number>) => Object.fromEntries(keys(ctx).map((k) => [k, limits[k]]));
  return {
    showQuotaClassSet: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-quota-class-sets:show', {});
      const name = ctx.params.class_name;
      return json({ quota_class_set: { id: name, ...render(ctx, await limitsOf(name)) } });
    },
    updateQuotaClassSet: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-quota-class-sets:update', {});
      const name = ctx.params.class_name;
      if (name.length > 255) throw invalidField('id', name, `'${name}' is too long`);
      const set = ctx.body?.quota_class_set;
      if (typeof set !== 'object' || set === null || Array.isArray(set)) throw invalidField('quota_class_set', set ?? null, "'quota_class_set' is a required property");
      const allowed = new Set(keys(ctx));
      const extra = Object.keys(set).filter((k) => !allowed.has(k));
      if (extra.length) throw invalidField('quota_class_set', set, `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
      const changes: Record<string, number> = {};
      for (const [k, raw] of Object.entries(set)) {
        const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
        if (!Number.isInteger(n)) throw invalidField(k, raw, `${JSON.stringify(raw)} is not of type 'integer', 'string'`);
        if (n < -1) throw invalidField(k, raw, `${n} is less than the minimum of -1`);
        if (n > 2147483647) throw invalidField(k, raw, `${n} is greater than the maximum of 2147483647`);
        changes[k] = n;
      }
      for (let i = 0; i < 20; i++) {
        const existing = await classes.get(name);
        if (!existing) {
          try {
            await classes.insert({ id: name, limits: changes });
            break;
          } catch {
            continue;
          }
        }
        if (await classes.update(name, { limits: { ...existing.limits, ...changes } }, { ifRev: existing._rev })) break;
      }
      return json({ quota_class_set: render(ctx, await limitsOf(name)) });
    },
  };
}
