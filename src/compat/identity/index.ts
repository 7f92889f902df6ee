// Keystone v3 as a ServiceApi: its handlers, its error body and its mount point.
import type { ApiError } from '../../platform/http/api-error.ts';
import type { OperationHandler, ServiceApi } from '../../platform/http/service-api.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import { authHandlers } from './auth.ts';
import { versionHandlers } from './versions.ts';
import { projectHandlers } from './projects.ts';
import { domainHandlers } from './domains.ts';
import { userHandlers } from './users.ts';
import { groupHandlers } from './groups.ts';
import { roleHandlers } from './roles.ts';
import { grantHandlers } from './grants.ts';
import { roleAssignmentHandlers } from './role-assignments.ts';
import { regionHandlers } from './regions.ts';
import { serviceHandlers } from './services.ts';
import { endpointHandlers } from './endpoints.ts';
import { credentialHandlers } from './credentials.ts';
import { applicationCredentialHandlers } from './application-credentials.ts';
import { federationHandlers } from './federation.ts';
import { trustHandlers } from './trusts.ts';
import { endpointGroupHandlers } from './endpoint-groups.ts';
import { policyHandlers } from './policies.ts';
import { domainConfigHandlers } from './domain-configs.ts';
import { oauthConsumerHandlers } from './oauth-consumers.ts';

export type HandlerFactory = (engine: IdentityEngine) => Record<string, OperationHandler>;

/** Every resource module of the identity API; each adds its operationIds. */
const RESOURCE_HANDLERS: HandlerFactory[] = [
  authHandlers,
  projectHandlers,
  domainHandlers,
  userHandlers,
  groupHandlers,
  roleHandlers,
  grantHandlers,
  roleAssignmentHandlers,
  regionHandlers,
  serviceHandlers,
  endpointHandlers,
  credentialHandlers,
  applicationCredentialHandlers,
  federationHandlers,
  trustHandlers,
  endpointGroupHandlers,
  policyHandlers,
  domainConfigHandlers,
  oauthConsumerHandlers,
];

export function renderKeystoneError(error: ApiError): unknown {
  return { error: { code: error.status, title: error.kind ?? error.title, message: error.message } };
}

export function identityService(engine: IdentityEngine): ServiceApi {
  const handlers: Record<string, OperationHandler> = { ...versionHandlers };
  for (const factory of RESOURCE_HANDLERS) {
    for (const [id, handler] of Object.entries(factory(engine))) {
      if (handlers[id]) throw new Error(`identity: two handlers for ${id}`);
      handlers[id] = handler;
    }
  }
  return {
    type: 'identity',
    name: 'keystone',
    prefix: '/identity',
    port: 5000,
    apiRef: 'identity',
    catalogSuffix: '/v3',
    handlers,
    renderError: renderKeystoneError,
  };
}
