// Where stackgate, as a SAML service provider, is reached: its entity id and the
// AssertionConsumerService URLs the IdPs post Responses to, one pair per IdP and
// protocol (the API endpoint, answered with a token, and the WebSSO endpoint,
// answered with a form for the dashboard). The metadata document lists them.
import { publicBaseUrl, type Config } from '../../platform/config.ts';

export const SP_METADATA_PATH = '/v3/OS-FEDERATION/saml2/sp/metadata';

/** The identity API root clients and IdPs reach, e.g. http://cloud:8800/identity */
export function identityRoot(config: Config): string {
  return `${publicBaseUrl(config)}/identity`;
}

export function spEntityId(config: Config): string {
  return config.identity.federation.spEntityId ?? `${identityRoot(config)}${SP_METADATA_PATH}`;
}

export function apiAcsUrl(config: Config, idpId: string, protocolId: string): string {
  return `${identityRoot(config)}/v3/OS-FEDERATION/identity_providers/${encodeURIComponent(idpId)}/protocols/${encodeURIComponent(protocolId)}/auth`;
}

export function webssoAcsUrl(config: Config, idpId: string, protocolId: string): string {
  return `${identityRoot(config)}/v3/auth/OS-FEDERATION/identity_providers/${encodeURIComponent(idpId)}/protocols/${encodeURIComponent(protocolId)}/websso`;
}

/** The IdP-less WebSSO endpoint: the IdP is recognised by the assertion's Issuer. */
export function genericWebssoAcsUrl(config: Config, protocolId: string): string {
  return `${identityRoot(config)}/v3/auth/OS-FEDERATION/websso/${encodeURIComponent(protocolId)}`;
}

const HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

function xmlEscape(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** SAML 2.0 SP metadata: our entity id and every AssertionConsumerService, HTTP-POST binding. */
export function spMetadata(config: Config, protocols: Array<{ idpId: string; protocolId: string }>): string {
  const acs: string[] = [];
  const add = (url: string) => {
    if (acs.some((a) => a.includes(`Location="${xmlEscape(url)}"`))) return;
    acs.push(`    <md:AssertionConsumerService Binding="${HTTP_POST}" Location="${xmlEscape(url)}" index="${acs.length}"${acs.length === 0 ? ' isDefault="true"' : ''}/>`);
  };
  for (const p of protocols) {
    add(apiAcsUrl(config, p.idpId, p.protocolId));
    add(webssoAcsUrl(config, p.idpId, p.protocolId));
  }
  for (const protocolId of new Set(protocols.map((p) => p.protocolId))) add(genericWebssoAcsUrl(config, protocolId));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${xmlEscape(spEntityId(config))}">`,
    '  <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">',
    '    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>',
    '    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>',
    ...acs,
    '  </md:SPSSODescriptor>',
    '</md:EntityDescriptor>',
    '',
  ].join('\n');
}
