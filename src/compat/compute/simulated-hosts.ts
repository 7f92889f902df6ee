// The simulated hypervisor hosts of an all-in-one cloud: their compute nodes and
// nova-compute services in the compute database, and their inventories in Placement
// (VCPU, MEMORY_MB, DISK_GB with Nova's default allocation ratios).
import type { Collection } from '../../platform/store/store.ts';
import type { PlacementLogic } from '../placement/placement-logic.ts';
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

/** Registers (idempotently) the control services and the simulated hosts, and reports inventories. */
export async function registerSimulatedHosts(nova: Nova, placement: PlacementLogic, spec: HostSpec): Promise<void> {
  const nodes = nodesOf(nova);
  const services = servicesOf(nova);
  const now = nova.clock.now();
  let seq = (await services.count()) + 1;
  const ensureService = async (binary: string, host: string, zone: string) => {
    const existing = await services.findOne({ host, binary });
    if (existing) {
      await services.update(existing.id, { updated_at: now });
      return;
    }
    await services.insert({ id: uuid(), seq: seq++, binary, host, zone, disabled: false, disabled_reason: null, forced_down: false, updated_at: now });
  };
  await ensureService('nova-scheduler', CONTROL_HOST, 'internal');
  await ensureService('nova-conductor', CONTROL_HOST, 'internal');
  let nodeSeq = (await nodes.count()) + 1;
  for (let i = 1; i <= spec.count; i++) {
    const host = hostName(i);
    await ensureService('nova-compute', host, DEFAULT_AZ);
    let node = await nodes.findOne({ hypervisor_hostname: host });
    if (!node) {
      node = await nodes.insert({
        id: uuid(), seq: nodeSeq++, host, hypervisor_hostname: host, vcpus: spec.vcpus, memory_mb: spec.memoryMb, local_gb: spec.diskGb,
        host_ip: '127.0.0.1', created_at: now,
      });
    } else if (node.vcpus !== spec.vcpus || node.memory_mb !== spec.memoryMb || node.local_gb !== spec.diskGb) {
      node = (await nodes.update(node.id, { vcpus: spec.vcpus, memory_mb: spec.memoryMb, local_gb: spec.diskGb }))!;
    }
    await placement.ensureProvider({ name: host, uuid: node.id });
    await placement.setInventory(node.id, {
      VCPU: { total: node.vcpus, allocation_ratio: 4.0, max_unit: node.vcpus },
      MEMORY_MB: { total: node.memory_mb, reserved: 512, allocation_ratio: 1.0, max_unit: node.memory_mb },
      DISK_GB: { total: node.local_gb, allocation_ratio: 1.0, max_unit: node.local_gb },
    });
  }
}
