// os-simple-tenant-usage: hours, vCPU-, RAM- and disk-hours of the servers that ran in a
// period (launched before its end, not terminated before its start, deleted ones included), per
// project; the admin lists every project, a project reads its own. 2.40 pages the servers.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, notFound } from '../../platform/http/api-error.ts';
import type { PolicyRuleDefault } from '../../identity/policy/enforcer.ts';
import { firstQuery, invalidQuery, json, since, type Nova } from './support.ts';
import { serversOf, type ServerRecord } from './servers/record.ts';
import { servicesOf } from './simulated-hosts.ts';

const POLICY = 'os_compute_api:os-simple-tenant-usage:';
export const USAGE_RULES: PolicyRuleDefault[] = [
  { name: `${POLICY}list`, checkStr: 'rule:context_is_admin', scopeTypes: ['project'] },
  { name: `${POLICY}show`, checkStr: 'rule:project_reader_or_admin', scopeTypes: ['project'] },
  { name: 'os_compute_api:os-instance-usage-audit-log:list', checkStr: 'rule:context_is_admin', scopeTypes: ['project'] },
  { name: 'os_compute_api:os-instance-usage-audit-log:show', checkStr: 'rule:context_is_admin', scopeTypes: ['project'] },
];

/** Python's str() of a naive datetime */
const pyStr = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * os-instance_usage_audit_log: the state of the periodic usage audit of each compute host for
 * the last completed (monthly) audit period. No host here runs that audit, so every host shows
 * as not run, as in a Nova without instance_usage_audit enabled.
 */
async function auditLog(nova: Nova, before: number): Promise<Record<string, unknown>> {
  const at = new Date(before);
  const end = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
  const begin = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - 1, 1);
  const hosts = [...new Set((await servicesOf(nova).find({ binary: 'nova-compute' })).map((s) => s.host))];
  return {
    period_beginning: pyStr(begin), period_ending: pyStr(end), num_hosts: hosts.length, num_hosts_done: 0, num_hosts_running: 0,
    num_hosts_not_run: hosts.length, hosts_not_run: hosts, total_instances: 0, total_errors: 0,
    overall_status: `${hosts.length === 0 ? 'ALL' : `0 of ${hosts.length}`} hosts done. 0 errors.`, log: {},
  };
}

/** a naive UTC time as Nova's JSON shows datetimes (oslo's strtime: microseconds always) */
export function novaTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.${String((ms % 1000) * 1000).padStart(6, '0')}`;
}

/** Nova accepts %Y-%m-%dT%H:%M:%S, with .%f, or with a space and .%f; an absent one is now */
function parseTime(raw: string | undefined, now: number): number {
  if (raw === undefined || raw === '') return now;
  const m = /^(\d{4})-(\d{2})-(\d{2})(T(\d{2}):(\d{2}):(\d{2})(\.(\d{1,6}))?| (\d{2}):(\d{2}):(\d{2})\.(\d{1,6}))$/.exec(raw);
  if (!m) throw badRequest('Invalid datetime string: Datetime is in invalid format');
  const [h, mi, s, frac] = m[4].startsWith('T') ? [m[5], m[6], m[7], m[9]] : [m[10], m[11], m[12], m[13]];
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(h), Number(mi), Number(s)) + Math.floor(Number((frac ?? '0').padEnd(6, '0')) / 1000);
  if (Number.isNaN(ms) || new Date(ms).getUTCDate() !== Number(m[3])) throw badRequest('Invalid datetime string: Datetime is in invalid format');
  return ms;
}

function hoursFor(server: ServerRecord, start: number, stop: number): number {
  const launched = server.launched_at;
  const terminated = server.terminated_at;
  if (terminated !== null && terminated < start) return 0;
  if (launched === null || launched > stop) return 0;
  const from = Math.max(launched, start);
  const to = terminated !== null ? Math.min(stop, terminated) : stop;
  return (to - from) / 3_600_000;
}

interface Summary {
  tenant_id: string;
  server_usages?: Array<Record<string, unknown>>;
  total_local_gb_usage: number;
  total_vcpus_usage: number;
  total_memory_mb_usage: number;
  total_hours: number;
  start: string;
  stop: string;
}

export function usageHandlers(nova: Nova): Record<string, OperationHandler> {
  function period(ctx: RequestContext): { start: number; stop: number } {
    const now = nova.clock.now();
    const start = parseTime(firstQuery(ctx, 'start'), now);
    const stop = parseTime(firstQuery(ctx, 'end'), now);
    if (!(start < stop)) throw badRequest('Invalid start time. The start time cannot occur after the end time.');
    return { start, stop: Math.min(stop, now) };
  }

  function paging(ctx: RequestContext): { limit?: number; marker?: string } {
    if (!since(ctx, '2.40')) return {};
    const raw = firstQuery(ctx, 'limit');
    if (raw !== undefined && !/^\d+$/.test(raw)) throw invalidQuery('limit', raw, `'${raw}' does not match '^[0-9]*$'`);
    return { limit: raw === undefined ? undefined : Number(raw), marker: firstQuery(ctx, 'marker') };
  }

  async function usages(ctx: RequestContext, project: string | undefined, detailed: boolean) {
    const { start, stop } = period(ctx);
    const { limit, marker } = paging(ctx);
    let servers = (await serversOf(nova).find(project ? { project_id: project } : {}, { sort: [['created_at', 'asc']] }))
      .filter((s) => s.launched_at !== null && s.launched_at < stop && (s.terminated_at === null || s.terminated_at > start));
    if (marker !== undefined) {
      const at = servers.findIndex((s) => s.id === marker);
      if (at < 0) throw badRequest(`Marker ${marker} could not be found.`);
      servers = servers.slice(at + 1);
    }
    if (limit !== undefined) servers = servers.slice(0, limit);
    const now = nova.clock.now();
    const byProject = new Map<string, Summary>();
    for (const s of servers) {
      const hours = hoursFor(s, start, stop);
      const ended = s.terminated_at;
      const info = {
        instance_id: s.id, name: s.name, hours, flavor: s.flavor?.name ?? '', memory_mb: s.flavor?.ram ?? 0,
        local_gb: (s.flavor?.disk ?? 0) + (s.flavor?.ephemeral ?? 0), vcpus: s.flavor?.vcpus ?? 0, tenant_id: s.project_id,
        started_at: novaTime(s.launched_at!), ended_at: ended === null ? null : novaTime(ended), state: ended === null ? s.vm_state : 'terminated',
        uptime: Math.floor(((ended ?? now) - s.launched_at!) / 1000),
      };
      let summary = byProject.get(s.project_id);
      if (!summary) {
        summary = { tenant_id: s.project_id, total_local_gb_usage: 0, total_vcpus_usage: 0, total_memory_mb_usage: 0, total_hours: 0, start: novaTime(start), stop: novaTime(stop) };
        if (detailed) summary.server_usages = [];
        byProject.set(s.project_id, summary);
      }
      summary.total_local_gb_usage += info.local_gb * hours;
      summary.total_vcpus_usage += info.vcpus * hours;
      summary.total_memory_mb_usage += info.memory_mb * hours;
      summary.total_hours += hours;
      summary.server_usages?.push(info);
    }
    const next = limit !== undefined && servers.length > 0 && servers.length === limit ? servers[servers.length - 1].id : undefined;
    return { summaries: [...byProject.values()], next };
  }

  const link = (ctx: RequestContext, path: string, marker: string) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(ctx.query)) {
      if (k === 'marker' || v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) params.append(k, String(one));
    }
    params.set('marker', marker);
    return [{ rel: 'next', href: `${ctx.baseUrl}/v2.1/${path}?${params.toString()}` }];
  };

  return {
    listInstanceUsageAuditLogs: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-instance-usage-audit-log:list', {});
      return json({ instance_usage_audit_logs: await auditLog(nova, nova.clock.now()) });
    },
    showInstanceUsageAuditLog: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-instance-usage-audit-log:show', {});
      const id = ctx.params.before_timestamp;
      const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?$/.exec(id);
      const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : NaN;
      if (!m || Number.isNaN(ms) || new Date(ms).getUTCDate() !== Number(m[3])) throw badRequest(`Invalid timestamp for date ${id}`);
      return json({ instance_usage_audit_log: await auditLog(nova, ms) });
    },
    listTenantUsages: async (ctx) => {
      // `/os-simple-tenant-usage/` names an empty project id: no route upstream
      if (ctx.path.endsWith('/')) throw notFound('The resource could not be found.');
      nova.engine.authorize(ctx, `${POLICY}list`, { project_id: ctx.auth?.projectId ?? '' });
      const { summaries, next } = await usages(ctx, undefined, firstQuery(ctx, 'detailed') === '1');
      const body: Record<string, unknown> = { tenant_usages: summaries };
      if (next) body.tenant_usages_links = link(ctx, 'os-simple-tenant-usage', next);
      return json(body);
    },
    showTenantUsage: async (ctx) => {
      const project = ctx.params.tenant_id;
      nova.engine.authorize(ctx, `${POLICY}show`, { project_id: project });
      const { summaries, next } = await usages(ctx, project, true);
      const body: Record<string, unknown> = { tenant_usage: summaries[0] ?? {} };
      if (next) body.tenant_usage_links = link(ctx, `os-simple-tenant-usage/${project}`, next);
      return json(body);
    },
  };
}
