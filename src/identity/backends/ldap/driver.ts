// Keystone's read-only LDAP identity driver: users and groups are read from the
// directory, a password is checked by binding as the user, and every write is
// refused. Local ids are the values of the id attributes.
import type { Entry } from 'ldapts';
import type { GroupRecord, UserRecord } from '../../model.ts';
import { readOnlyBackend, type GroupQuery, type IdentityDriver, type UserQuery } from '../driver.ts';
import { resolveLdapOptions, type LdapOptions, type ResolvedLdapOptions } from './config.ts';
import { and, eq, first, firstRdn, isEnabled, normalizeDn, or, values } from './entries.ts';
import { isDirectoryAnswer, LdapPool } from './pool.ts';

/** How many ids go into one OR filter when loading a group's members. */
const IDS_PER_QUERY = 50;

export class LdapIdentityDriver implements IdentityDriver {
  readonly kind = 'ldap' as const;
  readonly writable = false;
  readonly options: ResolvedLdapOptions;
  private readonly domainId: string;
  private readonly pool: LdapPool;

  constructor(domainId: string, options: LdapOptions) {
    this.domainId = domainId;
    this.options = resolveLdapOptions(options);
    this.pool = new LdapPool(this.options);
  }

  private userAttributes(): string[] {
    const o = this.options;
    const attrs = [o.user_id_attribute, o.user_name_attribute, o.user_mail_attribute, o.user_description_attribute, o.user_enabled_attribute];
    if (o.user_member_of_attribute) attrs.push(o.user_member_of_attribute);
    return attrs;
  }

  private groupAttributes(): string[] {
    const o = this.options;
    return [o.group_id_attribute, o.group_name_attribute, o.group_desc_attribute, o.group_member_attribute];
  }

  private userFilter(extra?: string): string {
    return and(`(objectClass=${this.options.user_objectclass})`, this.options.user_filter, extra);
  }

  private groupFilter(extra?: string): string {
    return and(`(objectClass=${this.options.group_objectclass})`, this.options.group_filter, extra);
  }

  /** A search under a tree that may not exist yet: "no such object" is an empty answer. */
  private async searchTree(base: string, filter: string, attributes: string[]): Promise<Entry[]> {
    try {
      return await this.pool.search(base, { scope: this.options.query_scope, filter, attributes });
    } catch (error) {
      if (isDirectoryAnswer(error) && error.code === 32) return [];
      throw isDirectoryAnswer(error) ? this.pool.unavailable(error) : error;
    }
  }

  private async userEntries(extra?: string): Promise<Entry[]> {
    return this.searchTree(this.options.user_tree_dn, this.userFilter(extra), this.userAttributes());
  }

  private async groupEntries(extra?: string): Promise<Entry[]> {
    return this.searchTree(this.options.group_tree_dn, this.groupFilter(extra), this.groupAttributes());
  }

  /** The record for an entry; its id is the local id until the manager maps it. */
  userFromEntry(entry: Entry): UserRecord | undefined {
    const o = this.options;
    const id = first(entry, o.user_id_attribute);
    if (!id) return undefined;
    const extra: Record<string, unknown> = {};
    const mail = first(entry, o.user_mail_attribute);
    if (mail !== undefined) extra.email = mail;
    const description = first(entry, o.user_description_attribute);
    if (description !== undefined) extra.description = description;
    return {
      id,
      name: first(entry, o.user_name_attribute) ?? id,
      domain_id: this.domainId,
      enabled: isEnabled(first(entry, o.user_enabled_attribute), o),
      default_project_id: null,
      password_hash: null,
      password_created_at: null,
      password_expires_at: null,
      options: {},
      extra,
      failed_auth_count: 0,
      failed_auth_at: null,
      created_at: 0,
      last_active_at: null,
    };
  }

  groupFromEntry(entry: Entry): GroupRecord | undefined {
    const o = this.options;
    const id = first(entry, o.group_id_attribute);
    if (!id) return undefined;
    return { id, name: first(entry, o.group_name_attribute) ?? id, domain_id: this.domainId, description: first(entry, o.group_desc_attribute) ?? '', extra: {} };
  }

  private async userEntry(localId: string): Promise<Entry | undefined> {
    return (await this.userEntries(eq(this.options.user_id_attribute, localId)))[0];
  }

  private async groupEntry(localId: string): Promise<Entry | undefined> {
    return (await this.groupEntries(eq(this.options.group_id_attribute, localId)))[0];
  }

  async getUser(localId: string) {
    const entry = await this.userEntry(localId);
    return entry ? this.userFromEntry(entry) : undefined;
  }

  async findUserByName(name: string) {
    const entry = (await this.userEntries(eq(this.options.user_name_attribute, name)))[0];
    return entry ? this.userFromEntry(entry) : undefined;
  }

  async listUsers(query: UserQuery) {
    const entries = await this.userEntries(query.name !== undefined ? eq(this.options.user_name_attribute, query.name) : undefined);
    return sortByName(entries.map((e) => this.userFromEntry(e)).filter((u): u is UserRecord => !!u));
  }

  /** Binds as the user on a connection of its own; an empty password never binds (it would be anonymous). */
  async authenticate(user: UserRecord, password: string) {
    if (!password) return false;
    const entry = await this.userEntry(user.id);
    if (!entry) return false;
    let client;
    try {
      client = await this.pool.connect(entry.dn, password);
    } catch (error) {
      if (isDirectoryAnswer(error) && error.code === 49) return false;
      throw this.pool.unavailable(error);
    }
    await client.unbind().catch(() => undefined);
    return true;
  }

  async getGroup(localId: string) {
    const entry = await this.groupEntry(localId);
    return entry ? this.groupFromEntry(entry) : undefined;
  }

  async findGroupByName(name: string) {
    const entry = (await this.groupEntries(eq(this.options.group_name_attribute, name)))[0];
    return entry ? this.groupFromEntry(entry) : undefined;
  }

  async listGroups(query: GroupQuery) {
    const entries = await this.groupEntries(query.name !== undefined ? eq(this.options.group_name_attribute, query.name) : undefined);
    return sortByName(entries.map((e) => this.groupFromEntry(e)).filter((g): g is GroupRecord => !!g));
  }

  /** A member value (a DN, or an id with group_members_are_ids) to the user's local id. */
  private async memberToUserId(member: string): Promise<string | undefined> {
    const o = this.options;
    if (o.group_members_are_ids) return member;
    const rdn = firstRdn(member);
    if (rdn && rdn.attribute.toLowerCase() === o.user_id_attribute.toLowerCase()) return rdn.value;
    // The id is not the RDN: read it from the entry itself.
    try {
      const found = await this.pool.search(member, { scope: 'base', filter: this.userFilter(), attributes: [o.user_id_attribute] });
      return found[0] ? first(found[0], o.user_id_attribute) : undefined;
    } catch (error) {
      if (isDirectoryAnswer(error)) return undefined;
      throw error;
    }
  }

  private async groupDnToId(dn: string): Promise<string | undefined> {
    const o = this.options;
    const rdn = firstRdn(dn);
    if (rdn && rdn.attribute.toLowerCase() === o.group_id_attribute.toLowerCase()) return rdn.value;
    try {
      const found = await this.pool.search(dn, { scope: 'base', filter: this.groupFilter(), attributes: [o.group_id_attribute] });
      return found[0] ? first(found[0], o.group_id_attribute) : undefined;
    } catch (error) {
      if (isDirectoryAnswer(error)) return undefined;
      throw error;
    }
  }

  async groupIdsForUser(localUserId: string) {
    const o = this.options;
    const entry = await this.userEntry(localUserId);
    if (!entry) return [];
    if (o.user_member_of_attribute) {
      const groupBase = normalizeDn(o.group_tree_dn);
      const ids: string[] = [];
      for (const dn of values(entry, o.user_member_of_attribute)) {
        // memberOf may name groups outside the configured tree; those are not this domain's groups.
        if (!normalizeDn(dn).endsWith(groupBase)) continue;
        const id = await this.groupDnToId(dn);
        if (id) ids.push(id);
      }
      return ids;
    }
    const member = o.group_members_are_ids ? localUserId : entry.dn;
    const groups = await this.groupEntries(eq(o.group_member_attribute, member));
    return groups.map((g) => first(g, o.group_id_attribute)).filter((id): id is string => !!id);
  }

  async userIdsInGroup(localGroupId: string) {
    const entry = await this.groupEntry(localGroupId);
    if (!entry) return [];
    const ids: string[] = [];
    for (const member of values(entry, this.options.group_member_attribute)) {
      const id = await this.memberToUserId(member);
      if (id) ids.push(id);
    }
    // Members that are not (or no longer) users of this directory are left out.
    const existing = new Set<string>();
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const chunk = ids.slice(i, i + IDS_PER_QUERY).map((id) => eq(this.options.user_id_attribute, id));
      for (const e of await this.userEntries(or(chunk))) {
        const id = first(e, this.options.user_id_attribute);
        if (id) existing.add(id);
      }
    }
    return ids.filter((id) => existing.has(id));
  }

  async createUser(): Promise<UserRecord> {
    throw readOnlyBackend();
  }
  async updateUser(): Promise<UserRecord | undefined> {
    throw readOnlyBackend();
  }
  async deleteUser(): Promise<void> {
    throw readOnlyBackend();
  }
  async createGroup(): Promise<GroupRecord> {
    throw readOnlyBackend();
  }
  async updateGroup(): Promise<GroupRecord | undefined> {
    throw readOnlyBackend();
  }
  async deleteGroup(): Promise<void> {
    throw readOnlyBackend();
  }
  async addUserToGroup(): Promise<void> {
    throw readOnlyBackend();
  }
  async removeUserFromGroup(): Promise<boolean> {
    throw readOnlyBackend();
  }

  close() {
    return this.pool.close();
  }
}

function sortByName<T extends { name: string }>(records: T[]): T[] {
  return records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
