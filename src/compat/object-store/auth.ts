// Who may do what, as keystoneauth decides: a token scoped to the project behind
// AUTH_<project_id> with an operator role owns the account; the reseller role may act on
// any account; everyone else needs a container ACL (or a signature, see tempurl/formpost).
// Anonymous callers that are refused get 401, authenticated ones 403.
import type { AuthContext, Authenticator } from '../../platform/http/service-api.ts';
import { ApiError } from '../../platform/http/api-error.ts';
import { RESELLER_PREFIX } from './constraints.ts';
import { swiftError } from './errors.ts';
import { groupAllowed, parseAcl, referrerAllowed, type CallerNames } from './acl.ts';
import { header, type SwiftRequest } from './http.ts';
import type { ContainerInfo } from '../../backends/object-ring/index.ts';

export const OPERATOR_ROLES = ['admin', 'member', 'swiftoperator'];
export const RESELLER_ADMIN_ROLE = 'reselleradmin';

export interface AuthDeps {
  authenticator: Authenticator;
  /** Keystone's URL for WWW-Authenticate */
  identityUrl: string;
}

/** Validates the token when one is sent; an invalid one is refused at once (401). */
export async function identify(sr: SwiftRequest, deps: AuthDeps): Promise<void> {
  const token = header(sr, 'x-auth-token') ?? header(sr, 'x-storage-token');
  if (!token) return;
  try {
    sr.auth = await deps.authenticator.authenticate(token);
  } catch (error) {
    if (error instanceof ApiError && error.status >= 500) throw error;
    throw denied(sr, deps);
  }
  sr.callerNames = await callerNames(deps.authenticator, token, sr.auth);
  const roles = sr.auth.roles.map((r) => r.toLowerCase());
  if (roles.includes(RESELLER_ADMIN_ROLE)) sr.owner = true;
  else if (sr.auth.projectId && sr.account === `${RESELLER_PREFIX}${sr.auth.projectId}` && roles.some((r) => OPERATOR_ROLES.includes(r))) {
    sr.owner = true;
  }
}

/** An authenticator that can also tell who a token names (stackgate's identity engine can). */
interface SubjectSource {
  validate(token: string): Promise<{ subject: { user: { name?: string }; project?: { name?: string } } }>;
}

function hasSubjects(a: Authenticator): a is Authenticator & SubjectSource {
  return typeof (a as Partial<SubjectSource>).validate === 'function';
}

const DEFAULT_DOMAIN = 'default';

/**
 * The user and project names of the token, as keystonemiddleware passes them on; only for
 * callers whose user and project are in the default domain, where names are unique.
 */
async function callerNames(authenticator: Authenticator, token: string, auth: AuthContext): Promise<CallerNames | undefined> {
  if (!hasSubjects(authenticator)) return undefined;
  if (auth.userDomainId !== DEFAULT_DOMAIN || (auth.projectDomainId !== undefined && auth.projectDomainId !== DEFAULT_DOMAIN)) return undefined;
  try {
    const { subject } = await authenticator.validate(token);
    return { userName: subject.user.name, projectName: subject.project?.name };
  } catch {
    return undefined;
  }
}

export function isResellerAdmin(sr: SwiftRequest): boolean {
  return !!sr.auth?.roles.some((r) => r.toLowerCase() === RESELLER_ADMIN_ROLE);
}

export function denied(sr: SwiftRequest, deps: AuthDeps): ApiError {
  if (sr.auth) return swiftError(403);
  return swiftError(401, undefined, { 'WWW-Authenticate': `Keystone uri="${deps.identityUrl}"` });
}

/** Account operations: owners; reading the account also account-ACL grantees. */
export function authorizeAccount(sr: SwiftRequest, deps: AuthDeps, write = false): void {
  if (sr.owner || (!write && sr.accountAccess)) return;
  throw denied(sr, deps);
}

/** Container metadata changes, creation and deletion: owners and read-write account grantees. */
export function authorizeContainerWrite(sr: SwiftRequest, deps: AuthDeps): void {
  if (sr.owner || sr.accountAccess === 'read-write') return;
  throw denied(sr, deps);
}

/** Container listing (GET/HEAD): owners, user grants in X-Container-Read, or referrers with .rlistings. */
export function authorizeContainerRead(sr: SwiftRequest, deps: AuthDeps, info: ContainerInfo | undefined): void {
  if (sr.owner || sr.accountAccess) return;
  const acl = parseAcl(info?.metadata['x-container-read']);
  if (groupAllowed(sr.auth, acl.groups, sr.callerNames)) return;
  if (acl.groups.includes('.rlistings') && referrerAllowed(header(sr, 'referer'), acl.referrers)) return;
  throw denied(sr, deps);
}

/** Object reads: owners, X-Container-Read user grants or referrers. */
export function authorizeObjectRead(sr: SwiftRequest, deps: AuthDeps, info: ContainerInfo | undefined): void {
  if (sr.owner || sr.signed || sr.accountAccess) return;
  const acl = parseAcl(info?.metadata['x-container-read']);
  if (groupAllowed(sr.auth, acl.groups, sr.callerNames)) return;
  if (referrerAllowed(header(sr, 'referer'), acl.referrers)) return;
  throw denied(sr, deps);
}

/** Object writes (PUT/POST/DELETE): owners or X-Container-Write user grants. */
export function authorizeObjectWrite(sr: SwiftRequest, deps: AuthDeps, info: ContainerInfo | undefined): void {
  if (sr.owner || sr.signed || sr.accountAccess === 'read-write') return;
  const acl = parseAcl(info?.metadata['x-container-write']);
  if (groupAllowed(sr.auth, acl.groups, sr.callerNames)) return;
  throw denied(sr, deps);
}
