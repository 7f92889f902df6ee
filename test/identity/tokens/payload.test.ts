import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { InvalidTokenError } from '../../../src/identity/tokens/fernet.ts';
import {
  AUTH_METHODS,
  decodePayload,
  encodePayload,
  type TokenPayloadFields,
  type TokenScope,
} from '../../../src/identity/tokens/payload.ts';

const hex32 = () => randomBytes(16).toString('hex');
const audit = () => randomBytes(16).toString('base64url');
const EXPIRES = Date.parse('2026-01-01T01:00:00.123Z');

const base = (scope: TokenScope, extra: Partial<TokenPayloadFields> = {}): TokenPayloadFields => ({
  userId: hex32(),
  methods: ['password'],
  scope,
  expiresAt: EXPIRES,
  auditIds: [audit()],
  ...extra,
});

const roundTrip = (fields: TokenPayloadFields) => assert.deepEqual(decodePayload(encodePayload(fields)), fields);

test('every scope kind round-trips', () => {
  roundTrip(base({ kind: 'unscoped' }));
  roundTrip(base({ kind: 'project', projectId: hex32() }));
  roundTrip(base({ kind: 'domain', domainId: 'default' }));
  roundTrip(base({ kind: 'domain', domainId: hex32() }));
  roundTrip(base({ kind: 'system', system: 'all' }));
  roundTrip(base({ kind: 'trust', trustId: hex32(), projectId: hex32() }));
});

test('every id kind round-trips exactly', () => {
  const ids = [
    hex32(),
    hex32().toUpperCase(), // not canonical lowercase: must not be folded
    randomBytes(32).toString('hex'), // LDAP-mapped ids
    '2f6e1c2e-6a32-4cbb-a2c1-6f0d4b1d2a11', // dashed uuid
    '2F6E1C2E-6A32-4CBB-A2C1-6F0D4B1D2A11',
    'ab',
    'abc', // odd-length hex
    'default',
    'cn=alice,ou=people,dc=example,dc=org',
    'üñíçødé 用户',
    audit(),
    'AAAAAAAAAAAAAAAAAAAAAB', // 22 chars of base64 with non-zero trailing bits: not canonical
    'x'.repeat(1000),
  ];
  for (const id of ids) {
    roundTrip(base({ kind: 'project', projectId: id }, { userId: id, auditIds: [id, id], appCredId: id }));
  }
});

test('methods, two audit ids, app cred, federation and access rules round-trip', () => {
  roundTrip(base({ kind: 'project', projectId: hex32() }, { methods: [...AUTH_METHODS] }));
  roundTrip(base({ kind: 'unscoped' }, { methods: [] }));
  roundTrip(base({ kind: 'project', projectId: hex32() }, { methods: ['token'], auditIds: [audit(), audit()] }));
  roundTrip(
    base(
      { kind: 'project', projectId: hex32() },
      { methods: ['application_credential'], appCredId: hex32(), accessRules: true },
    ),
  );
  roundTrip(
    base(
      { kind: 'unscoped' },
      { methods: ['saml2', 'mapped'], federated: { idpId: 'myidp', protocolId: 'saml2', groupIds: [hex32(), 'admins'] } },
    ),
  );
  roundTrip(base({ kind: 'unscoped' }, { methods: ['openid'], federated: { idpId: 'x', protocolId: 'openid', groupIds: [] } }));
});

test('the common case is compact', () => {
  const bytes = encodePayload(base({ kind: 'project', projectId: hex32() }, { auditIds: [audit(), audit()] }));
  // format, flags, methods, 6-byte expiry, three 17-byte ids... well under one 80-byte cipher text
  assert.ok(bytes.length <= 80, `${bytes.length} bytes`);
});

test('bad fields are refused at encoding', () => {
  assert.throws(() => encodePayload(base({ kind: 'unscoped' }, { methods: ['kerberos' as never] })), TypeError);
  assert.throws(() => encodePayload(base({ kind: 'unscoped' }, { userId: '' })), TypeError);
  assert.throws(() => encodePayload(base({ kind: 'unscoped' }, { expiresAt: -1 })), RangeError);
  assert.throws(() => encodePayload(base({ kind: 'unscoped' }, { expiresAt: 1.5 })), RangeError);
});

test('malformed plaintext gives InvalidTokenError: truncations, trailing bytes, random bytes', () => {
  const good = encodePayload(
    base({ kind: 'trust', trustId: hex32(), projectId: 'p' }, { federated: { idpId: 'i', protocolId: 'p', groupIds: ['g'] } }),
  );
  for (let n = 0; n < good.length; n++) {
    assert.throws(() => decodePayload(good.subarray(0, n)), InvalidTokenError, `truncated at ${n}`);
  }
  assert.throws(() => decodePayload(Buffer.concat([good, Buffer.of(0)])), InvalidTokenError);
  for (let n = 0; n < 1000; n++) {
    const junk = randomBytes(Math.floor(Math.random() * 100));
    try {
      decodePayload(junk);
    } catch (error) {
      assert.ok(error instanceof InvalidTokenError);
    }
  }
});
