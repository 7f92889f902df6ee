// GET/PUT/DELETE /servers/{id}: the show view, the update of names and addresses (Nova
// leaves state and lock alone there), and delete (lock checked, the agents tear down).
import type { ApiResponse, RequestContext } from '../../../platform/http/service-api.ts';
import { invalidField, json, since } from '../support.ts';
import type { ServerRecord } from './record.ts';
import { serverView, viewPowers } from './views.ts';
import { casUpdate, checkLock, engineContext, findServer, handOver, recordAction, securityGroupsOf, targetOf, type ServersDeps } from './common.ts';
import { canonicalIp, checkAccessIp, checkDescription, checkHostname, checkName, requireObject } from './validation.ts';

export async function showServer(deps: ServersDeps, ctx: RequestContext): Promise<ApiResponse> {
  const server = await findServer(deps.nova, ctx, ctx.params.server_id);
  deps.nova.engine.authorize(ctx, 'os_compute_api:servers:show', targetOf(server));
  const securityGroups = await securityGroupsOf(deps.nova, server);
  return json({ server: serverView(ctx, server, viewPowers(deps.nova, ctx), { serverGroups: true, securityGroups }) });
}

export async function updateServer(deps: ServersDeps, ctx: RequestContext): Promise<ApiResponse> {
  const { nova } = deps;
  const body = requireObject('body', ctx.body);
  const s = requireObject('server', body.server);
  const allowed = new Set(['name', 'accessIPv4', 'accessIPv6', 'OS-DCF:diskConfig']);
  if (since(ctx, '2.19')) allowed.add('description');
  if (since(ctx, '2.90')) allowed.add('hostname');
  const extra = Object.keys(s).filter((k) => !allowed.has(k));
  if (extra.length) throw invalidField('server', '{...}', `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
  const set: Partial<ServerRecord> = {};
  if (s.name !== undefined) set.name = checkName(s.name);
  if (s.description !== undefined) set.description = checkDescription(s.description);
  if (s.hostname !== undefined) set.hostname = checkHostname(s.hostname);
  for (const [field, key, version] of [['accessIPv4', 'access_ip_v4', 4], ['accessIPv6', 'access_ip_v6', 6]] as const) {
    const v = s[field];
    if (v === undefined) continue;
    if (v !== null && v !== '' && (typeof v !== 'string' || !checkAccessIp(v, version))) throw invalidField(field, v, `'${String(v)}' is not a '${version === 4 ? 'ipv4' : 'ipv6'}'`);
    set[key] = typeof v === 'string' ? canonicalIp(v) : '';
  }
  if (s['OS-DCF:diskConfig'] !== undefined) {
    if (!['AUTO', 'MANUAL'].includes(String(s['OS-DCF:diskConfig']))) throw invalidField('OS-DCF:diskConfig', s['OS-DCF:diskConfig'], `'${String(s['OS-DCF:diskConfig'])}' is not one of ['AUTO', 'MANUAL']`);
    set.disk_config = s['OS-DCF:diskConfig'];
  }
  const server = await findServer(nova, ctx, ctx.params.server_id);
  nova.engine.authorize(ctx, 'os_compute_api:servers:update', targetOf(server));
  let updated = server;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      updated = await casUpdate(nova, attempt === 0 ? server : await findServer(nova, ctx, server.id), set, 'update');
      break;
    } catch (error) {
      if (attempt === 4) throw error;
    }
  }
  const securityGroups = since(ctx, '2.75') ? await securityGroupsOf(nova, updated) : [];
  const view = serverView(ctx, updated, viewPowers(nova, ctx), { trimmed: !since(ctx, '2.75'), serverGroups: true, securityGroups });
  return json({ server: view });
}

export async function deleteServer(deps: ServersDeps, ctx: RequestContext): Promise<ApiResponse> {
  const { nova } = deps;
  const server = await findServer(nova, ctx, ctx.params.server_id);
  nova.engine.authorize(ctx, 'os_compute_api:servers:delete', targetOf(server));
  checkLock(nova, ctx, server);
  let current = server;
  for (let attempt = 0; ; attempt++) {
    try {
      await casUpdate(nova, current, { task_state: 'deleting' }, 'delete');
      break;
    } catch (error) {
      // the agents may have just moved the record; delete wins over any state
      if (attempt >= 4) throw error;
      current = await findServer(nova, ctx, server.id);
    }
  }
  await recordAction(nova, ctx, server.id, 'delete');
  await handOver(() => deps.engine().delete(server.id, engineContext(ctx)));
  return { status: 204 };
}
