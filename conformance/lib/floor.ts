// conformance/floor.json: the minimum passed count per suite and per suite+service.
// Keys are "<suite>" and "<suite>/<service>". Floors only go up (--update-floor).
import type { Report } from './report.ts';

export type Floor = Record<string, number>;

export interface FloorBreach { key: string; floor: number; measured: number }

/** passed counts of a report under floor keys */
export function measuredPassed(report: Report): Floor {
  const measured: Floor = {};
  for (const s of report.suites) {
    measured[s.suite] = s.totals.passed;
    for (const [service, c] of Object.entries(s.services)) measured[`${s.suite}/${service}`] = c.passed;
  }
  return measured;
}

/**
 * Floors that the run fell below. Only keys this run measured are compared: a
 * run limited with --suites/--services says nothing about the others (and a
 * suite total is only comparable when every service ran).
 */
export function compareFloor(
  floor: Floor,
  measured: Floor,
  ranSuites: readonly string[],
  ranServices: readonly string[] | 'all' = 'all',
): FloorBreach[] {
  const breaches: FloorBreach[] = [];
  for (const [key, min] of Object.entries(floor)) {
    const [suite, service] = key.split('/');
    if (!ranSuites.includes(suite)) continue;
    if (ranServices !== 'all' && (service === undefined || !ranServices.includes(service))) continue;
    const got = measured[key] ?? 0;
    if (got < min) breaches.push({ key, floor: min, measured: got });
  }
  return breaches;
}

/** Raises every floor to the measured count where that is higher; never lowers one. */
export function raiseFloor(floor: Floor, measured: Floor): Floor {
  const next: Floor = { ...floor };
  for (const [key, got] of Object.entries(measured)) {
    if (got > (next[key] ?? 0)) next[key] = got;
  }
  return Object.fromEntries(Object.entries(next).sort(([a], [b]) => a.localeCompare(b)));
}
