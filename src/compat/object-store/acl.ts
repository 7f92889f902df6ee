// Container ACLs as Swift's keystoneauth evaluates them: X-Container-Read holds referrer
// grants (.r:*, .r:host, .r:.domain, .r:-host) plus .rlistings, and both X-Container-Read and
// X-Container-Write hold "<project>:<user>" grants with * as a wildcard on either side, or a
// role name the caller holds.
import type { AuthContext } from '../../platform/http/service-api.ts';

export interface ParsedAcl {
  referrers: string[];
  groups: string[];
}

export function parseAcl(value: string | undefined): ParsedAcl {
  const referrers: string[] = [];
  const groups: string[] = [];
  for (const raw of (value ?? '').split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const m = /^\.(r|ref|referer|referrer):(.*)$/i.exec(item);
    if (m) {
      const ref = m[2].trim();
      referrers.push(ref === '-*' ? '-*' : ref);
    } else groups.push(item);
  }
  return { referrers, groups };
}

/** Whether an ACL value is well formed: referrer grants need a value. */
export function validAcl(value: string): boolean {
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (/^\.(r|ref|referer|referrer):$/i.test(item)) return false;
    if (item.startsWith('.') && !/^\.(r|ref|referer|referrer):|^\.rlistings$/i.test(item)) return false;
  }
  return true;
}

/** The host of a Referer header, lower-cased. */
function refererHost(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

export function referrerAllowed(referer: string | undefined, referrers: string[]): boolean {
  const host = refererHost(referer);
  let allowed = false;
  for (const r of referrers) {
    const negative = r.startsWith('-');
    const pattern = (negative ? r.slice(1) : r).toLowerCase();
    const matches = pattern === '*' || (host !== undefined && (pattern.startsWith('.') ? host.endsWith(pattern) || host === pattern.slice(1) : host === pattern));
    if (matches) allowed = !negative;
  }
  return allowed;
}

/**
 * The caller's user and project names, for grants written with names. keystoneauth honours
 * names only when the user and the token's project are in the default domain (names are
 * unique there); the resolver returns nothing otherwise.
 */
export interface CallerNames {
  userName?: string;
  projectName?: string;
}

export function groupAllowed(auth: AuthContext | undefined, groups: string[], names?: CallerNames): boolean {
  if (!auth) return false;
  const roles = new Set(auth.roles.map((r) => r.toLowerCase()));
  for (const g of groups) {
    if (g === '.rlistings') continue;
    const parts = g.split(':');
    if (parts.length === 2) {
      const [project, user] = parts;
      const projectOk = project === '*' || (auth.projectId !== undefined && project === auth.projectId) ||
        (names?.projectName !== undefined && project === names.projectName);
      const userOk = user === '*' || user === auth.userId || (names?.userName !== undefined && user === names.userName);
      if (projectOk && userOk) return true;
    } else if (roles.has(g.toLowerCase())) return true;
  }
  return false;
}
