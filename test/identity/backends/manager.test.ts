// Which driver serves which domain, the id mapping, and the domain configuration files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../../src/platform/config.ts';
import { openStore } from '../../../src/platform/store/index.ts';
import { openIdentityDb } from '../../../src/identity/identity-db.ts';
import { IdentityManager, managerFor } from '../../../src/identity/backends/manager.ts';
import { IdMappings, mayBeMapped, publicIdOf } from '../../../src/identity/backends/id-mapping.ts';
import { loadDomainConfigs } from '../../../src/identity/backends/domain-config.ts';

test('public ids are Keystone\'s sha256 of domain id, entity type and local id', () => {
  // The same digest Python's hashlib gives for the concatenation "d0m41n" + "user" + "alice".
  assert.equal(publicIdOf('d0m41n', 'user', 'alice'), '8dadbda4ddd8f35eab18466e7fdd0134d316bbe780d96ec4ef7ad5b00b873312');
  assert.notEqual(publicIdOf('d', 'user', 'x'), publicIdOf('d', 'group', 'x'));
  assert.ok(mayBeMapped(publicIdOf('d', 'user', 'x')));
  assert.ok(!mayBeMapped('0123456789abcdef0123456789abcdef'), 'an embedded (32 hex) id never routes to a directory');
});

test('domain configuration: the config map and keystone.<name>.yaml files, files winning', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackgate-domains-'));
  try {
    mkdirSync(join(dir, 'domains'));
    writeFileSync(join(dir, 'domains', 'keystone.corp.yaml'), 'identity:\n  driver: ldap\nldap:\n  url: ldap://127.0.0.1:1\n  suffix: dc=corp\n');
    writeFileSync(join(dir, 'domains', 'ignored.txt'), 'x');
    const configs = loadDomainConfigs({ corp: { driver: 'sql' }, local: {} }, dir);
    assert.equal(configs.get('corp')!.driver, 'ldap');
    assert.equal(configs.get('corp')!.ldap!.suffix, 'dc=corp');
    assert.equal(configs.get('local')!.driver, 'sql');
    assert.throws(() => loadDomainConfigs({ bad: { driver: 'ldap' } }, dir), /needs an ldap section/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the manager creates configured domains once and routes by domain', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackgate-manager-'));
  const store = await openStore({ kind: 'sqlite', dataDir: dir });
  try {
    const db = await openIdentityDb(store);
    const config = defaultConfig();
    config.dataDir = dir;
    config.identity.domains = { corp: { driver: 'ldap', ldap: { url: 'ldap://127.0.0.1:1', suffix: 'dc=corp' } }, plain: {} };
    const manager = await IdentityManager.open(db, store, config);
    assert.equal(managerFor(db), manager);
    const corp = await db.projects.findOne({ name: 'corp', is_domain: true });
    const plain = await db.projects.findOne({ name: 'plain', is_domain: true });
    assert.ok(corp && plain);
    assert.equal(manager.driverFor(corp.id).kind, 'ldap');
    assert.equal(manager.driverFor(plain.id).kind, 'sql');
    assert.equal(manager.driverFor('default').kind, 'sql');
    assert.ok(manager.isReadOnly(corp.id));
    assert.throws(() => manager.assertWritable(corp.id), (e: any) => e.status === 403);
    await manager.close();
    const again = await IdentityManager.open(db, store, config);
    assert.equal((await db.projects.find({ name: 'corp', is_domain: true })).length, 1);
    await again.close();

    const mappings = new IdMappings(await store.database('identity'));
    const id = await mappings.publicId(corp.id, 'group', 'developers');
    assert.equal(id, publicIdOf(corp.id, 'group', 'developers'));
    const fresh = new IdMappings(await store.database('identity'));
    assert.deepEqual({ ...(await fresh.lookup(id)) }, { id, local_id: 'developers', domain_id: corp.id, entity_type: 'group' });
    assert.equal(await fresh.lookup(publicIdOf(corp.id, 'user', 'nobody')), undefined);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
