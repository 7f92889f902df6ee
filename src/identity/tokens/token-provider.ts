// Issues and validates tokens: payload encoding + Fernet with the repository's
// keys. Validation reads no database; revocation checks belong to the caller.

import { randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import { decrypt, encrypt, InvalidTokenError } from './fernet.ts';
import type { KeyRepository } from './key-repository.ts';
import { decodePayload, encodePayload, type TokenPayloadFields } from './payload.ts';

export { InvalidTokenError } from './fernet.ts';

/** The token decrypted and authenticated, but past its expiry. */
export class TokenExpiredError extends InvalidTokenError {
  constructor(message = 'token has expired') {
    super(message);
    this.name = 'TokenExpiredError';
  }
}

export interface TokenPayload extends TokenPayloadFields {
  /** milliseconds since the epoch, to the second (Fernet timestamps are whole seconds) */
  issuedAt: number;
}

/** What a caller states when asking for a token; the provider fills in the rest. */
export type IssueFields = Omit<TokenPayloadFields, 'auditIds' | 'expiresAt'> & {
  /** defaults to now + the provider's ttl */
  expiresAt?: number;
  /**
   * The audit ids of the token this one is made from (rescoping, token
   * authentication): the new token carries that chain's id as its second one.
   */
  parentAuditIds?: readonly string[];
};

export interface TokenProviderOptions {
  keys: KeyRepository;
  clock: Pick<Clock, 'now'>;
  /** lifetime of a token when the caller gives no expiresAt (Keystone: 3600 s) */
  ttlMs?: number;
}

export const DEFAULT_TOKEN_TTL_MS = 3600 * 1000;

/** A 22-character urlsafe random id, as Keystone's audit ids. */
export function newAuditId(): string {
  return randomBytes(16).toString('base64url');
}

export class TokenProvider {
  private readonly keys: KeyRepository;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly ttlMs: number;

  constructor(options: TokenProviderOptions) {
    this.keys = options.keys;
    this.clock = options.clock;
    this.ttlMs = options.ttlMs ?? DEFAULT_TOKEN_TTL_MS;
  }

  issue(fields: IssueFields): { token: string; payload: TokenPayload } {
    const now = this.clock.now();
    const { parentAuditIds, expiresAt, ...rest } = fields;
    const chainId = parentAuditIds?.[parentAuditIds.length - 1];
    const payloadFields: TokenPayloadFields = {
      ...rest,
      expiresAt: expiresAt ?? now + this.ttlMs,
      auditIds: chainId === undefined ? [newAuditId()] : [newAuditId(), chainId],
    };
    const issuedSeconds = Math.floor(now / 1000);
    const token = encrypt(this.keys.primaryKey(), encodePayload(payloadFields), {
      timestampSeconds: issuedSeconds,
      stripPadding: true,
    });
    return { token, payload: { ...payloadFields, issuedAt: issuedSeconds * 1000 } };
  }

  /** Throws InvalidTokenError for anything not issued by us, TokenExpiredError (a subclass) once expired. */
  validate(token: string): TokenPayload {
    const { payload, timestampSeconds } = decrypt(token, this.keys.decryptionKeys());
    const fields = decodePayload(payload);
    if (fields.expiresAt <= this.clock.now()) throw new TokenExpiredError();
    return { ...fields, issuedAt: timestampSeconds * 1000 };
  }
}
