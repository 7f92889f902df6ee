// The host filters Nova's filter scheduler runs by default (RAM, vCPU and disk are Placement's
// allocation candidates before these run). Each filter keeps the hosts that pass it.
import type { HostState, RequestSpec } from './host-state.ts';

export interface HostFilter {
  name: string;
  passes(host: HostState, spec: RequestSpec): boolean;
}

/** the service is enabled and reporting in */
export const computeFilter: HostFilter = {
  name: 'ComputeFilter',
  passes: (host) => !!host.service && !host.service.disabled && host.up,
};

export const availabilityZoneFilter: HostFilter = {
  name: 'AvailabilityZoneFilter',
  passes: (host, spec) => !spec.availabilityZone || host.zone === spec.availabilityZone,
};

/** an admin's `zone:host` pins the host; ignore_hosts keeps some out */
export const hostPinFilter: HostFilter = {
  name: 'HostPinFilter',
  passes: (host, spec) => (!spec.forceHost || host.host === spec.forceHost) && !spec.ignoreHosts.includes(host.host),
};

export const serverGroupAffinityFilter: HostFilter = {
  name: 'ServerGroupAffinityFilter',
  passes: (host, spec) => spec.group?.policy !== 'affinity' || spec.groupHosts.size === 0 || spec.groupHosts.has(host.host),
};

export const serverGroupAntiAffinityFilter: HostFilter = {
  name: 'ServerGroupAntiAffinityFilter',
  passes: (host, spec) => {
    if (spec.group?.policy !== 'anti-affinity') return true;
    const max = spec.group.rules?.max_server_per_host ?? 1;
    return (spec.groupHosts.get(host.host) ?? 0) < max;
  },
};

/**
 * Flavor extra specs, unscoped or scoped `aggregate_instance_extra_specs:`, must match the
 * metadata of an aggregate the host is in. Values may use Nova's operators: `<in> sub`,
 * `<or> a <or> b`, `s== x`, `= n`, `>= n`, `<= n`.
 */
export const aggregateInstanceExtraSpecsFilter: HostFilter = {
  name: 'AggregateInstanceExtraSpecsFilter',
  passes: (host, spec) => {
    for (const [rawKey, wanted] of Object.entries(spec.flavor.extra_specs ?? {})) {
      const parts = rawKey.split(':');
      let key: string;
      if (parts.length === 1) key = rawKey;
      else if (parts[0] === 'aggregate_instance_extra_specs') key = parts.slice(1).join(':');
      else continue;
      const values = host.aggregates.map((a) => a.metadata[key]).filter((v): v is string => typeof v === 'string');
      if (values.length === 0 || !values.some((v) => matches(v, wanted))) return false;
    }
    return true;
  },
};

function matches(value: string, requirement: string): boolean {
  const words = requirement.trim().split(/\s+/);
  const op = words[0];
  const rest = requirement.trim().slice(op.length).trim();
  switch (op) {
    case '<in>':
      return value.includes(rest);
    case '<or>':
      return requirement.split('<or>').map((w) => w.trim()).filter(Boolean).includes(value);
    case 's==':
      return value === rest;
    case 's!=':
      return value !== rest;
    case '=':
    case '>=':
      return Number(value) >= Number(rest);
    case '<=':
      return Number(value) <= Number(rest);
    case '==':
      return Number(value) === Number(rest);
    case '!=':
      return Number(value) !== Number(rest);
    default:
      return value === requirement;
  }
}

export const DEFAULT_FILTERS: HostFilter[] = [
  hostPinFilter,
  computeFilter,
  availabilityZoneFilter,
  aggregateInstanceExtraSpecsFilter,
  serverGroupAntiAffinityFilter,
  serverGroupAffinityFilter,
];
