// What a policy check knows about the caller: the values Keystone derives from a validated token.

export type ScopeType = 'system' | 'domain' | 'project';

export interface Credentials {
  user_id: string | null;
  user_domain_id?: string | null;
  project_id?: string | null;
  project_domain_id?: string | null;
  /** Set only for a domain-scoped token. */
  domain_id?: string | null;
  system_scope?: 'all';
  /** Role names on the token's scope, implied roles already expanded; compared case-insensitively. */
  roles: string[];
  is_admin_project?: boolean;
  /**
   * The rendered token body (`{ user, project: { id, domain: { id } }, domain, roles, ... }`), read by
   * checks such as `token.project.domain.id:%(target.domain.id)s`.
   */
  token?: Record<string, unknown>;
  [attribute: string]: unknown;
}

/** The scope of the token behind `creds`, decided the way oslo.policy does for scope_types. */
export function tokenScope(creds: Credentials): ScopeType {
  if (creds.system_scope) return 'system';
  if (creds.domain_id) return 'domain';
  return 'project';
}

/**
 * `_member_` is the pre-Queens name of `member`; deployments still hand it out, and operators'
 * policy files still mention it. Treat the two as one and, since member implies reader in the
 * roles we bootstrap, let `_member_` satisfy reader too. Other implications come expanded in the
 * token.
 */
export function roleNamesForChecks(roles: readonly string[]): Set<string> {
  const names = new Set(roles.map((r) => r.toLowerCase()));
  if (names.has('_member_')) {
    names.add('member');
    names.add('reader');
  }
  if (names.has('member')) names.add('_member_');
  return names;
}
