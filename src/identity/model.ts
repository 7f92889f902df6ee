// The records Keystone keeps, as stored. API views live in src/compat/identity/views.
import type { Doc } from '../platform/store/store.ts';

/** Domains are stored beside projects (is_domain), as Keystone does, so names share one rule. */
export interface ProjectRecord extends Doc {
  name: string;
  /** null for a domain */
  domain_id: string | null;
  /** the parent project, or the owning domain for a top-level project; null for a domain */
  parent_id: string | null;
  is_domain: boolean;
  enabled: boolean;
  description: string;
  tags: string[];
  options: Record<string, unknown>;
  extra: Record<string, unknown>;
}

export interface UserRecord extends Doc {
  name: string;
  domain_id: string;
  enabled: boolean;
  default_project_id: string | null;
  /** scrypt hash ("scrypt$N$r$p$salt$hash"); null for a user with no password */
  password_hash: string | null;
  password_created_at: number | null;
  password_expires_at: number | null;
  options: Record<string, unknown>;
  extra: Record<string, unknown>;
  failed_auth_count: number;
  failed_auth_at: number | null;
  created_at: number;
  last_active_at: number | null;
}

export interface PasswordHistoryRecord extends Doc {
  user_id: string;
  password_hash: string;
  created_at: number;
  /** set by the user's own change (the minimum password age applies to those only) */
  self_service?: boolean;
}

export interface GroupRecord extends Doc {
  name: string;
  domain_id: string;
  description: string;
  extra: Record<string, unknown>;
}

export interface MembershipRecord extends Doc {
  user_id: string;
  group_id: string;
}

export interface RoleRecord extends Doc {
  name: string;
  /** null for a global role */
  domain_id: string | null;
  description: string;
  options: Record<string, unknown>;
  extra: Record<string, unknown>;
}

export interface ImpliedRoleRecord extends Doc {
  prior_role_id: string;
  implied_role_id: string;
}

export type ActorType = 'user' | 'group';
export type TargetType = 'project' | 'domain' | 'system';

export interface AssignmentRecord extends Doc {
  actor_type: ActorType;
  actor_id: string;
  target_type: TargetType;
  /** "all" for the system */
  target_id: string;
  role_id: string;
  inherited: boolean;
}

export interface RegionRecord extends Doc {
  description: string;
  parent_region_id: string | null;
  extra: Record<string, unknown>;
}

export interface ServiceRecord extends Doc {
  type: string;
  name: string;
  description: string;
  enabled: boolean;
  extra: Record<string, unknown>;
}

export interface EndpointRecord extends Doc {
  service_id: string;
  interface: 'public' | 'internal' | 'admin';
  region_id: string | null;
  url: string;
  enabled: boolean;
  extra: Record<string, unknown>;
}

export interface CredentialRecord extends Doc {
  user_id: string;
  project_id: string | null;
  type: string;
  /** the blob as the client gave it (a JSON string for ec2) */
  blob: string;
  extra: Record<string, unknown>;
}

export interface AccessRule {
  id: string;
  service: string;
  path: string;
  method: string;
}

export interface ApplicationCredentialRecord extends Doc {
  name: string;
  user_id: string;
  project_id: string;
  description: string | null;
  secret_hash: string;
  expires_at: number | null;
  unrestricted: boolean;
  /** role ids delegated; always a subset of the creator's roles on the project at creation */
  role_ids: string[];
  access_rules: AccessRule[];
  created_at: number;
}

export interface AccessRuleRecord extends Doc, Omit<AccessRule, 'id'> {
  user_id: string;
}

/** A revocation: every token matching all set fields and issued at or before `issued_before` is invalid. */
export interface RevocationRecord extends Doc {
  issued_before: number;
  user_id?: string;
  project_id?: string;
  domain_id?: string;
  audit_id?: string;
  audit_chain_id?: string;
  role_id?: string;
  app_cred_id?: string;
  /** after this, every token it could match has expired and the event can be dropped */
  expires_at: number;
}

export interface UserOptions {
  ignore_change_password_upon_first_use?: boolean;
  ignore_password_expiry?: boolean;
  ignore_lockout_failure_attempts?: boolean;
  lock_password?: boolean;
  multi_factor_auth_enabled?: boolean;
  multi_factor_auth_rules?: string[][];
}
