import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { buildResponse, encode, makeKeyPair, type KeyPair, type ResponseOptions } from '../../identity/federation/test-idp.ts';

const V3 = '/identity/v3';
const IDP_ENTITY = 'https://idp.test/saml';
const DASHBOARD = 'https://dashboard.test/auth/websso/';

describe('identity: OS-FEDERATION with SAML 2.0', () => {
  let cloud: TestCloud;
  let idpKeys: KeyPair;
  let otherKeys: KeyPair;
  let staffGroupId: string;
  let projectId: string;
  let spEntityId: string;
  let acsUrl: string;

  const authPath = (idp = 'idp1', protocol = 'saml2') => `${V3}/OS-FEDERATION/identity_providers/${idp}/protocols/${protocol}/auth`;

  function response(overrides: Partial<ResponseOptions> = {}): string {
    return buildResponse({
      issuer: IDP_ENTITY,
      audience: spEntityId,
      recipient: acsUrl,
      nameId: 'alice-42',
      attributes: { email: ['alice@idp.test'], role: ['staff', 'developer'] },
      signWith: idpKeys,
      ...overrides,
    });
  }

  function postSaml(xml: string, path = authPath(), query = '') {
    return cloud.request('POST', `${path}${query}`, {
      token: null,
      body: new URLSearchParams({ SAMLResponse: encode(xml) }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
  }

  before(async () => {
    cloud = await startCloud((config) => {
      config.identity.federation.trustedDashboards = [DASHBOARD];
    });
    idpKeys = makeKeyPair('idp.test');
    otherKeys = makeKeyPair('attacker.test');
    spEntityId = `${cloud.url}/identity/v3/OS-FEDERATION/saml2/sp/metadata`;
    acsUrl = `${cloud.url}${authPath()}`;

    const group = await cloud.request('POST', `${V3}/groups`, { body: { group: { name: 'fed-staff', domain_id: 'default' } } });
    assert.equal(group.status, 201, group.text);
    staffGroupId = group.body.group.id;
    const project = await cloud.request('POST', `${V3}/projects`, { body: { project: { name: 'fed-project', domain_id: 'default' } } });
    assert.equal(project.status, 201, project.text);
    projectId = project.body.project.id;
    const roles = await cloud.request('GET', `${V3}/roles?name=member`);
    const memberRoleId = roles.body.roles[0].id;
    const grant = await cloud.request('PUT', `${V3}/projects/${projectId}/groups/${staffGroupId}/roles/${memberRoleId}`);
    assert.equal(grant.status, 204, grant.text);

    const mapping = await cloud.request('PUT', `${V3}/OS-FEDERATION/mappings/map1`, {
      body: {
        mapping: {
          rules: [
            {
              local: [{ user: { name: '{0}', email: '{1}' } }, { group: { name: 'fed-staff', domain: { id: 'default' } } }],
              remote: [{ type: 'NameID' }, { type: 'email' }, { type: 'role', any_one_of: ['staff'] }],
            },
          ],
        },
      },
    });
    assert.equal(mapping.status, 201, mapping.text);
    const idp = await cloud.request('PUT', `${V3}/OS-FEDERATION/identity_providers/idp1`, {
      body: {
        identity_provider: {
          enabled: true,
          description: 'test IdP',
          remote_ids: [IDP_ENTITY],
          saml_certificates: [idpKeys.cert],
          saml_sso_url: 'https://idp.test/sso',
        },
      },
    });
    assert.equal(idp.status, 201, idp.text);
    const protocol = await cloud.request('PUT', `${V3}/OS-FEDERATION/identity_providers/idp1/protocols/saml2`, { body: { protocol: { mapping_id: 'map1' } } });
    assert.equal(protocol.status, 201, protocol.text);
  });
  after(() => cloud.stop());

  describe('identity providers, protocols, mappings', () => {
    it('creates an IdP with its own domain, and shows, lists and updates it', async () => {
      const shown = await cloud.request('GET', `${V3}/OS-FEDERATION/identity_providers/idp1`);
      assert.equal(shown.status, 200);
      const idp = shown.body.identity_provider;
      assert.equal(idp.enabled, true);
      assert.deepEqual(idp.remote_ids, [IDP_ENTITY]);
      assert.match(idp.links.protocols, /\/identity_providers\/idp1\/protocols$/);
      const domain = await cloud.request('GET', `${V3}/domains/${idp.domain_id}`);
      assert.equal(domain.status, 200);
      assert.equal(domain.body.domain.name, 'idp1');

      const list = await cloud.request('GET', `${V3}/OS-FEDERATION/identity_providers?enabled=true`);
      assert.deepEqual(list.body.identity_providers.map((i: any) => i.id), ['idp1']);
      const patched = await cloud.request('PATCH', `${V3}/OS-FEDERATION/identity_providers/idp1`, { body: { identity_provider: { description: 'changed' } } });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.identity_provider.description, 'changed');
      const immutable = await cloud.request('PATCH', `${V3}/OS-FEDERATION/identity_providers/idp1`, { body: { identity_provider: { domain_id: 'default' } } });
      assert.equal(immutable.status, 400);
    });

    it('keeps remote ids unique across IdPs (409) and refuses bad input (400), unknown ids (404)', async () => {
      const clash = await cloud.request('PUT', `${V3}/OS-FEDERATION/identity_providers/idp-clash`, { body: { identity_provider: { remote_ids: [IDP_ENTITY] } } });
      assert.equal(clash.status, 409, clash.text);
      assert.match(clash.body.error.message, /Duplicate remote ID/);
      const again = await cloud.request('PUT', `${V3}/OS-FEDERATION/identity_providers/idp1`, { body: { identity_provider: {} } });
      assert.equal(again.status, 409);
      const badCert = await cloud.request('PUT', `${V3}/OS-FEDERATION/identity_providers/idp-bad`, { body: { identity_provider: { saml_certificates: ['not a cert'] } } });
      assert.equal(badCert.status, 400);
      const unknown = await cloud.request('PUT', `${V3}/OS-FEDERATION/identity_providers/idp-bad`, { body: { identity_provider: { colour: 'red' } } });
      assert.equal(unknown.status, 400);
      assert.equal((await cloud.request('GET', `${V3}/OS-FEDERATION/identity_providers/nope`)).status, 404);

      // A second IdP in an existing domain, then deleted with its protocols.
      const second = await cloud.request('PUT', `${V3}/OS-FEDERATION/identity_providers/idp2`, { body: { identity_provider: { domain_id: 'default', remote_ids: ['https://idp2.test'] } } });
      assert.equal(second.status, 201, second.text);
      assert.equal(second.body.identity_provider.enabled, false);
      assert.equal(second.body.identity_provider.domain_id, 'default');
      assert.equal((await cloud.request('PUT', `${V3}/OS-FEDERATION/identity_providers/idp2/protocols/saml2`, { body: { protocol: { mapping_id: 'nope' } } })).status, 400);
      assert.equal((await cloud.request('PUT', `${V3}/OS-FEDERATION/identity_providers/idp2/protocols/saml2`, { body: { protocol: { mapping_id: 'map1' } } })).status, 201);
      assert.equal((await cloud.request('PUT', `${V3}/OS-FEDERATION/identity_providers/idp2/protocols/saml2`, { body: { protocol: { mapping_id: 'map1' } } })).status, 409);
      assert.equal((await cloud.request('DELETE', `${V3}/OS-FEDERATION/identity_providers/idp2`)).status, 204);
      assert.equal((await cloud.request('GET', `${V3}/OS-FEDERATION/identity_providers/idp2/protocols/saml2`)).status, 404);
      // Its remote id is free again.
      const reuse = await cloud.request('PUT', `${V3}/OS-FEDERATION/identity_providers/idp3`, { body: { identity_provider: { domain_id: 'default', remote_ids: ['https://idp2.test'] } } });
      assert.equal(reuse.status, 201, reuse.text);
      assert.equal((await cloud.request('DELETE', `${V3}/OS-FEDERATION/identity_providers/idp3`)).status, 204);
    });

    it('validates mapping rules against the mapping schema', async () => {
      const cases = [
        { rules: [] },
        { rules: [{ local: [{ user: { name: '{0}' } }] }] },
        { rules: [{ local: [{ user: { name: '{0}', colour: 'x' } }], remote: [{ type: 'a' }] }] },
        { rules: [{ local: [{ user: { name: '{0}', type: 'robot' } }], remote: [{ type: 'a' }] }] },
        { rules: [{ local: [{ group: { name: 'g' } }], remote: [{ type: 'a' }] }] },
        { rules: [{ local: [], remote: [{ type: 'a', any_one_of: ['x'], not_any_of: ['y'] }] }] },
        { rules: [{ local: [], remote: [{ type: 'a', whitelist: ['x'], regex: true }] }] },
        { rules: [{ local: [], remote: [] }] },
        {},
      ];
      for (const mapping of cases) {
        const res = await cloud.request('PUT', `${V3}/OS-FEDERATION/mappings/bad`, { body: { mapping } });
        assert.equal(res.status, 400, `${JSON.stringify(mapping)} -> ${res.text}`);
      }
      const good = await cloud.request('PUT', `${V3}/OS-FEDERATION/mappings/map-tmp`, {
        body: { mapping: { rules: [{ local: [{ groups: '{0}', domain: { name: 'Default' } }], remote: [{ type: 'g', whitelist: ['a'] }] }] } },
      });
      assert.equal(good.status, 201, good.text);
      assert.equal((await cloud.request('PUT', `${V3}/OS-FEDERATION/mappings/map-tmp`, { body: { mapping: { rules: good.body.mapping.rules } } })).status, 409);
      const patched = await cloud.request('PATCH', `${V3}/OS-FEDERATION/mappings/map-tmp`, { body: { mapping: { rules: [{ local: [], remote: [{ type: 'x' }] }] } } });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual(patched.body.mapping.rules, [{ local: [], remote: [{ type: 'x' }] }]);
      const list = await cloud.request('GET', `${V3}/OS-FEDERATION/mappings`);
      assert.deepEqual(list.body.mappings.map((m: any) => m.id), ['map-tmp', 'map1']);
      assert.equal((await cloud.request('DELETE', `${V3}/OS-FEDERATION/mappings/map-tmp`)).status, 204);
      assert.equal((await cloud.request('GET', `${V3}/OS-FEDERATION/mappings/map-tmp`)).status, 404);
    });

    it('is for admins only (a project member gets 403)', async () => {
      const user = await cloud.request('POST', `${V3}/users`, { body: { user: { name: 'fed-member', password: 'pw-member' } } });
      const roles = await cloud.request('GET', `${V3}/roles?name=member`);
      await cloud.request('PUT', `${V3}/projects/${projectId}/users/${user.body.user.id}/roles/${roles.body.roles[0].id}`);
      const token = await cloud.token({ id: user.body.user.id }, 'pw-member', { project: { id: projectId } });
      for (const [method, path] of [
        ['GET', `${V3}/OS-FEDERATION/identity_providers`],
        ['GET', `${V3}/OS-FEDERATION/mappings/map1`],
        ['GET', `${V3}/OS-FEDERATION/identity_providers/idp1/protocols`],
        ['DELETE', `${V3}/OS-FEDERATION/identity_providers/idp1`],
      ] as const) {
        assert.equal((await cloud.request(method, path, { token })).status, 403, `${method} ${path}`);
      }
    });

    it('serves the SP metadata with the entity id and every AssertionConsumerService', async () => {
      const res = await cloud.request('GET', `${V3}/OS-FEDERATION/saml2/sp/metadata`, { token: null });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /samlmetadata\+xml/);
      assert.ok(res.text.includes(`entityID="${spEntityId}"`), res.text);
      assert.ok(res.text.includes(`Location="${acsUrl}"`), res.text);
      assert.ok(res.text.includes(`Location="${cloud.url}${V3}/auth/OS-FEDERATION/identity_providers/idp1/protocols/saml2/websso"`));
    });
  });

  describe('SAML login', () => {
    it('issues an unscoped federated token whose groups give roles once rescoped', async () => {
      const res = await postSaml(response());
      assert.equal(res.status, 201, res.text);
      const unscoped = res.headers.get('x-subject-token')!;
      const token = res.body.token;
      assert.deepEqual(token.methods, ['saml2']);
      assert.equal(token.user.name, 'alice-42');
      assert.deepEqual(token.user['OS-FEDERATION'], { identity_provider: { id: 'idp1' }, protocol: { id: 'saml2' }, groups: [{ id: staffGroupId }] });
      assert.equal(token.roles, undefined);
      const idp = (await cloud.request('GET', `${V3}/OS-FEDERATION/identity_providers/idp1`)).body.identity_provider;
      assert.equal(token.user.domain.id, idp.domain_id);

      // what it may scope to: through the mapped group
      for (const path of [`${V3}/auth/projects`, `${V3}/OS-FEDERATION/projects`]) {
        const projects = await cloud.request('GET', path, { token: unscoped });
        assert.equal(projects.status, 200, projects.text);
        assert.deepEqual(projects.body.projects.map((p: any) => p.id), [projectId]);
      }

      const scoped = await cloud.request('POST', `${V3}/auth/tokens`, {
        token: null,
        body: { auth: { identity: { methods: ['token'], token: { id: unscoped } }, scope: { project: { id: projectId } } } },
      });
      assert.equal(scoped.status, 201, scoped.text);
      assert.deepEqual(scoped.body.token.roles.map((r: any) => r.name).sort(), ['member', 'reader']);
      assert.deepEqual(scoped.body.token.methods, ['token', 'saml2']);
      assert.deepEqual(scoped.body.token.user['OS-FEDERATION'].groups, [{ id: staffGroupId }]);
      // The scoped token works against the API as a member of the project.
      const scopedToken = scoped.headers.get('x-subject-token')!;
      const own = await cloud.request('GET', `${V3}/projects/${projectId}`, { token: scopedToken });
      assert.equal(own.status, 200, own.text);

      // The shadow user keeps its id across logins.
      const again = await postSaml(response());
      assert.equal(again.status, 201, again.text);
      assert.equal(again.body.token.user.id, token.user.id);
      const shadow = await cloud.request('GET', `${V3}/users/${token.user.id}`);
      assert.equal(shadow.status, 200);
      assert.equal(shadow.body.user.email, 'alice@idp.test');
    });

    it('refuses a login no rule maps', async () => {
      const res = await postSaml(response({ attributes: { email: ['bob@idp.test'], role: ['contractor'] } }));
      assert.equal(res.status, 400, res.text);
    });

    it('refuses with 401 a tampered Response (an attribute changed after signing)', async () => {
      const xml = response({ attributes: { email: ['mallory@idp.test'], role: ['staff'] } });
      const tampered = xml.replace('mallory@idp.test', 'alice@idp.test');
      assert.notEqual(tampered, xml);
      assert.equal((await postSaml(tampered)).status, 401);
    });

    it('refuses with 401 an expired Response', async () => {
      const res = await postSaml(response({ now: Date.now() - 3_600_000, validForMs: 5 * 60_000 }));
      assert.equal(res.status, 401, res.text);
    });

    it('refuses with 401 a replayed Response', async () => {
      const xml = response();
      assert.equal((await postSaml(xml)).status, 201);
      assert.equal((await postSaml(xml)).status, 401);
    });

    it('refuses with 401 a Response for another audience', async () => {
      assert.equal((await postSaml(response({ audience: 'https://other-sp.test/metadata' }))).status, 401);
    });

    it('refuses with 401 a Response for another recipient', async () => {
      assert.equal((await postSaml(response({ recipient: 'https://other-sp.test/acs' }))).status, 401);
    });

    it('refuses with 401 an unsigned Response', async () => {
      assert.equal((await postSaml(response({ signWith: undefined }))).status, 401);
    });

    it('refuses with 401 a Response signed by another key', async () => {
      assert.equal((await postSaml(response({ signWith: otherKeys }))).status, 401);
    });

    it('refuses with 401 a request without a SAMLResponse; 404 for an unknown IdP or protocol', async () => {
      const none = await cloud.request('POST', authPath(), { token: null, body: '', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      assert.equal(none.status, 401);
      assert.equal((await postSaml(response(), authPath('nope'))).status, 404);
      assert.equal((await postSaml(response(), authPath('idp1', 'openid'))).status, 404);
    });
  });

  describe('WebSSO', () => {
    const webssoPath = `${V3}/auth/OS-FEDERATION/identity_providers/idp1/protocols/saml2/websso`;

    it('redirects the browser to the IdP with an AuthnRequest, for a trusted dashboard only', async () => {
      const res = await fetch(`${cloud.url}${webssoPath}?origin=${encodeURIComponent(DASHBOARD)}`, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const location = new URL(res.headers.get('location')!);
      assert.equal(`${location.origin}${location.pathname}`, 'https://idp.test/sso');
      assert.ok(location.searchParams.get('SAMLRequest'));
      assert.equal(location.searchParams.get('RelayState'), DASHBOARD);
      const untrusted = await fetch(`${cloud.url}${webssoPath}?origin=${encodeURIComponent('https://evil.test/')}`, { redirect: 'manual' });
      assert.equal(untrusted.status, 401);
      const generic = await fetch(`${cloud.url}${V3}/auth/OS-FEDERATION/websso/saml2?origin=${encodeURIComponent(DASHBOARD)}`, { redirect: 'manual' });
      assert.equal(generic.status, 302);
    });

    it('answers a Response with a form posting the token to the dashboard', async () => {
      const xml = response({ recipient: `${cloud.url}${webssoPath}` });
      const res = await postSaml(xml, webssoPath, `?origin=${encodeURIComponent(DASHBOARD)}`);
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.ok(res.text.includes(`action="${DASHBOARD}"`), res.text);
      const token = /name="token" id="token" value="([^"]+)"/.exec(res.text)?.[1];
      assert.ok(token);
      const check = await cloud.request('GET', `${V3}/auth/tokens`, { headers: { 'X-Subject-Token': token } });
      assert.equal(check.status, 200, check.text);
      assert.deepEqual(check.body.token.methods, ['saml2']);

      // The IdP-less endpoint finds the IdP by the assertion's Issuer.
      const genericPath = `${V3}/auth/OS-FEDERATION/websso/saml2`;
      const generic = await postSaml(response({ recipient: `${cloud.url}${genericPath}` }), genericPath, `?origin=${encodeURIComponent(DASHBOARD)}`);
      assert.equal(generic.status, 200, generic.text);
      // A Response addressed to the API endpoint is refused here.
      assert.equal((await postSaml(response(), webssoPath, `?origin=${encodeURIComponent(DASHBOARD)}`)).status, 401);
    });
  });

  describe('IdP lifecycle and federated tokens', () => {
    it('disabling the IdP refuses logins and revokes its users\' tokens', async () => {
      const login = await postSaml(response());
      assert.equal(login.status, 201);
      const token = login.headers.get('x-subject-token')!;
      assert.equal((await cloud.request('PATCH', `${V3}/OS-FEDERATION/identity_providers/idp1`, { body: { identity_provider: { enabled: false } } })).status, 200);
      assert.equal((await postSaml(response())).status, 403);
      assert.equal((await cloud.request('GET', `${V3}/auth/tokens`, { headers: { 'X-Subject-Token': token } })).status, 404);
      assert.equal((await cloud.request('PATCH', `${V3}/OS-FEDERATION/identity_providers/idp1`, { body: { identity_provider: { enabled: true } } })).status, 200);
      // Revocation events cover tokens issued up to their second (token timestamps are whole seconds).
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal((await postSaml(response())).status, 201);
    });
  });
});
