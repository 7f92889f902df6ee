// The scheduler's capabilities filter: a volume type's extra specs that name backend
// capabilities (bare keys or `capabilities:<key>`) must match what the backend reports, with
// Cinder's operators `<is>`, `<in>`, `<or>`, `==`, `!=`, `>=`, `<=`, `s==`. Keys of other scopes
// (e.g. `multiattach` handled by the API, `hw:`/`qos:` for others) are not the scheduler's.
import type { BackendStats } from '../../backends/block/driver.ts';
import { backendsOf, type BlockBackend } from '../../backends/block/multi-backend.ts';
import { HOST, type BlockStorage } from './model.ts';

/** backend stats by the capability names extra specs use */
function capabilities(stats: BackendStats): Record<string, string | number> {
  return {
    volume_backend_name: stats.backendName,
    storage_protocol: stats.storageProtocol,
    vendor_name: stats.vendorName,
    driver_version: stats.driverVersion,
    total_capacity_gb: stats.totalCapacityGb,
    free_capacity_gb: stats.freeCapacityGb,
    thin_provisioning_support: 'True',
    thick_provisioning_support: 'False',
  };
}

function satisfies(actual: string | number, wanted: string): boolean {
  const spec = wanted.trim();
  const op = /^(<is>|<in>|<or>|s==|==|!=|>=|<=)\s*(.*)$/s.exec(spec);
  if (!op) return String(actual) === spec;
  const [, operator, rest] = op;
  switch (operator) {
    case '<is>': return String(actual).toLowerCase() === rest.trim().toLowerCase();
    case '<in>': return String(actual).includes(rest.trim());
    case '<or>': return rest.split('<or>').map((x) => x.trim()).includes(String(actual));
    case 's==': return String(actual) === rest.trim();
    case '==': return Number(actual) === Number(rest);
    case '!=': return Number(actual) !== Number(rest);
    case '>=': return Number(actual) >= Number(rest);
    case '<=': return Number(actual) <= Number(rest);
  }
  return true;
}

/** Whether a backend with these stats can take a volume of a type with these extra specs. */
export function backendMatches(extraSpecs: Record<string, string>, stats: BackendStats): boolean {
  const caps = capabilities(stats);
  for (const [rawKey, wanted] of Object.entries(extraSpecs)) {
    const key = rawKey.startsWith('capabilities:') ? rawKey.slice('capabilities:'.length) : rawKey;
    if (key.includes(':')) continue;
    if (!(key in caps)) continue;
    if (!satisfies(caps[key], wanted)) return false;
  }
  return true;
}

/** one backend as the scheduler sees it: Cinder's pool `host@backend#pool` and its capacity */
export interface PoolState {
  backend: BlockBackend;
  /** `host@backend`, the volume service's host */
  host: string;
  /** `host@backend#pool`, what a volume's `os-vol-host-attr:host` shows */
  pool: string;
  stats: BackendStats;
  allocatedGb: number;
}

/** every backend's stats, capacity as configured (else the filesystem's) less what volumes hold */
export async function poolStates(storage: Pick<BlockStorage, 'driver' | 'volumes'>): Promise<PoolState[]> {
  const volumes = await storage.volumes.find({});
  return Promise.all(backendsOf(storage.driver).map(async (backend) => {
    const raw = await backend.driver.stats();
    const host = `${HOST}@${backend.name}`;
    const pool = `${host}#${raw.backendName}`;
    const allocatedGb = volumes.filter((v) => v.host === pool && v.status !== 'error').reduce((sum, v) => sum + v.size, 0);
    const stats = backend.capacityGb === undefined ? raw
      : { ...raw, totalCapacityGb: backend.capacityGb, freeCapacityGb: Math.max(0, Math.min(raw.freeCapacityGb, backend.capacityGb - allocatedGb)) };
    return { backend, host, pool, stats, allocatedGb };
  }));
}

/**
 * Cinder's filter scheduler with its default filters and weigher: CapabilitiesFilter (the
 * type's extra specs, `volume_backend_name` among them), CapacityFilter (free space for the
 * size), then CapacityWeigher (most free space wins).
 */
export function choosePool(pools: PoolState[], extraSpecs: Record<string, string>, sizeGb: number): PoolState | undefined {
  const fit = pools.filter((p) => backendMatches(extraSpecs, p.stats) && p.stats.freeCapacityGb >= sizeGb);
  fit.sort((a, b) => b.stats.freeCapacityGb - a.stats.freeCapacityGb);
  return fit[0];
}
