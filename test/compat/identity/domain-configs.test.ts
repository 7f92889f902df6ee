import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { fixtures } from './role-fixtures.ts';

describe('identity: /v3/domains/{domain_id}/config', () => {
  let cloud: TestCloud;
  let memberToken: string;
  let domainId: string;
  const r = (method: string, path: string, body?: unknown, token?: string) =>
    cloud.request(method, `/identity/v3${path}`, { body, ...(token ? { token } : {}) });
  const config = { identity: { driver: 'ldap' }, ldap: { url: 'ldap://127.0.0.1', user_tree_dn: 'ou=Users,dc=example,dc=org', password: 'secret' } };

  before(async () => {
    cloud = await startCloud();
    const f = fixtures(cloud);
    domainId = (await f.domain()).id;
    memberToken = await f.memberToken();
  });
  after(() => cloud.stop());

  it('reports the server defaults of the identity and ldap groups', async () => {
    const all = await r('GET', '/domains/config/default');
    assert.equal(all.status, 200);
    assert.ok('driver' in all.body.config.identity && 'list_limit' in all.body.config.identity);
    assert.ok('url' in all.body.config.ldap);
    assert.equal(all.body.config.ldap.password, undefined);
    assert.deepEqual(Object.keys((await r('GET', '/domains/config/ldap/default')).body.config), ['ldap']);
    assert.deepEqual((await r('GET', '/domains/config/identity/driver/default')).body.config, { driver: 'sql' });
    assert.equal((await r('GET', '/domains/config/nova/default')).status, 403);
  });

  it('creates, shows, updates and deletes a domain config, hiding sensitive options', async () => {
    const created = await r('PUT', `/domains/${domainId}/config`, { config });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.config, { identity: { driver: 'ldap' }, ldap: { url: 'ldap://127.0.0.1', user_tree_dn: 'ou=Users,dc=example,dc=org' } });
    assert.equal((await r('PUT', `/domains/${domainId}/config`, { config })).status, 200);
    assert.deepEqual((await r('GET', `/domains/${domainId}/config/ldap`)).body.config.ldap.url, 'ldap://127.0.0.1');
    assert.deepEqual((await r('GET', `/domains/${domainId}/config/ldap/url`)).body.config, { url: 'ldap://127.0.0.1' });
    const hidden = await r('GET', `/domains/${domainId}/config/ldap/password`);
    assert.equal(hidden.status, 404);
    assert.equal(hidden.body.error.message, `Could not find option password in group ldap in domain configuration for domain ${domainId}.`);

    const patched = await r('PATCH', `/domains/${domainId}/config`, { config: { ldap: { url: 'ldap://127.0.0.2' } } });
    assert.equal(patched.body.config.ldap.url, 'ldap://127.0.0.2');
    const group = await r('PATCH', `/domains/${domainId}/config/identity`, { config: { identity: { driver: 'sql', list_limit: 5 } } });
    assert.deepEqual(group.body.config.identity, { driver: 'sql', list_limit: 5 });
    const option = await r('PATCH', `/domains/${domainId}/config/identity/driver`, { config: { driver: 'ldap' } });
    assert.equal(option.body.config.identity.driver, 'ldap');
    const wrongGroup = await r('PATCH', `/domains/${domainId}/config/identity`, { config: { ldap: { url: 'x' } } });
    assert.equal(wrongGroup.status, 403);

    assert.equal((await r('DELETE', `/domains/${domainId}/config/identity/driver`)).status, 204);
    assert.equal((await r('GET', `/domains/${domainId}/config/identity/driver`)).status, 404);
    assert.equal((await r('DELETE', `/domains/${domainId}/config/identity`)).status, 204);
    const noGroup = await r('GET', `/domains/${domainId}/config/identity`);
    assert.equal(noGroup.body.error.message, `Could not find group identity in domain configuration for domain ${domainId}.`);
    assert.equal((await r('DELETE', `/domains/${domainId}/config`)).status, 204);
    const none = await r('GET', `/domains/${domainId}/config`);
    assert.equal(none.status, 404);
    assert.equal(none.body.error.message, `Could not find any options in domain configuration for domain ${domainId}.`);
  });

  it('refuses unsupported groups and options, unknown domains and non-admins', async () => {
    const badGroup = await r('PUT', `/domains/${domainId}/config`, { config: { nova: { x: 1 } } });
    assert.equal(badGroup.status, 403);
    assert.equal(badGroup.body.error.message, 'Invalid domain specific configuration: Group nova is not supported for domain specific configurations.');
    const badOption = await r('PUT', `/domains/${domainId}/config`, { config: { ldap: { nonsense: 1 } } });
    assert.equal(badOption.status, 403);
    assert.equal((await r('PUT', `/domains/${domainId}/config`, { config: {} })).status, 403);
    assert.equal((await r('PUT', `/domains/${domainId}/config`, { nothing: 1 })).status, 400);
    const noDomain = await r('GET', '/domains/nowhere/config');
    assert.equal(noDomain.status, 404);
    assert.equal(noDomain.body.error.message, 'Could not find domain: nowhere.');
    assert.equal((await r('PUT', `/domains/${domainId}/config`, { config }, memberToken)).status, 403);
    assert.equal((await r('GET', `/domains/${domainId}/config`, undefined, memberToken)).status, 403);
    // the password rules are readable to anyone, for the default domain only
    const rules = await r('GET', '/domains/default/config/security_compliance', undefined, memberToken);
    assert.equal(rules.status, 200);
    assert.ok('password_regex' in rules.body.config.security_compliance);
  });
});
