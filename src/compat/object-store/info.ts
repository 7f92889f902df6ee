// GET /info: the capabilities this cluster really has, by middleware, as Swift reports them.
// container_sync is deliberately absent: there is no container sync daemon, and clients
// (Tempest's discoverable_apis among them) take /info's word for what to use.
import type { ApiResponse } from '../../platform/http/service-api.ts';
import { FORMPOST_DIGESTS } from './formpost.ts';
import { LIMITS } from './constraints.ts';
import { reply, type SwiftRequest } from './http.ts';
import { SLO_LIMITS } from './large-objects.ts';
import { POLICY_NAME } from './policies.ts';
import { TEMPURL_DIGESTS, TEMPURL_METHODS } from './tempurl.ts';

export function capabilities(): Record<string, unknown> {
  return {
    swift: {
      version: '2.31.1',
      ...LIMITS,
      valid_api_versions: ['v1', 'v1.0'],
      policies: [{ name: POLICY_NAME, aliases: POLICY_NAME, default: true }],
      strict_cors_mode: true,
      allow_account_management: false,
      account_autocreate: true,
    },
    tempurl: {
      methods: TEMPURL_METHODS,
      incoming_remove_headers: [],
      incoming_allow_headers: [],
      outgoing_remove_headers: [],
      outgoing_allow_headers: [],
      allowed_digests: TEMPURL_DIGESTS,
    },
    formpost: { allowed_digests: FORMPOST_DIGESTS },
    staticweb: {},
    bulk_delete: { max_deletes_per_request: 10000, max_failed_deletes: 1000 },
    bulk_upload: { max_containers_per_extraction: 10000, max_failed_extractions: 1000 },
    slo: { max_manifest_segments: SLO_LIMITS.max_manifest_segments, max_manifest_size: SLO_LIMITS.max_manifest_size, min_segment_size: SLO_LIMITS.min_segment_size, yield_frequency: 10, allow_async_delete: false },
    dlo: { max_segments: 10000 },
    versioned_writes: { allowed_flags: ['x-versions-location', 'x-history-location'] },
    object_versioning: {},
    account_quotas: {},
    container_quotas: {},
    keystoneauth: {},
    crossdomain: { cross_domain_policy: CROSS_DOMAIN_POLICY },
  };
}

const CROSS_DOMAIN_POLICY = '<allow-access-from domain="*" secure="false" />';

export function getCrossdomain(sr: SwiftRequest): ApiResponse {
  const body = '<?xml version="1.0"?>\n<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd" >\n' +
    `<cross-domain-policy>\n${CROSS_DOMAIN_POLICY}\n</cross-domain-policy>`;
  return reply(sr, 200, { 'Content-Type': 'application/xml; charset=utf-8' }, body);
}

export function getHealthcheck(sr: SwiftRequest): ApiResponse {
  return reply(sr, 200, { 'Content-Type': 'text/plain' }, 'OK');
}

export function getInfo(sr: SwiftRequest): ApiResponse {
  return reply(sr, 200, { 'Content-Type': 'application/json; charset=UTF-8' }, JSON.stringify(capabilities()));
}
