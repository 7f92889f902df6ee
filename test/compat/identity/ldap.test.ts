// A domain whose users and groups live in a real OpenLDAP slapd (scripts/slapd.sh),
// next to the default domain on the embedded store.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import type { LdapOptions } from '../../../src/identity/backends/ldap/config.ts';
import { publicIdOf } from '../../../src/identity/backends/id-mapping.ts';

const execFileAsync = promisify(execFile);
const SLAPD = join(import.meta.dirname, '../../../scripts/slapd.sh');
const STATE_DIR = process.env.STACKGATE_SLAPD_DIR ?? '/tmp/stackgate-slapd';
const PORT = Number(process.env.STACKGATE_SLAPD_PORT ?? 3890);
const URL = `ldap://127.0.0.1:${PORT}`;

function ldapOptions(extra: Partial<LdapOptions> = {}): LdapOptions {
  return {
    url: URL,
    user: 'cn=admin,dc=stackgate,dc=test',
    password: 'admin-secret',
    suffix: 'dc=stackgate,dc=test',
    user_tree_dn: 'ou=Users,dc=stackgate,dc=test',
    group_tree_dn: 'ou=Groups,dc=stackgate,dc=test',
    user_objectclass: 'inetOrgPerson',
    user_id_attribute: 'uid',
    user_name_attribute: 'uid',
    user_mail_attribute: 'mail',
    user_enabled_attribute: 'userAccountControl',
    user_enabled_mask: 2,
    user_enabled_default: 512,
    group_objectclass: 'groupOfNames',
    group_id_attribute: 'cn',
    group_name_attribute: 'cn',
    group_desc_attribute: 'description',
    group_member_attribute: 'member',
    page_size: 2,
    pool_size: 3,
    connection_timeout: 1,
    operation_timeout: 1.5,
    ...extra,
  };
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

function slapd(action: 'start' | 'stop'): void {
  execFileSync(SLAPD, [action], { stdio: 'ignore', env: { ...process.env, STACKGATE_SLAPD_DIR: STATE_DIR, STACKGATE_SLAPD_PORT: String(PORT) } });
}

function slapdPid(): number {
  return Number(execFileSync('cat', [join(STATE_DIR, 'slapd.pid')]).toString().trim());
}

function passwordAuth(name: string, password: string, domain: string, scope?: unknown) {
  return { auth: { identity: { methods: ['password'], password: { user: { name, password, domain: { name: domain } } } }, ...(scope ? { scope } : {}) } };
}

describe('LDAP identity backend (real slapd)', () => {
  let cloud: TestCloud;
  let dataDir: string;
  let domainId: string;
  let projectId: string;
  let memberRoleId: string;

  const startWith = (dir: string) =>
    startCloud((config) => {
      config.dataDir = dir;
      config.identity.domains = { ldapdomain: { driver: 'ldap', ldap: ldapOptions() } };
    });

  before(async () => {
    if (!(await reachable(PORT))) {
      throw new Error(`no LDAP directory on 127.0.0.1:${PORT}: run \`scripts/slapd.sh start\` first (needs the Debian slapd and ldap-utils packages)`);
    }
    dataDir = mkdtempSync(join(tmpdir(), 'stackgate-ldap-test-'));
    cloud = await startWith(dataDir);
    const domains = await cloud.request('GET', '/identity/v3/domains?name=ldapdomain');
    assert.equal(domains.body.domains.length, 1, 'the configured domain is created at start');
    domainId = domains.body.domains[0].id;
    const project = await cloud.request('POST', '/identity/v3/projects', { body: { project: { name: 'ldap-project', domain_id: 'default' } } });
    projectId = project.body.project.id;
    const roles = await cloud.request('GET', '/identity/v3/roles?name=member');
    memberRoleId = roles.body.roles[0].id;
  });

  after(async () => {
    await cloud?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('lists and shows the directory users of the domain, with stable sha256 public ids', async () => {
    const res = await cloud.request('GET', `/identity/v3/users?domain_id=${domainId}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.users.map((u: any) => u.name), ['alice', 'bob', 'carol']);
    const alice = res.body.users[0];
    assert.equal(alice.id, publicIdOf(domainId, 'user', 'alice'));
    assert.match(alice.id, /^[0-9a-f]{64}$/);
    assert.equal(alice.domain_id, domainId);
    assert.equal(alice.email, 'alice@stackgate.test');
    assert.equal(alice.enabled, true);
    assert.equal(res.body.users[1].enabled, false, 'bob has the disabled bit of userAccountControl');

    const byName = await cloud.request('GET', `/identity/v3/users?domain_id=${domainId}&name=carol`);
    assert.deepEqual(byName.body.users.map((u: any) => u.name), ['carol']);
    const none = await cloud.request('GET', `/identity/v3/users?domain_id=${domainId}&name=nobody`);
    assert.deepEqual(none.body.users, []);

    const shown = await cloud.request('GET', `/identity/v3/users/${alice.id}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.user.name, 'alice');

    const defaults = await cloud.request('GET', '/identity/v3/users?domain_id=default');
    assert.ok(defaults.body.users.some((u: any) => u.name === 'admin'));
    assert.ok(!defaults.body.users.some((u: any) => u.domain_id === domainId));
  });

  test('lists groups, their members, and a user\'s groups from the directory', async () => {
    const groups = await cloud.request('GET', `/identity/v3/groups?domain_id=${domainId}`);
    assert.equal(groups.status, 200);
    assert.deepEqual(groups.body.groups.map((g: any) => g.name), ['admins', 'developers']);
    const developers = groups.body.groups.find((g: any) => g.name === 'developers');
    assert.equal(developers.id, publicIdOf(domainId, 'group', 'developers'));
    assert.equal(developers.description, 'People who write the code');

    const members = await cloud.request('GET', `/identity/v3/groups/${developers.id}/users`);
    assert.equal(members.status, 200);
    assert.deepEqual(members.body.users.map((u: any) => u.name), ['alice', 'carol']);

    const carolId = publicIdOf(domainId, 'user', 'carol');
    const carolGroups = await cloud.request('GET', `/identity/v3/users/${carolId}/groups`);
    assert.deepEqual(carolGroups.body.groups.map((g: any) => g.name), ['admins', 'developers']);

    const check = await cloud.request('HEAD', `/identity/v3/groups/${developers.id}/users/${publicIdOf(domainId, 'user', 'alice')}`);
    assert.equal(check.status, 204);
    const notMember = await cloud.request('HEAD', `/identity/v3/groups/${developers.id}/users/${publicIdOf(domainId, 'user', 'bob')}`);
    assert.equal(notMember.status, 404);
  });

  test('a directory user gets a token by binding with their password; wrong password and disabled user get 401', async () => {
    const ok = await cloud.request('POST', '/identity/v3/auth/tokens', { token: null, body: passwordAuth('alice', 'alice-secret', 'ldapdomain') });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.token.user.id, publicIdOf(domainId, 'user', 'alice'));
    assert.equal(ok.body.token.user.domain.name, 'ldapdomain');
    const token = ok.headers.get('x-subject-token')!;
    const validated = await cloud.request('GET', '/identity/v3/auth/tokens', { headers: { 'X-Subject-Token': token } });
    assert.equal(validated.status, 200);

    const wrong = await cloud.request('POST', '/identity/v3/auth/tokens', { token: null, body: passwordAuth('alice', 'not-her-password', 'ldapdomain') });
    assert.equal(wrong.status, 401);
    const empty = await cloud.request('POST', '/identity/v3/auth/tokens', { token: null, body: passwordAuth('alice', '', 'ldapdomain') });
    assert.equal(empty.status, 401, 'an empty password must not become an anonymous bind');
    const bob = await cloud.request('POST', '/identity/v3/auth/tokens', { token: null, body: passwordAuth('bob', 'bob-secret', 'ldapdomain') });
    assert.equal(bob.status, 401, 'bob is disabled in the directory');
    const stranger = await cloud.request('POST', '/identity/v3/auth/tokens', { token: null, body: passwordAuth('mallory', 'x', 'ldapdomain') });
    assert.equal(stranger.status, 401);
  });

  test('a role granted to a directory group reaches its members in project-scoped tokens and effective assignments', async () => {
    const developersId = publicIdOf(domainId, 'group', 'developers');
    const grant = await cloud.request('PUT', `/identity/v3/projects/${projectId}/groups/${developersId}/roles/${memberRoleId}`);
    assert.equal(grant.status, 204, grant.text);

    const scope = { project: { id: projectId } };
    const carol = await cloud.request('POST', '/identity/v3/auth/tokens', { token: null, body: passwordAuth('carol', 'carol-secret', 'ldapdomain', scope) });
    assert.equal(carol.status, 201, carol.text);
    assert.deepEqual(carol.body.token.roles.map((r: any) => r.name).sort(), ['member', 'reader']);
    assert.equal(carol.body.token.project.id, projectId);

    const effective = await cloud.request('GET', `/identity/v3/role_assignments?effective&scope.project.id=${projectId}&role.id=${memberRoleId}`);
    assert.equal(effective.status, 200);
    const users = effective.body.role_assignments.filter((a: any) => a.user).map((a: any) => a.user.id).sort();
    assert.deepEqual(users, [publicIdOf(domainId, 'user', 'alice'), publicIdOf(domainId, 'user', 'carol')].sort());

    const forAlice = await cloud.request('GET', `/identity/v3/role_assignments?effective&user.id=${publicIdOf(domainId, 'user', 'alice')}`);
    assert.ok(forAlice.body.role_assignments.some((a: any) => a.scope.project?.id === projectId && a.links.membership));

    const bobScoped = await cloud.request('POST', '/identity/v3/auth/tokens', { token: null, body: passwordAuth('bob', 'bob-secret', 'ldapdomain', scope) });
    assert.equal(bobScoped.status, 401);
  });

  test('writes to the directory domain are refused with 403, as Keystone\'s read-only LDAP', async () => {
    const create = await cloud.request('POST', '/identity/v3/users', { body: { user: { name: 'dave', domain_id: domainId, password: 'x' } } });
    assert.equal(create.status, 403);
    assert.equal(create.body.error.message, 'LDAP does not support write operations');
    const aliceId = publicIdOf(domainId, 'user', 'alice');
    assert.equal((await cloud.request('PATCH', `/identity/v3/users/${aliceId}`, { body: { user: { enabled: false } } })).status, 403);
    assert.equal((await cloud.request('DELETE', `/identity/v3/users/${aliceId}`)).status, 403);
    assert.equal((await cloud.request('POST', '/identity/v3/groups', { body: { group: { name: 'ops', domain_id: domainId } } })).status, 403);
    const developersId = publicIdOf(domainId, 'group', 'developers');
    assert.equal((await cloud.request('PUT', `/identity/v3/groups/${developersId}/users/${publicIdOf(domainId, 'user', 'bob')}`)).status, 403);
    assert.equal((await cloud.request('DELETE', `/identity/v3/groups/${developersId}`)).status, 403);
    const stillThere = await cloud.request('GET', `/identity/v3/users/${aliceId}`);
    assert.equal(stillThere.body.user.enabled, true);
  });

  test('a slow directory, then a down one: 503 for that domain only, within the timeouts; recovery without restart', async () => {
    const aliceId = publicIdOf(domainId, 'user', 'alice');
    const pid = slapdPid();
    // Frozen: connections are accepted by the kernel but nothing answers.
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const slow = await cloud.request('GET', `/identity/v3/users?domain_id=${domainId}`);
      const took = Date.now() - started;
      assert.equal(slow.status, 503, slow.text);
      assert.equal(slow.body.error.code, 503);
      assert.equal(slow.body.error.title, 'Service Unavailable');
      assert.match(slow.body.error.message, /LDAP Server/);
      assert.ok(took < 8000, `answered in ${took} ms`);
      const defaults = await cloud.request('GET', '/identity/v3/users?domain_id=default');
      assert.equal(defaults.status, 200, 'the default domain keeps working');
    } finally {
      process.kill(pid, 'SIGCONT');
    }

    slapd('stop');
    try {
      const started = Date.now();
      const down = await cloud.request('GET', `/identity/v3/users/${aliceId}`);
      assert.equal(down.status, 503, down.text);
      const auth = await cloud.request('POST', '/identity/v3/auth/tokens', { token: null, body: passwordAuth('alice', 'alice-secret', 'ldapdomain') });
      assert.equal(auth.status, 503);
      assert.ok(Date.now() - started < 8000);
      assert.equal((await cloud.request('GET', '/identity/v3/users?domain_id=default')).status, 200);
      assert.equal((await cloud.request('GET', '/identity/v3/projects')).status, 200);
    } finally {
      slapd('start');
    }
    const back = await cloud.request('GET', `/identity/v3/users/${aliceId}`);
    assert.equal(back.status, 200, back.text);
    const token = await cloud.request('POST', '/identity/v3/auth/tokens', { token: null, body: passwordAuth('alice', 'alice-secret', 'ldapdomain') });
    assert.equal(token.status, 201);
  });

  test('public ids and the grants stored against them survive a restart of stackgate', async () => {
    const carolId = publicIdOf(domainId, 'user', 'carol');
    await cloud.stop();
    cloud = await startWith(dataDir);
    const domains = await cloud.request('GET', '/identity/v3/domains?name=ldapdomain');
    assert.equal(domains.body.domains[0].id, domainId, 'the domain is not created twice');
    const users = await cloud.request('GET', `/identity/v3/users?domain_id=${domainId}&name=carol`);
    assert.equal(users.body.users[0].id, carolId);
    const carol = await cloud.request('POST', '/identity/v3/auth/tokens', {
      token: null,
      body: passwordAuth('carol', 'carol-secret', 'ldapdomain', { project: { id: projectId } }),
    });
    assert.equal(carol.status, 201, carol.text);
    assert.ok(carol.body.token.roles.some((r: any) => r.name === 'member'));
  });
});

describe('LDAP identity backend over StartTLS', () => {
  let cloud: TestCloud;

  before(async () => {
    if (!(await reachable(PORT))) throw new Error(`no LDAP directory on 127.0.0.1:${PORT}: run \`scripts/slapd.sh start\` first`);
    cloud = await startCloud((config) => {
      config.identity.domains = {
        tlsdomain: { driver: 'ldap', ldap: ldapOptions({ use_tls: true, tls_cacertfile: join(STATE_DIR, 'tls', 'ca.pem') }) },
        untrusted: { driver: 'ldap', ldap: ldapOptions({ use_tls: true }) },
      };
    });
  });

  after(async () => cloud?.stop());

  test('binds and authenticates over StartTLS with the script\'s CA', async () => {
    const users = await cloud.request('GET', '/identity/v3/users?domain_id=' + (await cloud.request('GET', '/identity/v3/domains?name=tlsdomain')).body.domains[0].id);
    assert.equal(users.status, 200, users.text);
    assert.equal(users.body.users.length, 3);
    const token = await cloud.request('POST', '/identity/v3/auth/tokens', { token: null, body: passwordAuth('alice', 'alice-secret', 'tlsdomain') });
    assert.equal(token.status, 201, token.text);
  });

  test('refuses a directory whose certificate it cannot verify', async () => {
    const domain = (await cloud.request('GET', '/identity/v3/domains?name=untrusted')).body.domains[0];
    const users = await cloud.request('GET', `/identity/v3/users?domain_id=${domain.id}`);
    assert.equal(users.status, 503);
  });
});

// The check, with the real client: the openstack CLI against a domain read from slapd.
describe('LDAP domain through the openstack CLI (real slapd)', () => {
  let cloud: TestCloud;
  // Asynchronous: the server runs in this process, so a blocking exec would starve it.
  const osc = async (args: string[], user = 'admin', password = 'test-admin-secret', userDomain = 'Default') =>
    (await execFileAsync('/usr/bin/openstack', [
      '--os-auth-url', `${cloud.url}/identity/v3`, '--os-identity-api-version', '3',
      '--os-username', user, '--os-password', password, '--os-user-domain-name', userDomain,
      '--os-project-name', user === 'admin' ? 'admin' : 'cli-ldap-project', '--os-project-domain-name', 'Default',
      ...args,
    ], { encoding: 'utf8', env: { ...process.env, OS_CLOUD: '', OS_CLIENT_CONFIG_FILE: '/dev/null' } })).stdout;

  before(async () => {
    if (!(await reachable(PORT))) throw new Error(`no LDAP directory on 127.0.0.1:${PORT}: run \`scripts/slapd.sh start\` first`);
    cloud = await startCloud((config) => {
      config.identity.domains = { ldapdomain: { driver: 'ldap', ldap: ldapOptions() } };
    });
  });
  after(async () => cloud?.stop());

  test('user list --domain, group role add, token issue as a directory user, a disabled one refused', async () => {
    const users = JSON.parse(await osc(['user', 'list', '--domain', 'ldapdomain', '-f', 'json'])) as Array<{ Name: string }>;
    assert.deepEqual(users.map((u) => u.Name).sort(), ['alice', 'bob', 'carol']);
    await osc(['project', 'create', '--domain', 'Default', 'cli-ldap-project']);
    await osc(['role', 'add', '--group', 'developers', '--group-domain', 'ldapdomain', '--project', 'cli-ldap-project', '--project-domain', 'Default', 'member']);
    const token = JSON.parse(await osc(['token', 'issue', '-f', 'json'], 'alice', 'alice-secret', 'ldapdomain')) as { project_id: string; user_id: string };
    assert.match(token.user_id, /^[0-9a-f]{64}$/);
    await assert.rejects(osc(['token', 'issue', '-f', 'json'], 'bob', 'bob-secret', 'ldapdomain'), /401|authenticate|Unauthorized/i);
  });
});
