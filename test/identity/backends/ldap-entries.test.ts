// The directory-free parts of the LDAP driver: reading "enabled", filters and DNs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveLdapOptions } from '../../../src/identity/backends/ldap/config.ts';
import { and, escapeValue, firstRdn, isEnabled, normalizeDn, values } from '../../../src/identity/backends/ldap/entries.ts';
import { LdapIdentityDriver } from '../../../src/identity/backends/ldap/driver.ts';

const base = { url: 'ldap://127.0.0.1:1', suffix: 'dc=example,dc=org' };

test('options take Keystone\'s defaults and reject what cannot work', () => {
  const o = resolveLdapOptions(base);
  assert.equal(o.user_tree_dn, 'ou=Users,dc=example,dc=org');
  assert.equal(o.group_tree_dn, 'ou=UserGroups,dc=example,dc=org');
  assert.equal(o.user_id_attribute, 'cn');
  assert.equal(o.user_name_attribute, 'sn');
  assert.equal(o.group_member_attribute, 'member');
  assert.equal(o.query_scope, 'one');
  assert.throws(() => resolveLdapOptions({ suffix: 'dc=x' } as any), /url is required/);
  assert.throws(() => resolveLdapOptions({ ...base, query_scope: 'base' as any }), /query_scope/);
});

test('enabled: the bit-mask form (Active Directory userAccountControl)', () => {
  const o = resolveLdapOptions({ ...base, user_enabled_attribute: 'userAccountControl', user_enabled_mask: 2, user_enabled_default: 512 });
  assert.equal(isEnabled('512', o), true);
  assert.equal(isEnabled('514', o), false);
  assert.equal(isEnabled('66050', o), false, '65536 + 512 + 2: disabled with other flags set');
  assert.equal(isEnabled(undefined, o), true, 'the default 512 applies');
  assert.equal(isEnabled('garbage', o), false);
});

test('enabled: the inverted boolean form (e.g. nsAccountLock) and the plain one', () => {
  const inverted = resolveLdapOptions({ ...base, user_enabled_attribute: 'nsAccountLock', user_enabled_invert: true, user_enabled_default: false });
  assert.equal(isEnabled('TRUE', inverted), false);
  assert.equal(isEnabled('FALSE', inverted), true);
  assert.equal(isEnabled(undefined, inverted), true, 'no lock attribute: the default (false) inverted');
  const plain = resolveLdapOptions(base);
  assert.equal(isEnabled('TRUE', plain), true);
  assert.equal(isEnabled('false', plain), false);
  assert.equal(isEnabled(undefined, plain), true);
});

test('filters escape values and AND operator filters given with or without parentheses', () => {
  assert.equal(escapeValue('a*(b)\\c'), 'a\\2a\\28b\\29\\5cc');
  assert.equal(and('(objectClass=person)', 'mail=*', undefined), '(&(objectClass=person)(mail=*))');
  assert.equal(and('(objectClass=person)'), '(objectClass=person)');
});

test('DNs: the first RDN with escapes, and a normal form for comparison', () => {
  assert.deepEqual(firstRdn('uid=alice,ou=Users,dc=x'), { attribute: 'uid', value: 'alice' });
  assert.deepEqual(firstRdn('cn=Smith\\, John,ou=People,dc=x'), { attribute: 'cn', value: 'Smith, John' });
  assert.deepEqual(firstRdn('cn=a\\2cb,dc=x'), { attribute: 'cn', value: 'a,b' });
  assert.equal(normalizeDn('CN=Developers, OU=Groups,DC=Test'), 'cn=developers,ou=groups,dc=test');
});

test('entries become Keystone records, attribute names matched case-insensitively', () => {
  const driver = new LdapIdentityDriver('d1', { ...base, user_id_attribute: 'uid', user_name_attribute: 'uid', user_enabled_attribute: 'userAccountControl', user_enabled_mask: 2, user_enabled_default: 512 });
  const entry = { dn: 'uid=alice,ou=Users,dc=example,dc=org', UID: ['alice'], mail: 'alice@example.org', useraccountcontrol: '514' } as any;
  assert.deepEqual(values(entry, 'uid'), ['alice']);
  const user = driver.userFromEntry(entry)!;
  assert.equal(user.id, 'alice');
  assert.equal(user.name, 'alice');
  assert.equal(user.domain_id, 'd1');
  assert.equal(user.enabled, false);
  assert.deepEqual(user.extra, { email: 'alice@example.org' });
  assert.equal(driver.userFromEntry({ dn: 'cn=x' } as any), undefined, 'an entry without the id attribute is skipped');
});

test('a directory that is not there gives 503 quickly, and writes are refused with 403', async () => {
  const driver = new LdapIdentityDriver('d1', { ...base, connection_timeout: 1, operation_timeout: 1 });
  const started = Date.now();
  await assert.rejects(driver.listUsers({}), (e: any) => e.status === 503 && /LDAP Server \(ldap:\/\/127\.0\.0\.1:1\)/.test(e.message));
  assert.ok(Date.now() - started < 3000);
  await assert.rejects(driver.createUser(), (e: any) => e.status === 403 && e.message === 'LDAP does not support write operations');
  await assert.rejects(driver.addUserToGroup(), (e: any) => e.status === 403);
  assert.equal(await driver.authenticate({ id: 'alice' } as any, ''), false, 'an empty password is refused before any bind');
  await driver.close();
});
