// POST /v3/auth/tokens: who is this (the methods), and for what (the scope).
// Every authentication failure is the same 401, so a caller learns nothing about
// which users or projects exist.
import { ApiError, badRequest, forbidden, unauthorized } from '../../platform/http/api-error.ts';
import type { IdentityEngine, ValidatedToken } from '../engine.ts';
import type { ApplicationCredentialRecord, ProjectRecord, UserRecord } from '../model.ts';
import { verifyPassword } from '../passwords.ts';
import type { AuthMethod, TokenScope } from '../tokens/payload.ts';
import type { IssueFields, TokenPayload } from '../tokens/token-provider.ts';
import { effectiveRoles } from '../role-resolver.ts';
import { consumeTrustUse, usableTrust } from '../extensions/trusts.ts';

type Json = Record<string, any>;

interface Authenticated {
  user: UserRecord;
  methods: AuthMethod[];
  expiresAt?: number;
  parentAuditIds?: readonly string[];
  appCred?: ApplicationCredentialRecord;
  /** the token a token-method request presented */
  fromToken?: TokenPayload;
}

const SUPPORTED: AuthMethod[] = ['password', 'token', 'application_credential'];

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function requireObject(parent: Json, key: string, where: string): Json {
  const v = parent[key];
  if (!isObject(v)) throw badRequest(`Expecting to find ${key} in ${where}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`);
  return v;
}

async function findDomain(engine: IdentityEngine, ref: Json): Promise<ProjectRecord | undefined> {
  if (typeof ref.id === 'string') {
    const d = await engine.db.projects.get(ref.id);
    return d?.is_domain ? d : undefined;
  }
  if (typeof ref.name === 'string') return engine.db.projects.findOne({ name: ref.name, is_domain: true });
  throw badRequest('Expecting to find id or name in domain.');
}

async function findUser(engine: IdentityEngine, ref: Json): Promise<UserRecord | undefined> {
  if (typeof ref.id === 'string') return engine.backends.getUser(ref.id);
  if (typeof ref.name !== 'string') throw badRequest('Expecting to find id or name in user.');
  if (!isObject(ref.domain)) throw badRequest('Expecting to find domain in user.');
  const domain = await findDomain(engine, ref.domain);
  if (!domain) return undefined;
  return engine.backends.findUserByName(ref.name, domain.id);
}

async function checkUsable(engine: IdentityEngine, user: UserRecord | undefined): Promise<UserRecord> {
  if (!user || !user.enabled) throw unauthorized();
  const domain = await engine.db.projects.get(user.domain_id);
  if (!domain || !domain.enabled) throw unauthorized();
  return user;
}

async function passwordMethod(engine: IdentityEngine, body: Json): Promise<Authenticated> {
  const userRef = requireObject(body, 'user', 'password');
  if (typeof userRef.password !== 'string') throw badRequest('Expecting to find password in user.');
  const user = await checkUsable(engine, await findUser(engine, userRef));
  if (engine.backends.isReadOnly(user.domain_id)) {
    // A directory user: the directory checks the password (a bind as the user); lockout and expiry are its business.
    if (!(await engine.backends.authenticate(user, userRef.password))) throw unauthorized();
    return { user, methods: ['password'] };
  }
  const policy = engine.config.identity.securityCompliance;
  const now = engine.clock.now();
  const lockable = policy.lockoutFailureAttempts > 0 && !user.options.ignore_lockout_failure_attempts;
  if (lockable && user.failed_auth_count >= policy.lockoutFailureAttempts) {
    const lockedUntil = (user.failed_auth_at ?? 0) + policy.lockoutDurationSeconds * 1000;
    if (policy.lockoutDurationSeconds === 0 || now < lockedUntil) {
      throw unauthorized(`The account is locked for user: ${user.id}.`);
    }
    await engine.db.users.update(user.id, { failed_auth_count: 0 });
  }
  if (!(await verifyPassword(userRef.password, user.password_hash))) {
    if (lockable) await engine.db.users.update(user.id, { failed_auth_count: user.failed_auth_count + 1, failed_auth_at: now });
    throw unauthorized();
  }
  if (user.password_expires_at !== null && user.password_expires_at <= now && !user.options.ignore_password_expiry) {
    throw unauthorized(`The password is expired and needs to be changed for user: ${user.id}.`);
  }
  if (user.failed_auth_count > 0) await engine.db.users.update(user.id, { failed_auth_count: 0, failed_auth_at: null });
  return { user, methods: ['password'] };
}

async function tokenMethod(engine: IdentityEngine, body: Json): Promise<Authenticated> {
  const tokenRef = requireObject(body, 'token', 'identity');
  if (typeof tokenRef.id !== 'string') throw badRequest('Expecting to find id in token.');
  // An invalid or revoked token is Keystone's 404 (TokenNotFound) here, not a 401.
  const validated: ValidatedToken = await engine.validate(tokenRef.id);
  const payload = validated.payload;
  if (payload.appCredId) throw unauthorized('A token created with an application credential cannot be used to create another token.');
  const methods: AuthMethod[] = ['token', ...payload.methods.filter((m) => m !== 'token')];
  return { user: validated.subject.user, methods, expiresAt: payload.expiresAt, parentAuditIds: payload.auditIds, fromToken: payload };
}

async function applicationCredentialMethod(engine: IdentityEngine, body: Json): Promise<Authenticated> {
  const ref = requireObject(body, 'application_credential', 'identity');
  if (typeof ref.secret !== 'string') throw badRequest('Expecting to find secret in application_credential.');
  let appCred: ApplicationCredentialRecord | undefined;
  if (typeof ref.id === 'string') {
    appCred = await engine.db.applicationCredentials.get(ref.id);
  } else if (typeof ref.name === 'string' && isObject(ref.user)) {
    const owner = await findUser(engine, ref.user);
    if (owner) appCred = await engine.db.applicationCredentials.findOne({ user_id: owner.id, name: ref.name });
  } else {
    throw badRequest('Expecting to find id or name and user in application_credential.');
  }
  if (!appCred || !(await verifyPassword(ref.secret, appCred.secret_hash))) throw unauthorized();
  const now = engine.clock.now();
  if (appCred.expires_at !== null && appCred.expires_at <= now) throw unauthorized();
  const user = await checkUsable(engine, await engine.backends.getUser(appCred.user_id));
  const ttlEnd = now + engine.config.identity.tokenExpirationSeconds * 1000;
  const expiresAt = appCred.expires_at !== null ? Math.min(ttlEnd, appCred.expires_at) : undefined;
  return { user, methods: ['application_credential'], appCred, expiresAt };
}

async function resolveScope(engine: IdentityEngine, auth: Json, who: Authenticated): Promise<TokenScope> {
  const scope = auth.scope;
  if (who.appCred) {
    if (scope !== undefined) throw unauthorized('Application credentials cannot request a scope.');
    return { kind: 'project', projectId: who.appCred.project_id };
  }
  if (scope === 'unscoped') return { kind: 'unscoped' };
  if (scope === undefined) {
    if (who.fromToken) return who.fromToken.scope.kind === 'trust' ? { kind: 'unscoped' } : who.fromToken.scope;
    const defaultProject = who.user.default_project_id;
    if (defaultProject) {
      const project = await engine.db.projects.get(defaultProject);
      if (project?.enabled && (await effectiveRoles(engine.db, who.user.id, { type: 'project', id: project.id })).length > 0) {
        return { kind: 'project', projectId: project.id };
      }
    }
    return { kind: 'unscoped' };
  }
  if (!isObject(scope)) throw badRequest('Invalid scope.');
  const kinds = ['project', 'domain', 'system', 'OS-TRUST:trust'].filter((k) => k in scope);
  if (kinds.length !== 1) throw badRequest('Specify a project, domain, or system scope, and only one.');
  if (kinds[0] === 'OS-TRUST:trust') return trustScope(engine, scope['OS-TRUST:trust'], who);
  if (who.fromToken && who.fromToken.scope.kind !== 'unscoped' && engine.config.identity.tokenExpirationSeconds < 0) {
    throw unauthorized();
  }
  if (isObject(scope.project)) {
    const ref = scope.project;
    let project: ProjectRecord | undefined;
    if (typeof ref.id === 'string') project = await engine.db.projects.get(ref.id);
    else if (typeof ref.name === 'string' && isObject(ref.domain)) {
      const domain = await findDomain(engine, ref.domain);
      if (domain) project = await engine.db.projects.findOne({ name: ref.name, domain_id: domain.id, is_domain: false });
    } else throw badRequest('Expecting to find id or name and domain in project.');
    if (!project || project.is_domain) throw unauthorized();
    if (!project.enabled) throw unauthorized(`Project ${project.id} is disabled.`);
    return { kind: 'project', projectId: project.id };
  }
  if (isObject(scope.domain)) {
    const domain = await findDomain(engine, scope.domain);
    if (!domain) throw unauthorized();
    if (!domain.enabled) throw unauthorized(`Domain ${domain.id} is disabled.`);
    return { kind: 'domain', domainId: domain.id };
  }
  if (isObject(scope.system) && scope.system.all === true) return { kind: 'system', system: 'all' };
  throw badRequest('Invalid scope.');
}

/** Only the trustee may use a trust; it must still be usable, and have a project to scope to. */
async function trustScope(engine: IdentityEngine, ref: unknown, who: Authenticated): Promise<TokenScope> {
  if (!isObject(ref) || typeof ref.id !== 'string' || ref.id === '') {
    throw badRequest('Expecting to find trust_id in trust. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
  }
  const trust = await usableTrust(engine.db, engine.clock, ref.id);
  if (trust.trustee_user_id !== who.user.id) throw forbidden();
  if (!trust.project_id) throw new ApiError(501, 'Tokens for trusts without a project are not implemented.');
  return { kind: 'trust', trustId: trust.id, projectId: trust.project_id };
}

export interface IssuedToken {
  token: string;
  validated: ValidatedToken;
}

export async function authenticateAndIssue(engine: IdentityEngine, body: Json): Promise<IssuedToken> {
  const auth = requireObject(body, 'auth', 'request');
  const identity = requireObject(auth, 'identity', 'auth');
  const methods: unknown[] = Array.isArray(identity.methods) ? identity.methods : [];
  if (methods.length === 0) throw badRequest('Expecting to find methods in identity.');
  for (const m of methods) {
    if (typeof m !== 'string' || !SUPPORTED.includes(m as AuthMethod)) throw unauthorized('Attempted to authenticate with an unsupported method.');
  }
  const results: Authenticated[] = [];
  for (const method of new Set(methods as AuthMethod[])) {
    if (method === 'password') results.push(await passwordMethod(engine, identity.password ?? requireObject(identity, 'password', 'identity')));
    else if (method === 'token') results.push(await tokenMethod(engine, identity));
    else results.push(await applicationCredentialMethod(engine, identity));
  }
  const who = results[0];
  if (results.some((r) => r.user.id !== who.user.id)) throw unauthorized('User IDs do not match.');
  const combined: Authenticated = {
    ...who,
    methods: [...new Set(results.flatMap((r) => r.methods))],
    expiresAt: results.map((r) => r.expiresAt).find((e) => e !== undefined),
    parentAuditIds: results.find((r) => r.parentAuditIds)?.parentAuditIds,
    appCred: results.find((r) => r.appCred)?.appCred,
    fromToken: results.find((r) => r.fromToken)?.fromToken,
  };
  const scope = await resolveScope(engine, auth, combined);
  const fields: IssueFields = {
    userId: who.user.id,
    methods: combined.methods,
    scope,
    expiresAt: combined.expiresAt,
    parentAuditIds: combined.parentAuditIds,
    ...(combined.appCred ? { appCredId: combined.appCred.id, accessRules: combined.appCred.access_rules.length > 0 } : {}),
    // Rescoping a federated token keeps its IdP, protocol and mapped groups: its roles come from them.
    ...(combined.fromToken?.federated ? { federated: combined.fromToken.federated } : {}),
  };
  if (scope.kind === 'trust') {
    // Each token takes one of a limited trust's uses, and lives no longer than the trust.
    const trust = await consumeTrustUse(engine.db, engine.clock, scope.trustId);
    const ttlEnd = engine.clock.now() + engine.config.identity.tokenExpirationSeconds * 1000;
    const limit = trust.expires_at === null ? undefined : Math.min(trust.expires_at, fields.expiresAt ?? ttlEnd);
    if (limit !== undefined) fields.expiresAt = limit;
    if (trust.remaining_uses !== null) await engine.changed();
  }
  try {
    try {
      return await issueValidated(engine, fields);
    } catch (error) {
      // Fernet times are whole seconds, so a revocation made earlier in this same second
      // (a password change just before this login) also matches a token minted now;
      // one minted in the next second is untouched by it.
      if (!(error instanceof ApiError && error.status === 404) || !revokedThisSecond(engine)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 - (engine.clock.now() % 1000) + 5));
      return await issueValidated(engine, fields);
    }
  } catch (error) {
    // No roles on the scope, or the scope vanished meanwhile: the caller may not have this token.
    if (error instanceof ApiError && error.status === 404) {
      const target = scope.kind === 'project' || scope.kind === 'trust' ? `project ${scope.projectId}`
        : scope.kind === 'domain' ? `domain ${scope.domainId}`
        : scope.kind === 'system' ? 'the system' : 'an unscoped token';
      throw unauthorized(`User ${who.user.id} has no access to ${target}.`);
    }
    throw error;
  }
}

async function issueValidated(engine: IdentityEngine, fields: IssueFields): Promise<IssuedToken> {
  const { token } = engine.issue(fields);
  return { token, validated: await engine.validate(token) };
}

function revokedThisSecond(engine: IdentityEngine): boolean {
  const second = Math.floor(engine.clock.now() / 1000);
  return engine.revocations.list().some((e) => Math.floor(e.issued_before / 1000) >= second);
}
