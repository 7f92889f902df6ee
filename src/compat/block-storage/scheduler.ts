// The scheduler's capabilities filter: a volume type's extra specs that name backend
// capabilities (bare keys or `capabilities:<key>`) must match what the backend reports, with
// Cinder's operators `<is>`, `<in>`, `<or>`, `==`, `!=`, `>=`, `<=`, `s==`. Keys of other scopes
// (e.g. `multiattach` handled by the API, `hw:`/`qos:` for others) are not the scheduler's.
import type { BackendStats } from '../../backends/block/driver.ts';

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
