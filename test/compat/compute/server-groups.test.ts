import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { compute, newMember, type Member } from './fixtures.ts';
import { addMember, groupOf } from '../../../src/compat/compute/server-groups.ts';

describe('compute: generated x509 keypairs and server groups', () => {
  let cloud: TestCloud;
  let r: ReturnType<typeof compute>;
  let alice: Member;
  let bob: Member;

  before(async () => {
    cloud = await startCloud();
    r = compute(cloud);
    alice = await newMember(cloud, 'sg-alice');
    bob = await newMember(cloud, 'sg-bob');
  });
  after(() => cloud.stop());

  describe('x509 keypairs', () => {
    it('generates a self-signed certificate for the user, with a PKCS#12 private key and its SHA-1 fingerprint', async () => {
      const res = await r('POST', '/os-keypairs', '2.2', { keypair: { name: 'winrm', type: 'x509' } }, alice.token);
      assert.equal(res.status, 201, res.text);
      const kp = res.body.keypair;
      assert.equal(kp.type, 'x509');
      assert.equal(kp.user_id, alice.user);
      const cert = new X509Certificate(kp.public_key);
      assert.match(cert.subject, new RegExp(`CN=${alice.user}`));
      assert.equal(cert.issuer, cert.subject);
      assert.match(cert.subjectAltName ?? '', /othername/i);
      assert.equal(kp.fingerprint, cert.fingerprint.toLowerCase());
      // the private key is a base64 PKCS#12 bundle with an empty password that openssl opens
      const dir = mkdtempSync(join(tmpdir(), 'p12-'));
      writeFileSync(join(dir, 'k.p12'), Buffer.from(kp.private_key, 'base64'));
      const pem = execFileSync('openssl', ['pkcs12', '-in', join(dir, 'k.p12'), '-nodes', '-password', 'pass:']).toString();
      assert.match(pem, /BEGIN PRIVATE KEY/);
      assert.match(pem, /BEGIN CERTIFICATE/);
      const shown = await r('GET', '/os-keypairs/winrm', '2.2', undefined, alice.token);
      assert.equal(shown.body.keypair.type, 'x509');
      assert.equal(shown.body.keypair.fingerprint, kp.fingerprint);
      assert.equal(shown.body.keypair.private_key, undefined);
    });
  });

  describe('os-server-groups', () => {
    it('creates with `policies` before 2.64 and shows the empty metadata, project and user from 2.13', async () => {
      const v21 = await r('POST', '/os-server-groups', '2.1', { server_group: { name: 'old', policies: ['affinity'] } }, alice.token);
      assert.equal(v21.status, 200, v21.text);
      assert.deepEqual(Object.keys(v21.body.server_group).sort(), ['id', 'members', 'metadata', 'name', 'policies']);
      assert.deepEqual(v21.body.server_group.policies, ['affinity']);
      assert.deepEqual(v21.body.server_group.metadata, {});
      const v213 = await r('GET', `/os-server-groups/${v21.body.server_group.id}`, '2.13', undefined, alice.token);
      assert.equal(v213.body.server_group.project_id, alice.project);
      assert.equal(v213.body.server_group.user_id, alice.user);
      const v264 = await r('GET', `/os-server-groups/${v21.body.server_group.id}`, '2.64', undefined, alice.token);
      assert.equal(v264.body.server_group.policy, 'affinity');
      assert.deepEqual(v264.body.server_group.rules, {});
      assert.equal(v264.body.server_group.policies, undefined);
      assert.equal(v264.body.server_group.metadata, undefined);
    });

    it('accepts soft policies from 2.15 only', async () => {
      const early = await r('POST', '/os-server-groups', '2.14', { server_group: { name: 'soft', policies: ['soft-affinity'] } }, alice.token);
      assert.equal(early.status, 400);
      assert.match(early.body.badRequest.message, /Invalid input for field\/attribute/);
      const later = await r('POST', '/os-server-groups', '2.15', { server_group: { name: 'soft', policies: ['soft-anti-affinity'] } }, alice.token);
      assert.equal(later.status, 200, later.text);
      assert.deepEqual(later.body.server_group.policies, ['soft-anti-affinity']);
    });

    it('takes a policy and rules from 2.64; only anti-affinity has rules', async () => {
      const ok = await r('POST', '/os-server-groups', '2.64', { server_group: { name: 'spread', policy: 'anti-affinity', rules: { max_server_per_host: 3 } } }, alice.token);
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.body.server_group.rules, { max_server_per_host: 3 });
      const bad = await r('POST', '/os-server-groups', '2.64', { server_group: { name: 'x', policy: 'affinity', rules: { max_server_per_host: 2 } } }, alice.token);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.badRequest.message, 'Only anti-affinity policy supports rules.');
      for (const rules of [{ unknown_key: '3' }, { max_server_per_host: 0 }, { max_server_per_host: 'foo' }]) {
        const res = await r('POST', '/os-server-groups', '2.64', { server_group: { name: 'x', policy: 'anti-affinity', rules } }, alice.token);
        assert.equal(res.status, 400, JSON.stringify(rules));
        assert.match(res.body.badRequest.message, /Invalid input for field\/attribute/);
      }
      const oldShape = await r('POST', '/os-server-groups', '2.64', { server_group: { name: 'x', policies: ['affinity'] } }, alice.token);
      assert.equal(oldShape.status, 400);
      const noName = await r('POST', '/os-server-groups', '2.1', { server_group: { policies: ['affinity'] } }, alice.token);
      assert.equal(noName.status, 400);
      const twoPolicies = await r('POST', '/os-server-groups', '2.1', { server_group: { name: 'x', policies: ['affinity', 'anti-affinity'] } }, alice.token);
      assert.equal(twoPolicies.status, 400);
    });

    it('lists the own project only; all_projects for an admin; limit and offset', async () => {
      await r('POST', '/os-server-groups', '2.1', { server_group: { name: 'bobs', policies: ['anti-affinity'] } }, bob.token);
      const own = await r('GET', '/os-server-groups', '2.13', undefined, bob.token);
      assert.deepEqual(own.body.server_groups.map((g: any) => g.name), ['bobs']);
      const sneaky = await r('GET', '/os-server-groups?all_projects=1', '2.13', undefined, bob.token);
      assert.deepEqual(sneaky.body.server_groups.map((g: any) => g.name), ['bobs']);
      const all = await r('GET', '/os-server-groups?all_projects=1', '2.13');
      const projects = new Set(all.body.server_groups.map((g: any) => g.project_id));
      assert.ok(projects.has(alice.project) && projects.has(bob.project));
      const aliceAll = (await r('GET', '/os-server-groups', '2.1', undefined, alice.token)).body.server_groups;
      const page = await r('GET', '/os-server-groups?limit=1&offset=1', '2.1', undefined, alice.token);
      assert.deepEqual(page.body.server_groups.map((g: any) => g.id), [aliceAll[1].id]);
      const badLimit = await r('GET', '/os-server-groups?limit=x', '2.1', undefined, alice.token);
      assert.equal(badLimit.status, 400);
      const strict = await r('GET', '/os-server-groups?foo=1', '2.75', undefined, alice.token);
      assert.equal(strict.status, 400);
      const lax = await r('GET', '/os-server-groups?foo=1', '2.74', undefined, alice.token);
      assert.equal(lax.status, 200);
    });

    it('keeps other projects out: 403 on show and delete, 404 for an unknown group', async () => {
      const bobs = (await r('GET', '/os-server-groups', '2.1', undefined, bob.token)).body.server_groups[0];
      const peek = await r('GET', `/os-server-groups/${bobs.id}`, '2.1', undefined, alice.token);
      assert.equal(peek.status, 403);
      const del = await r('DELETE', `/os-server-groups/${bobs.id}`, '2.1', undefined, alice.token);
      assert.equal(del.status, 403);
      const missing = await r('GET', '/os-server-groups/5b8a9d7e-0000-4000-8000-000000000000', '2.1', undefined, alice.token);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.itemNotFound.message, 'Instance group 5b8a9d7e-0000-4000-8000-000000000000 could not be found.');
      const gone = await r('DELETE', `/os-server-groups/${bobs.id}`, '2.1', undefined, bob.token);
      assert.equal(gone.status, 204);
      assert.equal((await r('GET', `/os-server-groups/${bobs.id}`, '2.1', undefined, bob.token)).status, 404);
    });

    it('enforces the server_groups quota with 403', async () => {
      const carol = await newMember(cloud, 'sg-carol');
      const quota = await r('PUT', `/os-quota-sets/${carol.project}`, '2.1', { quota_set: { server_groups: 1 } });
      assert.equal(quota.status, 200, quota.text);
      assert.equal((await r('POST', '/os-server-groups', '2.1', { server_group: { name: 'one', policies: ['affinity'] } }, carol.token)).status, 200);
      const over = await r('POST', '/os-server-groups', '2.1', { server_group: { name: 'two', policies: ['affinity'] } }, carol.token);
      assert.equal(over.status, 403);
      assert.equal(over.body.forbidden.message, 'Quota exceeded, too many server groups.');
    });

    it('addMember enforces server_group_members, and groupOf finds the group', async () => {
      const dave = await newMember(cloud, 'sg-dave');
      await r('PUT', `/os-quota-sets/${dave.project}`, '2.1', { quota_set: { server_group_members: 1 } });
      const group = (await r('POST', '/os-server-groups', '2.64', { server_group: { name: 'g', policy: 'anti-affinity' } }, dave.token)).body.server_group;
      const nova = { engine: cloud.runtime.identity, db: await cloud.runtime.store.database('compute'), clock: cloud.runtime.clock };
      await addMember(nova, group.id, 'server-a');
      await addMember(nova, group.id, 'server-a');
      assert.equal((await groupOf(nova, 'server-a'))?.id, group.id);
      await assert.rejects(addMember(nova, group.id, 'server-b'), (e: any) => e.status === 403 && /too many servers in group/.test(e.message));
      await assert.rejects(addMember(nova, 'no-such-group', 'server-b'), (e: any) => e.status === 404);
    });
  });
});
