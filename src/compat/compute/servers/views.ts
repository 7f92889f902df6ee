// How a server reads per microversion: the basic (id, name, links) entry, the full detail
// the show/detail/rebuild calls return, and the trimmed one PUT returns. Which attributes
// appear follows Nova's view builder; Tempest validates each shape per microversion.
import { createHash } from 'node:crypto';
import type { RequestContext } from '../../../platform/http/service-api.ts';
import { isoSeconds } from '../../../platform/clock.ts';
import { links, since, type Nova } from '../support.ts';
import type { ServerRecord } from './record.ts';
import { statusOf } from './states.ts';

const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);
const FAULT_STATUSES = new Set(['ERROR', 'DELETED']);

/** what the caller may see, decided once per request (detail lists decide it once for all) */
export interface ViewPowers {
  admin: boolean;
  extendedAttributes: boolean;
  hostStatus: boolean;
  flavorExtraSpecs: boolean;
}

export function viewPowers(nova: Nova, ctx: RequestContext): ViewPowers {
  const target = { project_id: ctx.auth?.projectId ?? '' };
  return {
    admin: nova.engine.allows(ctx, 'context_is_admin', {}),
    extendedAttributes: nova.engine.allows(ctx, 'os_compute_api:os-extended-server-attributes', target),
    hostStatus: nova.engine.allows(ctx, 'os_compute_api:servers:show:host_status', target),
    flavorExtraSpecs: nova.engine.allows(ctx, 'os_compute_api:os-flavor-extra-specs:index', target),
  };
}

/** Nova's hostId: the host hidden behind a per-project hash */
export function hostIdOf(server: Pick<ServerRecord, 'host' | 'project_id'>): string {
  return server.host ? createHash('sha224').update(`${server.project_id}${server.host}`).digest('hex') : '';
}

/** Nova prints these two as a naive datetime: microseconds and no zone */
export function naiveTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace('Z', '').replace(/\.(\d{3})$/, '.$1000');
}

export function instanceName(server: Pick<ServerRecord, 'id'>): string {
  return `instance-${server.id.replace(/-/g, '').slice(0, 8)}`;
}

export function basicView(ctx: RequestContext, server: ServerRecord): Record<string, unknown> {
  return { id: server.id, name: server.name, links: links(ctx, 'servers', server.id) };
}

function imageView(ctx: RequestContext, server: ServerRecord): unknown {
  if (!server.image_ref) return '';
  const view: Record<string, unknown> = { id: server.image_ref, links: [{ rel: 'bookmark', href: `${ctx.baseUrl}/images/${server.image_ref}` }] };
  if (since(ctx, '2.98')) view.properties = (server.image_properties as Record<string, string> | undefined) ?? {};
  return view;
}

function flavorView(ctx: RequestContext, server: ServerRecord, extraSpecs: boolean): Record<string, unknown> {
  const f = server.flavor;
  if (!since(ctx, '2.47')) return { id: f.id, links: [{ rel: 'bookmark', href: `${ctx.baseUrl}/flavors/${f.id}` }] };
  const view: Record<string, unknown> = { vcpus: f.vcpus, ram: f.ram, disk: f.disk, ephemeral: f.ephemeral, swap: f.swap, original_name: f.name };
  if (extraSpecs) view.extra_specs = f.extra_specs ?? {};
  return view;
}

export function addressesView(server: ServerRecord, extended: boolean): Record<string, unknown[]> {
  // addresses stay hidden while the server builds, as Nova hides them
  if (server.vm_state === 'building') return {};
  const out: Record<string, unknown[]> = {};
  for (const [network, list] of Object.entries(server.addresses ?? {})) {
    out[network] = list.map((a) => (extended ? { version: a.version, addr: a.addr, 'OS-EXT-IPS:type': a.type, 'OS-EXT-IPS-MAC:mac_addr': a.mac } : { version: a.version, addr: a.addr }));
  }
  return out;
}

export interface ShowOptions {
  /** PUT and old rebuild responses leave out the extension attributes */
  trimmed?: boolean;
  /** server_groups (2.71) appear in show, update and rebuild but not in lists */
  serverGroups?: boolean;
  /** the groups of the server's Neutron ports (none: no `security_groups` key, as Nova) */
  securityGroups?: Array<{ name: string }>;
}

export function serverView(ctx: RequestContext, server: ServerRecord, powers: ViewPowers, options: ShowOptions = {}): Record<string, unknown> {
  const full = !options.trimmed;
  const status = statusOf(server);
  const view: Record<string, unknown> = {
    id: server.id,
    name: server.name,
    status,
    tenant_id: server.project_id,
    user_id: server.user_id,
    metadata: server.metadata ?? {},
    hostId: hostIdOf(server),
    image: imageView(ctx, server),
    flavor: flavorView(ctx, server, powers.flavorExtraSpecs && since(ctx, '2.47')),
    created: isoSeconds(server.created_at),
    updated: isoSeconds(server.updated_at),
    addresses: addressesView(server, full),
    accessIPv4: server.access_ip_v4 ?? '',
    accessIPv6: server.access_ip_v6 ?? '',
    links: links(ctx, 'servers', server.id),
    'OS-DCF:diskConfig': (server.disk_config as string | undefined) ?? 'MANUAL',
  };
  if (FAULT_STATUSES.has(status) && server.fault) {
    const fault: Record<string, unknown> = { code: server.fault.code, created: isoSeconds(server.fault.created), message: server.fault.message };
    if (server.fault.details && (powers.admin || server.fault.code !== 500)) fault.details = server.fault.details;
    view.fault = fault;
  }
  if (PROGRESS_STATUSES.has(status)) view.progress = server.progress ?? 0;
  if (full) {
    view['OS-EXT-AZ:availability_zone'] = server.availability_zone ?? '';
    view.config_drive = server.config_drive ?? '';
    view.key_name = server.key_name;
    view['OS-SRV-USG:launched_at'] = naiveTime(server.launched_at);
    view['OS-SRV-USG:terminated_at'] = naiveTime(server.terminated_at);
    if (options.securityGroups?.length) view.security_groups = options.securityGroups;
    if (powers.extendedAttributes) {
      view['OS-EXT-SRV-ATTR:host'] = server.host;
      view['OS-EXT-SRV-ATTR:instance_name'] = instanceName(server);
      view['OS-EXT-SRV-ATTR:hypervisor_hostname'] = server.node;
      if (since(ctx, '2.3')) {
        view['OS-EXT-SRV-ATTR:reservation_id'] = server.reservation_id;
        view['OS-EXT-SRV-ATTR:launch_index'] = server.launch_index;
        view['OS-EXT-SRV-ATTR:hostname'] = server.hostname;
        view['OS-EXT-SRV-ATTR:kernel_id'] = '';
        view['OS-EXT-SRV-ATTR:ramdisk_id'] = '';
        view['OS-EXT-SRV-ATTR:root_device_name'] = server.launched_at ? '/dev/vda' : null;
        view['OS-EXT-SRV-ATTR:user_data'] = server.user_data;
      }
    }
    view['OS-EXT-STS:task_state'] = server.task_state;
    view['OS-EXT-STS:vm_state'] = server.vm_state;
    view['OS-EXT-STS:power_state'] = server.power_state;
    view['os-extended-volumes:volumes_attached'] = (server.volumes_attached ?? []).map((v) =>
      since(ctx, '2.3') ? { id: v.id, delete_on_termination: v.delete_on_termination } : { id: v.id });
    if (since(ctx, '2.16') && powers.hostStatus) view.host_status = server.host ? 'UP' : '';
  }
  if (since(ctx, '2.9')) view.locked = server.locked;
  if (since(ctx, '2.73')) view.locked_reason = server.locked_reason;
  if (since(ctx, '2.19')) view.description = server.description;
  if (since(ctx, '2.26')) view.tags = server.tags ?? [];
  if (since(ctx, '2.63')) view.trusted_image_certificates = null;
  if (since(ctx, '2.71') && options.serverGroups) view.server_groups = server.server_group_id ? [server.server_group_id] : [];
  if (since(ctx, '2.96')) view.pinned_availability_zone = (server.pinned_availability_zone as string | null | undefined) ?? null;
  if (since(ctx, '2.100')) view.scheduler_hints = server.scheduler_hints ?? {};
  return view;
}
