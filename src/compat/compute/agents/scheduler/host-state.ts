// What the scheduler knows of each compute host when it places one request: its service,
// zone, aggregates, free resources as Placement counts them, and the group members it holds.
import type { StoredProvider } from '../../../placement/providers.ts';
import type { Inventory } from '../../../placement/model.ts';
import type { ComputeNodeDoc, ServiceDoc } from '../../simulated-hosts.ts';
import type { AggregateDoc } from '../../aggregates.ts';
import type { FlavorSnapshot } from '../../servers/record.ts';
import type { ServerGroupRecord } from '../../server-groups.ts';

export interface HostState {
  host: string;
  node: ComputeNodeDoc;
  service: ServiceDoc | undefined;
  /** the service reported in within service_down_time */
  up: boolean;
  zone: string;
  aggregates: AggregateDoc[];
  provider: StoredProvider;
  /** what Placement proposes to allocate on this host for the request */
  allocations: Record<string, Record<string, number>>;
  freeRamMb: number;
  freeVcpus: number;
  freeDiskGb: number;
  /** live members of the request's server group on this host */
  groupMembersHere: number;
}

export interface RequestSpec {
  instanceId: string;
  projectId: string;
  userId: string;
  flavor: FlavorSnapshot;
  /** the zone asked for; null: any */
  availabilityZone: string | null;
  /** admin-forced host (`zone:host[:node]`) */
  forceHost: string | null;
  group: ServerGroupRecord | undefined;
  /** hosts the group's other members run on, with how many each */
  groupHosts: Map<string, number>;
  /** boot from volume: the root disk is not local */
  volumeBacked: boolean;
  ignoreHosts: string[];
}

const free = (inv: Inventory | undefined, used: number) => (inv ? inv.total - inv.reserved - used : 0);

export function freeResources(provider: StoredProvider): { ram: number; vcpus: number; disk: number } {
  return {
    ram: free(provider.inventories.MEMORY_MB, provider.usages.MEMORY_MB ?? 0),
    vcpus: free(provider.inventories.VCPU, provider.usages.VCPU ?? 0),
    disk: free(provider.inventories.DISK_GB, provider.usages.DISK_GB ?? 0),
  };
}

/** the resources Nova asks Placement for a flavor: VCPU, MEMORY_MB and DISK_GB (root, ephemeral, swap) */
export function resourcesOf(flavor: FlavorSnapshot, volumeBacked: boolean): Record<string, number> {
  const disk = (volumeBacked ? 0 : flavor.disk) + flavor.ephemeral + Math.ceil(flavor.swap / 1024);
  const out: Record<string, number> = {};
  if (flavor.vcpus > 0) out.VCPU = flavor.vcpus;
  if (flavor.ram > 0) out.MEMORY_MB = flavor.ram;
  if (disk > 0) out.DISK_GB = disk;
  return out;
}
