// EC2-style credentials: an access/secret pair kept as a JSON blob in a
// credential of type "ec2", whose id is the sha256 of the access key, so that
// the key alone finds it.
import { createHash } from 'node:crypto';
import { badRequest } from '../../platform/http/api-error.ts';
import type { CredentialRecord } from '../model.ts';

export const EC2_TYPE = 'ec2';

export function ec2CredentialId(access: string): string {
  return createHash('sha256').update(access, 'utf8').digest('hex');
}

const expecting = (attribute: string) =>
  badRequest(`Expecting to find ${attribute} in credential. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`);

/** The parsed blob of an ec2 credential; 400 unless it is a JSON object with an access key. */
export function parseEc2Blob(blob: unknown): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(blob));
  } catch {
    throw badRequest('Invalid blob in credential');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length === 0) throw expecting('blob');
  const access = (parsed as Record<string, unknown>).access;
  if (access === undefined || access === null) throw expecting('access');
  return parsed as Record<string, unknown>;
}

export function requireProjectId(): Error {
  return expecting('project_id');
}

/** Scope markers an ec2 blob carries; changing them would change what the key may do. */
export const EC2_FROZEN_KEYS = ['trust_id', 'app_cred_id', 'access_token_id', 'access_id'];

/** The OS-EC2 API's view of a credential. */
export function ec2View(cred: CredentialRecord) {
  let blob: Record<string, unknown> = {};
  try {
    blob = JSON.parse(cred.blob);
  } catch {
    // an unreadable blob shows as empty fields rather than failing the whole list
  }
  return {
    user_id: cred.user_id,
    tenant_id: cred.project_id,
    access: String(blob.access ?? ''),
    secret: typeof blob.secret === 'string' ? blob.secret : null,
    trust_id: typeof blob.trust_id === 'string' ? blob.trust_id : null,
  };
}
