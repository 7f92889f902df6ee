// Nova's weighers: each scores hosts, scores are normalised to 0..1 over the candidates and
// summed with their multipliers; the highest total wins. RAM and CPU spread by default
// (positive multipliers favour the emptiest host); soft (anti-)affinity weigh group members.
import type { HostState, RequestSpec } from './host-state.ts';

export interface HostWeigher {
  name: string;
  multiplier: number;
  weigh(host: HostState, spec: RequestSpec): number;
}

export const ramWeigher = (multiplier = 1.0): HostWeigher => ({ name: 'RAMWeigher', multiplier, weigh: (h) => h.freeRamMb });
export const cpuWeigher = (multiplier = 1.0): HostWeigher => ({ name: 'CPUWeigher', multiplier, weigh: (h) => h.freeVcpus });
export const diskWeigher = (multiplier = 1.0): HostWeigher => ({ name: 'DiskWeigher', multiplier, weigh: (h) => h.freeDiskGb });

export const softAffinityWeigher = (multiplier = 1.0): HostWeigher => ({
  name: 'ServerGroupSoftAffinityWeigher',
  multiplier,
  weigh: (h, spec) => (spec.group?.policy === 'soft-affinity' ? spec.groupHosts.get(h.host) ?? 0 : 0),
});

export const softAntiAffinityWeigher = (multiplier = 1.0): HostWeigher => ({
  name: 'ServerGroupSoftAntiAffinityWeigher',
  multiplier,
  weigh: (h, spec) => (spec.group?.policy === 'soft-anti-affinity' ? -(spec.groupHosts.get(h.host) ?? 0) : 0),
});

export const DEFAULT_WEIGHERS: HostWeigher[] = [ramWeigher(), cpuWeigher(), diskWeigher(), softAffinityWeigher(), softAntiAffinityWeigher()];

/** the hosts best first */
export function weighHosts(hosts: HostState[], spec: RequestSpec, weighers: HostWeigher[] = DEFAULT_WEIGHERS): HostState[] {
  const totals = new Map<HostState, number>(hosts.map((h) => [h, 0]));
  for (const w of weighers) {
    const raw = hosts.map((h) => w.weigh(h, spec));
    const min = Math.min(...raw), max = Math.max(...raw);
    hosts.forEach((h, i) => {
      const normalised = max === min ? 0 : (raw[i] - min) / (max - min);
      totals.set(h, totals.get(h)! + w.multiplier * normalised);
    });
  }
  return [...hosts].sort((a, b) => totals.get(b)! - totals.get(a)! || a.host.localeCompare(b.host));
}
