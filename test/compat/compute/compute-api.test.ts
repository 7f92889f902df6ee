import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { hashPassword } from '../../../src/identity/passwords.ts';
import { hexId } from '../../../src/platform/ids.ts';

describe('compute API (nova): versions, flavors, keypairs, quotas, hosts', () => {
  let cloud: TestCloud;
  let memberToken: string;
  let memberProject: string;
  let otherToken: string;
  let otherProject: string;
  const r = (method: string, path: string, version = '2.1', body?: unknown, token?: string) =>
    cloud.request(method, `/compute/v2.1${path}`, { body, token, headers: { 'OpenStack-API-Version': `compute ${version}` } });

  const newMember = async (name: string) => {
    const db = cloud.runtime.identity.db;
    const project = await db.projects.insert({ id: hexId(), name: `p-${name}`, domain_id: 'default', parent_id: 'default', is_domain: false, enabled: true, description: '', tags: [], options: {}, extra: {} });
    const member = (await db.roles.findOne({ name: 'member', domain_id: null }))!;
    const userId = hexId();
    await db.users.insert({ id: userId, name: `u-${name}`, domain_id: 'default', enabled: true, default_project_id: null, password_hash: await hashPassword(`pw-${name}`), password_created_at: 0, password_expires_at: null, options: {}, extra: {}, failed_auth_count: 0, failed_auth_at: null, created_at: 0, last_active_at: null });
    await db.assignments.insert({ id: hexId(), actor_type: 'user', actor_id: userId, target_type: 'project', target_id: project.id, role_id: member.id, inherited: false });
    await cloud.runtime.identity.changed();
    return { project: project.id, token: await cloud.token({ id: userId }, `pw-${name}`, { project: { id: project.id } }) };
  };

  before(async () => {
    cloud = await startCloud();
    ({ project: memberProject, token: memberToken } = await newMember('compute-a'));
    ({ project: otherProject, token: otherToken } = await newMember('compute-b'));
  });
  after(() => cloud.stop());

  describe('versions and microversions', () => {
    it('lists v2.0 and v2.1 at the root without a token', async () => {
      const res = await cloud.request('GET', '/compute/', { token: null });
      assert.equal(res.status, 200);
      const [v20, v21] = res.body.versions;
      assert.equal(v20.id, 'v2.0');
      assert.equal(v20.status, 'SUPPORTED');
      assert.deepEqual([v21.id, v21.status, v21.min_version, v21.version], ['v2.1', 'CURRENT', '2.1', '2.100']);
      assert.match(v21.links[0].href, /\/compute\/v2\.1\/$/);
      const doc = await cloud.request('GET', '/compute/v2.1/', { token: null });
      assert.equal(doc.status, 200);
      assert.equal(doc.body.version.id, 'v2.1');
      assert.equal(doc.body.version['media-types'][0].type, 'application/vnd.openstack.compute+json;version=2.1');
    });

    it('negotiates the microversion from either header and echoes it', async () => {
      const plain = await r('GET', '/flavors');
      assert.equal(plain.headers.get('openstack-api-version'), 'compute 2.1');
      assert.equal(plain.headers.get('x-openstack-nova-api-version'), '2.1');
      assert.match(plain.headers.get('vary') ?? '', /OpenStack-API-Version/);
      assert.ok(plain.headers.get('x-compute-request-id'));
      const latest = await r('GET', '/flavors', 'latest');
      assert.equal(latest.headers.get('openstack-api-version'), 'compute 2.100');
      const legacy = await cloud.request('GET', '/compute/v2.1/flavors', { headers: { 'X-OpenStack-Nova-API-Version': '2.60' } });
      assert.equal(legacy.headers.get('openstack-api-version'), 'compute 2.60');
    });

    it('refuses versions out of range (406) and malformed ones (400) with Nova fault bodies', async () => {
      const high = await r('GET', '/flavors', '2.101');
      assert.equal(high.status, 406);
      assert.equal(high.body.computeFault.code, 406);
      const low = await r('GET', '/flavors', '2.0');
      assert.equal(low.status, 406);
      const bad = await r('GET', '/flavors', 'two');
      assert.equal(bad.status, 400);
      assert.equal(bad.body.badRequest.code, 400);
    });

    it('answers 401 without a token and 404 as itemNotFound', async () => {
      const anon = await cloud.request('GET', '/compute/v2.1/flavors', { token: null });
      assert.equal(anon.status, 401);
      assert.ok(anon.headers.get('www-authenticate'));
      const missing = await r('GET', '/flavors/nope');
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, { itemNotFound: { code: 404, message: 'Flavor nope could not be found.' } });
    });
  });

  describe('flavors', () => {
    it('creates flavors as admin and renders them per microversion', async () => {
      for (const [name, ram, vcpus, disk] of [['f.small', 512, 1, 1], ['f.medium', 2048, 2, 20], ['f.large', 8192, 4, 80]] as const) {
        const res = await r('POST', '/flavors', '2.1', { flavor: { name, ram, vcpus, disk, id: name } });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.flavor.swap, '');
        assert.equal(res.body.flavor['os-flavor-access:is_public'], true);
        assert.equal(res.body.flavor.description, undefined);
      }
      const shown = await r('GET', '/flavors/f.small', '2.75');
      assert.equal(shown.body.flavor.swap, 0);
      assert.equal(shown.body.flavor.description, null);
      assert.deepEqual(shown.body.flavor.extra_specs, {});
      assert.match(shown.body.flavor.links[0].href, /\/compute\/v2\.1\/flavors\/f\.small$/);
      assert.match(shown.body.flavor.links[1].href, /\/compute\/flavors\/f\.small$/);
    });

    it('refuses duplicates (409), bad input (400) and non-admins (403)', async () => {
      const dup = await r('POST', '/flavors', '2.1', { flavor: { name: 'f.small', ram: 1, vcpus: 1, disk: 0 } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.conflictingRequest.message, 'Flavor with name f.small already exists.');
      const dupId = await r('POST', '/flavors', '2.1', { flavor: { name: 'other', ram: 1, vcpus: 1, disk: 0, id: 'f.small' } });
      assert.equal(dupId.body.conflictingRequest.message, 'Flavor with ID f.small already exists.');
      for (const flavor of [{ name: 'x', ram: 0, vcpus: 1, disk: 0 }, { name: 'x', ram: 'abc', vcpus: 1, disk: 0 }, { name: ' x', ram: 1, vcpus: 1, disk: 0 }, { ram: 1, vcpus: 1, disk: 0 }, { name: 'x', ram: 1, vcpus: 1, disk: 0, bogus: 1 }]) {
        const res = await r('POST', '/flavors', '2.1', { flavor });
        assert.equal(res.status, 400, JSON.stringify(flavor));
        assert.equal(res.body.badRequest.code, 400);
      }
      const desc = await r('POST', '/flavors', '2.54', { flavor: { name: 'x', ram: 1, vcpus: 1, disk: 0, description: 'd' } });
      assert.equal(desc.status, 400);
      const member = await r('POST', '/flavors', '2.1', { flavor: { name: 'm', ram: 1, vcpus: 1, disk: 0 } }, memberToken);
      assert.equal(member.status, 403);
      assert.match(member.body.forbidden.message, /os_compute_api:os-flavor-manage:create/);
    });

    it('filters, sorts and pages with flavors_links', async () => {
      const big = await r('GET', '/flavors/detail?minRam=1024&minDisk=20');
      assert.deepEqual(big.body.flavors.map((f: any) => f.id), ['f.large', 'f.medium']);
      const byRam = await r('GET', '/flavors?sort_key=memory_mb&sort_dir=desc');
      assert.deepEqual(byRam.body.flavors.map((f: any) => f.id), ['f.large', 'f.medium', 'f.small']);
      assert.deepEqual(Object.keys(byRam.body.flavors[0]).sort(), ['id', 'links', 'name']);
      const page1 = await r('GET', '/flavors?limit=2');
      assert.equal(page1.body.flavors.length, 2);
      const next = new URL(page1.body.flavors_links[0].href);
      assert.equal(next.searchParams.get('marker'), 'f.medium');
      const page2 = await r('GET', `/flavors?limit=2&marker=${next.searchParams.get('marker')}`);
      assert.deepEqual(page2.body.flavors.map((f: any) => f.id), ['f.small']);
      assert.equal(page2.body.flavors_links, undefined);
      assert.equal((await r('GET', '/flavors?marker=nope')).status, 400);
      assert.equal((await r('GET', '/flavors?sort_key=bogus')).status, 400);
      assert.equal((await r('GET', '/flavors?limit=-1')).status, 400);
      assert.equal((await r('GET', '/flavors?minRam=abc')).status, 400);
    });

    it('updates the description from 2.55 and deletes (202)', async () => {
      const upd = await r('PUT', '/flavors/f.large', '2.55', { flavor: { description: 'big one' } });
      assert.equal(upd.status, 200, upd.text);
      assert.equal(upd.body.flavor.description, 'big one');
      assert.equal((await r('PUT', '/flavors/f.large', '2.54', { flavor: { description: 'x' } })).status, 404);
      const tmp = await r('POST', '/flavors', '2.1', { flavor: { name: 'tmp', ram: 64, vcpus: 1, disk: 0 } });
      assert.match(tmp.body.flavor.id, /^[0-9a-f-]{36}$/);
      assert.equal((await r('DELETE', `/flavors/${tmp.body.flavor.id}`)).status, 202);
      assert.equal((await r('GET', `/flavors/${tmp.body.flavor.id}`)).status, 404);
    });

    it('manages extra specs', async () => {
      const set = await r('POST', '/flavors/f.small/os-extra_specs', '2.1', { extra_specs: { 'hw:cpu_policy': 'dedicated', 'quota:disk_read_bytes_sec': 1000 } });
      assert.equal(set.status, 200, set.text);
      assert.deepEqual(set.body.extra_specs, { 'hw:cpu_policy': 'dedicated', 'quota:disk_read_bytes_sec': '1000' });
      assert.deepEqual((await r('GET', '/flavors/f.small/os-extra_specs/hw:cpu_policy')).body, { 'hw:cpu_policy': 'dedicated' });
      assert.equal((await r('PUT', '/flavors/f.small/os-extra_specs/hw:cpu_policy', '2.1', { 'hw:mem': '1' })).status, 400);
      assert.equal((await r('PUT', '/flavors/f.small/os-extra_specs/hw:cpu_policy', '2.1', { 'hw:cpu_policy': 'shared' })).status, 200);
      assert.equal((await r('DELETE', '/flavors/f.small/os-extra_specs/quota:disk_read_bytes_sec')).status, 200);
      const missing = await r('GET', '/flavors/f.small/os-extra_specs/quota:disk_read_bytes_sec');
      assert.equal(missing.status, 404);
      assert.deepEqual((await r('GET', '/flavors/f.small/os-extra_specs')).body.extra_specs, { 'hw:cpu_policy': 'shared' });
      assert.equal((await r('GET', '/flavors/f.small', '2.61')).body.flavor.extra_specs['hw:cpu_policy'], 'shared');
      assert.equal((await r('POST', '/flavors/f.small/os-extra_specs', '2.1', { extra_specs: { a: 'b' } }, memberToken)).status, 403);
    });

    it('keeps private flavors to the projects given access', async () => {
      const res = await r('POST', '/flavors', '2.1', { flavor: { name: 'private', ram: 128, vcpus: 1, disk: 1, id: 'priv', 'os-flavor-access:is_public': false } });
      assert.equal(res.status, 200, res.text);
      assert.equal((await r('GET', '/flavors/f.small/os-flavor-access')).status, 404);
      const memberIds = async (token: string) => (await r('GET', '/flavors', '2.1', undefined, token)).body.flavors.map((f: any) => f.id);
      assert.ok(!(await memberIds(memberToken)).includes('priv'));
      const add = await r('POST', '/flavors/priv/action', '2.1', { addTenantAccess: { tenant: memberProject } });
      assert.equal(add.status, 200, add.text);
      assert.deepEqual(add.body.flavor_access, [{ flavor_id: 'priv', tenant_id: memberProject }]);
      assert.equal((await r('POST', '/flavors/priv/action', '2.1', { addTenantAccess: { tenant: memberProject } })).status, 409);
      assert.ok((await memberIds(memberToken)).includes('priv'));
      assert.ok(!(await memberIds(otherToken)).includes('priv'));
      assert.ok(!(await r('GET', '/flavors')).body.flavors.some((f: any) => f.id === 'priv'));
      assert.ok((await r('GET', '/flavors?is_public=none')).body.flavors.some((f: any) => f.id === 'priv'));
      assert.deepEqual((await r('GET', '/flavors?is_public=false')).body.flavors.map((f: any) => f.id), ['priv']);
      assert.equal((await r('POST', '/flavors/priv/action', '2.1', { removeTenantAccess: { tenant: memberProject } }, memberToken)).status, 403);
      assert.equal((await r('POST', '/flavors/priv/action', '2.1', { removeTenantAccess: { tenant: memberProject } })).status, 200);
      assert.equal((await r('POST', '/flavors/priv/action', '2.1', { removeTenantAccess: { tenant: memberProject } })).status, 404);
      assert.equal((await r('POST', '/flavors/f.small/action', '2.1', { addTenantAccess: { tenant: memberProject } })).status, 409);
    });
  });

  describe('keypairs', () => {
    it('generates an RSA keypair that ssh-keygen accepts, with the private key once', async () => {
      const res = await r('POST', '/os-keypairs', '2.2', { keypair: { name: 'gen' } }, memberToken);
      assert.equal(res.status, 201, res.text);
      const kp = res.body.keypair;
      assert.equal(kp.type, 'ssh');
      assert.match(kp.public_key, /^ssh-rsa /);
      assert.match(kp.private_key, /BEGIN RSA PRIVATE KEY/);
      assert.match(kp.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
      const dir = mkdtempSync(join(tmpdir(), 'kp-'));
      const { writeFileSync, chmodSync } = await import('node:fs');
      writeFileSync(join(dir, 'id'), kp.private_key);
      chmodSync(join(dir, 'id'), 0o600);
      const derived = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'id')]).toString().trim().split(' ').slice(0, 2).join(' ');
      assert.equal(derived, kp.public_key.split(' ').slice(0, 2).join(' '));
      const md5 = execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', join(dir, 'id')]).toString();
      assert.ok(md5.includes(`MD5:${kp.fingerprint}`), md5);
      const shown = await r('GET', '/os-keypairs/gen', '2.2', undefined, memberToken);
      assert.equal(shown.status, 200);
      assert.equal(shown.body.keypair.private_key, undefined);
      assert.equal(typeof shown.body.keypair.id, 'number');
      assert.equal(shown.body.keypair.deleted, false);
    });

    it('imports a public key, validates it, and refuses duplicates', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kp-'));
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
      const pub = readFileSync(join(dir, 'k.pub'), 'utf8').trim();
      const res = await r('POST', '/os-keypairs', '2.1', { keypair: { name: 'imported', public_key: pub } }, memberToken);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.keypair.type, undefined);
      assert.equal(res.body.keypair.private_key, undefined);
      const fp = execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', join(dir, 'k.pub')]).toString();
      assert.ok(fp.includes(`MD5:${res.body.keypair.fingerprint}`));
      const dup = await r('POST', '/os-keypairs', '2.1', { keypair: { name: 'imported', public_key: pub } }, memberToken);
      assert.equal(dup.status, 409);
      assert.equal(dup.body.conflictingRequest.message, "Key pair 'imported' already exists.");
      const bad = await r('POST', '/os-keypairs', '2.1', { keypair: { name: 'bad', public_key: 'ssh-rsa not-a-key' } }, memberToken);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.badRequest.message, 'Keypair data is invalid: failed to generate fingerprint');
      assert.equal((await r('POST', '/os-keypairs', '2.1', { keypair: { name: 'bad/name', public_key: pub } }, memberToken)).status, 400);
      assert.equal((await r('POST', '/os-keypairs', '2.92', { keypair: { name: 'needs-key' } }, memberToken)).status, 400);
      assert.equal((await r('POST', '/os-keypairs', '2.1', { keypair: { name: 'x', type: 'ssh', public_key: pub } }, memberToken)).status, 400);
    });

    it('imports x509 certificates from 2.2', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'x509-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=stackgate', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1'], { stdio: 'ignore' });
      const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
      const res = await r('POST', '/os-keypairs', '2.2', { keypair: { name: 'cert', type: 'x509', public_key: cert } }, memberToken);
      assert.equal(res.status, 201, res.text);
      const sha1 = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha1', '-in', join(dir, 'c.pem')]).toString().split('=')[1].trim().toLowerCase();
      assert.equal(res.body.keypair.fingerprint, sha1);
    });

    it('lists per user with paging from 2.35, deletes 202/204, and keeps users apart', async () => {
      const list = await r('GET', '/os-keypairs', '2.2', undefined, memberToken);
      assert.deepEqual(list.body.keypairs.map((k: any) => k.keypair.name), ['cert', 'gen', 'imported']);
      assert.equal(list.body.keypairs[0].keypair.type, 'x509');
      const paged = await r('GET', '/os-keypairs?limit=1', '2.35', undefined, memberToken);
      assert.equal(paged.body.keypairs.length, 1);
      assert.match(paged.body.keypairs_links[0].href, /marker=cert/);
      assert.deepEqual((await r('GET', '/os-keypairs', '2.2', undefined, otherToken)).body.keypairs, []);
      assert.equal((await r('GET', '/os-keypairs/gen', '2.2', undefined, otherToken)).status, 404);
      const memberUser = (await r('GET', '/os-keypairs/gen', '2.2', undefined, memberToken)).body.keypair.user_id;
      assert.equal((await r('GET', `/os-keypairs?user_id=${memberUser}`, '2.10', undefined, otherToken)).status, 403);
      const asAdmin = await r('GET', `/os-keypairs?user_id=${memberUser}`, '2.10');
      assert.equal(asAdmin.body.keypairs.length, 3);
      const forUser = await r('POST', '/os-keypairs', '2.10', { keypair: { name: 'for-member', user_id: memberUser } });
      assert.equal(forUser.status, 201, forUser.text);
      assert.equal(forUser.body.keypair.user_id, memberUser);
      assert.equal((await r('DELETE', '/os-keypairs/for-member', '2.1', undefined, memberToken)).status, 202);
      assert.equal((await r('DELETE', '/os-keypairs/cert', '2.2', undefined, memberToken)).status, 204);
      assert.equal((await r('DELETE', '/os-keypairs/cert', '2.2', undefined, memberToken)).status, 404);
    });
  });

  describe('quotas and limits', () => {
    it('shows defaults per microversion and updates as admin only', async () => {
      const q21 = await r('GET', `/os-quota-sets/${memberProject}`, '2.1', undefined, memberToken);
      assert.equal(q21.status, 200, q21.text);
      assert.equal(q21.body.quota_set.id, memberProject);
      assert.equal(q21.body.quota_set.instances, 10);
      assert.equal(q21.body.quota_set.floating_ips, 10);
      const q257 = await r('GET', `/os-quota-sets/${memberProject}`, '2.57', undefined, memberToken);
      assert.equal(q257.body.quota_set.floating_ips, undefined);
      assert.equal(q257.body.quota_set.injected_files, undefined);
      assert.equal((await r('GET', `/os-quota-sets/${memberProject}`, '2.1', undefined, otherToken)).status, 403);
      assert.equal((await r('PUT', `/os-quota-sets/${memberProject}`, '2.1', { quota_set: { instances: 1 } }, memberToken)).status, 403);
      const upd = await r('PUT', `/os-quota-sets/${memberProject}`, '2.1', { quota_set: { instances: 1, cores: '4' } });
      assert.equal(upd.status, 200, upd.text);
      assert.equal(upd.body.quota_set.instances, 1);
      assert.equal(upd.body.quota_set.cores, 4);
      assert.equal(upd.body.quota_set.id, undefined);
      assert.equal((await r('PUT', `/os-quota-sets/${memberProject}`, '2.1', { quota_set: { bogus: 1 } })).status, 400);
      assert.equal((await r('PUT', `/os-quota-sets/${memberProject}`, '2.1', { quota_set: { instances: -2 } })).status, 400);
      assert.equal((await r('PUT', '/os-quota-sets/not-a-project', '2.1', { quota_set: { instances: 2 } })).status, 400);
      const detail = await r('GET', `/os-quota-sets/${memberProject}/detail`, '2.1', undefined, memberToken);
      assert.deepEqual(detail.body.quota_set.instances, { in_use: 0, limit: 1, reserved: 0 });
      const defaults = await r('GET', `/os-quota-sets/${memberProject}/defaults`, '2.1', undefined, memberToken);
      assert.equal(defaults.body.quota_set.instances, 10);
      assert.equal((await r('DELETE', `/os-quota-sets/${memberProject}`)).status, 202);
      assert.equal((await r('GET', `/os-quota-sets/${memberProject}`)).body.quota_set.instances, 10);
    });

    it('shows absolute limits with usage, shaped by microversion', async () => {
      const l21 = await r('GET', '/limits', '2.1', undefined, memberToken);
      assert.equal(l21.status, 200);
      assert.deepEqual(l21.body.limits.rate, []);
      const a = l21.body.limits.absolute;
      assert.equal(a.maxTotalInstances, 10);
      assert.equal(a.totalInstancesUsed, 0);
      assert.equal(a.maxTotalFloatingIps, 10);
      assert.equal(a.maxImageMeta, 128);
      const l257 = (await r('GET', '/limits', '2.57', undefined, memberToken)).body.limits.absolute;
      for (const gone of ['maxTotalFloatingIps', 'maxSecurityGroups', 'maxImageMeta', 'maxPersonality']) assert.equal(l257[gone], undefined, gone);
      assert.equal(l257.maxServerMeta, 128);
      assert.equal((await r('GET', `/limits?tenant_id=${memberProject}`, '2.1', undefined, otherToken)).status, 403);
      assert.equal((await r('GET', `/limits?tenant_id=${memberProject}`)).status, 200);
    });
  });

  describe('hosts', () => {
    it('lists the simulated hypervisors, integer ids before 2.53 and uuids after', async () => {
      const old = await r('GET', '/os-hypervisors/detail');
      assert.equal(old.status, 200, old.text);
      assert.equal(old.body.hypervisors.length, 2);
      const h = old.body.hypervisors[0];
      assert.equal(typeof h.id, 'number');
      assert.equal(h.hypervisor_hostname, 'compute-1');
      assert.equal(typeof h.cpu_info, 'string');
      assert.ok(h.vcpus > 0 && h.memory_mb > 0);
      const modern = await r('GET', '/os-hypervisors/detail', '2.53');
      assert.match(modern.body.hypervisors[0].id, /^[0-9a-f-]{36}$/);
      assert.match(modern.body.hypervisors[0].service.id, /^[0-9a-f-]{36}$/);
      const shown = await r('GET', `/os-hypervisors/${modern.body.hypervisors[0].id}`, '2.88');
      assert.equal(shown.status, 200);
      assert.equal(shown.body.hypervisor.vcpus, undefined);
      assert.equal((await r('GET', '/os-hypervisors/42', '2.53')).status, 400);
      assert.equal((await r('GET', '/os-hypervisors/42')).status, 404);
      assert.equal((await r('GET', '/os-hypervisors/statistics')).body.hypervisor_statistics.count, 2);
      const uptime = await r('GET', `/os-hypervisors/${h.id}/uptime`);
      assert.equal(uptime.status, 200, uptime.text);
      assert.match(uptime.body.hypervisor.uptime, / up \d+ days, /);
      assert.equal((await r('GET', `/os-hypervisors/${modern.body.hypervisors[0].id}/uptime`, '2.88')).status, 404);
      assert.equal((await r('GET', '/os-hypervisors', '2.1', undefined, memberToken)).status, 403);
    });

    it('hypervisors are Placement resource providers with inventories', async () => {
      const modern = await r('GET', '/os-hypervisors', '2.53');
      const rp = await cloud.request('GET', `/placement/resource_providers/${modern.body.hypervisors[0].id}/inventories`, { headers: { 'OpenStack-API-Version': 'placement 1.39' } });
      assert.equal(rp.status, 200, rp.text);
      assert.equal(rp.body.inventories.VCPU.allocation_ratio, 4);
      assert.ok(rp.body.inventories.MEMORY_MB.total > 0);
    });

    it('lists services and availability zones', async () => {
      const services = await r('GET', '/os-services', '2.11');
      assert.deepEqual(services.body.services.map((s: any) => s.binary).sort(), ['nova-compute', 'nova-compute', 'nova-conductor', 'nova-scheduler']);
      assert.equal(services.body.services[0].forced_down, false);
      const computes = await r('GET', '/os-services?binary=nova-compute&host=compute-2');
      assert.equal(computes.body.services.length, 1);
      assert.equal(computes.body.services[0].zone, 'nova');
      assert.equal((await r('GET', '/os-services', '2.1', undefined, memberToken)).status, 403);
      const az = await r('GET', '/os-availability-zone', '2.1', undefined, memberToken);
      assert.deepEqual(az.body.availabilityZoneInfo, [{ zoneName: 'nova', zoneState: { available: true }, hosts: null }]);
      assert.equal((await r('GET', '/os-availability-zone/detail', '2.1', undefined, memberToken)).status, 403);
      const detail = await r('GET', '/os-availability-zone/detail');
      const nova = detail.body.availabilityZoneInfo.find((z: any) => z.zoneName === 'nova');
      assert.equal(nova.hosts['compute-1']['nova-compute'].available, true);
      assert.ok(detail.body.availabilityZoneInfo.some((z: any) => z.zoneName === 'internal'));
    });
  });

  describe('aggregates', () => {
    it('groups hosts, and its availability_zone moves them into that zone', async () => {
      const created = await r('POST', '/os-aggregates', '2.41', { aggregate: { name: 'fast', availability_zone: 'az-fast' } });
      assert.equal(created.status, 200, created.text);
      const agg = created.body.aggregate;
      assert.equal(typeof agg.id, 'number');
      assert.match(agg.uuid, /^[0-9a-f-]{36}$/);
      assert.equal(agg.availability_zone, 'az-fast');
      assert.equal((await r('POST', '/os-aggregates', '2.1', { aggregate: { name: 'fast' } })).status, 409);
      assert.equal((await r('POST', '/os-aggregates', '2.1', { aggregate: { name: 'm' } }, memberToken)).status, 403);
      const added = await r('POST', `/os-aggregates/${agg.id}/action`, '2.1', { add_host: { host: 'compute-2' } });
      assert.equal(added.status, 200, added.text);
      assert.deepEqual(added.body.aggregate.hosts, ['compute-2']);
      assert.equal((await r('POST', `/os-aggregates/${agg.id}/action`, '2.1', { add_host: { host: 'compute-2' } })).status, 409);
      assert.equal((await r('POST', `/os-aggregates/${agg.id}/action`, '2.1', { add_host: { host: 'nowhere' } })).status, 404);
      const md = await r('POST', `/os-aggregates/${agg.id}/action`, '2.1', { set_metadata: { metadata: { ssd: 'true' } } });
      assert.deepEqual(md.body.aggregate.metadata, { availability_zone: 'az-fast', ssd: 'true' });
      const zones = (await r('GET', '/os-availability-zone', '2.1', undefined, memberToken)).body.availabilityZoneInfo.map((z: any) => z.zoneName);
      assert.deepEqual(zones, ['az-fast', 'nova']);
      const svc = (await r('GET', '/os-services?host=compute-2&binary=nova-compute')).body.services[0];
      assert.equal(svc.zone, 'az-fast');
      assert.equal((await r('DELETE', `/os-aggregates/${agg.id}`)).status, 400);
      assert.equal((await r('POST', `/os-aggregates/${agg.id}/action`, '2.1', { remove_host: { host: 'compute-2' } })).status, 200);
      assert.equal((await r('POST', `/os-aggregates/${agg.id}/action`, '2.1', { remove_host: { host: 'compute-2' } })).status, 404);
      const renamed = await r('PUT', `/os-aggregates/${agg.id}`, '2.1', { aggregate: { name: 'faster' } });
      assert.equal(renamed.body.aggregate.name, 'faster');
      assert.equal((await r('GET', '/os-aggregates')).body.aggregates.length, 1);
      assert.equal((await r('DELETE', `/os-aggregates/${agg.id}`)).status, 200);
      assert.equal((await r('GET', `/os-aggregates/${agg.id}`)).status, 404);
    });
  });

  it('answers malformed bodies with Nova 400s, never a 500', async () => {
    const bodies: unknown[] = [null, [], 'x', 5, {}, { flavor: null }, { flavor: [] }, { keypair: { name: 5 } }, { keypair: { name: 'a', public_key: 'ssh-rsa AAAA' } },
      { keypair: { name: 'a', public_key: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC' } }, { quota_set: [] }, { quota_set: { instances: null } }, { extra_specs: [] },
      { extra_specs: { k: { nested: 1 } } }, { addTenantAccess: null }, { removeTenantAccess: { tenant: 5 } }, { flavor: { name: 'z', ram: 1e20, vcpus: 1, disk: 0 } }];
    const targets: Array<[string, string, string]> = [
      ['POST', '/flavors', '2.1'], ['PUT', '/flavors/f.small', '2.55'], ['POST', '/flavors/f.small/os-extra_specs', '2.1'],
      ['PUT', '/flavors/f.small/os-extra_specs/k', '2.1'], ['POST', '/flavors/priv/action', '2.1'], ['POST', '/os-keypairs', '2.10'],
      ['PUT', `/os-quota-sets/${otherProject}`, '2.1'],
    ];
    for (const [method, path, version] of targets) {
      for (const body of bodies) {
        const res = await cloud.request(method, `/compute/v2.1${path}`, { body, headers: { 'OpenStack-API-Version': `compute ${version}` }, unchecked: true });
        assert.ok(res.status < 500, `${method} ${path} ${JSON.stringify(body)} -> ${res.status} ${res.text}`);
        if (res.status >= 400) assert.equal(Object.values(res.body as Record<string, { code: number }>)[0].code, res.status);
      }
    }
  });

  it('serves servers (test/compat/compute/servers.test.ts covers them)', async () => {
    const res = await r('GET', '/servers');
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.body.servers));
  });
});
