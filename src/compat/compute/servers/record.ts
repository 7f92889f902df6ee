// The server (Nova's "instance") as the compute database keeps it, and the seam between the
// stateless API and the agents behind it (conductor, scheduler, compute hosts).
//
// Who writes what, as in Nova:
// - the API creates the record (vm_state building, task_state scheduling) and, for an action,
//   checks the state and sets the task_state before it hands the work over (ComputeEngine);
// - the agents own everything after that: host/node, the final vm_state/power_state,
//   task_state back to null, addresses (Nova's network info cache), fault, launched_at.
import type { Collection } from '../../../platform/store/store.ts';
import type { Nova } from '../support.ts';

/** Nova's power_state codes, as OS-EXT-STS:power_state shows them */
export const POWER = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;

/** the flavor as it was copied into the server at boot (or resize) */
export interface FlavorSnapshot {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  ephemeral: number;
  swap: number;
  extra_specs: Record<string, string>;
  description?: string | null;
}

/** one address of the network info cache, rendered under `addresses.<network name>` */
export interface CachedAddress {
  addr: string;
  version: 4 | 6;
  type: 'fixed' | 'floating';
  mac: string;
  port_id: string;
  network_id: string;
}

export interface ServerFault {
  code: number;
  message: string;
  details?: string;
  created: number;
}

/** what the user asked for at create time; the conductor and scheduler read it */
export interface RequestedNetwork {
  /** 'auto' / 'none' as given (2.37+), or one of the others */
  auto?: 'auto' | 'none';
  uuid?: string;
  port?: string;
  fixed_ip?: string;
  tag?: string;
}

export interface BlockDeviceMapping {
  boot_index: number | null;
  source_type: 'image' | 'volume' | 'snapshot' | 'blank';
  destination_type: 'local' | 'volume';
  uuid?: string;
  volume_size?: number;
  delete_on_termination: boolean;
  device_name?: string;
  volume_type?: string;
  tag?: string;
}

export interface ServerRecord {
  id: string;
  name: string;
  project_id: string;
  user_id: string;
  /** epoch ms; Nova's default order is created_at desc, id desc */
  created_at: number;
  updated_at: number;
  launched_at: number | null;
  terminated_at: number | null;
  /** soft-deleted servers stay listable for admins with deleted=true and changes-since */
  deleted: boolean;
  deleted_at: number | null;

  vm_state: string;
  task_state: string | null;
  power_state: number;
  /** the vm_state to go back to after a revert/unrescue/unshelve, as Nova keeps it in system metadata */
  old_vm_state: string | null;
  progress: number;

  host: string | null;
  node: string | null;
  /** the zone the server is in once scheduled (or asked for) */
  availability_zone: string | null;
  requested_availability_zone: string | null;

  flavor: FlavorSnapshot;
  /** during a resize: the flavor being left and the one being moved to */
  old_flavor: FlavorSnapshot | null;
  new_flavor: FlavorSnapshot | null;

  /** '' when booted from a volume, as Nova renders it */
  image_ref: string;
  key_name: string | null;
  key_data: string | null;
  user_data: string | null;
  metadata: Record<string, string>;
  tags: string[];
  description: string | null;
  hostname: string;
  locked: boolean;
  locked_reason: string | null;
  access_ip_v4: string;
  access_ip_v6: string;
  config_drive: string;
  reservation_id: string;
  launch_index: number;
  /** names of the security groups asked for (Neutron applies them to the ports) */
  security_groups: string[];
  requested_networks: RequestedNetwork[] | 'auto' | 'none';
  block_device_mapping: BlockDeviceMapping[];
  scheduler_hints: Record<string, unknown>;
  /** the server group this server was booted into, if any */
  server_group_id: string | null;
  /** Nova's network info cache: network name -> addresses */
  addresses: Record<string, CachedAddress[]>;
  /** volumes attached (os-extended-volumes:volumes_attached) */
  volumes_attached: Array<{ id: string; delete_on_termination: boolean; device: string; attachment_id?: string; tag?: string }>;
  fault: ServerFault | null;
  /** the lines of the serial console log (os-getConsoleOutput) */
  console_log: string[];
  /** a rescue's or resize's pending details the agents need; free-form per task */
  pending: Record<string, unknown> | null;
  /** the ports the compute agent created for this server (deleted with it; the user's own are only unbound) */
  nova_created_ports?: string[];
  /** the snapshot a shelve took (Nova's system_metadata shelved_image_id); unshelve deletes it */
  shelved_image_id?: string | null;
  /** the resize or cold migration in progress or awaiting confirmation (its record in `migrations`) */
  migration_id?: string | null;
  /** OS-DCF:diskConfig as asked at create, rebuild or resize ('MANUAL' when absent) */
  disk_config?: string;
  /** the boot image's properties as Nova keeps them (system_metadata image_*): 2.98 views, snapshot inheritance */
  image_properties?: Record<string, string>;
  /** the zone a boot or unshelve pinned the server to (2.96) */
  pinned_availability_zone?: string | null;
  /** who locked it: 'admin' (another project's admin; unlocking needs unlock_override) or 'owner' */
  locked_by?: string;
  [k: string]: unknown;
}

export interface InstanceActionRecord {
  id: string;
  instance_uuid: string;
  request_id: string;
  action: string;
  project_id: string;
  user_id: string;
  start_time: number;
  updated_at: number;
  message: string | null;
  events: Array<{ event: string; start_time: number; finish_time: number | null; result: string | null; traceback: string | null; host: string | null }>;
  [k: string]: unknown;
}

export const serversOf = (nova: Nova): Collection<ServerRecord> =>
  nova.db.collection<ServerRecord>('instances', {
    // project + deleted + created_at serves the default list order of one project from the index
    indexes: [['project_id'], ['created_at'], ['host'], ['vm_state'], ['deleted'], ['project_id', 'deleted', 'created_at'], ['image_ref'], ['flavor.id'], ['user_id']],
  });

export const instanceActionsOf = (nova: Nova): Collection<InstanceActionRecord> =>
  nova.db.collection<InstanceActionRecord>('instance_actions', { indexes: [['instance_uuid']] });

/**
 * What the API hands to the agents. The all-in-one implementation casts over the bus to the
 * conductor / compute host topics; the API never waits for the work itself.
 */
export interface ComputeEngine {
  /** schedule and build these freshly created records (one request, min/max count) */
  build(serverIds: string[], context: { requestId: string; projectId: string; userId: string }): Promise<void>;
  /**
   * perform an action whose task_state the API already set, e.g. 'stop', 'start', 'reboot'
   * ({type: 'SOFT'|'HARD'}), 'pause', 'unpause', 'suspend', 'resume', 'shelve', 'shelveOffload',
   * 'unshelve', 'resize' ({flavorId}), 'confirmResize', 'revertResize', 'rebuild' ({imageRef}),
   * 'rescue', 'unrescue', 'createImage' ({imageId}), 'migrate', 'evacuate'
   */
  action(serverId: string, action: string, params: Record<string, unknown>, context: { requestId: string; projectId: string; userId: string }): Promise<void>;
  /** tear down (ports, volumes, allocations) and soft-delete the record */
  delete(serverId: string, context: { requestId: string; projectId: string; userId: string }): Promise<void>;
}
