// POST /os-server-external-events (admin; what Neutron and Cinder tell Nova about a server):
// each event answers per server (200 completed, or 404 failed for an unknown or unbuilt
// server); the whole request is 200, 207 when some failed, 404 when all did.
import type { OperationHandler } from '../../../platform/http/service-api.ts';
import { notFound } from '../../../platform/http/api-error.ts';
import { invalidField, json, since } from '../support.ts';
import { serversOf } from './record.ts';
import type { ServersDeps } from './common.ts';
import { requireObject } from './validation.ts';

function eventNames(version: (v: string) => boolean): string[] {
  const names = ['network-changed', 'network-vif-plugged', 'network-vif-unplugged', 'network-vif-deleted'];
  if (version('2.51')) names.push('volume-extended');
  if (version('2.76')) names.push('power-update');
  if (version('2.82')) names.push('accelerator-request-bound');
  if (version('2.93')) names.push('volume-reimaged');
  return names;
}

export function externalEventHandlers(deps: ServersDeps): Record<string, OperationHandler> {
  const { nova } = deps;
  return {
    createServerExternalEvents: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-server-external-events:create', {});
      const body = requireObject('body', ctx.body);
      if (!Array.isArray(body.events) || body.events.length === 0) throw invalidField('events', body.events, `${JSON.stringify(body.events)} is too short`);
      const allowed = eventNames((v) => since(ctx, v));
      const checked = body.events.map((raw: unknown) => {
        const e = requireObject('events', raw);
        if (typeof e.server_uuid !== 'string') throw invalidField('server_uuid', e.server_uuid, "'server_uuid' is a required property");
        if (!allowed.includes(String(e.name))) throw invalidField('name', e.name, `'${String(e.name)}' is not one of ${JSON.stringify(allowed)}`);
        if (e.status !== undefined && !['failed', 'completed', 'in-progress'].includes(String(e.status))) {
          throw invalidField('status', e.status, `'${String(e.status)}' is not one of ['failed', 'completed', 'in-progress']`);
        }
        return e;
      });
      const results = [];
      for (const e of checked) {
        const server = await serversOf(nova).get(e.server_uuid);
        const known = server && !server.deleted && server.host;
        const out: Record<string, unknown> = { name: e.name, server_uuid: e.server_uuid, status: known ? 'completed' : 'failed', code: known ? 200 : (server && !server.deleted ? 422 : 404) };
        if (e.tag !== undefined) out.tag = e.tag;
        results.push(out);
      }
      const ok = results.filter((r) => r.code === 200).length;
      if (ok === 0) throw notFound('No instances found for any event');
      return json({ events: results }, ok === results.length ? 200 : 207);
    },
  };
}
