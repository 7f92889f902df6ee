// Account ACLs: X-Account-Access-Control, Swift's "V2" ACL syntax, a JSON object with the
// keys "admin", "read-write" and "read-only", each a list of grantees. Grantees take the
// forms container ACLs use with Keystone ("<project>:<user>" with * wildcards, or a role
// name). admin makes the caller an owner of the account; read-write lets it read and write
// every container and object (no account changes, no privileged headers); read-only lets it
// read everything but privileged headers. Only owners see or set the header; it is kept as
// account sysmeta.
//
// Upstream, Swift evaluates account ACLs in TempAuth; its keystoneauth leaves them out.
// stackgate evaluates them for Keystone identities too, with the same element forms as
// container ACLs.
import type { AccountInfo } from '../../backends/object-ring/index.ts';
import { groupAllowed, type CallerNames } from './acl.ts';
import { RESELLER_PREFIX } from './constraints.ts';
import { swiftError } from './errors.ts';
import type { SwiftRequest } from './http.ts';
import type { SwiftDeps } from './service-context.ts';

export const ACCOUNT_ACL_SYSMETA = 'x-account-sysmeta-core-access-control';
const LEVELS = ['admin', 'read-write', 'read-only'] as const;
export type AccountAccess = (typeof LEVELS)[number];

/**
 * The stored form of a requested X-Account-Access-Control ("" removes it); 400 when it is not
 * a JSON object of the three known keys with lists of strings.
 */
export function normalizeAccountAcl(value: string): string {
  if (value.trim() === '') return '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw swiftError(400, 'Invalid JSON in X-Account-Access-Control');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw swiftError(400, 'X-Account-Access-Control must be a JSON object');
  const out: Record<string, string[]> = {};
  for (const [key, list] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(LEVELS as readonly string[]).includes(key)) throw swiftError(400, `Invalid key in X-Account-Access-Control: ${key}`);
    if (!Array.isArray(list) || list.some((g) => typeof g !== 'string')) throw swiftError(400, `Value for ${key} in X-Account-Access-Control must be a list of strings`);
    if (list.length > 0) out[key] = list as string[];
  }
  return Object.keys(out).length === 0 ? '' : JSON.stringify(Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1))));
}

function parseStored(value: string | undefined): Partial<Record<AccountAccess, string[]>> {
  if (!value) return {};
  try {
    return JSON.parse(value) as Partial<Record<AccountAccess, string[]>>;
  } catch {
    return {};
  }
}

/** The strongest level the stored ACL grants the caller, if any. */
export function accountAccessOf(info: AccountInfo, sr: SwiftRequest, names?: CallerNames): AccountAccess | undefined {
  const acl = parseStored(info.metadata[ACCOUNT_ACL_SYSMETA]);
  for (const level of LEVELS) {
    if (groupAllowed(sr.auth, acl[level] ?? [], names)) return level;
  }
  return undefined;
}

/** After the token is known: a caller that does not own the account may hold an account ACL grant. */
export async function applyAccountAcl(sr: SwiftRequest, deps: SwiftDeps): Promise<void> {
  if (sr.owner || !sr.auth || !sr.account.startsWith(RESELLER_PREFIX)) return;
  const info = await deps.client.headAccount(sr.account);
  if (!info.metadata[ACCOUNT_ACL_SYSMETA]) return;
  const level = accountAccessOf(info, sr, sr.callerNames);
  if (level === 'admin') sr.owner = true;
  else if (level) sr.accountAccess = level;
}

/** The stored ACL as owners see it in X-Account-Access-Control. */
export function accountAclHeader(info: AccountInfo): string | undefined {
  return info.metadata[ACCOUNT_ACL_SYSMETA] || undefined;
}
