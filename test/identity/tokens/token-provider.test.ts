import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../../src/platform/clock.ts';
import { KeyRepository } from '../../../src/identity/tokens/key-repository.ts';
import {
  InvalidTokenError,
  TokenExpiredError,
  TokenProvider,
  type IssueFields,
} from '../../../src/identity/tokens/token-provider.ts';

const hex32 = () => randomBytes(16).toString('hex');

function setup(t: { after(fn: () => void): void }, maxActiveKeys = 3) {
  const dir = mkdtempSync(join(tmpdir(), 'stackgate-tokens-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock(Date.parse('2026-03-01T12:00:00.250Z'));
  const keys = new KeyRepository({ directory: dir, clock, maxActiveKeys });
  return { clock, keys, provider: new TokenProvider({ keys, clock }) };
}

const projectToken = (): IssueFields => ({
  userId: hex32(),
  methods: ['password'],
  scope: { kind: 'project', projectId: hex32() },
});

test('issue then validate: payload, issued-at to the second, default one hour expiry, 22-char audit id', (t) => {
  const { clock, provider } = setup(t);
  const { token, payload } = provider.issue(projectToken());
  assert.doesNotMatch(token, /=/, 'padding stripped as Keystone does');
  assert.match(token, /^gAAAAA[A-Za-z0-9_-]+$/);
  assert.equal(payload.issuedAt, Date.parse('2026-03-01T12:00:00Z'));
  assert.equal(payload.expiresAt, clock.now() + 3600_000);
  assert.equal(payload.auditIds.length, 1);
  assert.match(payload.auditIds[0], /^[A-Za-z0-9_-]{22}$/);
  assert.deepEqual(provider.validate(token), payload);
});

test('common tokens stay under 250 characters', (t) => {
  const { provider } = setup(t);
  const parent = provider.issue(projectToken()).payload;
  const { token } = provider.issue({ ...projectToken(), methods: ['password', 'token'], parentAuditIds: parent.auditIds });
  assert.ok(token.length < 250, `${token.length} chars`);
  const { token: appCred } = provider.issue({
    ...projectToken(),
    methods: ['application_credential'],
    appCredId: hex32(),
    accessRules: true,
  });
  assert.ok(appCred.length < 250, `${appCred.length} chars`);
});

test('rescoped tokens carry the audit chain id of their parent', (t) => {
  const { provider } = setup(t);
  const first = provider.issue(projectToken()).payload;
  const second = provider.issue({ ...projectToken(), methods: ['token'], parentAuditIds: first.auditIds }).payload;
  const third = provider.issue({ ...projectToken(), methods: ['token'], parentAuditIds: second.auditIds }).payload;
  assert.equal(second.auditIds[1], first.auditIds[0]);
  assert.equal(third.auditIds[1], first.auditIds[0], 'the chain id is the original token’s audit id');
  assert.notEqual(third.auditIds[0], second.auditIds[0]);
});

test('every scope kind and id kind survives issue/validate', (t) => {
  const { provider } = setup(t);
  const scopes: IssueFields['scope'][] = [
    { kind: 'unscoped' },
    { kind: 'project', projectId: hex32() },
    { kind: 'project', projectId: randomBytes(32).toString('hex') },
    { kind: 'domain', domainId: 'default' },
    { kind: 'system', system: 'all' },
    { kind: 'trust', trustId: hex32(), projectId: hex32() },
  ];
  const userIds = [hex32(), randomBytes(32).toString('hex'), 'alice@ldap', 'ÜSER'];
  for (const scope of scopes) {
    for (const userId of userIds) {
      const { token, payload } = provider.issue({
        userId,
        methods: ['saml2', 'mapped'],
        scope,
        federated: { idpId: 'idp1', protocolId: 'saml2', groupIds: [hex32()] },
      });
      assert.deepEqual(provider.validate(token), payload);
    }
  }
});

test('expiry follows the injected clock', (t) => {
  const { clock, provider } = setup(t);
  const { token } = provider.issue({ ...projectToken(), expiresAt: clock.now() + 60_000 });
  clock.advance(59_999);
  assert.doesNotThrow(() => provider.validate(token));
  clock.advance(1);
  assert.throws(() => provider.validate(token), TokenExpiredError);
  assert.throws(() => provider.validate(token), InvalidTokenError, 'expired is also invalid');
});

test('tampering with any region of a token is rejected', (t) => {
  const { provider } = setup(t);
  const { token } = provider.issue(projectToken());
  const raw = Buffer.from(token, 'base64url');
  const regions = { version: [0], timestamp: [1, 8], iv: [9, 24], ciphertext: [25, raw.length - 33], mac: [raw.length - 32, raw.length - 1] };
  for (const [name, positions] of Object.entries(regions)) {
    for (const i of positions) {
      const tampered = Buffer.from(raw);
      tampered[i]! ^= 0x01;
      assert.throws(() => provider.validate(tampered.toString('base64url')), InvalidTokenError, `${name} byte ${i}`);
    }
  }
  assert.throws(() => provider.validate(token.slice(0, -1)), InvalidTokenError, 'truncated');
  assert.throws(() => provider.validate(token + 'A'), InvalidTokenError, 'extended');
});

test('rotation: a token survives one rotation and dies when its key is pruned', (t) => {
  const { keys, provider } = setup(t, 3);
  const { token } = provider.issue(projectToken());
  keys.rotate();
  assert.doesNotThrow(() => provider.validate(token));
  const fresh = provider.issue(projectToken()).token;
  keys.rotate();
  assert.throws(() => provider.validate(token), InvalidTokenError);
  assert.doesNotThrow(() => provider.validate(fresh));
});

test('a token from another repository is rejected', (t) => {
  const a = setup(t);
  const b = setup(t);
  assert.throws(() => b.provider.validate(a.provider.issue(projectToken()).token), InvalidTokenError);
});

test('fuzz: 1,000 random strings through validate all give InvalidTokenError', (t) => {
  const { provider } = setup(t);
  const { token } = provider.issue(projectToken());
  for (let n = 0; n < 1000; n++) {
    let s: string;
    if (n % 3 === 0) {
      // near-misses: a real token with a few characters replaced
      const chars = [...token];
      for (let k = 0; k < 1 + (n % 5); k++) {
        chars[Math.floor(Math.random() * chars.length)] = 'ABC_-xyz09'[Math.floor(Math.random() * 10)]!;
      }
      s = chars.join('');
      if (s === token) continue;
    } else {
      s = randomBytes(Math.floor(Math.random() * 400)).toString(n % 3 === 1 ? 'base64url' : 'latin1');
    }
    assert.throws(() => provider.validate(s), InvalidTokenError, JSON.stringify(s));
  }
});

test('validating many tokens completes (no timing assertion)', (t) => {
  const { provider } = setup(t);
  const tokens = Array.from({ length: 200 }, () => provider.issue(projectToken()).token);
  for (const token of tokens) assert.ok(provider.validate(token).userId);
});
