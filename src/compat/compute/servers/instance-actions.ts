// /servers/{id}/os-instance-actions[/{request_id}]: what was done to a server and its events.
// Events show to admins, and to everyone from 2.51 (tracebacks stay admin-only); updated_at
// and paging from 2.58, event hosts from 2.62, changes-before from 2.66.
import type { OperationHandler, RequestContext } from '../../../platform/http/service-api.ts';
import { badRequest, notFound } from '../../../platform/http/api-error.ts';
import { invalidQuery, json, since } from '../support.ts';
import { instanceActionsOf, serversOf, type InstanceActionRecord, type ServerRecord } from './record.ts';
import { hostIdOf, naiveTime } from './views.ts';
import { instanceNotFound, isAdminCtx, targetOf, type ServersDeps } from './common.ts';

function parseTime(name: string, raw: string): number {
  const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(raw) ? raw : `${raw.replace(' ', 'T')}Z`);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(t)) throw invalidQuery(name, raw, `'${raw}' is not a 'date-time'`);
  return t;
}

export function instanceActionHandlers(deps: ServersDeps): Record<string, OperationHandler> {
  const { nova } = deps;
  /** from 2.21 the actions of a deleted server stay readable */
  const load = async (ctx: RequestContext, rule: string): Promise<ServerRecord> => {
    const id = ctx.params.server_id;
    const server = await serversOf(nova).get(id);
    const visible = server && (server.project_id === ctx.auth?.projectId || isAdminCtx(nova, ctx));
    if (!server || !visible || (server.deleted && !since(ctx, '2.21'))) throw instanceNotFound(id);
    nova.engine.authorize(ctx, `os_compute_api:os-instance-actions:${rule}`, targetOf(server));
    return server;
  };
  const view = (ctx: RequestContext, a: InstanceActionRecord) => {
    const v: Record<string, unknown> = {
      action: a.action, instance_uuid: a.instance_uuid, message: a.message, project_id: a.project_id,
      request_id: a.request_id, start_time: naiveTime(a.start_time), user_id: a.user_id,
    };
    if (since(ctx, '2.58')) v.updated_at = naiveTime(a.updated_at);
    return v;
  };
  return {
    listInstanceActions: async (ctx) => {
      const server = await load(ctx, 'list');
      let actions = (await instanceActionsOf(nova).find({ instance_uuid: server.id })).sort((a, b) => b.start_time - a.start_time || (a.id < b.id ? 1 : -1));
      if (since(ctx, '2.58')) {
        const q = (n: string) => { const v = ctx.query[n]; return Array.isArray(v) ? v.at(-1) : v; };
        const changesSince = q('changes-since');
        const changesBefore = since(ctx, '2.66') ? q('changes-before') : undefined;
        const after = changesSince === undefined ? undefined : parseTime('changes-since', changesSince);
        const before = changesBefore === undefined ? undefined : parseTime('changes-before', changesBefore);
        if (after !== undefined && before !== undefined && after > before) throw badRequest('The value of changes-since must be less than or equal to changes-before.');
        if (after !== undefined) actions = actions.filter((a) => a.updated_at >= after);
        if (before !== undefined) actions = actions.filter((a) => a.updated_at <= before);
        const marker = q('marker');
        if (marker !== undefined) {
          const at = actions.findIndex((a) => a.request_id === marker);
          if (at < 0) throw badRequest(`Marker ${marker} could not be found.`);
          actions = actions.slice(at + 1);
        }
        const limit = q('limit');
        if (limit !== undefined) {
          if (!/^\d+$/.test(limit)) throw invalidQuery('limit', limit, `'${limit}' does not match '^[0-9]*$'`);
          const n = Math.min(Number(limit), 1000);
          const page = actions.slice(0, n);
          const body: Record<string, unknown> = { instanceActions: page.map((a) => view(ctx, a)) };
          if (page.length === n && n > 0) {
            const params = new URLSearchParams({ limit: String(n), marker: page[page.length - 1].request_id });
            body.links = [{ rel: 'next', href: `${ctx.baseUrl}/v2.1/servers/${server.id}/os-instance-actions?${params}` }];
          }
          return json(body);
        }
      }
      return json({ instanceActions: actions.map((a) => view(ctx, a)) });
    },
    showInstanceAction: async (ctx) => {
      const server = await load(ctx, 'show');
      const action = (await instanceActionsOf(nova).find({ instance_uuid: server.id })).find((a) => a.request_id === ctx.params.request_id);
      if (!action) throw notFound(`Action for request_id ${ctx.params.request_id} on instance ${server.id} not found`);
      const v = view(ctx, action);
      const target = targetOf(server);
      const eventsAllowed = nova.engine.allows(ctx, 'os_compute_api:os-instance-actions:events', target);
      if (eventsAllowed || since(ctx, '2.51')) {
        const details = nova.engine.allows(ctx, 'os_compute_api:os-instance-actions:events:details', target);
        v.events = action.events.map((e) => {
          const ev: Record<string, unknown> = { event: e.event, start_time: naiveTime(e.start_time), finish_time: naiveTime(e.finish_time), result: e.result };
          if (details) ev.traceback = e.traceback;
          if (since(ctx, '2.62')) {
            ev.hostId = hostIdOf({ host: e.host, project_id: server.project_id });
            if (details && e.host) ev.host = e.host;
          }
          return ev;
        });
      }
      return json({ instanceAction: v });
    },
  };
}
