// GET /servers and /servers/detail: Nova's search options (which a non-admin may use, the
// rest ignored), status through the state map, regex filters, changes-since/before, tags,
// sorting on Nova's sort keys, and marker/limit paging with `servers_links`.
import type { ApiResponse, RequestContext } from '../../../platform/http/service-api.ts';
import { badRequest, forbidden } from '../../../platform/http/api-error.ts';
import { MarkerNotFoundError, type Condition, type Filter, type SortDirection } from '../../../platform/store/store.ts';
import { invalidQuery, json, nextLinks, since, type Nova } from '../support.ts';
import { serversOf, type ServerRecord } from './record.ts';
import { statesForStatuses } from './states.ts';
import { basicView, serverView, viewPowers } from './views.ts';
import { isAdminCtx, securityGroupsOfMany } from './common.ts';

const MAX_LIMIT = 1000;

/** sort keys Nova accepts (validation; SORT_FIELDS says what the store orders by) */
const SORT_KEYS: Record<string, (s: ServerRecord) => unknown> = {
  access_ip_v4: (s) => s.access_ip_v4, access_ip_v6: (s) => s.access_ip_v6, auto_disk_config: (s) => s.disk_config,
  availability_zone: (s) => s.availability_zone, config_drive: (s) => s.config_drive, created_at: (s) => s.created_at,
  display_description: (s) => s.description, display_name: (s) => s.name, host: (s) => s.host, hostname: (s) => s.hostname,
  image_ref: (s) => s.image_ref, instance_type_id: (s) => s.flavor?.id, kernel_id: () => '', key_name: (s) => s.key_name,
  launch_index: (s) => s.launch_index, launched_at: (s) => s.launched_at, locked_by: (s) => (s.locked ? 'owner' : null),
  node: (s) => s.node, power_state: (s) => s.power_state, progress: (s) => s.progress, project_id: (s) => s.project_id,
  ramdisk_id: () => '', root_device_name: () => null, task_state: (s) => s.task_state, terminated_at: (s) => s.terminated_at,
  updated_at: (s) => s.updated_at, user_id: (s) => s.user_id, uuid: (s) => s.id, vm_mode: () => null, vm_state: (s) => s.vm_state,
};

/** the stored field each sort key orders by; absent where stackgate keeps no value (a constant) */
const SORT_FIELDS: Record<string, string | undefined> = {
  access_ip_v4: 'access_ip_v4', access_ip_v6: 'access_ip_v6', auto_disk_config: 'disk_config', availability_zone: 'availability_zone',
  config_drive: 'config_drive', created_at: 'created_at', display_description: 'description', display_name: 'name', host: 'host',
  hostname: 'hostname', image_ref: 'image_ref', instance_type_id: 'flavor.id', key_name: 'key_name', launch_index: 'launch_index',
  launched_at: 'launched_at', locked_by: 'locked', node: 'node', power_state: 'power_state', progress: 'progress', project_id: 'project_id',
  task_state: 'task_state', terminated_at: 'terminated_at', updated_at: 'updated_at', user_id: 'user_id', uuid: 'id', vm_state: 'vm_state',
};

const all = (ctx: RequestContext, name: string): string[] => {
  const v = ctx.query[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};
const last = (ctx: RequestContext, name: string): string | undefined => all(ctx, name).at(-1);

function parseTime(name: string, raw: string): number {
  const normalized = raw.replace(' ', 'T');
  const t = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(normalized) ? Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(normalized) || normalized.length <= 10 ? normalized : `${normalized}Z`) : NaN;
  if (Number.isNaN(t)) throw invalidQuery(name, raw, `'${raw}' is not a 'date-time'`);
  return t;
}

function boolQuery(name: string, raw: string): boolean {
  const v = raw.toLowerCase();
  if (['true', 't', '1', 'yes', 'y', 'on'].includes(v)) return true;
  if (['false', 'f', '0', 'no', 'n', 'off'].includes(v)) return false;
  throw badRequest(`Unrecognized value '${raw}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'`);
}

function regex(raw: string): RegExp | undefined {
  try {
    return new RegExp(raw);
  } catch {
    return undefined;
  }
}

function tagList(ctx: RequestContext, name: string): string[] {
  return all(ctx, name).flatMap((v) => v.split(',')).map((t) => t.trim()).filter(Boolean);
}

export async function listServers(nova: Nova, ctx: RequestContext, detail: boolean): Promise<ApiResponse> {
  const admin = isAdminCtx(nova, ctx);
  const project = ctx.auth?.projectId ?? '';
  nova.engine.authorize(ctx, `os_compute_api:servers:${detail ? 'detail' : 'index'}`, { project_id: project });
  const allFilters = nova.engine.allows(ctx, 'os_compute_api:servers:allow_all_filters', { project_id: project });

  const filter: Filter = {};
  const allTenantsRaw = last(ctx, 'all_tenants');
  const allTenants = allTenantsRaw !== undefined && (allTenantsRaw === '' || boolQuery('all_tenants', allTenantsRaw));
  if (allTenants) {
    nova.engine.authorize(ctx, `os_compute_api:servers:${detail ? 'detail' : 'index'}:get_all_tenants`, { project_id: project });
    const asked = last(ctx, 'project_id') ?? last(ctx, 'tenant_id');
    if (asked) filter.project_id = asked;
  } else {
    filter.project_id = project;
  }

  const changesSinceRaw = last(ctx, 'changes-since');
  const changesBeforeRaw = since(ctx, '2.66') ? last(ctx, 'changes-before') : undefined;
  const changesSince = changesSinceRaw === undefined ? undefined : parseTime('changes-since', changesSinceRaw);
  const changesBefore = changesBeforeRaw === undefined ? undefined : parseTime('changes-before', changesBeforeRaw);
  if (changesSince !== undefined && changesBefore !== undefined && changesSince > changesBefore) {
    throw badRequest('The value of changes-since must be less than or equal to changes-before.');
  }
  // deleted servers show only to admins asking for them, or with a changes-since/before window
  const deletedRaw = allFilters ? last(ctx, 'deleted') : undefined;
  const showDeleted = deletedRaw !== undefined ? boolQuery('deleted', deletedRaw) : undefined;
  if (showDeleted !== undefined) filter.deleted = showDeleted;
  else if (changesSince === undefined && changesBefore === undefined) filter.deleted = false;

  // status through Nova's state map; unknown ones are an error from 2.38 and match nothing before
  let vmStates: string[] | undefined;
  let taskStates: string[] | undefined;
  const statuses = all(ctx, 'status');
  if (statuses.length) {
    const wanted = statuses.map((s) => s.toUpperCase());
    if (wanted.includes('DELETED')) {
      if (!admin) throw forbidden('Only administrators may list deleted instances');
      filter.deleted = true;
    } else {
      const states = statesForStatuses(wanted);
      if (!states.vmStates.length) {
        if (since(ctx, '2.38')) throw badRequest('Invalid status value');
        return json(detail ? { servers: [] } : { servers: [] });
      }
      vmStates = states.vmStates;
      if (!states.taskStates.includes('default')) taskStates = states.taskStates;
    }
  }

  // sort keys and directions, as many as given, paired in order
  const sortKeys = all(ctx, 'sort_key');
  const sortDirs = all(ctx, 'sort_dir');
  for (const key of sortKeys) {
    if (!(key in SORT_KEYS) && !(key === 'locked' && since(ctx, '2.73'))) {
      throw invalidQuery('sort_key', key, `'${key}' is not one of ${JSON.stringify(Object.keys(SORT_KEYS).sort())}`);
    }
    if ((key === 'host' || key === 'node') && !allFilters) throw forbidden('Only administrators can sort servers by host or node');
  }
  for (const dir of sortDirs) if (dir !== 'asc' && dir !== 'desc') throw invalidQuery('sort_dir', dir, `'${dir}' is not one of ['asc', 'desc']`);

  const limitRaw = last(ctx, 'limit');
  let limit: number | undefined;
  if (limitRaw !== undefined) {
    if (!/^\d+$/.test(limitRaw)) throw invalidQuery('limit', limitRaw, `'${limitRaw}' does not match '^[0-9]*$'`);
    limit = Math.min(Number(limitRaw), MAX_LIMIT);
  }
  const marker = last(ctx, 'marker');

  // Each filter goes to the store when it maps onto a stored field; the rest (regexes, address
  // and negated tag matches, a second condition on one field) test the store's rows in memory.
  const tests: Array<(s: ServerRecord) => boolean> = [];
  const keep = (test: (s: ServerRecord) => boolean) => { tests.push(test); };
  const where = (field: string, condition: Condition, test: (s: ServerRecord) => boolean) => {
    if (field in filter) keep(test);
    else filter[field] = condition;
  };
  const literal = (raw: string) => !/[\\^$.|?*+()[\]{}]/.test(raw);

  if (vmStates) where('vm_state', { $in: vmStates }, (s) => vmStates!.includes(s.vm_state));
  if (taskStates) where('task_state', { $in: taskStates }, (s) => taskStates!.includes(s.task_state ?? 'default'));
  if (changesSince !== undefined || changesBefore !== undefined) {
    const range: { $gte?: number; $lte?: number } = {};
    if (changesSince !== undefined) range.$gte = changesSince;
    if (changesBefore !== undefined) range.$lte = changesBefore;
    filter.updated_at = range;
  }

  const name = last(ctx, 'name');
  if (name !== undefined) {
    const re = regex(name);
    const test = (s: ServerRecord) => (re ? re.test(s.name) : s.name.includes(name));
    // an anchored literal is a prefix the store can match; the regex still decides
    if (re && name.startsWith('^') && name.length > 1 && literal(name.slice(1))) where('name', { $prefix: name.slice(1) }, test);
    else keep(test);
  }
  const image = last(ctx, 'image');
  if (image !== undefined) { const id = image.split('/').pop() ?? ''; where('image_ref', id, (s) => s.image_ref === id); }
  const flavor = last(ctx, 'flavor');
  if (flavor !== undefined) { const id = flavor.split('/').pop() ?? ''; where('flavor.id', id, (s) => s.flavor?.id === id); }
  const reservation = last(ctx, 'reservation_id');
  if (reservation !== undefined) where('reservation_id', reservation, (s) => s.reservation_id === reservation);
  const addressMatch = (version: 4 | 6 | 0, raw: string) => {
    const re = regex(raw);
    keep((s) => Object.values(s.addresses ?? {}).some((list) => list.some((a) => (version === 0 || a.version === version) && (re ? re.test(a.addr) : a.addr.includes(raw)))));
  };
  const ip = last(ctx, 'ip');
  if (ip !== undefined) addressMatch(4, ip);
  const ip6 = since(ctx, '2.5') || allFilters ? last(ctx, 'ip6') : undefined;
  if (ip6 !== undefined) addressMatch(6, ip6);

  if (since(ctx, '2.26')) {
    const tags = tagList(ctx, 'tags');
    const tagsAny = tagList(ctx, 'tags-any');
    const notTags = tagList(ctx, 'not-tags');
    const notTagsAny = tagList(ctx, 'not-tags-any');
    if (tags.length) where('tags', { $containsAll: tags }, (s) => tags.every((t) => s.tags.includes(t)));
    if (tagsAny.length) where('tags', { $containsAny: tagsAny }, (s) => tagsAny.some((t) => s.tags.includes(t)));
    if (notTags.length) keep((s) => !notTags.every((t) => s.tags.includes(t)));
    if (notTagsAny.length) keep((s) => !notTagsAny.some((t) => s.tags.includes(t)));
  }
  if (since(ctx, '2.73')) {
    const locked = last(ctx, 'locked');
    if (locked !== undefined) { const want = boolQuery('locked', locked); where('locked', want, (s) => s.locked === want); }
  }
  // the filters a non-admin may use from 2.83; admins (allow_all_filters) always
  const userFilters = allFilters || since(ctx, '2.83');
  if (userFilters) {
    const az = last(ctx, 'availability_zone');
    if (az !== undefined) where('availability_zone', az, (s) => s.availability_zone === az);
    const keyName = last(ctx, 'key_name');
    if (keyName !== undefined) where('key_name', keyName, (s) => s.key_name === keyName);
    const description = last(ctx, 'description');
    if (description !== undefined) { const re = regex(description); keep((s) => (re ? re.test(s.description ?? '') : s.description === description)); }
    const vmStateParam = all(ctx, 'vm_state');
    if (vmStateParam.length) where('vm_state', { $in: vmStateParam }, (s) => vmStateParam.includes(String(s.vm_state)));
    const taskStateParam = all(ctx, 'task_state');
    if (taskStateParam.length) {
      const test = (s: ServerRecord) => taskStateParam.includes(String(s.task_state));
      // 'null' matches a server with no task running (String(null)), which $in on strings cannot say
      if (taskStateParam.includes('null')) keep(test);
      else where('task_state', { $in: taskStateParam }, test);
    }
    const power = all(ctx, 'power_state');
    if (power.length) {
      const test = (s: ServerRecord) => power.includes(String(s.power_state));
      if (power.every((p) => /^\d+$/.test(p) && String(Number(p)) === p)) where('power_state', { $in: power.map(Number) }, test);
      else keep(test);
    }
    const configDrive = last(ctx, 'config_drive');
    if (configDrive !== undefined) {
      const want = boolQuery('config_drive', configDrive);
      const test = (s: ServerRecord) => (s.config_drive === 'True') === want;
      if (want) where('config_drive', 'True', test);
      else keep(test);
    }
    const userId = last(ctx, 'user_id');
    if (userId !== undefined) where('user_id', userId, (s) => s.user_id === userId);
  }
  if (allFilters) {
    const host = last(ctx, 'host');
    if (host !== undefined) where('host', host, (s) => s.host === host);
    const node = last(ctx, 'node');
    if (node !== undefined) where('node', node, (s) => s.node === node);
    const hostname = last(ctx, 'hostname');
    if (hostname !== undefined) { const re = regex(hostname); keep((s) => (re ? re.test(s.hostname) : s.hostname === hostname)); }
    const uuidFilter = last(ctx, 'uuid');
    if (uuidFilter !== undefined) where('id', uuidFilter, (s) => s.id === uuidFilter);
  }

  // sort: the asked keys (directions pair up, default desc), then created_at desc, id desc; keys
  // Nova sorts on but stackgate keeps no value for are constant and drop out of the order
  const sort: Array<[string, SortDirection]> = [];
  sortKeys.forEach((k, i) => {
    const field = k === 'locked' ? 'locked' : SORT_FIELDS[k];
    if (field) sort.push([field, (sortDirs[i] ?? sortDirs[0] ?? 'desc') as SortDirection]);
  });
  if (!sortKeys.length) sort.push(['created_at', 'desc']);
  sort.push(['id', (sortKeys.length ? sortDirs[0] ?? 'desc' : 'desc') as SortDirection]);

  const servers = serversOf(nova);
  const matches = (s: ServerRecord) => tests.every((test) => test(s));
  if (marker !== undefined) {
    // the marker must be one of the servers this request lists, as before the store paged
    const at = await servers.findOne({ ...filter, id: marker });
    if (!at || !matches(at)) throw badRequest(`marker [${marker}] not found`);
  }
  const capped = limit ?? MAX_LIMIT;
  const page: ServerRecord[] = [];
  if (capped > 0) {
    // read the store's order in windows until the page is full; with no in-memory test the first is the page
    let after = marker;
    const window = tests.length ? Math.max(capped, 500) : capped;
    for (;;) {
      let rows: ServerRecord[];
      try {
        rows = await servers.find(filter, { sort, limit: window, marker: after });
      } catch (error) {
        if (error instanceof MarkerNotFoundError) throw badRequest(`marker [${marker}] not found`);
        throw error;
      }
      for (const s of rows) {
        if (matches(s)) page.push(s);
        if (page.length === capped) break;
      }
      if (page.length === capped || rows.length < window) break;
      after = rows[rows.length - 1].id;
    }
  }

  const powers = viewPowers(nova, ctx);
  const groups = detail ? await securityGroupsOfMany(nova, page) : new Map<string, Array<{ name: string }>>();
  const body: Record<string, unknown> = {
    servers: detail ? page.map((s) => serverView(ctx, s, powers, { securityGroups: groups.get(s.id) })) : page.map((s) => basicView(ctx, s)),
  };
  const next = nextLinks(ctx, detail ? 'servers/detail' : 'servers', page.map((s) => ({ marker: s.id })), page.length === capped ? capped : limit);
  if (next) body.servers_links = next;
  return json(body);
}
