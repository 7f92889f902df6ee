// The identity manager (Keystone's identity/core.py Manager): picks the driver of a
// user's or group's domain, and speaks public ids to the rest of stackgate. The
// default domain and every domain without a configuration of its own use the
// embedded (SQL) driver; a domain configured for LDAP uses its directory, with
// public ids from the id mapping.
import { hexId } from '../../platform/ids.ts';
import type { Config } from '../../platform/config.ts';
import type { Store } from '../../platform/store/store.ts';
import { logger } from '../../platform/log.ts';
import type { IdentityDb } from '../identity-db.ts';
import type { GroupRecord, UserRecord } from '../model.ts';
import { readOnlyBackend, type IdentityDriver } from './driver.ts';
import { loadDomainConfigs, type DomainDriverConfig } from './domain-config.ts';
import { IdMappings, mayBeMapped, type EntityType } from './id-mapping.ts';
import { LdapIdentityDriver } from './ldap/driver.ts';
import { SqlIdentityDriver } from './sql.ts';

const log = logger('identity.backends');

/** Code that only has the identity database (role resolution) finds the manager through it. */
const managers = new WeakMap<IdentityDb, IdentityManager>();

export function managerFor(db: IdentityDb): IdentityManager | undefined {
  return managers.get(db);
}

export class IdentityManager {
  readonly sql: SqlIdentityDriver;
  private readonly db: IdentityDb;
  private readonly mappings: IdMappings;
  /** domain id -> the driver of a domain with a backend of its own */
  private readonly specific = new Map<string, IdentityDriver>();

  private constructor(db: IdentityDb, mappings: IdMappings) {
    this.db = db;
    this.sql = new SqlIdentityDriver(db);
    this.mappings = mappings;
  }

  /** Loads the domain configurations, creating each configured domain that does not exist yet. */
  static async open(db: IdentityDb, store: Store, config: Config): Promise<IdentityManager> {
    const manager = new IdentityManager(db, new IdMappings(await store.database('identity')));
    const configs = loadDomainConfigs(config.identity.domains, config.dataDir);
    for (const [name, c] of configs) {
      const domain = await manager.ensureDomain(name, c);
      if (c.driver === 'ldap') {
        manager.specific.set(domain.id, new LdapIdentityDriver(domain.id, c.ldap!));
        log.info('domain uses an LDAP identity backend', { domain: name, domain_id: domain.id, url: c.ldap!.url });
      }
    }
    managers.set(db, manager);
    return manager;
  }

  private async ensureDomain(name: string, c: DomainDriverConfig) {
    const existing = await this.db.projects.findOne({ name, is_domain: true, domain_id: null });
    if (existing) return existing;
    return this.db.projects.insert({
      id: hexId(),
      name,
      domain_id: null,
      parent_id: null,
      is_domain: true,
      enabled: true,
      description: c.description ?? `Users and groups from ${c.driver === 'ldap' ? c.ldap!.url : 'the embedded store'}`,
      tags: [],
      options: {},
      extra: {},
    });
  }

  driverFor(domainId: string): IdentityDriver {
    return this.specific.get(domainId) ?? this.sql;
  }

  /** True when the domain's identity data is read from elsewhere and cannot be written here. */
  isReadOnly(domainId: string): boolean {
    return !this.driverFor(domainId).writable;
  }

  assertWritable(domainId: string): void {
    if (this.isReadOnly(domainId)) throw readOnlyBackend();
  }

  private async publicRecord<T extends { id: string; domain_id: string }>(record: T | undefined, type: EntityType): Promise<T | undefined> {
    if (!record || !this.specific.has(record.domain_id)) return record;
    return { ...record, id: await this.mappings.publicId(record.domain_id, type, record.id) };
  }

  private async publicRecords<T extends { id: string; domain_id: string }>(records: T[], type: EntityType): Promise<T[]> {
    const out: T[] = [];
    for (const r of records) out.push((await this.publicRecord(r, type))!);
    return out;
  }

  /** The driver and local id behind a public id. */
  private async route(publicId: string, type: EntityType): Promise<{ driver: IdentityDriver; localId: string; domainId?: string }> {
    if (this.specific.size > 0 && mayBeMapped(publicId)) {
      const mapping = await this.mappings.lookup(publicId);
      const driver = mapping && mapping.entity_type === type ? this.specific.get(mapping.domain_id) : undefined;
      if (mapping && driver) return { driver, localId: mapping.local_id, domainId: mapping.domain_id };
    }
    return { driver: this.sql, localId: publicId };
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const { driver, localId } = await this.route(id, 'user');
    return this.publicRecord(await driver.getUser(localId), 'user');
  }

  async findUserByName(name: string, domainId: string): Promise<UserRecord | undefined> {
    return this.publicRecord(await this.driverFor(domainId).findUserByName(name, domainId), 'user');
  }

  /** Without a domain, the embedded store's users of every domain, as Keystone lists the default driver's. */
  async listUsers(query: { domainId?: string; name?: string }): Promise<UserRecord[]> {
    const driver = query.domainId !== undefined ? this.driverFor(query.domainId) : this.sql;
    return this.publicRecords(await driver.listUsers(query), 'user');
  }

  async authenticate(user: UserRecord, password: string): Promise<boolean> {
    const { driver, localId } = await this.route(user.id, 'user');
    return driver.authenticate({ ...user, id: localId }, password);
  }

  async getGroup(id: string): Promise<GroupRecord | undefined> {
    const { driver, localId } = await this.route(id, 'group');
    return this.publicRecord(await driver.getGroup(localId), 'group');
  }

  async findGroupByName(name: string, domainId: string): Promise<GroupRecord | undefined> {
    return this.publicRecord(await this.driverFor(domainId).findGroupByName(name, domainId), 'group');
  }

  async listGroups(query: { domainId?: string; name?: string }): Promise<GroupRecord[]> {
    const driver = query.domainId !== undefined ? this.driverFor(query.domainId) : this.sql;
    return this.publicRecords(await driver.listGroups(query), 'group');
  }

  /** The public ids of the user's groups: embedded memberships, and the directory's for a directory user. */
  async groupIdsOf(userId: string): Promise<string[]> {
    const ids = await this.sql.groupIdsForUser(userId);
    const { driver, localId, domainId } = await this.route(userId, 'user');
    if (driver !== this.sql && domainId) {
      for (const local of await driver.groupIdsForUser(localId)) ids.push(await this.mappings.publicId(domainId, 'group', local));
    }
    return ids;
  }

  async groupsOf(userId: string): Promise<GroupRecord[]> {
    const out: GroupRecord[] = [];
    for (const id of await this.groupIdsOf(userId)) {
      const group = await this.getGroup(id);
      if (group) out.push(group);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The public ids of the group's members. */
  async memberIdsOf(groupId: string): Promise<string[]> {
    const { driver, localId, domainId } = await this.route(groupId, 'group');
    if (driver === this.sql || !domainId) return this.sql.userIdsInGroup(groupId);
    const ids: string[] = [];
    for (const local of await driver.userIdsInGroup(localId)) ids.push(await this.mappings.publicId(domainId, 'user', local));
    return ids;
  }

  async membersOf(groupId: string): Promise<UserRecord[]> {
    const ids = await this.memberIdsOf(groupId);
    const embedded = ids.filter((id) => !mayBeMapped(id) || this.specific.size === 0);
    const users: UserRecord[] = embedded.length > 0 ? await this.db.users.find({ id: { $in: embedded } }) : [];
    for (const id of ids.filter((i) => !embedded.includes(i))) {
      const user = await this.getUser(id);
      if (user) users.push(user);
    }
    return users.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async isMember(userId: string, groupId: string): Promise<boolean> {
    return (await this.memberIdsOf(groupId)).includes(userId);
  }

  /** Membership changes go to the group's backend (a directory refuses them). */
  async addMember(userId: string, groupId: string): Promise<void> {
    const { driver } = await this.route(groupId, 'group');
    await driver.addUserToGroup(userId, groupId);
  }

  async removeMember(userId: string, groupId: string): Promise<boolean> {
    const { driver } = await this.route(groupId, 'group');
    return driver.removeUserFromGroup(userId, groupId);
  }

  async close(): Promise<void> {
    await Promise.all([...this.specific.values()].map((d) => d.close()));
  }
}
