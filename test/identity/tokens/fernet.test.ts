import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  decrypt,
  encrypt,
  generateKey,
  InvalidTokenError,
  parseKey,
  stripPadding,
} from '../../../src/identity/tokens/fernet.ts';

// From github.com/fernet/spec: generate.json / verify.json / invalid.json.
const SPEC_SECRET = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SPEC_TOKEN =
  'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==';
const SPEC_IV = Uint8Array.from({ length: 16 }, (_, i) => i);
const seconds = (iso: string) => Date.parse(iso) / 1000;

const INVALID_VECTORS: Array<{ desc: string; token: string; now: string }> = [
  { desc: 'incorrect mac', now: '1985-10-26T01:20:01-07:00', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykQUFBQUFBQUFBQQ==' },
  { desc: 'too short', now: '1985-10-26T01:20:01-07:00', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==' },
  { desc: 'invalid base64', now: '1985-10-26T01:20:01-07:00', token: '%%%%%%%%%%%%%AECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==' },
  { desc: 'payload size not multiple of block size', now: '1985-10-26T01:20:01-07:00', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPOm73QeoCk9uGib28Xe5vz6oxq5nmxbx_v7mrfyudzUm' },
  { desc: 'payload padding error', now: '1985-10-26T01:20:01-07:00', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0ODz4LEpdELGQAad7aNEHbf-JkLPIpuiYRLQ3RtXatOYREu2FWke6CnJNYIbkuKNqOhw==' },
  { desc: 'far-future TS (unacceptable clock skew)', now: '1985-10-26T01:20:01-07:00', token: 'gAAAAAAdwStRAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAnja1xKYyhd-Y6mSkTOyTGJmw2Xc2a6kBd-iX9b_qXQcw==' },
  { desc: 'expired TTL', now: '1985-10-26T01:21:31-07:00', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==' },
  { desc: 'incorrect IV (causes padding error)', now: '1985-10-26T01:20:01-07:00', token: 'gAAAAAAdwJ6xBQECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAkLhFLHpGtDBRLRTZeUfWgHSv49TF2AUEZ1TIvcZjK1zQ==' },
  { desc: 'trailing characters after b64 padding', now: '1985-10-26T01:20:01-07:00', token: `${SPEC_TOKEN}trailingdata` },
  { desc: 'invalid characters in b64', now: '1985-10-26T01:20:01-07:00', token: '*gAAAAAAdwJ6wAAECAwQFBgcI!CQoLDA0ODy021?cpGVWKZ_eEwC@GM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==' },
  { desc: 'invalid non-urlsafe characters in b64', now: '1985-10-26T01:20:01-07:00', token: 'gAAAAAAdwJ6wAAEC/AwQFBgcICQoLDA0ODy+021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==' },
];

test('spec generate vector: same key, time, IV and plaintext give the same token', () => {
  const token = encrypt(parseKey(SPEC_SECRET), Buffer.from('hello'), {
    timestampSeconds: seconds('1985-10-26T01:20:00-07:00'),
    iv: SPEC_IV,
  });
  assert.equal(token, SPEC_TOKEN);
});

test('spec verify vector decrypts, padded and with Keystone-style stripped padding', () => {
  const key = parseKey(SPEC_SECRET);
  const now = seconds('1985-10-26T01:20:01-07:00');
  for (const token of [SPEC_TOKEN, stripPadding(SPEC_TOKEN)]) {
    const result = decrypt(token, key, { nowSeconds: now, ttlSeconds: 60 });
    assert.equal(result.payload.toString(), 'hello');
    assert.equal(result.timestampSeconds, seconds('1985-10-26T01:20:00-07:00'));
    assert.equal(result.keyIndex, 0);
  }
});

test('the time-based spec vectors fail only because of time: without a clock they verify', () => {
  for (const desc of ['far-future TS (unacceptable clock skew)', 'expired TTL']) {
    const vector = INVALID_VECTORS.find((v) => v.desc === desc)!;
    assert.doesNotThrow(() => decrypt(vector.token, parseKey(SPEC_SECRET)), desc);
  }
});

for (const vector of INVALID_VECTORS) {
  test(`spec invalid vector rejected: ${vector.desc}`, () => {
    assert.throws(
      () => decrypt(vector.token, parseKey(SPEC_SECRET), { nowSeconds: seconds(vector.now), ttlSeconds: 60 }),
      InvalidTokenError,
    );
  });
}

test('round trip with random keys; stripped output has no padding', () => {
  const key = parseKey(generateKey());
  for (const size of [0, 1, 15, 16, 17, 100, 1000]) {
    const payload = randomBytes(size);
    const token = encrypt(key, payload, { stripPadding: true });
    assert.doesNotMatch(token, /=/);
    assert.deepEqual(decrypt(token, key).payload, payload);
  }
});

test('a list of keys: each is tried, the matching index is reported, unknown keys fail', () => {
  const keys = [generateKey(), generateKey(), generateKey()].map(parseKey);
  const token = encrypt(keys[2]!, Buffer.from('x'));
  assert.equal(decrypt(token, keys).keyIndex, 2);
  assert.throws(() => decrypt(token, keys.slice(0, 2)), InvalidTokenError);
  assert.throws(() => decrypt(token, []), InvalidTokenError);
});

test('every byte of a token is covered: flipping any bit of any byte is rejected', () => {
  const key = parseKey(generateKey());
  const raw = Buffer.from(encrypt(key, Buffer.from('a payload of some length')), 'base64url');
  // regions: version 0, timestamp 1-8, IV 9-24, ciphertext, MAC (last 32)
  for (let i = 0; i < raw.length; i++) {
    for (const bit of [0x01, 0x80]) {
      const tampered = Buffer.from(raw);
      tampered[i]! ^= bit;
      assert.throws(() => decrypt(tampered.toString('base64url'), key), InvalidTokenError, `byte ${i}`);
    }
  }
});

test('wrong version byte is rejected even with a valid MAC', async () => {
  const { createHmac } = await import('node:crypto');
  const key = parseKey(SPEC_SECRET);
  const raw = Buffer.from(SPEC_TOKEN, 'base64url');
  raw[0] = 0x81;
  const body = raw.subarray(0, raw.length - 32);
  createHmac('sha256', key.signing).update(body).digest().copy(raw, raw.length - 32);
  assert.throws(() => decrypt(raw.toString('base64url'), key), InvalidTokenError);
});

test('bad PKCS7 padding under a valid MAC is the same InvalidTokenError', async () => {
  const { createCipheriv, createHmac } = await import('node:crypto');
  const key = parseKey(generateKey());
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-128-cbc', key.encryption, iv).setAutoPadding(false);
  const ciphertext = Buffer.concat([cipher.update(Buffer.alloc(16, 0x00)), cipher.final()]);
  const header = Buffer.alloc(25);
  header[0] = 0x80;
  iv.copy(header, 9);
  const body = Buffer.concat([header, ciphertext]);
  const token = Buffer.concat([body, createHmac('sha256', key.signing).update(body).digest()]).toString('base64url');
  assert.throws(() => decrypt(token, key), InvalidTokenError);
});

test('garbage of every shape gives InvalidTokenError and nothing else', () => {
  const key = parseKey(generateKey());
  const inputs: unknown[] = [
    '', '=', '====', 'a', 'gA', 'gAAAAA', '\u0000', '🔑🔑🔑', ' '.repeat(100), 'x'.repeat(10_000_000),
    'A'.repeat(100), 'gAAAAAAd'.repeat(40), undefined, null, 42, {}, [],
  ];
  for (const input of inputs) {
    assert.throws(() => decrypt(input as string, key), InvalidTokenError);
  }
});

test('fuzz: 1,000 random strings all give InvalidTokenError', () => {
  const key = parseKey(generateKey());
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/%* \n\u00e9';
  for (let n = 0; n < 1000; n++) {
    const length = Math.floor(Math.random() * 300);
    let s = n % 2 === 0 ? 'gAAAAA' : '';
    for (let i = 0; i < length; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
    assert.throws(() => decrypt(s, key), InvalidTokenError, JSON.stringify(s));
  }
});

test('keys: 32 bytes required, padded or not', () => {
  assert.doesNotThrow(() => parseKey(stripPadding(SPEC_SECRET)));
  assert.throws(() => parseKey('c2hvcnQ='), /32 bytes/);
  assert.throws(() => parseKey('not base64 at all!'), /32 bytes/);
  assert.equal(generateKey().length, 44);
});
