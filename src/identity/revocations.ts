// Revoked tokens, checked in memory on every validation. Events are persisted so
// a restart (or another API process, which polls) sees them too.
import type { Clock } from '../platform/clock.ts';
import { hexId } from '../platform/ids.ts';
import type { IdentityDb } from './identity-db.ts';
import type { RevocationRecord } from './model.ts';
import type { TokenPayload } from './tokens/token-provider.ts';

export type RevocationMatch = Omit<RevocationRecord, 'id' | 'issued_before' | 'expires_at' | '_rev'>;

/** The facts of a token that events are matched against. */
export interface TokenFacts {
  payload: TokenPayload;
  projectId?: string;
  domainId?: string;
  roleIds: string[];
}

export class RevocationList {
  private events: RevocationRecord[] = [];
  private readonly db: IdentityDb;
  private readonly clock: Clock;
  private readonly maxTokenLifetimeMs: number;

  constructor(db: IdentityDb, clock: Clock, maxTokenLifetimeMs: number) {
    this.db = db;
    this.clock = clock;
    this.maxTokenLifetimeMs = maxTokenLifetimeMs;
  }

  async load(): Promise<void> {
    const now = this.clock.now();
    await this.db.revocations.deleteMany({ expires_at: { $lt: now } });
    this.events = await this.db.revocations.find({});
  }

  async revoke(match: RevocationMatch): Promise<void> {
    const now = this.clock.now();
    const event: RevocationRecord = {
      id: hexId(),
      ...match,
      issued_before: now,
      expires_at: now + this.maxTokenLifetimeMs,
    };
    await this.db.revocations.insert(event);
    this.events.push(event);
  }

  isRevoked(token: TokenFacts): boolean {
    const p = token.payload;
    // Fernet timestamps are whole seconds; compare at that precision, as Keystone does.
    const issued = Math.floor(p.issuedAt / 1000);
    for (const e of this.events) {
      if (issued > Math.floor(e.issued_before / 1000)) continue;
      if (e.user_id !== undefined && e.user_id !== p.userId) continue;
      if (e.project_id !== undefined && e.project_id !== token.projectId) continue;
      if (e.domain_id !== undefined && e.domain_id !== token.domainId) continue;
      if (e.audit_id !== undefined && e.audit_id !== p.auditIds[0]) continue;
      if (e.audit_chain_id !== undefined && e.audit_chain_id !== p.auditIds[p.auditIds.length - 1]) continue;
      if (e.role_id !== undefined && !token.roleIds.includes(e.role_id)) continue;
      if (e.app_cred_id !== undefined && e.app_cred_id !== p.appCredId) continue;
      return true;
    }
    return false;
  }

  list(): readonly RevocationRecord[] {
    return this.events;
  }
}
