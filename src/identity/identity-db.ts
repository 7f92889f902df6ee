// The identity database: its collections and their unique rules, in one place.
import type { Collection, Database, Store } from '../platform/store/store.ts';
import type {
  AccessRuleRecord,
  ApplicationCredentialRecord,
  AssignmentRecord,
  CredentialRecord,
  EndpointRecord,
  GroupRecord,
  ImpliedRoleRecord,
  MembershipRecord,
  PasswordHistoryRecord,
  ProjectRecord,
  RegionRecord,
  RevocationRecord,
  RoleRecord,
  ServiceRecord,
  UserRecord,
} from './model.ts';
import { openFederationDb, type FederationDb } from './federation/federation-db.ts';
import { openExtensionsDb, type ExtensionsDb } from './extensions/extensions-db.ts';

export interface IdentityDb {
  projects: Collection<ProjectRecord>;
  users: Collection<UserRecord>;
  passwordHistory: Collection<PasswordHistoryRecord>;
  groups: Collection<GroupRecord>;
  memberships: Collection<MembershipRecord>;
  roles: Collection<RoleRecord>;
  impliedRoles: Collection<ImpliedRoleRecord>;
  assignments: Collection<AssignmentRecord>;
  regions: Collection<RegionRecord>;
  services: Collection<ServiceRecord>;
  endpoints: Collection<EndpointRecord>;
  credentials: Collection<CredentialRecord>;
  applicationCredentials: Collection<ApplicationCredentialRecord>;
  accessRules: Collection<AccessRuleRecord>;
  revocations: Collection<RevocationRecord>;
  /** small key/value records: bootstrap marker, change generation */
  meta: Collection<{ id: string; value: unknown }>;
  /** OS-FEDERATION: identity providers, protocols, mappings, shadow users */
  federation: FederationDb;
  /** trusts, endpoint groups, policies, domain configs, OAuth1 consumers */
  extensions: ExtensionsDb;
}

export async function openIdentityDb(store: Store): Promise<IdentityDb> {
  const db: Database = await store.database('identity');
  return {
    projects: db.collection<ProjectRecord>('projects', { unique: [['domain_id', 'name']], indexes: [['parent_id']] }),
    users: db.collection<UserRecord>('users', { unique: [['domain_id', 'name']] }),
    passwordHistory: db.collection<PasswordHistoryRecord>('password_history', { indexes: [['user_id']] }),
    groups: db.collection<GroupRecord>('groups', { unique: [['domain_id', 'name']] }),
    memberships: db.collection<MembershipRecord>('memberships', {
      unique: [['user_id', 'group_id']],
      indexes: [['group_id']],
    }),
    roles: db.collection<RoleRecord>('roles', { unique: [['domain_id', 'name']] }),
    impliedRoles: db.collection<ImpliedRoleRecord>('implied_roles', { unique: [['prior_role_id', 'implied_role_id']] }),
    assignments: db.collection<AssignmentRecord>('assignments', {
      unique: [['actor_type', 'actor_id', 'target_type', 'target_id', 'role_id', 'inherited']],
      indexes: [['actor_id'], ['target_id'], ['role_id']],
    }),
    regions: db.collection<RegionRecord>('regions'),
    services: db.collection<ServiceRecord>('services'),
    endpoints: db.collection<EndpointRecord>('endpoints', { indexes: [['service_id']] }),
    credentials: db.collection<CredentialRecord>('credentials', { indexes: [['user_id']] }),
    applicationCredentials: db.collection<ApplicationCredentialRecord>('application_credentials', {
      unique: [['user_id', 'name']],
    }),
    accessRules: db.collection<AccessRuleRecord>('access_rules', { indexes: [['user_id']] }),
    revocations: db.collection<RevocationRecord>('revocations'),
    meta: db.collection<{ id: string; value: unknown }>('meta'),
    federation: openFederationDb(db),
    extensions: openExtensionsDb(db),
  };
}
