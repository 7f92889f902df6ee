// The plaintext inside our Fernet tokens: a small hand-written binary format.
// Tokens travel in an HTTP header on every request, so the common case (a
// password-authenticated, project-scoped token with uuid ids) must stay short:
// 32-hex ids shrink to 16 bytes, everything else is a length-prefixed string.
//
// Layout (format version 1):
//   u8 format | u8 flags | varint methods | u48 expiresAt(ms) | id userId
//   [scope ids] | id auditId [id parentAuditId] [id appCredId]
//   [id idpId, id protocolId, varint n, n × id groupId]
// flags: bits 0-2 scope kind, bit 3 second audit id, bit 4 app cred,
//        bit 5 federated, bit 6 access rules.

import { InvalidTokenError } from './fernet.ts';

export const AUTH_METHODS = [
  'password',
  'token',
  'application_credential',
  // not yet implemented, but given their bits now so tokens stay decodable later
  'saml2',
  'openid',
  'mapped',
] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export type TokenScope =
  | { kind: 'unscoped' }
  | { kind: 'project'; projectId: string }
  | { kind: 'domain'; domainId: string }
  | { kind: 'system'; system: 'all' }
  | { kind: 'trust'; trustId: string; projectId: string };

export interface FederatedInfo {
  idpId: string;
  protocolId: string;
  groupIds: string[];
}

/** What a token says. Issued-at is not here: it is the Fernet timestamp. */
export interface TokenPayloadFields {
  userId: string;
  methods: AuthMethod[];
  scope: TokenScope;
  /** milliseconds since the epoch */
  expiresAt: number;
  /** [own] or [own, audit chain id of the token it was made from] */
  auditIds: [string] | [string, string];
  appCredId?: string;
  federated?: FederatedInfo;
  /** the application credential carries access rules to enforce */
  accessRules?: boolean;
}

const FORMAT_VERSION = 1;
const SCOPE_KINDS = ['unscoped', 'project', 'domain', 'system', 'trust'] as const;
const FLAG_SECOND_AUDIT = 1 << 3;
const FLAG_APP_CRED = 1 << 4;
const FLAG_FEDERATED = 1 << 5;
const FLAG_ACCESS_RULES = 1 << 6;
const MAX_EXPIRES_AT = 2 ** 48 - 1;

// Id encodings, by tag byte. Each must reproduce the original string exactly,
// so only canonical forms (lowercase hex, canonical base64) get the short ones.
const ID_UUID_HEX = 0; // 32 lowercase hex -> 16 bytes
const ID_UUID_DASHED = 1; // 8-4-4-4-12 lowercase hex -> 16 bytes
const ID_HEX = 2; // other even-length lowercase hex -> varint length + bytes
const ID_BASE64_16 = 3; // 22-char urlsafe base64 of 16 bytes (audit ids)
const ID_TEXT = 4; // anything else: varint length + UTF-8

const UUID_HEX = /^[0-9a-f]{32}$/;
const UUID_DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EVEN_HEX = /^(?:[0-9a-f]{2})+$/;
const BASE64_22 = /^[A-Za-z0-9_-]{22}$/;

class Writer {
  private chunks: Buffer[] = [];

  u8(value: number): void {
    this.chunks.push(Buffer.of(value));
  }

  u48(value: number): void {
    const b = Buffer.alloc(6);
    b.writeUIntBE(value, 0, 6);
    this.chunks.push(b);
  }

  varint(value: number): void {
    const bytes: number[] = [];
    let v = value;
    while (v >= 0x80) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.chunks.push(Buffer.from(bytes));
  }

  bytes(value: Buffer): void {
    this.chunks.push(value);
  }

  id(value: string): void {
    if (typeof value !== 'string' || value.length === 0) throw new TypeError('ids must be non-empty strings');
    if (UUID_HEX.test(value)) {
      this.u8(ID_UUID_HEX);
      this.bytes(Buffer.from(value, 'hex'));
    } else if (UUID_DASHED.test(value)) {
      this.u8(ID_UUID_DASHED);
      this.bytes(Buffer.from(value.replaceAll('-', ''), 'hex'));
    } else if (EVEN_HEX.test(value)) {
      const raw = Buffer.from(value, 'hex');
      this.u8(ID_HEX);
      this.varint(raw.length);
      this.bytes(raw);
    } else if (BASE64_22.test(value) && Buffer.from(value, 'base64url').toString('base64url') === value) {
      this.u8(ID_BASE64_16);
      this.bytes(Buffer.from(value, 'base64url'));
    } else {
      const raw = Buffer.from(value, 'utf8');
      this.u8(ID_TEXT);
      this.varint(raw.length);
      this.bytes(raw);
    }
  }

  result(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

class Reader {
  private offset = 0;
  private readonly data: Buffer;

  constructor(data: Buffer) {
    this.data = data;
  }

  private take(n: number): Buffer {
    if (n < 0 || this.offset + n > this.data.length) throw new InvalidTokenError();
    const slice = this.data.subarray(this.offset, this.offset + n);
    this.offset += n;
    return slice;
  }

  u8(): number {
    return this.take(1)[0]!;
  }

  u48(): number {
    return this.take(6).readUIntBE(0, 6);
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new InvalidTokenError();
  }

  id(): string {
    const tag = this.u8();
    switch (tag) {
      case ID_UUID_HEX:
        return this.take(16).toString('hex');
      case ID_UUID_DASHED: {
        const h = this.take(16).toString('hex');
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      }
      case ID_HEX:
        return this.take(this.varint()).toString('hex');
      case ID_BASE64_16:
        return this.take(16).toString('base64url');
      case ID_TEXT: {
        const raw = this.take(this.varint());
        const text = raw.toString('utf8');
        if (text.length === 0) throw new InvalidTokenError();
        return text;
      }
      default:
        throw new InvalidTokenError();
    }
  }

  end(): void {
    if (this.offset !== this.data.length) throw new InvalidTokenError();
  }
}

/** Serialize. Bad fields are programming errors and throw TypeError/RangeError. */
export function encodePayload(fields: TokenPayloadFields): Buffer {
  const w = new Writer();
  const scopeKind = SCOPE_KINDS.indexOf(fields.scope.kind);
  if (scopeKind < 0) throw new TypeError(`unknown scope kind ${String(fields.scope.kind)}`);
  if (fields.auditIds.length !== 1 && fields.auditIds.length !== 2) {
    throw new RangeError('a token has one or two audit ids');
  }
  if (!Number.isSafeInteger(fields.expiresAt) || fields.expiresAt < 0 || fields.expiresAt > MAX_EXPIRES_AT) {
    throw new RangeError('expiresAt must be integer milliseconds since the epoch');
  }

  let flags = scopeKind;
  if (fields.auditIds.length === 2) flags |= FLAG_SECOND_AUDIT;
  if (fields.appCredId !== undefined) flags |= FLAG_APP_CRED;
  if (fields.federated !== undefined) flags |= FLAG_FEDERATED;
  if (fields.accessRules) flags |= FLAG_ACCESS_RULES;

  let methods = 0;
  for (const method of fields.methods) {
    const bit = AUTH_METHODS.indexOf(method);
    if (bit < 0) throw new TypeError(`unknown auth method ${String(method)}`);
    methods |= 1 << bit;
  }

  w.u8(FORMAT_VERSION);
  w.u8(flags);
  w.varint(methods);
  w.u48(fields.expiresAt);
  w.id(fields.userId);
  const scope = fields.scope;
  switch (scope.kind) {
    case 'project':
      w.id(scope.projectId);
      break;
    case 'domain':
      w.id(scope.domainId);
      break;
    case 'trust':
      w.id(scope.trustId);
      w.id(scope.projectId);
      break;
    case 'system':
      if (scope.system !== 'all') throw new TypeError("system scope must be 'all'");
      break;
    case 'unscoped':
      break;
  }
  for (const auditId of fields.auditIds) w.id(auditId);
  if (fields.appCredId !== undefined) w.id(fields.appCredId);
  if (fields.federated !== undefined) {
    w.id(fields.federated.idpId);
    w.id(fields.federated.protocolId);
    w.varint(fields.federated.groupIds.length);
    for (const groupId of fields.federated.groupIds) w.id(groupId);
  }
  return w.result();
}

/** Parse. Anything malformed throws InvalidTokenError (and only that). */
export function decodePayload(data: Buffer): TokenPayloadFields {
  try {
    return decodeOrThrow(data);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw error;
    throw new InvalidTokenError();
  }
}

function decodeOrThrow(data: Buffer): TokenPayloadFields {
  const r = new Reader(data);
  if (r.u8() !== FORMAT_VERSION) throw new InvalidTokenError();
  const flags = r.u8();
  if (flags & 0x80) throw new InvalidTokenError();
  const scopeKind = SCOPE_KINDS[flags & 0x07];
  if (scopeKind === undefined) throw new InvalidTokenError();

  const methodBits = r.varint();
  const methods: AuthMethod[] = [];
  AUTH_METHODS.forEach((method, bit) => {
    if (methodBits & (1 << bit)) methods.push(method);
  });
  if (methodBits >= 1 << AUTH_METHODS.length) throw new InvalidTokenError();

  const expiresAt = r.u48();
  const userId = r.id();
  let scope: TokenScope;
  switch (scopeKind) {
    case 'project':
      scope = { kind: 'project', projectId: r.id() };
      break;
    case 'domain':
      scope = { kind: 'domain', domainId: r.id() };
      break;
    case 'trust': {
      const trustId = r.id();
      scope = { kind: 'trust', trustId, projectId: r.id() };
      break;
    }
    case 'system':
      scope = { kind: 'system', system: 'all' };
      break;
    default:
      scope = { kind: 'unscoped' };
  }
  const ownAuditId = r.id();
  const auditIds: [string] | [string, string] =
    flags & FLAG_SECOND_AUDIT ? [ownAuditId, r.id()] : [ownAuditId];

  const payload: TokenPayloadFields = { userId, methods, scope, expiresAt, auditIds };
  if (flags & FLAG_APP_CRED) payload.appCredId = r.id();
  if (flags & FLAG_FEDERATED) {
    const idpId = r.id();
    const protocolId = r.id();
    const count = r.varint();
    const groupIds: string[] = [];
    for (let i = 0; i < count; i++) groupIds.push(r.id());
    payload.federated = { idpId, protocolId, groupIds };
  }
  if (flags & FLAG_ACCESS_RULES) payload.accessRules = true;
  r.end();
  return payload;
}
