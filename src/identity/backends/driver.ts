// The identity driver interface (Keystone's identity/backends/base.py): where users,
// groups and memberships live for one domain. Drivers speak in their own local ids;
// the manager (manager.ts) turns them into public ids and picks the driver per domain.
import { ApiError, forbidden } from '../../platform/http/api-error.ts';
import type { GroupRecord, UserRecord } from '../model.ts';

export interface UserQuery {
  /** exact name, pushed down to the backend */
  name?: string;
  /** only for drivers that hold several domains (SQL) */
  domainId?: string;
}

export interface GroupQuery {
  name?: string;
  domainId?: string;
}

export interface IdentityDriver {
  readonly kind: 'sql' | 'ldap';
  /** false when the backend refuses writes (LDAP, as upstream's read-only LDAP) */
  readonly writable: boolean;

  getUser(localId: string): Promise<UserRecord | undefined>;
  findUserByName(name: string, domainId: string): Promise<UserRecord | undefined>;
  listUsers(query: UserQuery): Promise<UserRecord[]>;
  /** true when the password is the user's; never throws for a wrong password */
  authenticate(user: UserRecord, password: string): Promise<boolean>;
  createUser(record: UserRecord): Promise<UserRecord>;
  updateUser(localId: string, changes: Partial<UserRecord>): Promise<UserRecord | undefined>;
  deleteUser(localId: string): Promise<void>;

  getGroup(localId: string): Promise<GroupRecord | undefined>;
  findGroupByName(name: string, domainId: string): Promise<GroupRecord | undefined>;
  listGroups(query: GroupQuery): Promise<GroupRecord[]>;
  createGroup(record: GroupRecord): Promise<GroupRecord>;
  updateGroup(localId: string, changes: Partial<GroupRecord>): Promise<GroupRecord | undefined>;
  deleteGroup(localId: string): Promise<void>;

  /** local ids of the groups the user is a member of */
  groupIdsForUser(localUserId: string): Promise<string[]>;
  /** local ids of the group's members */
  userIdsInGroup(localGroupId: string): Promise<string[]>;
  addUserToGroup(localUserId: string, localGroupId: string): Promise<void>;
  /** false when there was no such membership */
  removeUserFromGroup(localUserId: string, localGroupId: string): Promise<boolean>;

  close(): Promise<void>;
}

/** Keystone's answer to any write against a read-only LDAP identity backend. */
export function readOnlyBackend(): ApiError {
  return forbidden('LDAP does not support write operations');
}

/**
 * The directory of one domain cannot be reached or did not answer in time. Keystone
 * answers 500 here; we answer 503 because the condition is transient and outside
 * this server (clients and load balancers retry a 503, not a 500), with the same
 * Keystone error body shape. Only the domain whose directory failed is affected.
 */
export function directoryUnavailable(url: string, reason: string): ApiError {
  return new ApiError(503, `Unable to establish a connection to LDAP Server (${url}): ${reason}.`);
}
