// The federation records (OS-FEDERATION), kept in the identity database beside
// users and groups: identity providers, their protocols, mappings, the shadow
// records of federated users, and the SAML assertion ids already consumed.
import type { Collection, Database, Doc } from '../../platform/store/store.ts';

export interface IdentityProviderRecord extends Doc {
  description: string | null;
  enabled: boolean;
  /** the domain federated users of this IdP live in */
  domain_id: string;
  /** the IdP's entity ids (SAML Issuer); unique across providers */
  remote_ids: string[];
  authorization_ttl: number | null;
  /** stackgate: the PEM certificates the IdP signs with */
  saml_certificates: string[];
  /** stackgate: where WebSSO sends the browser with an AuthnRequest (HTTP-Redirect binding) */
  saml_sso_url: string | null;
}

/** One remote id claimed by one provider: the store's unique index keeps them unique across providers. */
export interface RemoteIdRecord extends Doc {
  idp_id: string;
}

export interface ProtocolRecord extends Doc {
  idp_id: string;
  protocol_id: string;
  mapping_id: string;
  remote_id_attribute: string | null;
}

export interface MappingRecord extends Doc {
  rules: unknown[];
  schema_version: string;
}

/** Keystone's federated_user: which remote identity a shadow user stands for. */
export interface FederatedUserRecord extends Doc {
  /** the shadow user in `users`; one per (idp, protocol, unique id) */
  user_id: string;
  idp_id: string;
  protocol_id: string;
  unique_id: string;
  display_name: string;
}

/** A consumed SAML assertion: refused again until it would have expired anyway. */
export interface ConsumedAssertionRecord extends Doc {
  idp_id: string;
  expires_at: number;
}

export interface FederationDb {
  identityProviders: Collection<IdentityProviderRecord>;
  remoteIds: Collection<RemoteIdRecord>;
  protocols: Collection<ProtocolRecord>;
  mappings: Collection<MappingRecord>;
  federatedUsers: Collection<FederatedUserRecord>;
  consumedAssertions: Collection<ConsumedAssertionRecord>;
}

export function openFederationDb(db: Database): FederationDb {
  return {
    identityProviders: db.collection<IdentityProviderRecord>('federation_identity_providers'),
    remoteIds: db.collection<RemoteIdRecord>('federation_remote_ids', { indexes: [['idp_id']] }),
    protocols: db.collection<ProtocolRecord>('federation_protocols', {
      unique: [['idp_id', 'protocol_id']],
      indexes: [['mapping_id']],
    }),
    mappings: db.collection<MappingRecord>('federation_mappings'),
    federatedUsers: db.collection<FederatedUserRecord>('federation_users', { indexes: [['user_id'], ['idp_id']] }),
    consumedAssertions: db.collection<ConsumedAssertionRecord>('federation_consumed_assertions', { indexes: [['expires_at']] }),
  };
}
