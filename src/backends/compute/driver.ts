// The hypervisor interface a compute agent drives, shaped after Nova's virt driver: one method
// per guest operation, each resolving when the hypervisor has finished it (or rejecting with
// the reason). The simulated driver sits behind it today; libvirt will come behind the same one.
import type { POWER } from '../../compat/compute/servers/record.ts';

export type PowerState = (typeof POWER)[keyof typeof POWER];

/** what the driver is told about a guest: enough to build it, never the whole server record */
export interface GuestSpec {
  id: string;
  name: string;
  hostname: string;
  imageRef: string;
  flavor: { name: string; vcpus: number; ram: number; disk: number };
  metadata: Record<string, string>;
  /** the vNICs the guest gets, one per port */
  nics: Array<{ portId: string; mac: string; ips: string[] }>;
  /** what the record last knew, so a host that restarted can adopt the guest */
  knownPowerState?: PowerState;
  knownConsole?: string[];
}

export interface GuestInfo {
  powerState: PowerState;
}

export type RebootType = 'SOFT' | 'HARD';

/** a guest operation the driver could not do; the agent turns it into the server's fault */
export class DriverError extends Error {
  readonly operation: string;
  constructor(operation: string, message: string) {
    super(message);
    this.name = 'DriverError';
    this.operation = operation;
  }
}

export interface HostResources {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  hypervisorType: string;
}

export interface ComputeDriver {
  readonly name: string;
  /** what the host offers; the agent reports it to Placement as inventory */
  getAvailableResource(): HostResources;
  /** ids of the guests that exist on this host */
  listInstances(): string[];
  /** the guest's power state; NOSTATE when the host does not know it */
  getInfo(id: string): GuestInfo;
  spawn(guest: GuestSpec): Promise<void>;
  /** idempotent: destroying a guest the host does not have succeeds */
  destroy(guest: GuestSpec): Promise<void>;
  powerOff(guest: GuestSpec): Promise<void>;
  powerOn(guest: GuestSpec): Promise<void>;
  reboot(guest: GuestSpec, type: RebootType): Promise<void>;
  pause(guest: GuestSpec): Promise<void>;
  unpause(guest: GuestSpec): Promise<void>;
  suspend(guest: GuestSpec): Promise<void>;
  resume(guest: GuestSpec): Promise<void>;
  rescue(guest: GuestSpec, rescueImageRef: string): Promise<void>;
  unrescue(guest: GuestSpec): Promise<void>;
  /** rebuild in place from a new image: the disk is recreated, the guest boots again */
  rebuild(guest: GuestSpec): Promise<void>;
  /** the root disk's bytes, read while the guest stays as it is (qcow2 or raw) */
  snapshot(guest: GuestSpec, diskFormat: string): Promise<AsyncIterable<Buffer>>;
  /** the source side of a resize or cold migration: power off and hand the disk over */
  migrateDiskAndPowerOff(guest: GuestSpec, destHost: string): Promise<void>;
  /** the destination side: the guest comes up with its new flavor, powered on or not */
  finishMigration(guest: GuestSpec, powerOn: boolean): Promise<void>;
  /** back to the old flavor on the source */
  finishRevertMigration(guest: GuestSpec, powerOn: boolean): Promise<void>;
  /** the source drops the copy it kept for a revert */
  confirmMigration(guest: GuestSpec): Promise<void>;
  /** the serial console's lines so far */
  getConsoleOutput(id: string): string[];
}
