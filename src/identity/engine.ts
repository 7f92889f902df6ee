// The Keystone engine every service uses: token validation (the hot path, served
// from memory), token issue, and policy decisions for a request.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../platform/config.ts';
import type { Clock } from '../platform/clock.ts';
import { ApiError, forbidden, notFound, unauthorized } from '../platform/http/api-error.ts';
import type { AuthContext, Authenticator, RequestContext } from '../platform/http/service-api.ts';
import type { Store } from '../platform/store/store.ts';
import { logger } from '../platform/log.ts';
import { announceChange, onPeerChange } from '../platform/workers.ts';
import { openIdentityDb, type IdentityDb } from './identity-db.ts';
import type { ProjectRecord } from './model.ts';
import { PolicyEnforcer } from './policy/enforcer.ts';
import { PolicyNotAuthorized } from './policy/errors.ts';
import type { Credentials } from './policy/credentials.ts';
import { KEYSTONE_DEFAULT_RULES } from './policy/keystone-defaults.ts';
import { effectiveRoles, type Scope } from './role-resolver.ts';
import { RevocationList } from './revocations.ts';
import { KeyRepository } from './tokens/key-repository.ts';
import { InvalidTokenError, TokenExpiredError, TokenProvider, type IssueFields, type TokenPayload } from './tokens/token-provider.ts';
import { renderToken, type TokenSubject } from './auth/token-view.ts';
import { buildCatalog } from './catalog.ts';
import { resolveTokenTrust } from './extensions/trusts.ts';
import { IdentityManager } from './backends/manager.ts';

const log = logger('identity');

export interface ValidatedToken {
  token: string;
  payload: TokenPayload;
  subject: TokenSubject;
  auth: AuthContext;
  /** the rendered token documents, with and without catalog, made once per validation */
  rendered?: { withCatalog?: Record<string, unknown>; withoutCatalog?: Record<string, unknown> };
}

interface CacheEntry {
  generation: number;
  validated: ValidatedToken;
}

const CACHE_LIMIT = 100_000;
/** How often an API process looks for changes made by other processes. */
const SYNC_INTERVAL_MS = 1000;

export class IdentityEngine implements Authenticator {
  readonly db: IdentityDb;
  readonly config: Config;
  readonly clock: Clock;
  readonly tokens: TokenProvider;
  readonly keys: KeyRepository;
  readonly policy: PolicyEnforcer;
  readonly revocations: RevocationList;
  /** users and groups, per domain: the embedded store or a domain's directory */
  readonly backends: IdentityManager;
  /** one enforcer per service, as each OpenStack service has its own policy file and base rules */
  private readonly policies = new Map<string, PolicyEnforcer>();
  private generation = 0;
  private storedGeneration = 0;
  private cache = new Map<string, CacheEntry>();
  private syncTimer?: NodeJS.Timeout;

  private constructor(db: IdentityDb, backends: IdentityManager, config: Config, clock: Clock) {
    this.db = db;
    this.backends = backends;
    this.config = config;
    this.clock = clock;
    this.keys = new KeyRepository({
      directory: join(config.dataDir, 'fernet-keys'),
      maxActiveKeys: config.identity.maxActiveKeys,
      clock,
    });
    this.keys.setup();
    this.tokens = new TokenProvider({ keys: this.keys, clock, ttlMs: config.identity.tokenExpirationSeconds * 1000 });
    this.policy = new PolicyEnforcer({ defaults: KEYSTONE_DEFAULT_RULES, policyFile: config.identity.policyFile });
    this.policies.set('identity', this.policy);
    this.revocations = new RevocationList(db, clock, (config.identity.tokenExpirationSeconds + config.identity.allowExpiredWindowSeconds) * 1000);
  }

  static async open(config: Config, store: Store, clock: Clock): Promise<IdentityEngine> {
    const db = await openIdentityDb(store);
    const engine = new IdentityEngine(db, await IdentityManager.open(db, store, config), config, clock);
    await engine.revocations.load();
    onPeerChange(async (topic) => {
      if (topic !== 'identity') return;
      engine.generation++;
      await engine.revocations.load();
    });
    engine.storedGeneration = await engine.readStoredGeneration();
    return engine;
  }

  /** Keeps several API processes coherent: another process's change clears our caches. */
  startSync(): void {
    if (this.syncTimer) return;
    this.syncTimer = setInterval(() => {
      void this.readStoredGeneration()
        .then(async (stored) => {
          if (stored !== this.storedGeneration) {
            this.storedGeneration = stored;
            this.generation++;
            await this.revocations.load();
          }
        })
        .catch((error) => log.warn('identity sync failed', { error: String(error) }));
    }, SYNC_INTERVAL_MS);
    this.syncTimer.unref();
  }

  stop(): void {
    if (this.syncTimer) clearInterval(this.syncTimer);
    this.syncTimer = undefined;
    void this.backends.close();
  }

  private async readStoredGeneration(): Promise<number> {
    const doc = await this.db.meta.get('generation');
    return typeof doc?.value === 'number' ? doc.value : 0;
  }

  /** Every identity write calls this: cached token validations are recomputed from the store. */
  async changed(): Promise<void> {
    this.generation++;
    await announceChange('identity');
    this.storedGeneration++;
    const current = await this.db.meta.get('generation');
    const next = (typeof current?.value === 'number' ? current.value : 0) + 1;
    this.storedGeneration = next;
    if (current) await this.db.meta.update('generation', { value: next });
    else await this.db.meta.insert({ id: 'generation', value: next }).catch(() => undefined);
  }

  issue(fields: IssueFields): { token: string; payload: TokenPayload } {
    return this.tokens.issue(fields);
  }

  /** Authenticator for every service: a valid, unrevoked token, or 401. */
  async authenticate(token: string): Promise<AuthContext> {
    try {
      return (await this.validate(token)).auth;
    } catch (error) {
      if (error instanceof ApiError && error.status >= 500) throw error;
      throw unauthorized();
    }
  }

  /**
   * Validates a token for GET /v3/auth/tokens and for authentication. Throws
   * ApiError(404) when it is invalid, expired (unless allowExpired), revoked, or its
   * user, scope or roles are gone.
   */
  async validate(token: string, options: { allowExpired?: boolean } = {}): Promise<ValidatedToken> {
    const cached = this.cache.get(token);
    if (cached && cached.generation === this.generation) {
      if (cached.validated.payload.expiresAt > this.clock.now() || this.withinExpiredWindow(cached.validated.payload, options)) {
        return cached.validated;
      }
      throw tokenNotFound(token);
    }
    let payload: TokenPayload;
    try {
      payload = this.tokens.validate(token);
    } catch (error) {
      if (error instanceof TokenExpiredError && options.allowExpired) {
        payload = this.decodeExpired(token);
        if (!this.withinExpiredWindow(payload, options)) throw tokenNotFound(token);
      } else if (error instanceof InvalidTokenError) {
        throw tokenNotFound(token);
      } else {
        throw error;
      }
    }
    const generation = this.generation;
    const subject = await this.resolveSubject(payload).catch((error) => {
      if (error instanceof ApiError && error.status === 404) throw tokenNotFound(token);
      throw error;
    });
    const roleIds = subject.roles.map((r) => r.id);
    if (this.revocations.isRevoked({ payload, projectId: subject.project?.id, domainId: subject.domain?.id, roleIds })) {
      throw tokenNotFound(token);
    }
    const validated: ValidatedToken = { token, payload, subject, auth: authContextOf(token, subject) };
    if (payload.expiresAt > this.clock.now()) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(token, { generation, validated });
    }
    return validated;
  }

  private withinExpiredWindow(payload: TokenPayload, options: { allowExpired?: boolean }): boolean {
    return !!options.allowExpired && payload.expiresAt + this.config.identity.allowExpiredWindowSeconds * 1000 > this.clock.now();
  }

  private decodeExpired(token: string): TokenPayload {
    // A provider whose clock is far in the past decodes without the expiry check.
    const lenient = new TokenProvider({ keys: this.keys, clock: { now: () => 0 } });
    return lenient.validate(token);
  }

  /** Loads what a payload names; 404 when any of it is gone, disabled or without roles. */
  async resolveSubject(payload: TokenPayload): Promise<TokenSubject> {
    const user = await this.backends.getUser(payload.userId);
    if (!user || !user.enabled) throw notFound('user');
    const userDomain = await this.db.projects.get(user.domain_id);
    if (!userDomain || !userDomain.enabled) throw notFound('domain');
    const subject: TokenSubject = { payload, user, userDomain, roles: [] };
    const scope = payload.scope;
    let roleScope: Scope | undefined;
    if (scope.kind === 'project' || scope.kind === 'trust') {
      const project = await this.db.projects.get(scope.projectId);
      if (!project || !project.enabled || project.is_domain) throw notFound('project');
      const projectDomain = project.domain_id ? await this.db.projects.get(project.domain_id) : undefined;
      if (!projectDomain || !projectDomain.enabled) throw notFound('domain');
      subject.project = project;
      subject.projectDomain = projectDomain;
      roleScope = { type: 'project', id: project.id };
    } else if (scope.kind === 'domain') {
      const domain = await this.db.projects.get(scope.domainId);
      if (!domain || !domain.enabled || !domain.is_domain) throw notFound('domain');
      subject.domain = domain;
      roleScope = { type: 'domain', id: domain.id };
    } else if (scope.kind === 'system') {
      subject.system = true;
      roleScope = { type: 'system', id: 'all' };
    }
    if (scope.kind === 'trust') {
      // A trust token's roles are the delegated ones; with impersonation its user is the trustor.
      const delegation = await resolveTokenTrust(this.db, this.clock, (id) => this.backends.getUser(id), scope.trustId, user.id, scope.projectId);
      subject.trust = delegation.trust;
      subject.roles = delegation.roles;
      if (delegation.trust.impersonation) {
        const trustorDomain = await this.db.projects.get(delegation.trustor.domain_id);
        if (!trustorDomain || !trustorDomain.enabled) throw notFound('domain');
        subject.user = delegation.trustor;
        subject.userDomain = trustorDomain;
      }
      return subject;
    }
    if (payload.appCredId) {
      const appCred = await this.db.applicationCredentials.get(payload.appCredId);
      if (!appCred) throw notFound('application credential');
      subject.appCred = appCred;
    }
    if (roleScope) {
      let roles = await effectiveRoles(this.db, user.id, roleScope, payload.federated?.groupIds);
      if (subject.appCred) {
        const delegated = new Set(subject.appCred.role_ids);
        roles = roles.filter((r) => delegated.has(r.id));
      }
      if (roles.length === 0) throw notFound('roles');
      subject.roles = roles;
    }
    return subject;
  }

  /** The token document; cached with the validation, so repeated GETs read no database. */
  async renderToken(validated: ValidatedToken, withCatalog: boolean): Promise<Record<string, unknown>> {
    validated.rendered ??= {};
    const key = withCatalog ? 'withCatalog' : 'withoutCatalog';
    const cached = validated.rendered[key];
    if (cached) return cached;
    const subject = validated.subject;
    const catalog = withCatalog ? await buildCatalog(this.db, subject.project?.id) : undefined;
    const body = renderToken(subject, catalog);
    validated.rendered[key] = body;
    return body;
  }

  /**
   * The policy enforcer of one service (its catalog type), created on first use with the
   * operator's overrides from `<dataDir>/policy/<service>.yaml` when that file exists.
   */
  policyFor(service: string): PolicyEnforcer {
    let enforcer = this.policies.get(service);
    if (!enforcer) {
      const file = join(this.config.dataDir, 'policy', `${service}.yaml`);
      enforcer = new PolicyEnforcer({ policyFile: existsSync(file) ? file : undefined });
      this.policies.set(service, enforcer);
    }
    return enforcer;
  }

  /** Policy check for a request, by the rules of the request's service; 403 in the service's format when denied. */
  authorize(ctx: RequestContext, rule: string, target: Record<string, unknown> = {}): void {
    if (!ctx.auth) throw unauthorized();
    try {
      this.policyFor(ctx.service ?? 'identity').authorize(rule, target, ctx.auth.credentials as Credentials);
    } catch (error) {
      if (error instanceof PolicyNotAuthorized) {
        throw forbidden(`You are not authorized to perform the requested action: ${rule}.`);
      }
      throw error;
    }
  }

  /** The same decision without throwing, for filtering lists. */
  allows(ctx: RequestContext, rule: string, target: Record<string, unknown> = {}): boolean {
    if (!ctx.auth) return false;
    return this.policyFor(ctx.service ?? 'identity').enforce(rule, target, ctx.auth.credentials as Credentials);
  }
}

function tokenNotFound(token: string): ApiError {
  return notFound(`Could not find token: ${token}.`);
}

function authContextOf(token: string, s: TokenSubject): AuthContext {
  const roles = s.roles.map((r) => r.name.toLowerCase());
  const credentials: Credentials = {
    user_id: s.user.id,
    user_domain_id: s.user.domain_id,
    project_id: s.project?.id ?? null,
    project_domain_id: s.project?.domain_id ?? null,
    domain_id: s.domain?.id ?? null,
    roles,
    token: {
      user: { id: s.user.id, domain: { id: s.user.domain_id } },
      ...(s.project ? { project: { id: s.project.id, domain: { id: s.project.domain_id } } } : {}),
      ...(s.domain ? { domain: { id: s.domain.id } } : {}),
    },
  };
  if (s.system) credentials.system_scope = 'all';
  return {
    token,
    userId: s.user.id,
    userDomainId: s.user.domain_id,
    projectId: s.project?.id,
    projectDomainId: s.project?.domain_id ?? undefined,
    domainId: s.domain?.id,
    system: s.system,
    roles,
    roleIds: s.roles.map((r) => r.id),
    credentials,
  };
}

export type { ProjectRecord };
