// Microversion negotiation as the services do it: `OpenStack-API-Version:
// <service> X.Y` (or a legacy header), `latest`, and 406 outside the range.
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, badRequest } from './api-error.ts';
import type { MicroversionSupport } from './service-api.ts';

export function parseVersion(v: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function compareVersions(a: string, b: string): number {
  const [am, an] = parseVersion(a) ?? [0, 0];
  const [bm, bn] = parseVersion(b) ?? [0, 0];
  return am !== bm ? am - bm : an - bn;
}

function requested(support: MicroversionSupport, headers: IncomingHttpHeaders): string | undefined {
  const modern = headers['openstack-api-version'];
  if (modern) {
    for (const entry of String(modern).split(',')) {
      const [name, version] = entry.trim().split(/\s+/);
      if (name?.toLowerCase() === support.headerService && version) return version;
    }
  }
  for (const legacy of support.legacyHeaders) {
    const v = headers[legacy.toLowerCase()];
    if (v) return String(v).trim();
  }
  return undefined;
}

export function negotiateMicroversion(support: MicroversionSupport, headers: IncomingHttpHeaders): string {
  const asked = requested(support, headers);
  if (!asked) return support.min;
  if (asked.toLowerCase() === 'latest') return support.max;
  if (!parseVersion(asked)) {
    throw badRequest(`Invalid format for the API version: ${asked}. It should be in the format of major.minor.`);
  }
  if (compareVersions(asked, support.min) < 0 || compareVersions(asked, support.max) > 0) {
    throw new ApiError(406, `Version ${asked} is not supported by the API. Minimum is ${support.min} and maximum is ${support.max}.`);
  }
  const [major, minor] = parseVersion(asked)!;
  return `${major}.${minor}`;
}

export function atLeast(current: string | undefined, wanted: string): boolean {
  return current !== undefined && compareVersions(current, wanted) >= 0;
}
