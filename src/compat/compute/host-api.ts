// Admin views of the hosts: hypervisors, os-services and availability zones.
// Ids are integers before 2.53 and uuids from it, as upstream.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, notFound } from '../../platform/http/api-error.ts';
import { firstQuery, json, nextLinks, pageLimit, since, type Nova } from './support.ts';
import { zonesByHost } from './aggregates.ts';
import { serversOf } from './servers/record.ts';
import { DEFAULT_AZ, nodesOf, servicesOf, type ComputeNodeDoc, type ServiceDoc } from './simulated-hosts.ts';

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const RESERVED_RAM_MB = 512;

/** Nova's services render naive UTC datetimes with microseconds */
const naive = (ms: number) => new Date(ms).toISOString().replace('Z', '000').replace(/\.(\d{3})000$/, '.$1000');

interface HostUsage {
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  running_vms: number;
}

async function usageByHost(nova: Nova): Promise<Map<string, HostUsage>> {
  // a server uses its host from scheduling until it is deleted or shelved-offloaded (host null)
  const servers = await serversOf(nova).find({ deleted: false });
  const out = new Map<string, HostUsage>();
  for (const s of servers) {
    if (!s.host) continue;
    const u = out.get(s.host) ?? { vcpus: 0, memory_mb: 0, local_gb: 0, running_vms: 0 };
    u.vcpus += s.flavor.vcpus;
    u.memory_mb += s.flavor.ram;
    u.local_gb += s.flavor.disk + s.flavor.ephemeral;
    u.running_vms += 1;
    out.set(s.host, u);
  }
  return out;
}

function serviceId(ctx: RequestContext, s: ServiceDoc): string | number {
  return since(ctx, '2.53') ? s.id : s.seq;
}

function hypervisorView(ctx: RequestContext, node: ComputeNodeDoc, service: ServiceDoc | undefined, usage: HostUsage | undefined, detail: boolean, show = false): Record<string, unknown> {
  const v: Record<string, unknown> = {
    id: since(ctx, '2.53') ? node.id : node.seq,
    hypervisor_hostname: node.hypervisor_hostname,
    state: 'up',
    status: service?.disabled ? 'disabled' : 'enabled',
  };
  if (!detail) return v;
  const u = usage ?? { vcpus: 0, memory_mb: 0, local_gb: 0, running_vms: 0 };
  Object.assign(v, { hypervisor_type: 'fake', hypervisor_version: 1000, host_ip: node.host_ip });
  v.service = { host: node.host, id: service ? serviceId(ctx, service) : null, disabled_reason: service?.disabled_reason ?? null };
  if (!since(ctx, '2.88')) {
    const cpuInfo = { arch: 'x86_64', model: 'simulated', vendor: 'stackgate', topology: { cells: 1, sockets: 1, cores: node.vcpus, threads: 1 }, features: [] };
    const memoryUsed = u.memory_mb + RESERVED_RAM_MB;
    Object.assign(v, {
      vcpus: node.vcpus, memory_mb: node.memory_mb, local_gb: node.local_gb,
      vcpus_used: u.vcpus, memory_mb_used: memoryUsed, local_gb_used: u.local_gb,
      free_ram_mb: node.memory_mb - memoryUsed, free_disk_gb: node.local_gb - u.local_gb,
      current_workload: 0, running_vms: u.running_vms, disk_available_least: node.local_gb - u.local_gb,
      cpu_info: since(ctx, '2.28') ? cpuInfo : JSON.stringify(cpuInfo),
    });
  } else if (show) {
    v.uptime = null;
  }
  return v;
}

/** an `uptime`-style line, as the libvirt driver reports it; a simulated host is up as long as this process */
function uptimeLine(nova: Nova): string {
  const now = new Date(nova.clock.now());
  const up = Math.floor(process.uptime());
  const hhmm = `${Math.floor(up / 3600)}:${String(Math.floor((up % 3600) / 60)).padStart(2, '0')}`;
  return ` ${now.toISOString().slice(11, 19)} up ${Math.floor(up / 86400)} days, ${hhmm},  1 user,  load average: 0.00, 0.00, 0.00`;
}

/** compute services take their aggregates' zone; control services stay internal */
const zoneOf = (s: ServiceDoc, zones: Map<string, string>) => (s.binary === 'nova-compute' ? zones.get(s.host) ?? s.zone : s.zone);

export function hostHandlers(nova: Nova): Record<string, OperationHandler> {
  const nodes = nodesOf(nova);
  const services = servicesOf(nova);
  const computeService = async (host: string) => services.findOne({ host, binary: 'nova-compute' });
  const findNode = async (ctx: RequestContext, id: string): Promise<ComputeNodeDoc> => {
    let node: ComputeNodeDoc | undefined;
    if (since(ctx, '2.53')) {
      if (!UUID.test(id)) throw badRequest(`Invalid uuid ${id}`);
      node = await nodes.get(id);
    } else if (/^\d+$/.test(id)) {
      node = await nodes.findOne({ seq: Number(id) });
    }
    if (!node) throw notFound(`Hypervisor with ID '${id}' could not be found.`);
    return node;
  };

  const listHypervisors = async (ctx: RequestContext, detail: boolean) => {
    nova.engine.authorize(ctx, detail ? 'os_compute_api:os-hypervisors:list-detail' : 'os_compute_api:os-hypervisors:list', {});
    let all = (await nodes.find()).sort((a, b) => a.seq - b.seq);
    const pattern = since(ctx, '2.53') ? firstQuery(ctx, 'hypervisor_hostname_pattern') : undefined;
    if (pattern !== undefined) {
      all = all.filter((n) => n.hypervisor_hostname.includes(pattern));
      if (all.length === 0) throw notFound(`No hypervisor matching '${pattern}' could be found.`);
    }
    const limit = since(ctx, '2.33') ? pageLimit(ctx) : undefined;
    const marker = since(ctx, '2.33') ? firstQuery(ctx, 'marker') : undefined;
    if (marker !== undefined) {
      const at = all.findIndex((n) => String(since(ctx, '2.53') ? n.id : n.seq) === marker);
      if (at < 0) throw badRequest(`marker [${marker}] not found`);
      all = all.slice(at + 1);
    }
    const page = limit === undefined ? all : all.slice(0, limit);
    const usage = await usageByHost(nova);
    const body: Record<string, unknown> = { hypervisors: [] };
    for (const n of page) (body.hypervisors as unknown[]).push(hypervisorView(ctx, n, await computeService(n.host) ?? undefined, usage.get(n.host), detail));
    const next = nextLinks(ctx, detail ? 'os-hypervisors/detail' : 'os-hypervisors', page.map((n) => ({ marker: String(since(ctx, '2.53') ? n.id : n.seq) })), limit);
    if (next) body.hypervisors_links = next;
    return json(body);
  };

  const serviceView = (ctx: RequestContext, s: ServiceDoc, zones: Map<string, string>) => {
    const v: Record<string, unknown> = {
      id: serviceId(ctx, s), binary: s.binary, host: s.host, zone: zoneOf(s, zones),
      status: s.disabled ? 'disabled' : 'enabled', state: 'up', updated_at: naive(s.updated_at), disabled_reason: s.disabled_reason,
    };
    if (since(ctx, '2.11')) v.forced_down = s.forced_down;
    return v;
  };

  return {
    listHypervisors: (ctx) => listHypervisors(ctx, false),
    listHypervisorsDetail: (ctx) => listHypervisors(ctx, true),
    showHypervisor: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-hypervisors:show', {});
      const node = await findNode(ctx, ctx.params.hypervisor_id);
      const usage = await usageByHost(nova);
      return json({ hypervisor: hypervisorView(ctx, node, await computeService(node.host) ?? undefined, usage.get(node.host), true, true) });
    },
    showHypervisorUptime: async (ctx) => {
      if (since(ctx, '2.88')) throw notFound('The resource could not be found.');
      nova.engine.authorize(ctx, 'os_compute_api:os-hypervisors:uptime', {});
      const node = await findNode(ctx, ctx.params.hypervisor_id);
      return json({ hypervisor: { ...hypervisorView(ctx, node, await computeService(node.host) ?? undefined, undefined, false), uptime: uptimeLine(nova) } });
    },
    showHypervisorStatistics: async (ctx) => {
      if (since(ctx, '2.88')) throw notFound('The resource could not be found.');
      nova.engine.authorize(ctx, 'os_compute_api:os-hypervisors:statistics', {});
      const all = await nodes.find();
      const usage = await usageByHost(nova);
      const s = { count: 0, vcpus: 0, memory_mb: 0, local_gb: 0, vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0, free_ram_mb: 0, free_disk_gb: 0, current_workload: 0, running_vms: 0, disk_available_least: 0 };
      for (const n of all) {
        const u = usage.get(n.host) ?? { vcpus: 0, memory_mb: 0, local_gb: 0, running_vms: 0 };
        s.count++;
        s.vcpus += n.vcpus;
        s.memory_mb += n.memory_mb;
        s.local_gb += n.local_gb;
        s.vcpus_used += u.vcpus;
        s.memory_mb_used += u.memory_mb + RESERVED_RAM_MB;
        s.local_gb_used += u.local_gb;
        s.free_ram_mb += n.memory_mb - u.memory_mb - RESERVED_RAM_MB;
        s.free_disk_gb += n.local_gb - u.local_gb;
        s.running_vms += u.running_vms;
        s.disk_available_least += n.local_gb - u.local_gb;
      }
      return json({ hypervisor_statistics: s });
    },
    listServices: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-services:list', {});
      let all = (await services.find()).sort((a, b) => a.seq - b.seq);
      const host = firstQuery(ctx, 'host');
      const binary = firstQuery(ctx, 'binary');
      if (host !== undefined) all = all.filter((s) => s.host === host);
      if (binary !== undefined) all = all.filter((s) => s.binary === binary);
      const zones = await zonesByHost(nova);
      return json({ services: all.map((s) => serviceView(ctx, s, zones)) });
    },
    listAvailabilityZones: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-availability-zone:list', {});
      const byHost = await zonesByHost(nova);
      const zones = new Set((await services.find({ binary: 'nova-compute' })).filter((s) => !s.disabled).map((s) => zoneOf(s, byHost)));
      if (zones.size === 0) zones.add(DEFAULT_AZ);
      return json({ availabilityZoneInfo: [...zones].sort().map((z) => ({ zoneName: z, zoneState: { available: true }, hosts: null })) });
    },
    listAvailabilityZonesDetail: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-availability-zone:detail', {});
      const byZone = new Map<string, Record<string, Record<string, unknown>>>();
      const byHost = await zonesByHost(nova);
      for (const s of (await services.find()).sort((a, b) => a.seq - b.seq)) {
        const zone = zoneOf(s, byHost);
        const hosts = byZone.get(zone) ?? {};
        hosts[s.host] ??= {};
        hosts[s.host][s.binary] = { available: !s.disabled, active: true, updated_at: naive(s.updated_at) };
        byZone.set(zone, hosts);
      }
      return json({
        availabilityZoneInfo: [...byZone.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([zone, hosts]) => ({ zoneName: zone, zoneState: { available: true }, hosts })),
      });
    },
  };
}
