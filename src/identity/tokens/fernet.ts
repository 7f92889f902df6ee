// Fernet (https://github.com/fernet/spec): version 0x80 | 64-bit big-endian
// timestamp (seconds) | 128-bit IV | AES-128-CBC ciphertext (PKCS7) | HMAC-SHA256
// over everything before it, all urlsafe-base64 encoded.
//
// Decryption is the attack surface of every API node, so it is written to fail
// in exactly one way: whatever string comes in, the only exception that leaves
// `decrypt` is InvalidTokenError. Nothing about *why* it failed leaks to callers
// (no padding oracle, no MAC-vs-format distinction).

import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

export class InvalidTokenError extends Error {
  constructor(message = 'invalid token') {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

/**
 * A 32-byte Fernet key split into its two halves. The halves are also kept as
 * KeyObjects: OpenSSL 3 prepares a raw Buffer key anew on every call, which made
 * each HMAC and AES call several times slower than with a prepared key.
 */
export interface FernetKey {
  readonly signing: Buffer;
  readonly encryption: Buffer;
  readonly signingKey: KeyObject;
  readonly encryptionKey: KeyObject;
}

const VERSION = 0x80;
const HEADER_LENGTH = 1 + 8 + 16;
const MAC_LENGTH = 32;
const BLOCK = 16;
/** version + timestamp + IV + one cipher block + MAC */
const MIN_TOKEN_BYTES = HEADER_LENGTH + BLOCK + MAC_LENGTH;
/** The spec's (and python-cryptography's) tolerance for tokens stamped in the future. */
export const MAX_CLOCK_SKEW_SECONDS = 60;
/** Far above any real token; stops huge strings before any decoding work. */
export const DEFAULT_MAX_TOKEN_LENGTH = 64 * 1024;

const URLSAFE_BASE64 = /^[A-Za-z0-9_-]*={0,2}$/;

/** A new random key in the textual form Keystone writes to key files (44 chars, padded). */
export function generateKey(): string {
  return padBase64(randomBytes(32).toString('base64url'));
}

/**
 * Parse a key in urlsafe base64 (padded or not). A bad key is a configuration
 * error, not a token error, so it throws a plain Error.
 */
export function parseKey(text: string): FernetKey {
  const raw = decodeUrlsafeBase64(text.trim());
  if (raw === undefined || raw.length !== 32) {
    throw new Error('a Fernet key must be 32 bytes of urlsafe base64');
  }
  const signing = raw.subarray(0, 16);
  const encryption = raw.subarray(16, 32);
  return { signing, encryption, signingKey: createSecretKey(signing), encryptionKey: createSecretKey(encryption) };
}

export interface EncryptOptions {
  /** seconds since the epoch; defaults to the wall clock */
  timestampSeconds?: number;
  /** only for reproducing test vectors: a fixed 16-byte IV */
  iv?: Uint8Array;
  /** strip the trailing `=` as Keystone does (default false, as in the spec) */
  stripPadding?: boolean;
}

export function encrypt(key: FernetKey, payload: Uint8Array, options: EncryptOptions = {}): string {
  const timestamp = options.timestampSeconds ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError('Fernet timestamp must be a non-negative integer of seconds');
  }
  const iv = options.iv ?? randomBytes(16);
  if (iv.length !== 16) throw new RangeError('Fernet IV must be 16 bytes');

  const header = Buffer.alloc(HEADER_LENGTH);
  header[0] = VERSION;
  header.writeBigUInt64BE(BigInt(timestamp), 1);
  header.set(iv, 9);

  const cipher = createCipheriv('aes-128-cbc', key.encryptionKey, iv);
  const body = Buffer.concat([header, cipher.update(payload), cipher.final()]);
  const mac = createHmac('sha256', key.signingKey).update(body).digest();
  const encoded = Buffer.concat([body, mac]).toString('base64url');
  return options.stripPadding ? encoded : padBase64(encoded);
}

export interface DecryptOptions {
  /**
   * Current time in seconds. When given, tokens stamped more than
   * MAX_CLOCK_SKEW_SECONDS in the future are rejected.
   */
  nowSeconds?: number;
  /** With nowSeconds: reject tokens older than this many seconds. */
  ttlSeconds?: number;
  maxTokenLength?: number;
}

export interface Decrypted {
  payload: Buffer;
  /** the Fernet timestamp, seconds since the epoch */
  timestampSeconds: number;
  /** index in the key list of the key whose MAC matched */
  keyIndex: number;
}

/**
 * Verify and decrypt. With a list of keys each is tried in order (put the
 * primary first: it is the one most tokens were made with).
 */
export function decrypt(
  token: string,
  keys: FernetKey | readonly FernetKey[],
  options: DecryptOptions = {},
): Decrypted {
  try {
    return decryptOrThrow(token, Array.isArray(keys) ? keys : [keys as FernetKey], options);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw error;
    // Any other failure (OpenSSL's "bad decrypt", a surprising input type, ...)
    // becomes the one error callers know about.
    throw new InvalidTokenError();
  }
}

function decryptOrThrow(token: unknown, keys: readonly FernetKey[], options: DecryptOptions): Decrypted {
  const maxLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  if (typeof token !== 'string' || token.length > maxLength) throw new InvalidTokenError();
  const data = decodeUrlsafeBase64(token);
  if (data === undefined || data.length < MIN_TOKEN_BYTES) throw new InvalidTokenError();
  if ((data.length - HEADER_LENGTH - MAC_LENGTH) % BLOCK !== 0) throw new InvalidTokenError();
  if (data[0] !== VERSION) throw new InvalidTokenError();

  const body = data.subarray(0, data.length - MAC_LENGTH);
  const mac = data.subarray(data.length - MAC_LENGTH);
  const keyIndex = keys.findIndex((key) =>
    timingSafeEqual(createHmac('sha256', key.signingKey).update(body).digest(), mac),
  );
  if (keyIndex < 0) throw new InvalidTokenError();

  // Time checks come after the MAC: an unauthenticated timestamp means nothing.
  const timestamp = Number(data.readBigUInt64BE(1));
  if (options.nowSeconds !== undefined) {
    if (timestamp > options.nowSeconds + MAX_CLOCK_SKEW_SECONDS) throw new InvalidTokenError();
    if (options.ttlSeconds !== undefined && timestamp + options.ttlSeconds < options.nowSeconds) {
      throw new InvalidTokenError();
    }
  }

  const key = keys[keyIndex]!;
  const decipher = createDecipheriv('aes-128-cbc', key.encryptionKey, data.subarray(9, HEADER_LENGTH));
  const payload = Buffer.concat([decipher.update(body.subarray(HEADER_LENGTH)), decipher.final()]);
  return { payload, timestampSeconds: timestamp, keyIndex };
}

/**
 * Strict urlsafe base64: padding optional (Keystone strips it), but nothing
 * after it, no standard-alphabet characters, and no non-canonical trailing
 * bits — Buffer.from(…, 'base64url') alone would silently accept all of those.
 */
function decodeUrlsafeBase64(text: string): Buffer | undefined {
  if (!URLSAFE_BASE64.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  if (text.length !== unpadded.length && text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(unpadded, 'base64url');
  if (bytes.toString('base64url') !== unpadded) return undefined;
  return bytes;
}

function padBase64(text: string): string {
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

/** Keystone hands tokens out without `=` padding. */
export function stripPadding(token: string): string {
  return token.replace(/=+$/, '');
}
