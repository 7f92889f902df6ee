// Nova's vocabulary of server states: the API status a (vm_state, task_state) pair shows,
// the reverse used by the `status` filter, and the state checks every action makes before
// it hands work to the agents (409 conflictingRequest with Nova's wording).
import { conflict } from '../../../platform/http/api-error.ts';
import type { ServerRecord } from './record.ts';

const RESIZING = ['resize_prep', 'resize_migrating', 'resize_migrated', 'resize_finish'];
const REBUILDING = ['rebuilding', 'rebuild_block_device_mapping', 'rebuild_spawning'];

/** vm_state -> task_state -> status; `default` is the status with any other task_state */
const STATUS_MAP: Record<string, Record<string, string>> = {
  active: {
    default: 'ACTIVE',
    rebooting: 'REBOOT', reboot_pending: 'REBOOT', reboot_started: 'REBOOT',
    rebooting_hard: 'HARD_REBOOT', reboot_pending_hard: 'HARD_REBOOT', reboot_started_hard: 'HARD_REBOOT',
    updating_password: 'PASSWORD',
    migrating: 'MIGRATING',
    ...Object.fromEntries(REBUILDING.map((t) => [t, 'REBUILD'])),
    ...Object.fromEntries(RESIZING.map((t) => [t, 'RESIZE'])),
  },
  building: { default: 'BUILD' },
  stopped: {
    default: 'SHUTOFF',
    ...Object.fromEntries(RESIZING.map((t) => [t, 'RESIZE'])),
    ...Object.fromEntries(REBUILDING.map((t) => [t, 'REBUILD'])),
  },
  resized: { default: 'VERIFY_RESIZE', resize_reverting: 'REVERT_RESIZE' },
  paused: { default: 'PAUSED', migrating: 'MIGRATING' },
  suspended: { default: 'SUSPENDED' },
  rescued: { default: 'RESCUE' },
  error: { default: 'ERROR', ...Object.fromEntries(REBUILDING.map((t) => [t, 'REBUILD'])) },
  deleted: { default: 'DELETED' },
  soft_deleted: { default: 'SOFT_DELETED' },
  shelved: { default: 'SHELVED' },
  shelved_offloaded: { default: 'SHELVED_OFFLOADED' },
};

export function statusOf(server: Pick<ServerRecord, 'vm_state' | 'task_state' | 'deleted'>): string {
  if (server.deleted) return 'DELETED';
  const byTask = STATUS_MAP[server.vm_state];
  if (!byTask) return 'UNKNOWN';
  return (server.task_state && byTask[server.task_state]) || byTask.default;
}

/**
 * The vm_states and task_states a set of statuses stands for, as the list filter uses them.
 * `task_states` holds 'default' when any task_state of the vm_state matches.
 */
export function statesForStatuses(statuses: string[]): { vmStates: string[]; taskStates: string[] } {
  const vmStates = new Set<string>();
  const taskStates = new Set<string>();
  for (const raw of statuses) {
    const wanted = raw.toUpperCase();
    for (const [vm, byTask] of Object.entries(STATUS_MAP)) {
      for (const [task, status] of Object.entries(byTask)) {
        if (status !== wanted) continue;
        vmStates.add(vm);
        taskStates.add(task);
      }
    }
  }
  return { vmStates: [...vmStates], taskStates: [...taskStates] };
}

export interface StateRule {
  /** vm_states that allow the action; undefined means any */
  vm?: string[];
  /** task_states that allow it (null: no task in progress); undefined means any */
  task?: Array<string | null>;
}

export const REBOOT_TASKS = [null, 'rebooting', 'reboot_pending', 'reboot_started', 'rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard', 'resuming', 'unpausing', 'pausing', 'suspending'];

/** compute/api.py's check_instance_state per action (keys are the names the 409 shows) */
export const ACTION_STATES: Record<string, StateRule> = {
  stop: { vm: ['active', 'error'], task: [null] },
  start: { vm: ['stopped'], task: [null] },
  reboot: { vm: ['active'], task: [null] },
  reboot_hard: { vm: ['active', 'stopped', 'paused', 'suspended', 'error'], task: REBOOT_TASKS },
  pause: { vm: ['active'], task: [null] },
  unpause: { vm: ['paused'], task: [null] },
  suspend: { vm: ['active'], task: [null] },
  resume: { vm: ['suspended'], task: [null] },
  shelve: { vm: ['active', 'stopped', 'paused', 'suspended'], task: [null] },
  shelveOffload: { vm: ['shelved'], task: [null] },
  unshelve: { vm: ['shelved', 'shelved_offloaded'], task: [null] },
  resize: { vm: ['active', 'stopped'], task: [null] },
  migrate: { vm: ['active', 'stopped'], task: [null] },
  confirmResize: { vm: ['resized'], task: [null] },
  revertResize: { vm: ['resized'], task: [null] },
  rebuild: { vm: ['active', 'stopped', 'error'], task: [null] },
  rescue: { vm: ['active', 'stopped', 'error'], task: [null] },
  unrescue: { vm: ['rescued'], task: [null] },
  createImage: { vm: ['active', 'stopped', 'paused', 'suspended'], task: [null] },
  createBackup: { vm: ['active', 'stopped', 'paused', 'suspended'], task: [null] },
  changePassword: { vm: ['active'], task: [null] },
  trigger_crash_dump: { vm: ['active', 'paused', 'rescued', 'resized', 'error'], task: [null] },
  restore: { vm: ['soft_deleted'] },
  forceDelete: { vm: ['soft_deleted'] },
  update: {},
};

/** 409 "Cannot 'stop' instance <id> while it is in vm_state stopped", as Nova words it */
export function checkState(server: ServerRecord, action: string, rule: StateRule = ACTION_STATES[action] ?? {}, shownAs = action): void {
  if (rule.vm && !rule.vm.includes(server.vm_state)) {
    throw conflict(`Cannot '${shownAs}' instance ${server.id} while it is in vm_state ${server.vm_state}`);
  }
  if (rule.task && !rule.task.includes(server.task_state)) {
    throw conflict(`Cannot '${shownAs}' instance ${server.id} while it is in task_state ${server.task_state}`);
  }
}
