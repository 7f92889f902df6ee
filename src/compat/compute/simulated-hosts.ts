// The hosts as the compute database records them: the services (nova-compute per host,
// nova-scheduler and nova-conductor on the control host) and the compute nodes. The agents
// register themselves here when they start (src/compat/compute/agents/); the compute agent
// also reports its node's inventory to Placement. HostSpec sizes the simulated hosts.
import type { Collection } from '../../platform/store/store.ts';
import { uuid } from '../../platform/ids.ts';
import type { Nova } from './support.ts';

export interface HostSpec {
  count: number;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

export const DEFAULT_AZ = 'nova';
/** the host of the control-plane services (scheduler, conductor) */
export const CONTROL_HOST = 'stackgate';

export function hostSpecFromEnv(env: NodeJS.ProcessEnv = process.env): HostSpec {
  const n = (name: string, fallback: number) => {
    const v = Number(env[name]);
    return Number.isInteger(v) && v > 0 ? v : fallback;
  };
  return {
    count: n('STACKGATE_COMPUTE_HOSTS', 2),
    vcpus: n('STACKGATE_COMPUTE_HOST_VCPUS', 16),
    memoryMb: n('STACKGATE_COMPUTE_HOST_RAM_MB', 65536),
    diskGb: n('STACKGATE_COMPUTE_HOST_DISK_GB', 1000),
  };
}

export interface ComputeNodeDoc {
  id: string;
  seq: number;
  host: string;
  hypervisor_hostname: string;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  host_ip: string;
  created_at: number;
  [k: string]: unknown;
}

export interface ServiceDoc {
  id: string;
  seq: number;
  binary: string;
  host: string;
  zone: string;
  disabled: boolean;
  disabled_reason: string | null;
  forced_down: boolean;
  updated_at: number;
  [k: string]: unknown;
}

export const nodesOf = (nova: Nova): Collection<ComputeNodeDoc> => nova.db.collection<ComputeNodeDoc>('compute_nodes', { unique: [['hypervisor_hostname']] });
export const servicesOf = (nova: Nova): Collection<ServiceDoc> => nova.db.collection<ServiceDoc>('services', { unique: [['host', 'binary']] });

export const hostName = (i: number) => `compute-${i}`;

/** the service row of a binary on a host, created when missing; its updated_at is the heartbeat */
export async function ensureService(nova: Nova, binary: string, host: string, zone: string): Promise<ServiceDoc> {
  const services = servicesOf(nova);
  const now = nova.clock.now();
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await services.findOne({ host, binary });
    if (existing) return (await services.update(existing.id, { updated_at: now })) ?? existing;
    try {
      return await services.insert({ id: uuid(), seq: await nextSeq(services), binary, host, zone, disabled: false, disabled_reason: null, forced_down: false, updated_at: now });
    } catch {
      // another process registered it (or took the seq) meanwhile: look again
    }
  }
  throw new Error(`cannot register ${binary} on ${host}`);
}

/** the compute node (hypervisor) of a host, created or resized to what the driver reports */
export async function ensureComputeNode(nova: Nova, host: string, resources: { vcpus: number; memoryMb: number; diskGb: number }): Promise<ComputeNodeDoc> {
  const nodes = nodesOf(nova);
  for (let attempt = 0; attempt < 5; attempt++) {
    const node = await nodes.findOne({ hypervisor_hostname: host });
    if (node) {
      if (node.vcpus === resources.vcpus && node.memory_mb === resources.memoryMb && node.local_gb === resources.diskGb) return node;
      return (await nodes.update(node.id, { vcpus: resources.vcpus, memory_mb: resources.memoryMb, local_gb: resources.diskGb }))!;
    }
    try {
      return await nodes.insert({
        id: uuid(), seq: await nextSeq(nodes), host, hypervisor_hostname: host, vcpus: resources.vcpus, memory_mb: resources.memoryMb,
        local_gb: resources.diskGb, host_ip: '127.0.0.1', created_at: nova.clock.now(),
      });
    } catch {
      // registered by another process meanwhile
    }
  }
  throw new Error(`cannot register compute node ${host}`);
}

async function nextSeq(collection: Collection<ComputeNodeDoc> | Collection<ServiceDoc>): Promise<number> {
  const last = await (collection as Collection<ComputeNodeDoc>).find({}, { sort: [['seq', 'desc']], limit: 1 });
  return (last[0]?.seq ?? 0) + 1;
}
