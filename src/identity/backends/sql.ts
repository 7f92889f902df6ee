// The embedded identity driver: users, groups and memberships in the identity
// database (engine.db). Local ids are the public ids, as in Keystone's SQL driver.
import { hexId } from '../../platform/ids.ts';
import type { Filter } from '../../platform/store/store.ts';
import type { IdentityDb } from '../identity-db.ts';
import type { GroupRecord, UserRecord } from '../model.ts';
import { verifyPassword } from '../passwords.ts';
import type { GroupQuery, IdentityDriver, UserQuery } from './driver.ts';

export function membershipId(userId: string, groupId: string): string {
  return `${userId}:${groupId}`;
}

export class SqlIdentityDriver implements IdentityDriver {
  readonly kind = 'sql' as const;
  readonly writable = true;
  private readonly db: IdentityDb;

  constructor(db: IdentityDb) {
    this.db = db;
  }

  getUser(id: string) {
    return this.db.users.get(id);
  }

  findUserByName(name: string, domainId: string) {
    return this.db.users.findOne({ name, domain_id: domainId });
  }

  listUsers(query: UserQuery) {
    const filter: Filter = {};
    if (query.name !== undefined) filter.name = query.name;
    if (query.domainId !== undefined) filter.domain_id = query.domainId;
    return this.db.users.find(filter, { sort: [['name', 'asc']] });
  }

  authenticate(user: UserRecord, password: string) {
    return verifyPassword(password, user.password_hash);
  }

  createUser(record: UserRecord) {
    return this.db.users.insert(record);
  }

  updateUser(id: string, changes: Partial<UserRecord>) {
    return this.db.users.update(id, changes);
  }

  async deleteUser(id: string) {
    await this.db.memberships.deleteMany({ user_id: id });
    await this.db.users.delete(id);
  }

  getGroup(id: string) {
    return this.db.groups.get(id);
  }

  findGroupByName(name: string, domainId: string) {
    return this.db.groups.findOne({ name, domain_id: domainId });
  }

  listGroups(query: GroupQuery) {
    const filter: Filter = {};
    if (query.name !== undefined) filter.name = query.name;
    if (query.domainId !== undefined) filter.domain_id = query.domainId;
    return this.db.groups.find(filter, { sort: [['name', 'asc']] });
  }

  createGroup(record: GroupRecord) {
    return this.db.groups.insert({ ...record, id: record.id || hexId() });
  }

  updateGroup(id: string, changes: Partial<GroupRecord>) {
    return this.db.groups.update(id, changes);
  }

  async deleteGroup(id: string) {
    await this.db.memberships.deleteMany({ group_id: id });
    await this.db.groups.delete(id);
  }

  async groupIdsForUser(userId: string) {
    return (await this.db.memberships.find({ user_id: userId })).map((m) => m.group_id);
  }

  async userIdsInGroup(groupId: string) {
    return (await this.db.memberships.find({ group_id: groupId })).map((m) => m.user_id);
  }

  async addUserToGroup(userId: string, groupId: string) {
    if (await this.db.memberships.findOne({ user_id: userId, group_id: groupId })) return;
    await this.db.memberships.insert({ id: membershipId(userId, groupId), user_id: userId, group_id: groupId });
  }

  async removeUserFromGroup(userId: string, groupId: string) {
    return (await this.db.memberships.deleteMany({ user_id: userId, group_id: groupId })) > 0;
  }

  async close() {}
}
