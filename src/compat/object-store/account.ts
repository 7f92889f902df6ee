// The account controller: listing of containers, stats and metadata (HEAD), metadata updates
// (POST, incl. Temp-URL keys and the reseller-only quota), and the bulk operations that
// Swift's bulk middleware hangs off an account path.
import type { ApiResponse } from '../../platform/http/service-api.ts';
import type { AccountInfo } from '../../backends/object-ring/index.ts';
import { authorizeAccount, isResellerAdmin } from './auth.ts';
import { LIMITS, checkMetadata, metadataFromHeaders } from './constraints.ts';
import { swiftError } from './errors.ts';
import { header, reply, type SwiftRequest } from './http.ts';
import { ACCOUNT_ACL_SYSMETA, accountAclHeader, normalizeAccountAcl } from './account-acl.ts';
import { listingFormat, listingParams, renderAccountListing } from './listing.ts';
import type { SwiftDeps } from './service-context.ts';
import { POLICY_NAME } from './policies.ts';

const OWNER_ONLY = ['x-account-meta-temp-url-key', 'x-account-meta-temp-url-key-2'];

function accountHeaders(sr: SwiftRequest, info: AccountInfo): Record<string, string | number> {
  const h: Record<string, string | number> = {
    'X-Account-Container-Count': info.containerCount,
    'X-Account-Object-Count': info.objectCount,
    'X-Account-Bytes-Used': info.bytesUsed,
    'X-Timestamp': info.timestamp === '0000000000.00000' ? nowTimestamp() : info.timestamp,
    'Accept-Ranges': 'bytes',
  };
  if (info.containerCount > 0) {
    h[`X-Account-Storage-Policy-${POLICY_NAME}-Container-Count`] = info.containerCount;
    h[`X-Account-Storage-Policy-${POLICY_NAME}-Object-Count`] = info.objectCount;
    h[`X-Account-Storage-Policy-${POLICY_NAME}-Bytes-Used`] = info.bytesUsed;
  }
  const acl = accountAclHeader(info);
  if (sr.owner && acl) h['X-Account-Access-Control'] = acl;
  for (const [k, v] of Object.entries(info.metadata)) {
    if (k.startsWith('x-account-sysmeta-') || k === 'x-account-access-control' || v === '') continue;
    if (!sr.owner && OWNER_ONLY.includes(k)) continue;
    h[k] = v;
  }
  return h;
}

function nowTimestamp(): string {
  return (Date.now() / 1000).toFixed(5);
}

export async function headAccount(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse> {
  authorizeAccount(sr, deps);
  const info = await deps.client.headAccount(sr.account);
  return reply(sr, 204, accountHeaders(sr, info));
}

export async function getAccount(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse> {
  authorizeAccount(sr, deps);
  const format = listingFormat(sr);
  const params = listingParams(sr, LIMITS.account_listing_limit, false);
  const { info, entries } = await deps.client.getAccount(sr.account, params);
  const headers = accountHeaders(sr, info);
  const { body, contentType } = renderAccountListing(sr.account, entries, format);
  headers['Content-Type'] = contentType;
  if (entries.length === 0 && format === 'plain') return reply(sr, 204, headers);
  return reply(sr, 200, headers, body);
}

export async function postAccount(sr: SwiftRequest, deps: SwiftDeps): Promise<ApiResponse> {
  authorizeAccount(sr, deps, true);
  const meta = metadataFromHeaders(sr.req.headers, 'account');
  checkMetadata(meta, 'account');
  const acl = header(sr, 'x-account-access-control');
  if (acl !== undefined) meta[ACCOUNT_ACL_SYSMETA] = normalizeAccountAcl(acl);
  else if (header(sr, 'x-remove-account-access-control') !== undefined) meta[ACCOUNT_ACL_SYSMETA] = '';
  // account quotas are the reseller's to set (Swift's account_quotas middleware)
  if ('x-account-meta-quota-bytes' in meta) {
    if (!isResellerAdmin(sr)) throw swiftError(403);
    const v = meta['x-account-meta-quota-bytes'];
    if (v !== '' && !/^-?\d+$/.test(v)) throw swiftError(400, 'Invalid bytes quota.');
  }
  await deps.client.postAccount(sr.account, meta);
  return reply(sr, 204);
}
