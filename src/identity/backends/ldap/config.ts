// A domain's LDAP options, named as Keystone's [ldap] section names them, with
// Keystone's defaults; plus our timeouts (seconds), which Keystone leaves to python-ldap.
export interface LdapOptions {
  url: string;
  /** the bind DN the driver reads the directory as; anonymous when unset */
  user?: string;
  password?: string;
  suffix: string;
  user_tree_dn?: string;
  user_filter?: string;
  user_objectclass?: string;
  user_id_attribute?: string;
  user_name_attribute?: string;
  user_mail_attribute?: string;
  user_description_attribute?: string;
  user_enabled_attribute?: string;
  /** the bit(s) meaning "disabled" in an integer attribute (AD's userAccountControl: 2) */
  user_enabled_mask?: number;
  /** a boolean attribute that says "disabled" when true (e.g. nsAccountLock) */
  user_enabled_invert?: boolean;
  /** the value assumed when the entry lacks the attribute (an integer with a mask) */
  user_enabled_default?: boolean | number | string;
  /** read a user's groups from this attribute of the user (e.g. memberOf) instead of searching groups */
  user_member_of_attribute?: string;
  group_tree_dn?: string;
  group_filter?: string;
  group_objectclass?: string;
  group_id_attribute?: string;
  group_name_attribute?: string;
  group_desc_attribute?: string;
  /** member (DNs, groupOfNames) or memberUid (user ids, posixGroup) */
  group_member_attribute?: string;
  /** the member attribute holds user ids rather than DNs */
  group_members_are_ids?: boolean;
  query_scope?: 'one' | 'sub';
  /** 0: no paged results control */
  page_size?: number;
  use_tls?: boolean;
  tls_cacertfile?: string;
  /** demand | allow | never (Keystone's tls_req_cert) */
  tls_req_cert?: 'demand' | 'allow' | 'never';
  pool_size?: number;
  /** seconds to establish a connection (and StartTLS and bind) */
  connection_timeout?: number;
  /** seconds for one directory operation */
  operation_timeout?: number;
}

/** Every option resolved to a value. */
export type ResolvedLdapOptions = Required<Omit<LdapOptions, 'user' | 'password' | 'user_filter' | 'group_filter' | 'tls_cacertfile' | 'user_member_of_attribute'>> &
  Pick<LdapOptions, 'user' | 'password' | 'user_filter' | 'group_filter' | 'tls_cacertfile' | 'user_member_of_attribute'>;

export function resolveLdapOptions(o: LdapOptions): ResolvedLdapOptions {
  if (!o || typeof o.url !== 'string' || !o.url) throw new Error('ldap: url is required');
  if (typeof o.suffix !== 'string' || !o.suffix) throw new Error('ldap: suffix is required');
  const scope = o.query_scope ?? 'one';
  if (scope !== 'one' && scope !== 'sub') throw new Error(`ldap: query_scope must be one or sub, not ${String(scope)}`);
  return {
    ...o,
    user_tree_dn: o.user_tree_dn ?? `ou=Users,${o.suffix}`,
    user_objectclass: o.user_objectclass ?? 'inetOrgPerson',
    user_id_attribute: o.user_id_attribute ?? 'cn',
    user_name_attribute: o.user_name_attribute ?? 'sn',
    user_mail_attribute: o.user_mail_attribute ?? 'mail',
    user_description_attribute: o.user_description_attribute ?? 'description',
    user_enabled_attribute: o.user_enabled_attribute ?? 'enabled',
    user_enabled_mask: o.user_enabled_mask ?? 0,
    user_enabled_invert: o.user_enabled_invert ?? false,
    user_enabled_default: o.user_enabled_default ?? true,
    group_tree_dn: o.group_tree_dn ?? `ou=UserGroups,${o.suffix}`,
    group_objectclass: o.group_objectclass ?? 'groupOfNames',
    group_id_attribute: o.group_id_attribute ?? 'cn',
    group_name_attribute: o.group_name_attribute ?? 'ou',
    group_desc_attribute: o.group_desc_attribute ?? 'description',
    group_member_attribute: o.group_member_attribute ?? 'member',
    group_members_are_ids: o.group_members_are_ids ?? false,
    query_scope: scope,
    page_size: o.page_size ?? 0,
    use_tls: o.use_tls ?? false,
    tls_req_cert: o.tls_req_cert ?? 'demand',
    pool_size: o.pool_size ?? 10,
    connection_timeout: o.connection_timeout ?? 3,
    operation_timeout: o.operation_timeout ?? 5,
  };
}
