// What every Neutron resource module is given: the identity engine (policy), the network
// database, the clock, the driver and the service's configuration.
import type { Clock } from '../../platform/clock.ts';
import type { Collection, Database, Doc, Store } from '../../platform/store/store.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { NetworkDriver } from '../../backends/network/driver.ts';
import { DEFAULT_BASE_MAC } from './ipam/mac-address.ts';

export interface NeutronConfig {
  baseMac: string;
  /** VXLAN network ids handed to project networks */
  vniRanges: Array<[number, number]>;
  /** VLAN ranges per physical network, for provider networks given without an id */
  vlanRanges: Record<string, Array<[number, number]>>;
  physicalNetworks: string[];
  globalPhysnetMtu: number;
  defaultAvailabilityZone: string;
  /** most fixed IPs a port may have */
  maxFixedIpsPerPort: number;
}

export function neutronConfig(env: Record<string, string | undefined> = process.env): NeutronConfig {
  const ranges = (text: string) =>
    text.split(',').filter(Boolean).map((r) => r.split(':').map(Number) as [number, number]);
  return {
    baseMac: env.STACKGATE_NEUTRON_BASE_MAC ?? DEFAULT_BASE_MAC,
    vniRanges: ranges(env.STACKGATE_NEUTRON_VNI_RANGES ?? '1:1000'),
    vlanRanges: { physnet1: ranges('1000:2999') },
    physicalNetworks: (env.STACKGATE_NEUTRON_PHYSICAL_NETWORKS ?? 'public,physnet1').split(',').filter(Boolean),
    globalPhysnetMtu: Number(env.STACKGATE_NEUTRON_PHYSNET_MTU ?? 1500),
    defaultAvailabilityZone: 'nova',
    maxFixedIpsPerPort: 5,
  };
}

/** A stored Neutron resource: the API attributes under their API names, plus bookkeeping. */
export type Resource = Doc & Record<string, any>;

export interface NeutronDb {
  networks: Collection<Resource>;
  subnets: Collection<Resource>;
  subnetpools: Collection<Resource>;
  ports: Collection<Resource>;
  securityGroups: Collection<Resource>;
  securityGroupRules: Collection<Resource>;
  /** one document per allocated (subnet, address): id `<subnet_id>/<ip>`; the id is the lock */
  ipAllocations: Collection<Resource>;
  /** id `<network_id>/<mac>` */
  macAllocations: Collection<Resource>;
  /** id `<network_type>/<physical_network>/<segmentation_id>` */
  segmentAllocations: Collection<Resource>;
  /** id `<project_id>`: which group is the project's default */
  defaultSecurityGroups: Collection<Resource>;
  routers: Collection<Resource>;
  floatingips: Collection<Resource>;
  rbacPolicies: Collection<Resource>;
  /** id `<project_id>`: the limits set for a project (absent: the defaults) */
  quotas: Collection<Resource>;
  /** id `<project_id>`: the network and router of the project's auto-allocated topology */
  autoAllocatedTopologies: Collection<Resource>;
  raw: Database;
}

export interface Neutron {
  engine: IdentityEngine;
  clock: Clock;
  driver: NetworkDriver;
  config: NeutronConfig;
  db(): Promise<NeutronDb>;
}

export function openNeutronDb(store: Store): () => Promise<NeutronDb> {
  let opened: Promise<NeutronDb> | undefined;
  return () =>
    (opened ??= store.database('network').then((raw) => ({
      raw,
      networks: raw.collection<Resource>('networks', { indexes: [['tenant_id'], ['name']] }),
      subnets: raw.collection<Resource>('subnets', { indexes: [['network_id'], ['subnetpool_id']] }),
      subnetpools: raw.collection<Resource>('subnetpools', { indexes: [['tenant_id']] }),
      ports: raw.collection<Resource>('ports', { indexes: [['network_id'], ['tenant_id'], ['device_id'], ['device_owner'], ['name'], ['mac_address']] }),
      securityGroups: raw.collection<Resource>('security_groups', { indexes: [['tenant_id']] }),
      securityGroupRules: raw.collection<Resource>('security_group_rules', { indexes: [['security_group_id']] }),
      ipAllocations: raw.collection<Resource>('ip_allocations', { indexes: [['subnet_id'], ['port_id'], ['ip_address']] }),
      macAllocations: raw.collection<Resource>('mac_allocations'),
      segmentAllocations: raw.collection<Resource>('segment_allocations'),
      defaultSecurityGroups: raw.collection<Resource>('default_security_groups'),
      routers: raw.collection<Resource>('routers', { indexes: [['tenant_id']] }),
      floatingips: raw.collection<Resource>('floatingips', { indexes: [['tenant_id'], ['port_id'], ['router_id']] }),
      rbacPolicies: raw.collection<Resource>('rbac_policies', { indexes: [['object_id'], ['tenant_id']] }),
      quotas: raw.collection<Resource>('quotas'),
      autoAllocatedTopologies: raw.collection<Resource>('auto_allocated_topologies'),
    })));
}

/** Neutron's timestamps: seconds, no fraction, with Z. */
export const isoSecondsZ = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
