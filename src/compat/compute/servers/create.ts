// POST /servers: Nova's request checks (schema per microversion, flavor, image, key pair,
// networks, block devices, metadata and quota), the records in state building/scheduling,
// the `create` instance action, and the hand-over to the conductor.
import type { ApiResponse, RequestContext } from '../../../platform/http/service-api.ts';
import { ApiError, badRequest } from '../../../platform/http/api-error.ts';
import { uuid } from '../../../platform/ids.ts';
import { invalidField, links, since, type Nova } from '../support.ts';
import { flavorsOf, type FlavorDoc } from '../flavors.ts';
import { keypairsOf } from '../keypairs.ts';
import { effectiveQuota, projectUsage } from '../quotas.ts';
import { nodesOf, servicesOf } from '../simulated-hosts.ts';
import { zonesByHost } from '../aggregates.ts';
import { neutronOf } from '../neutron-proxy.ts';
import { addMember, findServerGroup, removeMember } from '../server-groups.ts';
import { POWER, serversOf, type BlockDeviceMapping, type FlavorSnapshot, type RequestedNetwork, type ServerRecord } from './record.ts';
import { engineContext, generatePassword, handOver, isAdminCtx, recordAction, type ServersDeps } from './common.ts';
import { canonicalIp, checkDescription, checkHostname, checkMetadata, checkMetadataQuota, checkName, checkTags, hostnameFrom, isUuid, requireObject, checkAccessIp } from './validation.ts';

const BASE_KEYS = [
  'name', 'imageRef', 'flavorRef', 'adminPass', 'metadata', 'networks', 'OS-DCF:diskConfig', 'accessIPv4', 'accessIPv6',
  'availability_zone', 'block_device_mapping', 'block_device_mapping_v2', 'config_drive', 'key_name', 'min_count', 'max_count',
  'return_reservation_id', 'security_groups', 'user_data',
];

function allowedKeys(ctx: RequestContext): Set<string> {
  const keys = new Set(BASE_KEYS);
  if (!since(ctx, '2.57')) keys.add('personality');
  if (since(ctx, '2.19')) keys.add('description');
  if (since(ctx, '2.52')) keys.add('tags');
  if (since(ctx, '2.63')) keys.add('trusted_image_certificates');
  if (since(ctx, '2.74')) { keys.add('host'); keys.add('hypervisor_hostname'); }
  if (since(ctx, '2.90')) keys.add('hostname');
  return keys;
}

export function flavorSnapshot(f: FlavorDoc): FlavorSnapshot {
  return { id: f.id, name: f.name, vcpus: f.vcpus, ram: f.memory_mb, disk: f.root_gb, ephemeral: f.ephemeral_gb, swap: f.swap, extra_specs: { ...f.extra_specs }, description: f.description };
}

/** the flavor a flavorRef (id or href) names, if the caller may use it */
export async function flavorFromRef(nova: Nova, ctx: RequestContext, ref: unknown, admin: boolean): Promise<FlavorDoc | undefined> {
  const id = String(ref).split('/').pop() ?? '';
  const flavor = await flavorsOf(nova).get(id);
  if (!flavor) return undefined;
  if (!flavor.is_public && !admin && !flavor.projects.includes(ctx.auth?.projectId ?? '')) return undefined;
  return flavor;
}

function count(field: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  if (typeof value === 'string' && /^\d+$/.test(value) && Number(value) >= 1) return Number(value);
  if (typeof value === 'number' || (typeof value === 'string' && /^-?\d+$/.test(value))) throw invalidField(field, value, `${value} is less than the minimum of 1`);
  throw invalidField(field, value, `${JSON.stringify(value)} is not of type 'integer', 'string'`);
}

function parseNetworks(ctx: RequestContext, raw: unknown): ServerRecord['requested_networks'] {
  if (raw === undefined) {
    if (since(ctx, '2.37')) throw invalidField('server', '{...}', "'networks' is a required property");
    return [];
  }
  if (typeof raw === 'string') {
    if (!since(ctx, '2.37') || (raw !== 'auto' && raw !== 'none')) throw invalidField('networks', raw, `'${raw}' is not of type 'array'`);
    return raw;
  }
  if (!Array.isArray(raw)) throw invalidField('networks', raw, `${JSON.stringify(raw)} is not of type 'array'`);
  const out: RequestedNetwork[] = [];
  for (const item of raw) {
    const net = requireObject('networks', item);
    const allowed = new Set(['uuid', 'port', 'fixed_ip', ...(since(ctx, '2.32') ? ['tag'] : [])]);
    const extra = Object.keys(net).filter((k) => !allowed.has(k));
    if (extra.length) throw invalidField('networks', item, `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
    const one: RequestedNetwork = {};
    if (net.port !== undefined && net.port !== null) {
      if (typeof net.port !== 'string' || !isUuid(net.port)) throw invalidField('port', net.port, `'${String(net.port)}' is not a 'uuid'`);
      one.port = net.port;
    }
    if (net.uuid !== undefined) {
      if (typeof net.uuid !== 'string') throw invalidField('uuid', net.uuid, `${JSON.stringify(net.uuid)} is not of type 'string'`);
      if (!one.port && !isUuid(net.uuid)) throw badRequest(`Bad networks format: network uuid is not in proper format (${net.uuid})`);
      one.uuid = net.uuid;
    }
    if (net.fixed_ip !== undefined) {
      if (typeof net.fixed_ip !== 'string' || !checkAccessIp(net.fixed_ip, 0)) throw invalidField('fixed_ip', net.fixed_ip, `'${String(net.fixed_ip)}' is not a 'ip-address'`);
      one.fixed_ip = net.fixed_ip;
    }
    if (net.tag !== undefined) one.tag = String(net.tag);
    if (!one.port && !one.uuid) throw badRequest('Bad network format: missing uuid');
    out.push(one);
  }
  return out;
}

const SOURCE_TYPES = ['volume', 'image', 'snapshot', 'blank'];
const DESTINATION_TYPES = ['local', 'volume'];

function parseBdms(ctx: RequestContext, raw: unknown): BlockDeviceMapping[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalidField('block_device_mapping_v2', raw, `${JSON.stringify(raw)} is not of type 'array'`);
  return raw.map((item) => {
    const b = requireObject('block_device_mapping_v2', item);
    const source = b.source_type ?? 'volume';
    if (!SOURCE_TYPES.includes(String(source))) throw invalidField('source_type', source, `'${String(source)}' is not one of ${JSON.stringify(SOURCE_TYPES)}`);
    const destination = b.destination_type ?? (source === 'blank' || source === 'image' ? 'local' : 'volume');
    if (!DESTINATION_TYPES.includes(String(destination))) throw invalidField('destination_type', destination, `'${String(destination)}' is not one of ${JSON.stringify(DESTINATION_TYPES)}`);
    if (b.uuid !== undefined && (typeof b.uuid !== 'string' || !/^[a-zA-Z0-9._-]{1,255}$/.test(b.uuid))) throw invalidField('uuid', b.uuid, `'${String(b.uuid)}' does not match '^[a-zA-Z0-9._-]*$'`);
    if (source !== 'blank' && b.uuid === undefined) throw badRequest('Block Device Mapping is Invalid: Missing device UUID.');
    let bootIndex: number | null = null;
    if (b.boot_index !== undefined && b.boot_index !== null && b.boot_index !== 'None') {
      bootIndex = Number(b.boot_index);
      if (!Number.isInteger(bootIndex)) throw invalidField('boot_index', b.boot_index, `'${String(b.boot_index)}' does not match '^-?[0-9]+$'`);
      if (bootIndex < 0) bootIndex = null;
    }
    let volumeSize: number | undefined;
    if (b.volume_size !== undefined && b.volume_size !== null) {
      volumeSize = Number(b.volume_size);
      if (!Number.isInteger(volumeSize) || volumeSize < 0) throw invalidField('volume_size', b.volume_size, `${JSON.stringify(b.volume_size)} is not a valid size`);
    }
    if (destination === 'volume' && source !== 'volume' && source !== 'snapshot' && !volumeSize && source !== 'image') {
      throw badRequest('Block Device Mapping is Invalid: You specified more local devices than the limit allows');
    }
    const del = b.delete_on_termination;
    const bdm: BlockDeviceMapping = {
      boot_index: bootIndex,
      source_type: source as BlockDeviceMapping['source_type'],
      destination_type: destination as BlockDeviceMapping['destination_type'],
      delete_on_termination: del === true || del === 'true' || del === 'True' || del === '1',
    };
    if (typeof b.uuid === 'string') bdm.uuid = b.uuid;
    if (volumeSize !== undefined) bdm.volume_size = volumeSize;
    if (typeof b.device_name === 'string') bdm.device_name = b.device_name;
    if (typeof b.volume_type === 'string' && since(ctx, '2.67')) bdm.volume_type = b.volume_type;
    if (typeof b.tag === 'string') bdm.tag = b.tag;
    return bdm;
  });
}

function parseUserData(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string') throw invalidField('user_data', raw, `${JSON.stringify(raw)} is not of type 'string'`);
  const compact = raw.replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) throw invalidField('user_data', raw, `'${raw}' is not a 'base64'`);
  if (raw.length > 65535) throw invalidField('user_data', raw, `'${raw.slice(0, 20)}...' is too long`);
  return raw;
}

function parseConfigDrive(raw: unknown): string {
  if (raw === undefined || raw === null || raw === false || raw === '') return '';
  if (raw === true) return 'True';
  if (typeof raw === 'string' && ['true', 'false', 'yes', 'no', 'on', 'off', '1', '0', 't', 'f', 'y', 'n'].includes(raw.toLowerCase())) {
    return ['true', 'yes', 'on', '1', 't', 'y'].includes(raw.toLowerCase()) ? 'True' : '';
  }
  throw invalidField('config_drive', raw, `${JSON.stringify(raw)} is not of type 'boolean', 'string', 'null'`);
}

function parseSecurityGroups(raw: unknown): string[] {
  if (raw === undefined) return ['default'];
  if (!Array.isArray(raw)) throw invalidField('security_groups', raw, `${JSON.stringify(raw)} is not of type 'array'`);
  const names: string[] = [];
  for (const item of raw) {
    const g = requireObject('security_groups', item);
    const extra = Object.keys(g).filter((k) => k !== 'name');
    if (extra.length) throw invalidField('security_groups', item, `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
    if (typeof g.name !== 'string' || g.name.length === 0) throw invalidField('name', g.name, `${JSON.stringify(g.name)} is not of type 'string'`);
    if (!names.includes(g.name)) names.push(g.name);
  }
  return names.length ? names : ['default'];
}

async function checkAvailabilityZone(nova: Nova, zone: string): Promise<{ zone: string; host?: string; node?: string }> {
  // "zone:host:node" forces a host (an admin-only form, checked by the caller)
  const [name, host, node] = zone.split(':');
  // a compute host's zone is its aggregates' availability_zone, else its service's default
  const byHost = await zonesByHost(nova);
  const zones = new Set((await servicesOf(nova).find({ binary: 'nova-compute' })).map((s) => byHost.get(s.host) ?? s.zone));
  if (name && !zones.has(name)) throw badRequest('The requested availability zone is not available');
  return { zone: name, host: host || undefined, node: node || undefined };
}

/** each named group must exist in Neutron for the project (by name or id); `default` Neutron makes on demand */
async function checkSecurityGroups(nova: Nova, project: string, names: string[]): Promise<void> {
  const wanted = names.filter((n) => n !== 'default');
  if (!wanted.length) return;
  let groups: Array<Record<string, unknown>>;
  try {
    groups = await (await neutronOf(nova).neutron.db()).securityGroups.find({ tenant_id: project });
  } catch {
    return; // no Neutron in this deployment: nothing to check against
  }
  for (const name of wanted) {
    if (!groups.some((g) => g.name === name || g.id === name)) throw badRequest(`Security group ${name} not found.`);
  }
}

/** instances, cores and ram: how many of `max` fit (at least `min`), or Nova's 403 */
async function fitQuota(nova: Nova, project: string, flavor: FlavorDoc, min: number, max: number): Promise<number> {
  const quota = await effectiveQuota(nova, project);
  const usage = await projectUsage(nova, project);
  const used: Record<string, number> = { instances: usage.instances, cores: usage.cores, ram: usage.ram };
  const per: Record<string, number> = { instances: 1, cores: flavor.vcpus, ram: flavor.memory_mb };
  let fits = max;
  for (const k of ['instances', 'cores', 'ram']) {
    if (quota[k] < 0 || per[k] === 0) continue;
    fits = Math.min(fits, Math.floor((quota[k] - used[k]) / per[k]));
  }
  if (fits >= min) return fits;
  const overs = ['cores', 'instances', 'ram'].filter((k) => quota[k] >= 0 && used[k] + per[k] * min > quota[k]);
  const first = overs[0];
  throw new ApiError(403, `Quota exceeded for ${overs.join(', ')}: Requested ${per[first] * min}, but already used ${used[first]} of ${quota[first]} ${overs.join(', ')}`);
}

export async function createServer(deps: ServersDeps, ctx: RequestContext): Promise<ApiResponse> {
  const { nova } = deps;
  const body = ctx.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidField('body', body, "'server' is a required property");
  const s = requireObject('server', body.server);
  const project = ctx.auth?.projectId ?? '';
  nova.engine.authorize(ctx, 'os_compute_api:servers:create', { project_id: project, user_id: ctx.auth?.userId });
  const admin = isAdminCtx(nova, ctx);

  const allowed = allowedKeys(ctx);
  const extra = Object.keys(s).filter((k) => !allowed.has(k));
  if (extra.length) throw invalidField('server', '{...}', `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
  for (const required of ['name', 'flavorRef']) {
    if (s[required] === undefined) throw invalidField('server', '{...}', `'${required}' is a required property`);
  }
  const name = checkName(s.name);
  if ((typeof s.flavorRef !== 'string' && typeof s.flavorRef !== 'number') || String(s.flavorRef).length === 0) {
    throw invalidField('flavorRef', s.flavorRef, `${JSON.stringify(s.flavorRef)} is not of type 'string', 'integer'`);
  }
  if (s.imageRef !== undefined && typeof s.imageRef !== 'string') throw invalidField('imageRef', s.imageRef, `${JSON.stringify(s.imageRef)} is not of type 'string'`);
  const metadata = s.metadata === undefined ? {} : checkMetadata(s.metadata);
  const requestedNetworks = parseNetworks(ctx, s.networks);
  const bdms = parseBdms(ctx, s.block_device_mapping_v2);
  const userData = parseUserData(s.user_data);
  const configDrive = parseConfigDrive(s.config_drive);
  const securityGroups = parseSecurityGroups(s.security_groups);
  const description = s.description === undefined ? null : checkDescription(s.description);
  const tags = s.tags === undefined ? [] : checkTags(s.tags);
  const minCount = s.min_count === undefined ? 1 : count('min_count', s.min_count);
  const maxCount = s.max_count === undefined ? minCount : count('max_count', s.max_count);
  if (minCount > maxCount) throw badRequest('min_count must be <= max_count');
  const returnReservation = s.return_reservation_id === true || s.return_reservation_id === 'true' || s.return_reservation_id === 'True';
  if (s.return_reservation_id !== undefined && typeof s.return_reservation_id !== 'boolean' && !['true', 'false', 'True', 'False'].includes(String(s.return_reservation_id))) {
    throw invalidField('return_reservation_id', s.return_reservation_id, `${JSON.stringify(s.return_reservation_id)} is not of type 'boolean'`);
  }
  for (const [field, version] of [['accessIPv4', 4], ['accessIPv6', 6]] as const) {
    const v = s[field];
    if (v !== undefined && v !== null && v !== '' && (typeof v !== 'string' || !checkAccessIp(v, version))) {
      throw invalidField(field, v, `'${String(v)}' is not a '${version === 4 ? 'ipv4' : 'ipv6'}'`);
    }
  }
  if (s['OS-DCF:diskConfig'] !== undefined && !['AUTO', 'MANUAL'].includes(String(s['OS-DCF:diskConfig']))) {
    throw invalidField('OS-DCF:diskConfig', s['OS-DCF:diskConfig'], `'${String(s['OS-DCF:diskConfig'])}' is not one of ['AUTO', 'MANUAL']`);
  }
  if (s.adminPass !== undefined && typeof s.adminPass !== 'string') throw invalidField('adminPass', s.adminPass, `${JSON.stringify(s.adminPass)} is not of type 'string'`);
  if (s.key_name !== undefined && s.key_name !== null && (typeof s.key_name !== 'string' || s.key_name.length < 1 || s.key_name.length > 255)) {
    throw invalidField('key_name', s.key_name, `${JSON.stringify(s.key_name)} is not of type 'string'`);
  }
  if (s.availability_zone !== undefined && (typeof s.availability_zone !== 'string' || s.availability_zone.length > 255)) {
    throw invalidField('availability_zone', s.availability_zone, `${JSON.stringify(s.availability_zone)} is not of type 'string'`);
  }
  const hostname = s.hostname === undefined ? undefined : checkHostname(s.hostname);
  if (hostname !== undefined && maxCount > 1) throw badRequest('Cannot use hostname with multiple instances when the hostname is not a valid FQDN.');
  const hints = body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints'] ?? {};
  if (typeof hints !== 'object' || hints === null || Array.isArray(hints)) throw invalidField('os:scheduler_hints', hints, `${JSON.stringify(hints)} is not of type 'object'`);
  if (hints.group !== undefined && (typeof hints.group !== 'string' || !isUuid(hints.group))) throw invalidField('group', hints.group, `'${String(hints.group)}' is not a 'uuid'`);

  // semantic checks, in the order Nova's compute API makes them
  const flavor = await flavorFromRef(nova, ctx, s.flavorRef, admin);
  if (!flavor) throw badRequest('Invalid flavorRef provided.');
  if (flavor.disabled) throw badRequest('Flavor is disabled.');
  const bootVolume = bdms.find((b) => b.boot_index === 0 && b.destination_type === 'volume');
  let imageRef = typeof s.imageRef === 'string' ? s.imageRef.split('/').pop() ?? '' : '';
  const imageFromBdm = bdms.find((b) => b.boot_index === 0 && b.source_type === 'image');
  if (!imageRef && imageFromBdm?.uuid && imageFromBdm.destination_type === 'local') imageRef = imageFromBdm.uuid;
  let imageProperties: Record<string, string> = {};
  if (imageRef) {
    if (!isUuid(imageRef)) throw badRequest('Invalid imageRef provided.');
    const image = await deps.images.find(ctx, imageRef, admin);
    if (!image) throw badRequest('Can not find requested image');
    if (image.status !== 'active') throw badRequest(`Image ${image.id} is not active.`);
    if (!bootVolume) {
      if (flavor.memory_mb < (image.min_ram ?? 0)) throw badRequest("Flavor's memory is too small for requested image.");
      if (flavor.root_gb > 0 && flavor.root_gb < (image.min_disk ?? 0)) throw badRequest("Flavor's disk is too small for requested image.");
      if (flavor.root_gb > 0 && image.size !== null && image.size > flavor.root_gb * 1024 ** 3) {
        throw badRequest(`Flavor's disk is too small for requested image. Flavor disk is ${flavor.root_gb * 1024 ** 3} bytes, image is ${image.size} bytes.`);
      }
      if (flavor.root_gb === 0) nova.engine.authorize(ctx, 'os_compute_api:servers:create:zero_disk_flavor', { project_id: project });
    }
    imageProperties = { ...image.properties };
    for (const k of ['min_ram', 'min_disk', 'disk_format', 'container_format'] as const) if (image[k] !== null && image[k] !== undefined) imageProperties[k] = String(image[k]);
  } else if (!bootVolume) {
    throw badRequest('Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.');
  }
  if (bdms.some((b) => b.destination_type === 'volume')) nova.engine.authorize(ctx, 'os_compute_api:servers:create:attach_volume', { project_id: project });
  if (Array.isArray(requestedNetworks) && requestedNetworks.length) nova.engine.authorize(ctx, 'os_compute_api:servers:create:attach_network', { project_id: project });

  let keyData: string | null = null;
  if (typeof s.key_name === 'string') {
    const key = await keypairsOf(nova).findOne({ user_id: ctx.auth?.userId ?? '', name: s.key_name });
    if (!key) throw badRequest('Invalid key_name provided.');
    keyData = key.public_key;
  }
  let zone: string | null = null;
  let forcedHost: string | undefined;
  let forcedNode: string | undefined;
  if (typeof s.availability_zone === 'string' && s.availability_zone) {
    const parsed = await checkAvailabilityZone(nova, s.availability_zone);
    zone = parsed.zone || null;
    if (parsed.host || parsed.node) {
      nova.engine.authorize(ctx, 'os_compute_api:servers:create:forced_host', { project_id: project });
      forcedHost = parsed.host;
      forcedNode = parsed.node;
    }
  }
  if (since(ctx, '2.74') && (s.host !== undefined || s.hypervisor_hostname !== undefined)) {
    nova.engine.authorize(ctx, 'os_compute_api:servers:create:requested_destination', { project_id: project });
    if (s.host !== undefined && !(await servicesOf(nova).findOne({ host: String(s.host), binary: 'nova-compute' }))) throw badRequest(`Compute host ${String(s.host)} could not be found.`);
    if (s.hypervisor_hostname !== undefined && !(await nodesOf(nova).findOne({ hypervisor_hostname: String(s.hypervisor_hostname) }))) {
      throw badRequest(`Compute host ${String(s.hypervisor_hostname)} could not be found.`);
    }
  }
  await checkSecurityGroups(nova, project, securityGroups);
  if (typeof hints.group === 'string') {
    const group = await findServerGroup(nova, hints.group);
    if (!group || (group.project_id !== project && !admin)) throw badRequest(`Instance group ${hints.group} could not be found.`);
  }
  const quota = await effectiveQuota(nova, project);
  checkMetadataQuota(metadata, quota.metadata_items);
  const howMany = await fitQuota(nova, project, flavor, minCount, maxCount);

  const now = nova.clock.now();
  const reservationId = `r-${uuid().replace(/-/g, '').slice(0, 8)}`;
  const adminPass = typeof s.adminPass === 'string' ? s.adminPass : generatePassword();
  const records: ServerRecord[] = [];
  for (let i = 0; i < howMany; i++) {
    const displayName = howMany > 1 ? `${name}-${i + 1}` : name;
    const record: ServerRecord = {
      id: uuid(), name: displayName, project_id: project, user_id: ctx.auth?.userId ?? '',
      created_at: now, updated_at: now, launched_at: null, terminated_at: null, deleted: false, deleted_at: null,
      vm_state: 'building', task_state: 'scheduling', power_state: POWER.NOSTATE, old_vm_state: null, progress: 0,
      host: null, node: null, availability_zone: zone, requested_availability_zone: zone,
      flavor: flavorSnapshot(flavor), old_flavor: null, new_flavor: null,
      image_ref: imageRef, key_name: typeof s.key_name === 'string' ? s.key_name : null, key_data: keyData, user_data: userData,
      metadata, tags, description, hostname: hostname ?? hostnameFrom(displayName), locked: false, locked_reason: null,
      access_ip_v4: typeof s.accessIPv4 === 'string' ? s.accessIPv4 : '', access_ip_v6: typeof s.accessIPv6 === 'string' ? canonicalIp(s.accessIPv6) : '',
      config_drive: configDrive, reservation_id: reservationId, launch_index: i, security_groups: securityGroups,
      requested_networks: requestedNetworks, block_device_mapping: bdms, scheduler_hints: hints as Record<string, unknown>,
      server_group_id: typeof hints.group === 'string' ? hints.group : null,
      addresses: {}, volumes_attached: [], fault: null, console_log: [], pending: null,
      disk_config: typeof s['OS-DCF:diskConfig'] === 'string' ? s['OS-DCF:diskConfig'] : 'MANUAL',
      image_properties: imageProperties,
    };
    if (forcedHost || forcedNode || s.host !== undefined || s.hypervisor_hostname !== undefined) {
      record.pending = { forced_host: forcedHost ?? (s.host as string | undefined) ?? null, forced_node: forcedNode ?? (s.hypervisor_hostname as string | undefined) ?? null };
    }
    if (since(ctx, '2.96') || zone) record.pinned_availability_zone = zone;
    records.push(record);
  }
  for (const r of records) await serversOf(nova).insert(r);
  if (typeof hints.group === 'string') {
    // the group takes its members before they are scheduled (its quota may refuse them)
    try {
      for (const r of records) await addMember(nova, hints.group, r.id);
    } catch (error) {
      for (const r of records) {
        await removeMember(nova, r.id).catch(() => undefined);
        await serversOf(nova).delete(r.id);
      }
      throw error;
    }
  }
  for (const r of records) await recordAction(nova, ctx, r.id, 'create');
  await handOver(() => deps.engine().build(records.map((r) => r.id), engineContext(ctx)));

  if (returnReservation) return { status: 202, body: { reservation_id: reservationId } };
  const first = records[0];
  const server: Record<string, unknown> = {
    id: first.id,
    links: links(ctx, 'servers', first.id),
    'OS-DCF:diskConfig': first.disk_config,
    security_groups: securityGroups.map((n) => ({ name: n })),
  };
  // the password is only ever shown here; it is not kept in clear
  server.adminPass = adminPass;
  return { status: 202, body: { server }, headers: { Location: `${ctx.baseUrl}/v2.1/servers/${first.id}` } };
}
