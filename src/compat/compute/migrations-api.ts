// os-migrations: the resize and migration records the conductor keeps, for admins, with
// Nova's filters and the fields each microversion adds (migration_type and links 2.23; uuid,
// changes-since and paging 2.59; changes-before 2.66; user_id and project_id 2.80).
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest } from '../../platform/http/api-error.ts';
import type { PolicyRuleDefault } from '../../identity/policy/enforcer.ts';
import { firstQuery, invalidQuery, json, since, type Nova } from './support.ts';
import { migrationsOf, type MigrationRecord } from './agents/migrations.ts';
import { novaTime } from './usage.ts';

export const MIGRATION_RULES: PolicyRuleDefault[] = [
  { name: 'os_compute_api:os-migrations:index', checkStr: 'rule:context_is_admin', scopeTypes: ['project'] },
];

/** Nova shows the flavors' internal integer ids; ours are their flavor ids, shown when numeric */
const flavorNumber = (id: string | null | undefined) => (id !== null && id !== undefined && /^\d+$/.test(id) ? Number(id) : null);

function parseChangesTime(name: string, raw: string): number {
  const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(raw) ? raw : `${raw}Z`);
  if (Number.isNaN(ms)) throw invalidQuery(name, raw, `'${raw}' is not a 'date-time'`);
  return ms;
}

function view(ctx: RequestContext, m: MigrationRecord): Record<string, unknown> {
  const v: Record<string, unknown> = {
    id: m.seq, status: m.status, instance_uuid: m.instance_uuid, source_node: m.source_node, source_compute: m.source_compute,
    dest_node: m.dest_node, dest_compute: m.dest_compute, dest_host: m.dest_host,
    old_instance_type_id: flavorNumber(m.old_instance_type_id), new_instance_type_id: flavorNumber(m.new_instance_type_id),
    created_at: novaTime(m.created_at), updated_at: m.updated_at ? novaTime(m.updated_at) : null,
  };
  if (since(ctx, '2.23')) {
    v.migration_type = m.migration_type;
    if (m.migration_type === ('live-migration' as string) && ['queued', 'preparing', 'running'].includes(m.status)) {
      v.links = [
        { rel: 'self', href: `${ctx.baseUrl}/v2.1/servers/${m.instance_uuid}/migrations/${m.seq}` },
        { rel: 'bookmark', href: `${ctx.baseUrl}/servers/${m.instance_uuid}/migrations/${m.seq}` },
      ];
    }
  }
  if (since(ctx, '2.59')) v.uuid = m.id;
  if (since(ctx, '2.80')) {
    v.user_id = m.user_id;
    v.project_id = m.project_id;
  }
  return v;
}

export function migrationHandlers(nova: Nova): Record<string, OperationHandler> {
  return {
    listMigrations: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-migrations:index', { project_id: ctx.auth?.projectId ?? '' });
      const q = (name: string) => firstQuery(ctx, name);
      let all = await migrationsOf(nova).find({}, { sort: [['created_at', 'desc'], ['seq', 'desc']] });
      const equal: Array<[string, keyof MigrationRecord]> = [['status', 'status'], ['instance_uuid', 'instance_uuid'], ['source_compute', 'source_compute']];
      if (since(ctx, '2.23')) equal.push(['migration_type', 'migration_type']);
      if (since(ctx, '2.80')) equal.push(['user_id', 'user_id'], ['project_id', 'project_id']);
      for (const [param, field] of equal) {
        const want = q(param);
        if (want !== undefined) all = all.filter((m) => String(m[field]) === want);
      }
      const host = q('host');
      if (host !== undefined) all = all.filter((m) => m.source_compute === host || m.dest_compute === host);
      const hidden = q('hidden');
      all = all.filter((m) => Boolean(m.hidden) === (hidden !== undefined && ['1', 'true', 'True', 'yes'].includes(hidden)));
      if (since(ctx, '2.59')) {
        const changesSince = q('changes-since');
        const changesBefore = since(ctx, '2.66') ? q('changes-before') : undefined;
        const after = changesSince === undefined ? undefined : parseChangesTime('changes-since', changesSince);
        const before = changesBefore === undefined ? undefined : parseChangesTime('changes-before', changesBefore);
        if (after !== undefined && before !== undefined && before < after) {
          throw badRequest(`The value of changes-since must be less than or equal to changes-before.`);
        }
        if (after !== undefined) all = all.filter((m) => m.updated_at >= after);
        if (before !== undefined) all = all.filter((m) => m.updated_at <= before);
        const marker = q('marker');
        if (marker !== undefined) {
          const at = all.findIndex((m) => m.id === marker);
          if (at < 0) throw badRequest(`Marker ${marker} could not be found.`);
          all = all.slice(at + 1);
        }
        const rawLimit = q('limit');
        if (rawLimit !== undefined) {
          if (!/^\d+$/.test(rawLimit)) throw invalidQuery('limit', rawLimit, `'${rawLimit}' does not match '^[0-9]*$'`);
          const limit = Math.min(Number(rawLimit), 1000);
          const page = all.slice(0, limit);
          const body: Record<string, unknown> = { migrations: page.map((m) => view(ctx, m)) };
          if (page.length === limit && limit > 0) {
            const params = new URLSearchParams();
            for (const [k, v] of Object.entries(ctx.query)) if (k !== 'marker' && v !== undefined) for (const one of [v].flat()) params.append(k, String(one));
            params.set('marker', page[page.length - 1].id);
            body.migrations_links = [{ rel: 'next', href: `${ctx.baseUrl}/v2.1/os-migrations?${params.toString()}` }];
          }
          return json(body);
        }
      }
      return json({ migrations: all.map((m) => view(ctx, m)) });
    },
  };
}
