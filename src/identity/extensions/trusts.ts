// OS-TRUST: what a trust lets its trustee do, shared by the trusts API, trust-scoped
// authentication and token validation.
import { notFound } from '../../platform/http/api-error.ts';
import type { Clock } from '../../platform/clock.ts';
import type { IdentityDb } from '../identity-db.ts';
import type { RoleRecord, UserRecord } from '../model.ts';
import { effectiveRoles, expandImplied } from '../role-resolver.ts';
import type { TrustRecord } from './extensions-db.ts';

export const trustNotFound = (id: string) => notFound(`Could not find trust: ${id}.`);

/** Keystone's default [trust] max_redelegation_count. */
export const MAX_REDELEGATION_COUNT = 3;

export function isExpired(trust: TrustRecord, clock: Pick<Clock, 'now'>): boolean {
  return trust.expires_at !== null && trust.expires_at <= clock.now();
}

/** A trust the API may show or a trustee may use: present, unexpired, uses left (else Keystone's 404). */
export async function usableTrust(db: IdentityDb, clock: Pick<Clock, 'now'>, id: string): Promise<TrustRecord & { _rev: number }> {
  const trust = await db.extensions.trusts.get(id);
  if (!trust || isExpired(trust, clock) || (trust.remaining_uses !== null && trust.remaining_uses <= 0)) throw trustNotFound(id);
  return trust;
}

/**
 * Takes one use of a limited trust (compare-and-set, so concurrent authentications
 * cannot both take the last one); 404 when none is left.
 */
export async function consumeTrustUse(db: IdentityDb, clock: Pick<Clock, 'now'>, id: string): Promise<TrustRecord> {
  for (;;) {
    const trust = await usableTrust(db, clock, id);
    if (trust.remaining_uses === null) return trust;
    const updated = await db.extensions.trusts.update(id, { remaining_uses: trust.remaining_uses - 1 }, { ifRev: trust._rev });
    if (updated) return updated;
  }
}

/**
 * The roles a trust-scoped token carries: the trust's roles (with the roles they
 * imply) that the trustor still holds on the project.
 */
export async function delegatedRoles(db: IdentityDb, trust: TrustRecord, projectId: string): Promise<RoleRecord[]> {
  const granted = new Set(await expandImplied(db, trust.role_ids));
  const held = await effectiveRoles(db, trust.trustor_user_id, { type: 'project', id: projectId });
  return held.filter((r) => granted.has(r.id));
}

export interface TokenTrust {
  trust: TrustRecord;
  trustor: UserRecord;
  roles: RoleRecord[];
}

/**
 * What a trust-scoped token stands for at validation: the trust must still exist
 * (deleting it ends its tokens) and be unexpired, the token's user must be its
 * trustee, and the trustor must still be enabled and hold some delegated role.
 * Remaining uses are not checked again: the token was issued with one of them.
 */
export async function resolveTokenTrust(
  db: IdentityDb,
  clock: Pick<Clock, 'now'>,
  getUser: (id: string) => Promise<UserRecord | undefined>,
  trustId: string,
  tokenUserId: string,
  projectId: string,
): Promise<TokenTrust> {
  const trust = await db.extensions.trusts.get(trustId);
  if (!trust || isExpired(trust, clock) || trust.trustee_user_id !== tokenUserId || trust.project_id !== projectId) throw trustNotFound(trustId);
  const trustor = await getUser(trust.trustor_user_id);
  if (!trustor || !trustor.enabled) throw notFound('trustor');
  const roles = await delegatedRoles(db, trust, projectId);
  if (roles.length === 0) throw notFound('roles');
  return { trust, trustor, roles };
}
