// POST /servers/{id}/action: each action checks policy, the lock and the state as Nova's
// compute API does, sets the task_state, records the instance action and hands the work
// to the agents. Actions that only change the record (lock, resetState) end here.
import type { ApiResponse, RequestContext } from '../../../platform/http/service-api.ts';
import { ApiError, badRequest, conflict, notFound } from '../../../platform/http/api-error.ts';
import { uuid } from '../../../platform/ids.ts';
import { intField, invalidField, json, since } from '../support.ts';
import { effectiveQuota } from '../quotas.ts';
import { keypairsOf } from '../keypairs.ts';
import { serversOf, type ServerRecord } from './record.ts';
import { ACTION_STATES, checkState } from './states.ts';
import { serverView, viewPowers } from './views.ts';
import { casUpdate, checkLock, engineContext, findServer, generatePassword, handOver, isAdminCtx, recordAction, securityGroupsOf, targetOf, type ServersDeps } from './common.ts';
import { securityGroupActions } from '../security-groups-proxy.ts';
import { flavorFromRef, flavorSnapshot } from './create.ts';
import { canonicalIp, checkAccessIp, checkDescription, checkHostname, checkMetadata, checkMetadataQuota, checkName, isUuid, requireObject } from './validation.ts';

type Loaded = ServerRecord & { _rev: number };
export type ActionHandler = (deps: ServersDeps, ctx: RequestContext, server: Loaded, body: unknown) => Promise<ApiResponse>;

const accepted: ApiResponse = { status: 202 };

/** the common path: policy, lock, state, task_state, instance action, agents */
function agentAction(options: { policy: string; state: string; task: string | null; action: string; engineAction?: string; params?: (body: unknown) => Record<string, unknown>; checkLock?: boolean }): ActionHandler {
  return async (deps, ctx, server, body) => {
    const { nova } = deps;
    nova.engine.authorize(ctx, options.policy, targetOf(server));
    if (options.checkLock !== false) checkLock(nova, ctx, server);
    checkState(server, options.state, ACTION_STATES[options.state], options.action);
    const params = options.params?.(body) ?? {};
    await casUpdate(nova, server, { task_state: options.task }, options.action);
    await recordAction(nova, ctx, server.id, options.action);
    await handOver(() => deps.engine().action(server.id, options.engineAction ?? options.action, params, engineContext(ctx)));
    return accepted;
  };
}

function diskConfig(value: unknown): string {
  if (value !== 'AUTO' && value !== 'MANUAL') throw invalidField('OS-DCF:diskConfig', value, `'${String(value)}' is not one of ['AUTO', 'MANUAL']`);
  return value;
}

const REBOOT_TYPES = ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'];

const reboot: ActionHandler = async (deps, ctx, server, body) => {
  const b = requireObject('reboot', body);
  if (b.type === undefined) throw invalidField('reboot', '{}', "'type' is a required property");
  if (!REBOOT_TYPES.includes(String(b.type))) throw invalidField('type', b.type, `'${String(b.type)}' is not one of ${JSON.stringify(REBOOT_TYPES)}`);
  const hard = String(b.type).toUpperCase() === 'HARD';
  return agentAction({ policy: 'os_compute_api:servers:reboot', state: hard ? 'reboot_hard' : 'reboot', action: 'reboot', task: hard ? 'rebooting_hard' : 'rebooting', params: () => ({ type: hard ? 'HARD' : 'SOFT' }) })(deps, ctx, server, body);
};

const resize: ActionHandler = async (deps, ctx, server, body) => {
  const { nova } = deps;
  const b = requireObject('resize', body);
  if (b.flavorRef === undefined) throw invalidField('resize', '{...}', "'flavorRef' is a required property");
  nova.engine.authorize(ctx, 'os_compute_api:servers:resize', targetOf(server));
  checkLock(nova, ctx, server);
  checkState(server, 'resize');
  const flavor = await flavorFromRef(nova, ctx, b.flavorRef, isAdminCtx(nova, ctx));
  if (!flavor) throw badRequest('Unable to locate requested flavor.');
  if (flavor.id === server.flavor.id) throw badRequest('When resizing, instances must change flavor!');
  if (flavor.disabled) throw badRequest('Flavor is disabled.');
  if (server.image_ref && flavor.root_gb > 0 && flavor.root_gb < server.flavor.disk) {
    throw badRequest(`Resize error: Unable to resize disk down.`);
  }
  // the growth must fit the project's cores and ram quota
  const quota = await effectiveQuota(nova, server.project_id);
  const live = await serversOf(nova).find({ project_id: server.project_id, deleted: false });
  for (const [k, used, grow] of [
    ['cores', live.reduce((s, x) => s + x.flavor.vcpus, 0), flavor.vcpus - server.flavor.vcpus],
    ['ram', live.reduce((s, x) => s + x.flavor.ram, 0), flavor.memory_mb - server.flavor.ram],
  ] as const) {
    if (grow > 0 && quota[k] >= 0 && used + grow > quota[k]) {
      throw new ApiError(403, `Quota exceeded for ${k}: Requested ${grow}, but already used ${used} of ${quota[k]} ${k}`);
    }
  }
  const set: Partial<ServerRecord> = { task_state: 'resize_prep', new_flavor: flavorSnapshot(flavor) };
  if (b['OS-DCF:diskConfig'] !== undefined) set.disk_config = diskConfig(b['OS-DCF:diskConfig']);
  await casUpdate(nova, server, set, 'resize');
  await recordAction(nova, ctx, server.id, 'resize');
  await handOver(() => deps.engine().action(server.id, 'resize', { flavorId: flavor.id }, engineContext(ctx)));
  return accepted;
};

const confirmResize: ActionHandler = async (deps, ctx, server) => {
  const { nova } = deps;
  nova.engine.authorize(ctx, 'os_compute_api:servers:confirm_resize', targetOf(server));
  checkLock(nova, ctx, server);
  if (server.vm_state !== 'resized') throw badRequest(`Instance has not been resized.`);
  checkState(server, 'confirmResize');
  await casUpdate(nova, server, {}, 'confirmResize');
  await recordAction(nova, ctx, server.id, 'confirmResize');
  await handOver(() => deps.engine().action(server.id, 'confirmResize', {}, engineContext(ctx)));
  return { status: 204 };
};

const revertResize: ActionHandler = async (deps, ctx, server, body) => {
  if (server.vm_state !== 'resized') throw badRequest(`Instance has not been resized.`);
  return agentAction({ policy: 'os_compute_api:servers:revert_resize', state: 'revertResize', action: 'revertResize', task: 'resize_reverting' })(deps, ctx, server, body);
};

const rebuild: ActionHandler = async (deps, ctx, server, body) => {
  const { nova } = deps;
  const b = requireObject('rebuild', body);
  const allowed = new Set(['imageRef', 'name', 'adminPass', 'metadata', 'accessIPv4', 'accessIPv6', 'OS-DCF:diskConfig', 'preserve_ephemeral']);
  if (!since(ctx, '2.57')) allowed.add('personality');
  if (since(ctx, '2.19')) allowed.add('description');
  if (since(ctx, '2.54')) allowed.add('key_name');
  if (since(ctx, '2.57')) allowed.add('user_data');
  if (since(ctx, '2.63')) allowed.add('trusted_image_certificates');
  if (since(ctx, '2.90')) allowed.add('hostname');
  const extra = Object.keys(b).filter((k) => !allowed.has(k));
  if (extra.length) throw invalidField('rebuild', '{...}', `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
  if (b.imageRef === undefined) throw invalidField('rebuild', '{...}', "'imageRef' is a required property");
  if (typeof b.imageRef !== 'string') throw invalidField('imageRef', b.imageRef, `${JSON.stringify(b.imageRef)} is not of type 'string'`);
  nova.engine.authorize(ctx, 'os_compute_api:servers:rebuild', targetOf(server));
  checkLock(nova, ctx, server);
  checkState(server, 'rebuild');
  const set: Partial<ServerRecord> = { task_state: 'rebuilding' };
  if (b.name !== undefined) set.name = checkName(b.name);
  if (b.metadata !== undefined) {
    set.metadata = checkMetadata(b.metadata);
    checkMetadataQuota(set.metadata, (await effectiveQuota(nova, server.project_id)).metadata_items);
  }
  if (b.description !== undefined) set.description = checkDescription(b.description);
  for (const [field, key, version] of [['accessIPv4', 'access_ip_v4', 4], ['accessIPv6', 'access_ip_v6', 6]] as const) {
    const v = b[field];
    if (v === undefined) continue;
    if (v !== null && v !== '' && (typeof v !== 'string' || !checkAccessIp(v, version))) throw invalidField(field, v, `'${String(v)}' is not a '${version === 4 ? 'ipv4' : 'ipv6'}'`);
    set[key] = typeof v === 'string' ? canonicalIp(v) : '';
  }
  if (b.hostname !== undefined) set.hostname = checkHostname(b.hostname);
  if (b.user_data !== undefined) set.user_data = b.user_data;
  if (b['OS-DCF:diskConfig'] !== undefined) set.disk_config = diskConfig(b['OS-DCF:diskConfig']);
  if (b.key_name !== undefined) {
    if (b.key_name === null) { set.key_name = null; set.key_data = null; } else {
      const key = await keypairsOf(nova).findOne({ user_id: ctx.auth?.userId ?? '', name: String(b.key_name) });
      if (!key) throw badRequest(`Invalid key_name provided.`);
      set.key_name = key.name;
      set.key_data = key.public_key;
    }
  }
  const imageId = b.imageRef.split('/').pop() ?? '';
  if (!isUuid(imageId)) throw badRequest('Invalid imageRef provided.');
  const image = await deps.images.find(ctx, imageId, isAdminCtx(nova, ctx));
  if (!image) throw badRequest('Cannot find requested image');
  if (image.status !== 'active') throw badRequest(`Image ${image.id} is not active.`);
  if (!server.image_ref && imageId !== server.image_ref) {
    throw badRequest('Rebuild of a volume-backed server with a new image is not supported.');
  }
  if (server.flavor.ram < image.min_ram) throw badRequest("Flavor's memory is too small for requested image.");
  set.image_ref = imageId;
  set.image_properties = { ...image.properties };
  const adminPass = typeof b.adminPass === 'string' ? b.adminPass : generatePassword();
  const updated = await casUpdate(nova, server, set, 'rebuild');
  await recordAction(nova, ctx, server.id, 'rebuild');
  await handOver(() => deps.engine().action(server.id, 'rebuild', { imageRef: imageId, preserveEphemeral: b.preserve_ephemeral === true }, engineContext(ctx)));
  const powers = viewPowers(nova, ctx);
  const view = rebuildView(ctx, updated, powers, since(ctx, '2.75') ? await securityGroupsOf(nova, updated) : []);
  view.adminPass = adminPass;
  return json({ server: view }, 202);
};

/** rebuild's response: trimmed before 2.75, the full view (user_data at the top) after */
export function rebuildView(ctx: RequestContext, server: ServerRecord, powers: ReturnType<typeof viewPowers>, securityGroups: Array<{ name: string }>): Record<string, unknown> {
  const full = since(ctx, '2.75');
  const view = serverView(ctx, server, powers, { trimmed: !full, serverGroups: true, securityGroups });
  delete view['OS-EXT-SRV-ATTR:user_data'];
  if (since(ctx, '2.54')) view.key_name = server.key_name;
  if (since(ctx, '2.57')) view.user_data = server.user_data;
  return view;
}

const rescue: ActionHandler = async (deps, ctx, server, body) => {
  const { nova } = deps;
  const b = body === null || body === undefined ? {} : requireObject('rescue', body);
  nova.engine.authorize(ctx, 'os_compute_api:os-rescue', targetOf(server));
  checkLock(nova, ctx, server);
  checkState(server, 'rescue');
  let rescueImage: string | undefined;
  if (b.rescue_image_ref !== undefined) {
    rescueImage = String(b.rescue_image_ref).split('/').pop();
    if (!rescueImage || !(await deps.images.find(ctx, rescueImage, isAdminCtx(nova, ctx)))) throw badRequest('Can not find requested image');
  }
  const adminPass = typeof b.adminPass === 'string' ? b.adminPass : generatePassword();
  await casUpdate(nova, server, { task_state: 'rescuing' }, 'rescue');
  await recordAction(nova, ctx, server.id, 'rescue');
  await handOver(() => deps.engine().action(server.id, 'rescue', rescueImage ? { imageRef: rescueImage } : {}, engineContext(ctx)));
  return json({ adminPass });
};

const lock: ActionHandler = async (deps, ctx, server, body) => {
  const { nova } = deps;
  nova.engine.authorize(ctx, 'os_compute_api:os-lock-server:lock', targetOf(server));
  let reason: string | null = null;
  if (body !== null && body !== undefined && since(ctx, '2.73')) {
    const b = requireObject('lock', body);
    const extra = Object.keys(b).filter((k) => k !== 'locked_reason');
    if (extra.length) throw invalidField('lock', '{...}', `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
    if (b.locked_reason !== undefined) {
      if (typeof b.locked_reason !== 'string' || b.locked_reason.length > 255) throw invalidField('locked_reason', b.locked_reason, `${JSON.stringify(b.locked_reason)} is not of type 'string'`);
      reason = b.locked_reason;
    }
  }
  await casUpdate(nova, server, { locked: true, locked_reason: reason, locked_by: isAdminCtx(nova, ctx) && ctx.auth?.projectId !== server.project_id ? 'admin' : 'owner' }, 'lock');
  await recordAction(nova, ctx, server.id, 'lock');
  return accepted;
};

const unlock: ActionHandler = async (deps, ctx, server) => {
  const { nova } = deps;
  nova.engine.authorize(ctx, 'os_compute_api:os-lock-server:unlock', targetOf(server));
  if (server.locked && server.locked_by === 'admin') nova.engine.authorize(ctx, 'os_compute_api:os-lock-server:unlock:unlock_override', targetOf(server));
  await casUpdate(nova, server, { locked: false, locked_reason: null, locked_by: undefined }, 'unlock');
  await recordAction(nova, ctx, server.id, 'unlock');
  return accepted;
};

/** the queued Glance image a snapshot or backup starts as, with Nova's properties, and the hand-over */
async function snapshot(deps: ServersDeps, ctx: RequestContext, server: Loaded, name: string, metadata: Record<string, string>, own: Record<string, string>, action: string): Promise<{ response: ApiResponse; imageId: string }> {
  const { nova } = deps;
  checkLock(nova, ctx, server);
  checkState(server, action);
  const baseProps = (server.image_properties as Record<string, string> | undefined) ?? {};
  checkMetadataQuota({ ...baseProps, ...metadata }, (await effectiveQuota(nova, server.project_id)).metadata_items);
  // the base image's own properties, then what says where the snapshot came from
  const inherited = { ...baseProps };
  for (const k of ['min_ram', 'min_disk', 'disk_format', 'container_format', 'image_type', 'instance_uuid', 'base_image_ref', 'owner_project_name', 'owner_user_name', 'user_id', 'image_location', 'image_state', 'owner_id', 'backup_type']) delete inherited[k];
  const properties: Record<string, string> = {
    ...inherited,
    image_type: 'snapshot',
    instance_uuid: server.id,
    base_image_ref: server.image_ref,
    owner_user_name: String(ctx.auth?.credentials?.user_name ?? ''),
    owner_project_name: String(ctx.auth?.credentials?.project_name ?? ''),
    user_id: ctx.auth?.userId ?? '',
    ...own,
    ...metadata,
  };
  const image = await deps.images.createSnapshot(ctx, {
    name,
    properties,
    disk_format: baseProps.disk_format ?? 'qcow2',
    container_format: baseProps.container_format ?? 'bare',
    min_disk: Math.max(server.flavor.disk, Number(baseProps.min_disk ?? 0)),
    min_ram: Number(baseProps.min_ram ?? 0),
  });
  await casUpdate(nova, server, { task_state: 'image_snapshot_pending' }, action);
  await recordAction(nova, ctx, server.id, action);
  await handOver(() => deps.engine().action(server.id, 'createImage', { imageId: image.id }, engineContext(ctx)));
  const location = `${ctx.baseUrl.replace(/\/compute$/, '/image')}/v2/images/${image.id}`;
  const response: ApiResponse = since(ctx, '2.45') ? json({ image_id: image.id }, 202) : { status: 202, headers: { Location: location } };
  return { response, imageId: image.id };
}

const createImage: ActionHandler = async (deps, ctx, server, body) => {
  const { nova } = deps;
  const b = requireObject('createImage', body);
  const extra = Object.keys(b).filter((k) => k !== 'name' && k !== 'metadata');
  if (extra.length) throw invalidField('createImage', '{...}', `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
  if (b.name === undefined) throw invalidField('createImage', '{...}', "'name' is a required property");
  const name = checkName(b.name);
  const metadata = b.metadata === undefined ? {} : checkMetadata(b.metadata);
  nova.engine.authorize(ctx, 'os_compute_api:servers:create_image', targetOf(server));
  if (!server.image_ref) nova.engine.authorize(ctx, 'os_compute_api:servers:create_image:allow_volume_backed', targetOf(server));
  return (await snapshot(deps, ctx, server, name, metadata, {}, 'createImage')).response;
};

const createBackup: ActionHandler = async (deps, ctx, server, body) => {
  const { nova } = deps;
  const b = requireObject('createBackup', body);
  const extra = Object.keys(b).filter((k) => !['name', 'backup_type', 'rotation', 'metadata'].includes(k));
  if (extra.length) throw invalidField('createBackup', '{...}', `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
  for (const required of ['name', 'backup_type', 'rotation']) {
    if (b[required] === undefined) throw invalidField('createBackup', '{...}', `'${required}' is a required property`);
  }
  const name = checkName(b.name);
  if (typeof b.backup_type !== 'string') throw invalidField('backup_type', b.backup_type, `${JSON.stringify(b.backup_type)} is not of type 'string'`);
  const rotation = intField('rotation', b.rotation, 0);
  const metadata = b.metadata === undefined ? {} : checkMetadata(b.metadata);
  nova.engine.authorize(ctx, 'os_compute_api:os-create-backup', targetOf(server));
  if (!server.image_ref) throw badRequest('Backup is not supported for volume-backed instances.');
  const { response, imageId } = await snapshot(deps, ctx, server, name, metadata, { image_type: 'backup', backup_type: b.backup_type }, 'createBackup');
  // rotation: keep the newest `rotation` backups of this server and type
  const backups = (await deps.images.list(ctx, true))
    .filter((i) => i.properties.instance_uuid === server.id && i.properties.image_type === 'backup' && i.properties.backup_type === b.backup_type)
    .sort((x, y) => y.created_ms - x.created_ms || (x.id === imageId ? -1 : y.id === imageId ? 1 : 0));
  for (const old of backups.slice(Math.max(rotation, 1))) if (old.id !== imageId) await deps.images.delete(ctx, old.id).catch(() => undefined);
  return response;
};

const consoleOutput: ActionHandler = async (deps, ctx, server, body) => {
  const { nova } = deps;
  nova.engine.authorize(ctx, 'os_compute_api:os-console-output', targetOf(server));
  const b = body === null || body === undefined ? {} : requireObject('os-getConsoleOutput', body);
  let length: number | undefined;
  if (b.length !== undefined && b.length !== null) {
    length = intField('length', b.length, -1);
    if (length === -1) length = undefined;
  }
  if (!server.host || server.vm_state === 'building') throw conflict(`Instance ${server.id} has not been created yet`);
  const lines = server.console_log ?? [];
  const shown = length === undefined ? lines : length === 0 ? [] : lines.slice(-length);
  return json({ output: shown.join('\n') });
};

const CONSOLE_KINDS: Record<string, { protocol: string; types: string[]; port: number; page: string }> = {
  'os-getVNCConsole': { protocol: 'vnc', types: ['novnc', 'xvpvnc'], port: 6080, page: 'vnc_lite.html' },
  'os-getSPICEConsole': { protocol: 'spice', types: ['spice-html5'], port: 6082, page: 'spice_auto.html' },
  'os-getRDPConsole': { protocol: 'rdp', types: ['rdp-html5'], port: 6083, page: '' },
  'os-getSerialConsole': { protocol: 'serial', types: ['serial'], port: 6083, page: '' },
};

export function consoleUrl(ctx: RequestContext, protocol: string, port: number, page: string): string {
  const host = new URL(ctx.baseUrl).hostname;
  const token = uuid();
  if (protocol === 'serial') return `ws://${host}:${port}/?token=${token}`;
  return `http://${host}:${port}/${page}?path=%3Ftoken%3D${token}`;
}

function legacyConsole(kind: string): ActionHandler {
  return async (deps, ctx, server, body) => {
    if (since(ctx, '2.6')) throw notFound('The resource could not be found.');
    const spec = CONSOLE_KINDS[kind];
    deps.nova.engine.authorize(ctx, 'os_compute_api:os-remote-consoles', targetOf(server));
    const b = requireObject(kind, body);
    if (b.type === undefined) throw invalidField(kind, '{}', "'type' is a required property");
    if (!spec.types.includes(String(b.type))) throw invalidField('type', b.type, `'${String(b.type)}' is not one of ${JSON.stringify(spec.types)}`);
    if (!server.host || server.vm_state === 'building') throw conflict(`Instance ${server.id} has not been created yet`);
    return json({ console: { type: String(b.type), url: consoleUrl(ctx, spec.protocol, spec.port, spec.page) } });
  };
}

const changePassword: ActionHandler = async (deps, ctx, server, body) => {
  const { nova } = deps;
  const b = requireObject('changePassword', body);
  if (b.adminPass === undefined) throw invalidField('changePassword', '{}', "'adminPass' is a required property");
  if (typeof b.adminPass !== 'string') throw invalidField('adminPass', b.adminPass, `${JSON.stringify(b.adminPass)} is not of type 'string'`);
  nova.engine.authorize(ctx, 'os_compute_api:os-admin-password', targetOf(server));
  checkLock(nova, ctx, server);
  checkState(server, 'changePassword');
  await recordAction(nova, ctx, server.id, 'changePassword');
  return accepted;
};

const resetState: ActionHandler = async (deps, ctx, server, body) => {
  const { nova } = deps;
  nova.engine.authorize(ctx, 'os_compute_api:os-admin-actions:reset_state', targetOf(server));
  const b = requireObject('os-resetState', body);
  if (b.state !== 'active' && b.state !== 'error') throw invalidField('state', b.state, `${JSON.stringify(b.state)} is not one of ['active', 'error']`);
  await casUpdate(nova, server, { vm_state: b.state, task_state: null }, 'os-resetState');
  await recordAction(nova, ctx, server.id, 'resetState');
  return accepted;
};

const triggerCrashDump: ActionHandler = async (deps, ctx, server) => {
  const { nova } = deps;
  if (!since(ctx, '2.17')) throw badRequest('There is no such action: trigger_crash_dump');
  nova.engine.authorize(ctx, 'os_compute_api:servers:trigger_crash_dump', targetOf(server));
  checkLock(nova, ctx, server);
  checkState(server, 'trigger_crash_dump');
  await recordAction(nova, ctx, server.id, 'trigger_crash_dump');
  return accepted;
};

const injectNetworkInfo: ActionHandler = async (deps, ctx, server) => {
  deps.nova.engine.authorize(ctx, 'os_compute_api:os-admin-actions:inject_network_info', targetOf(server));
  return accepted;
};

const unshelve: ActionHandler = async (deps, ctx, server, body) => {
  const params: Record<string, unknown> = {};
  if (body !== null && body !== undefined && since(ctx, '2.77')) {
    const b = requireObject('unshelve', body);
    if (b.availability_zone !== undefined) params.availabilityZone = b.availability_zone;
    if (b.host !== undefined) {
      if (!since(ctx, '2.91')) throw invalidField('unshelve', '{...}', "Additional properties are not allowed ('host' was unexpected)");
      deps.nova.engine.authorize(ctx, 'os_compute_api:os-shelve:unshelve_to_host', targetOf(server));
      params.host = b.host;
    }
  }
  return agentAction({ policy: 'os_compute_api:os-shelve:unshelve', state: 'unshelve', action: 'unshelve', task: 'unshelving', params: () => params })(deps, ctx, server, body);
};

const migrate: ActionHandler = async (deps, ctx, server, body) => {
  const params: Record<string, unknown> = {};
  if (body !== null && body !== undefined && since(ctx, '2.56')) {
    const b = requireObject('migrate', body);
    if (b.host !== undefined && b.host !== null) params.host = String(b.host);
  }
  return agentAction({ policy: 'os_compute_api:os-migrate-server:migrate', state: 'migrate', action: 'migrate', task: 'resize_prep', params: () => params, checkLock: false })(deps, ctx, server, body);
};

const softDeleteOnly = (name: string, policy: string): ActionHandler => async (deps, ctx, server) => {
  deps.nova.engine.authorize(ctx, policy, targetOf(server));
  checkState(server, name);
  return accepted;
};

export const ACTIONS: Record<string, ActionHandler> = {
  'os-start': agentAction({ policy: 'os_compute_api:servers:start', state: 'start', action: 'start', task: 'powering-on' }),
  'os-stop': agentAction({ policy: 'os_compute_api:servers:stop', state: 'stop', action: 'stop', task: 'powering-off' }),
  reboot,
  pause: agentAction({ policy: 'os_compute_api:os-pause-server:pause', state: 'pause', action: 'pause', task: 'pausing' }),
  unpause: agentAction({ policy: 'os_compute_api:os-pause-server:unpause', state: 'unpause', action: 'unpause', task: 'unpausing' }),
  suspend: agentAction({ policy: 'os_compute_api:os-suspend-server:suspend', state: 'suspend', action: 'suspend', task: 'suspending' }),
  resume: agentAction({ policy: 'os_compute_api:os-suspend-server:resume', state: 'resume', action: 'resume', task: 'resuming' }),
  shelve: agentAction({ policy: 'os_compute_api:os-shelve:shelve', state: 'shelve', action: 'shelve', task: 'shelving' }),
  shelveOffload: agentAction({ policy: 'os_compute_api:os-shelve:shelve_offload', state: 'shelveOffload', action: 'shelveOffload', task: 'shelving_offloading' }),
  unshelve,
  resize,
  confirmResize,
  revertResize,
  rebuild,
  rescue,
  unrescue: agentAction({ policy: 'os_compute_api:os-unrescue', state: 'unrescue', action: 'unrescue', task: 'unrescuing' }),
  lock,
  unlock,
  createImage,
  createBackup,
  'os-getConsoleOutput': consoleOutput,
  'os-getVNCConsole': legacyConsole('os-getVNCConsole'),
  'os-getSPICEConsole': legacyConsole('os-getSPICEConsole'),
  'os-getRDPConsole': legacyConsole('os-getRDPConsole'),
  'os-getSerialConsole': legacyConsole('os-getSerialConsole'),
  changePassword,
  'os-resetState': resetState,
  trigger_crash_dump: triggerCrashDump,
  injectNetworkInfo,
  migrate,
  addSecurityGroup: (deps, ctx, server, body) => securityGroupActions(deps.nova, ctx, server.id, 'addSecurityGroup', body),
  removeSecurityGroup: (deps, ctx, server, body) => securityGroupActions(deps.nova, ctx, server.id, 'removeSecurityGroup', body),
  restore: softDeleteOnly('restore', 'os_compute_api:os-deferred-delete:restore'),
  forceDelete: softDeleteOnly('forceDelete', 'os_compute_api:os-deferred-delete:force'),
};

/** other modules (security groups, interfaces, floating IPs) add their actions here */
export function registerServerAction(name: string, handler: ActionHandler): void {
  ACTIONS[name] = handler;
}

export async function serverAction(deps: ServersDeps, ctx: RequestContext): Promise<ApiResponse> {
  const body = ctx.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length === 0) throw badRequest('Malformed request body');
  const name = Object.keys(body).find((k) => k in ACTIONS) ?? Object.keys(body)[0];
  const handler = ACTIONS[name];
  if (!handler) throw badRequest(`There is no such action: ${name}`);
  const server = await findServer(deps.nova, ctx, ctx.params.server_id);
  return handler(deps, ctx, server, body[name]);
}

export async function createRemoteConsole(deps: ServersDeps, ctx: RequestContext): Promise<ApiResponse> {
  const server = await findServer(deps.nova, ctx, ctx.params.server_id);
  deps.nova.engine.authorize(ctx, 'os_compute_api:os-remote-consoles', targetOf(server));
  const b = requireObject('remote_console', ctx.body?.remote_console);
  const protocols: Record<string, string[]> = { vnc: ['novnc', 'xvpvnc'], spice: ['spice-html5'], rdp: ['rdp-html5'], serial: ['serial'] };
  if (since(ctx, '2.8')) protocols.mks = ['webmks'];
  if (since(ctx, '2.99')) protocols.spice.push('spice-direct');
  if (!(String(b.protocol) in protocols)) throw invalidField('protocol', b.protocol, `'${String(b.protocol)}' is not one of ${JSON.stringify(Object.keys(protocols))}`);
  if (!protocols[b.protocol].includes(String(b.type))) throw badRequest(`Invalid console type ${String(b.type)} for protocol ${b.protocol}`);
  if (!server.host || server.vm_state === 'building') throw conflict(`Instance ${server.id} has not been created yet`);
  const port = b.protocol === 'vnc' ? 6080 : b.protocol === 'spice' ? 6082 : 6083;
  const page = b.protocol === 'vnc' ? 'vnc_lite.html' : b.protocol === 'spice' ? 'spice_auto.html' : '';
  return json({ remote_console: { protocol: b.protocol, type: b.type, url: consoleUrl(ctx, b.protocol, port, page) } });
}
