import { randomBytes, randomUUID } from 'node:crypto';

/** Keystone-style id: a uuid4 as 32 hex digits without dashes. */
export function hexId(): string {
  return randomUUID().replaceAll('-', '');
}

/** Nova/Neutron/Cinder-style id: a dashed uuid4. */
export function uuid(): string {
  return randomUUID();
}

/** The value of x-openstack-request-id: `req-` and a dashed uuid. */
export function requestId(): string {
  return `req-${randomUUID()}`;
}

/** A random urlsafe secret (application credential secrets, generated passwords). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

const HEX32 = /^[0-9a-f]{32}$/;
export function isHexId(value: string): boolean {
  return HEX32.test(value);
}
