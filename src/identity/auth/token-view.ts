// The token document Keystone returns from POST and GET /v3/auth/tokens.
import { isoMicros } from '../../platform/clock.ts';
import type { ApplicationCredentialRecord, ProjectRecord, RoleRecord, UserRecord } from '../model.ts';
import type { TokenPayload } from '../tokens/token-provider.ts';
import type { TrustRecord } from '../extensions/extensions-db.ts';

export interface TokenSubject {
  payload: TokenPayload;
  user: UserRecord;
  userDomain: ProjectRecord;
  project?: ProjectRecord;
  projectDomain?: ProjectRecord;
  domain?: ProjectRecord;
  system?: boolean;
  roles: RoleRecord[];
  appCred?: ApplicationCredentialRecord;
  /** set for a trust-scoped token */
  trust?: TrustRecord;
}

export function renderToken(s: TokenSubject, catalog?: unknown[]): Record<string, unknown> {
  const token: Record<string, unknown> = {
    methods: s.payload.methods,
    user: {
      id: s.user.id,
      name: s.user.name,
      domain: { id: s.userDomain.id, name: s.userDomain.name },
      password_expires_at: s.user.password_expires_at === null ? null : isoMicros(s.user.password_expires_at),
    },
    audit_ids: s.payload.auditIds,
    expires_at: isoMicros(s.payload.expiresAt),
    issued_at: isoMicros(s.payload.issuedAt),
  };
  const federated = s.payload.federated;
  if (federated) {
    (token.user as Record<string, unknown>)['OS-FEDERATION'] = {
      identity_provider: { id: federated.idpId },
      protocol: { id: federated.protocolId },
      groups: federated.groupIds.map((id) => ({ id })),
    };
  }
  if (s.project && s.projectDomain) {
    token.project = { id: s.project.id, name: s.project.name, domain: { id: s.projectDomain.id, name: s.projectDomain.name } };
    token.is_domain = false;
  }
  if (s.domain) token.domain = { id: s.domain.id, name: s.domain.name };
  if (s.system) token.system = { all: true };
  if (s.project || s.domain || s.system) {
    token.roles = s.roles.map((r) => ({ id: r.id, name: r.name }));
    if (catalog) token.catalog = catalog;
  }
  if (s.trust) {
    token['OS-TRUST:trust'] = {
      id: s.trust.id,
      impersonation: s.trust.impersonation,
      trustee_user: { id: s.trust.trustee_user_id },
      trustor_user: { id: s.trust.trustor_user_id },
    };
  }
  if (s.appCred) {
    token.application_credential = {
      id: s.appCred.id,
      name: s.appCred.name,
      restricted: !s.appCred.unrestricted,
      ...(s.appCred.access_rules.length > 0 ? { access_rules: s.appCred.access_rules } : {}),
    };
  }
  return { token };
}
