// Records of Keystone's smaller extensions, kept in the identity database:
// trusts (OS-TRUST), endpoint groups and project-endpoint links (OS-EP-FILTER),
// stored policy blobs, domain-specific configuration and OAuth1 consumers.
import type { Collection, Database, Doc } from '../../platform/store/store.ts';

export interface TrustRecord extends Doc {
  trustor_user_id: string;
  trustee_user_id: string;
  project_id: string | null;
  impersonation: boolean;
  /** epoch ms, or null for a trust that never expires */
  expires_at: number | null;
  /** null means unlimited */
  remaining_uses: number | null;
  allow_redelegation: boolean;
  redelegation_count: number;
  redelegated_trust_id: string | null;
  role_ids: string[];
  extra: Record<string, unknown>;
}

export interface EndpointGroupRecord extends Doc {
  name: string;
  description: string;
  /** endpoint attributes an endpoint must match to belong to the group */
  filters: Record<string, unknown>;
  extra: Record<string, unknown>;
}

/** A project linked to an endpoint group; the id is `<group>:<project>`. */
export interface ProjectEndpointGroupRecord extends Doc {
  endpoint_group_id: string;
  project_id: string;
}

/** A project linked to one endpoint; the id is `<project>:<endpoint>`. */
export interface ProjectEndpointRecord extends Doc {
  project_id: string;
  endpoint_id: string;
}

export interface PolicyRecord extends Doc {
  blob: string;
  type: string;
  extra: Record<string, unknown>;
}

/** One domain's configuration: group name → option name → value. The id is the domain id. */
export interface DomainConfigRecord extends Doc {
  config: Record<string, Record<string, unknown>>;
}

export interface ConsumerRecord extends Doc {
  description: string | null;
  secret: string;
  extra: Record<string, unknown>;
}

export interface ExtensionsDb {
  trusts: Collection<TrustRecord>;
  endpointGroups: Collection<EndpointGroupRecord>;
  projectEndpointGroups: Collection<ProjectEndpointGroupRecord>;
  projectEndpoints: Collection<ProjectEndpointRecord>;
  policies: Collection<PolicyRecord>;
  domainConfigs: Collection<DomainConfigRecord>;
  consumers: Collection<ConsumerRecord>;
}

export function openExtensionsDb(db: Database): ExtensionsDb {
  return {
    trusts: db.collection<TrustRecord>('trusts', { indexes: [['trustor_user_id'], ['trustee_user_id']] }),
    endpointGroups: db.collection<EndpointGroupRecord>('endpoint_groups'),
    projectEndpointGroups: db.collection<ProjectEndpointGroupRecord>('project_endpoint_groups', { indexes: [['endpoint_group_id'], ['project_id']] }),
    projectEndpoints: db.collection<ProjectEndpointRecord>('project_endpoints', { indexes: [['project_id'], ['endpoint_id']] }),
    policies: db.collection<PolicyRecord>('policies'),
    domainConfigs: db.collection<DomainConfigRecord>('domain_configs'),
    consumers: db.collection<ConsumerRecord>('oauth_consumers'),
  };
}
