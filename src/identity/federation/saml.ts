// SAML 2.0 Web Browser SSO, service provider side: is this Response (HTTP-POST
// binding) really from the IdP, for us, now, and for the first time?
//
// saml2-js checks the XML signature against the IdP's certificates, the status,
// the audience, and reads the attributes. What it leaves out, we check here on
// the same (single, signed) assertion: the Recipient and Destination, the
// validity window on our clock with a small skew, and that the assertion was
// not consumed before (the caller records it until it expires).
import { createRequire } from 'node:module';
import type { RemoteAttributes } from './mapping.ts';

const require = createRequire(import.meta.url);

const NS_SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const NS_SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
/** A Response is a small document; anything larger is refused before parsing. */
const MAX_RESPONSE_BYTES = 256 * 1024;

// The few DOM members we use, typed here so the DOM lib stays out of the build.
interface XmlNode {
  nodeType: number;
  localName: string | null;
  namespaceURI: string | null;
  textContent: string | null;
  parentNode: XmlNode | null;
  childNodes: ArrayLike<XmlNode>;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  getElementsByTagNameNS(ns: string, name: string): ArrayLike<XmlNode>;
}
interface XmlDocument {
  documentElement: XmlNode | null;
  getElementsByTagNameNS(ns: string, name: string): ArrayLike<XmlNode>;
}
interface XmlDom {
  DOMParser: new (options?: { errorHandler?: Record<string, (msg: string) => void> }) => {
    parseFromString(xml: string, mime?: string): XmlDocument;
  };
}
interface Saml2Library {
  ServiceProvider: new (options: Record<string, unknown>) => Saml2ServiceProvider;
  IdentityProvider: new (options: Record<string, unknown>) => object;
}
interface Saml2ServiceProvider {
  post_assert(idp: object, options: Record<string, unknown>, cb: (error: Error | null, response: Saml2Assertion) => void): void;
  create_login_request_url(idp: object, options: Record<string, unknown>, cb: (error: Error | null, url: string, id: string) => void): void;
}
interface Saml2Assertion {
  type: string;
  user: { name_id?: string | null; attributes?: Record<string, string[]> };
}

const xmldom = require('@xmldom/xmldom') as XmlDom;
const saml2 = require('saml2-js') as Saml2Library;

/** Our side: what the IdP must have addressed the assertion to. */
export interface ServiceProviderInfo {
  entityId: string;
  /** the AssertionConsumerService URL of the IdP/protocol the Response was posted to */
  acsUrl: string;
}

export interface IdentityProviderInfo {
  certificates: string[];
  ssoUrl?: string | null;
}

export interface ValidatedAssertion {
  assertionId: string;
  /** the assertion's Issuer: the IdP's entity id, matched against its remote_ids */
  issuer: string | null;
  nameId: string | null;
  /** SAML attribute Name -> values, plus NameID as `NameID` and `REMOTE_USER` */
  attributes: RemoteAttributes;
  /** until when the assertion could be accepted: replay protection must last this long */
  expiresAt: number;
}

/** A Response we refuse; the message says why (logged, never shown to the client). */
export class SamlRejected extends Error {}

function elementsOf(parent: XmlNode | XmlDocument, ns: string, name: string): XmlNode[] {
  return Array.from(parent.getElementsByTagNameNS(ns, name));
}

function childElements(parent: XmlNode, ns: string, name: string): XmlNode[] {
  return Array.from(parent.childNodes).filter((n) => n.nodeType === 1 && n.namespaceURI === ns && n.localName === name);
}

function parseInstant(value: string | null, what: string): number | undefined {
  if (value === null || value === '') return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new SamlRejected(`${what} is not a valid instant: ${value}`);
  return t;
}

export function decodeResponse(samlResponse: string): string {
  const compact = samlResponse.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length > (MAX_RESPONSE_BYTES * 4) / 3 + 4 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new SamlRejected('SAMLResponse is not base64 of a reasonable size');
  }
  return Buffer.from(compact, 'base64').toString('utf8');
}

function parse(xml: string): XmlDocument {
  // No DTDs (entity tricks), no comments (they split text nodes, and a signature
  // made without comments would still hold over a value cut in two).
  if (/<!DOCTYPE|<!ENTITY|<!--/i.test(xml)) throw new SamlRejected('Response carries a DTD or comments');
  const errors: string[] = [];
  const record = (msg: string) => void errors.push(msg);
  const doc = new xmldom.DOMParser({ errorHandler: { warning: () => undefined, error: record, fatalError: record } }).parseFromString(xml, 'text/xml');
  if (errors.length > 0 || !doc.documentElement) throw new SamlRejected(`Response is not well-formed XML: ${errors[0] ?? 'empty'}`);
  return doc;
}

function signedAssertion(sp: ServiceProviderInfo, idp: IdentityProviderInfo, samlResponse: string): Promise<Saml2Assertion> {
  // Timing is not left to saml2-js (it reads Date.now()): it is checked below on the engine's clock.
  const library = new saml2.ServiceProvider({
    entity_id: sp.entityId,
    assert_endpoint: sp.acsUrl,
    // We hold no decryption key: encrypted assertions are refused earlier.
    private_key: '',
    certificate: '',
    audience: sp.entityId,
    allow_unencrypted_assertion: true,
    notbefore_skew: 0,
  });
  const remote = new saml2.IdentityProvider({ sso_login_url: idp.ssoUrl ?? '', sso_logout_url: '', certificates: idp.certificates });
  return new Promise((resolve, reject) => {
    try {
      const options = { request_body: { SAMLResponse: samlResponse }, require_session_index: false, ignore_timing: true };
      library.post_assert(remote, options, (error, response) => {
        if (error) reject(new SamlRejected(`saml2-js: ${error.message}`));
        else if (response?.type !== 'authn_response') reject(new SamlRejected('not an authentication response'));
        else resolve(response);
      });
    } catch (error) {
      reject(new SamlRejected(`saml2-js: ${error instanceof Error ? error.message : String(error)}`));
    }
  });
}

/**
 * Validates a base64 SAMLResponse (HTTP-POST binding) for this IdP and our SP.
 * Throws SamlRejected for anything we must not accept.
 */
export async function validateSamlResponse(
  samlResponse: string,
  sp: ServiceProviderInfo,
  idp: IdentityProviderInfo,
  clock: { now: number; skewMs: number },
): Promise<ValidatedAssertion> {
  const xml = decodeResponse(samlResponse);
  const doc = parse(xml);
  const root = doc.documentElement!;
  if (root.namespaceURI !== NS_SAMLP || root.localName !== 'Response') throw new SamlRejected('not a samlp:Response');
  if (elementsOf(doc, NS_SAML, 'EncryptedAssertion').length > 0) throw new SamlRejected('encrypted assertions are not supported');
  const assertions = elementsOf(doc, NS_SAML, 'Assertion');
  // Exactly one: the one saml2-js verifies is then the one we read.
  if (assertions.length !== 1) throw new SamlRejected(`expected 1 Assertion, found ${assertions.length}`);
  if (idp.certificates.length === 0) throw new SamlRejected('the identity provider has no signing certificate');

  const verified = await signedAssertion(sp, idp, Buffer.from(xml, 'utf8').toString('base64'));

  const assertion = assertions[0]!;
  const destination = root.getAttribute('Destination');
  if (destination && destination !== sp.acsUrl) throw new SamlRejected(`Destination ${destination} is not ${sp.acsUrl}`);
  const assertionId = assertion.getAttribute('ID');
  if (!assertionId) throw new SamlRejected('Assertion without ID');

  const now = clock.now;
  const skew = clock.skewMs;
  const windowEnds: number[] = [];
  const conditions = childElements(assertion, NS_SAML, 'Conditions')[0];
  if (!conditions) throw new SamlRejected('Assertion without Conditions');
  const notBefore = parseInstant(conditions.getAttribute('NotBefore'), 'NotBefore');
  if (notBefore !== undefined && notBefore > now + skew) throw new SamlRejected('Assertion is not yet valid');
  const notOnOrAfter = parseInstant(conditions.getAttribute('NotOnOrAfter'), 'NotOnOrAfter');
  if (notOnOrAfter !== undefined) {
    if (notOnOrAfter <= now - skew) throw new SamlRejected('Assertion has expired');
    windowEnds.push(notOnOrAfter);
  }

  // Our own audience requirement: saml2-js passes an assertion that names no audience at all.
  const audiences = childElements(conditions, NS_SAML, 'AudienceRestriction').flatMap((r) => childElements(r, NS_SAML, 'Audience'));
  if (!audiences.some((a) => (a.textContent ?? '').trim() === sp.entityId)) throw new SamlRejected(`Assertion is not for audience ${sp.entityId}`);

  const subject = childElements(assertion, NS_SAML, 'Subject')[0];
  const confirmations = subject ? childElements(subject, NS_SAML, 'SubjectConfirmation').filter((c) => c.getAttribute('Method') === BEARER) : [];
  let confirmed: number | undefined;
  const reasons: string[] = [];
  for (const confirmation of confirmations) {
    const data = childElements(confirmation, NS_SAML, 'SubjectConfirmationData')[0];
    if (!data) {
      reasons.push('no SubjectConfirmationData');
      continue;
    }
    const recipient = data.getAttribute('Recipient');
    if (recipient !== sp.acsUrl) {
      reasons.push(`Recipient ${recipient} is not ${sp.acsUrl}`);
      continue;
    }
    const until = parseInstant(data.getAttribute('NotOnOrAfter'), 'SubjectConfirmationData NotOnOrAfter');
    if (until === undefined || until <= now - skew) {
      reasons.push('bearer confirmation expired or unbounded');
      continue;
    }
    const from = parseInstant(data.getAttribute('NotBefore'), 'SubjectConfirmationData NotBefore');
    if (from !== undefined && from > now + skew) {
      reasons.push('bearer confirmation not yet valid');
      continue;
    }
    confirmed = until;
    break;
  }
  if (confirmed === undefined) throw new SamlRejected(`no usable bearer SubjectConfirmation (${reasons.join('; ') || 'none'})`);
  windowEnds.push(confirmed);

  const issuerElement = childElements(assertion, NS_SAML, 'Issuer')[0];
  const issuer = issuerElement ? (issuerElement.textContent ?? '').trim() : null;
  const nameId = verified.user.name_id ?? null;
  const attributes: RemoteAttributes = {};
  for (const [name, values] of Object.entries(verified.user.attributes ?? {})) {
    attributes[name] = values.filter((v) => typeof v === 'string');
  }
  if (nameId) {
    attributes.NameID ??= [nameId];
    attributes.REMOTE_USER ??= [nameId];
  }
  return { assertionId, issuer, nameId, attributes, expiresAt: Math.max(...windowEnds) + skew };
}

/**
 * The AuthnRequest redirect (HTTP-Redirect binding) that starts WebSSO at the IdP.
 * RelayState carries where the browser goes back to.
 */
export function loginRedirectUrl(sp: ServiceProviderInfo, idp: IdentityProviderInfo, relayState: string): Promise<string> {
  const library = new saml2.ServiceProvider({ entity_id: sp.entityId, assert_endpoint: sp.acsUrl, private_key: '', certificate: '' });
  const remote = new saml2.IdentityProvider({ sso_login_url: idp.ssoUrl, sso_logout_url: '', certificates: idp.certificates });
  return new Promise((resolve, reject) => {
    library.create_login_request_url(remote, { relay_state: relayState }, (error, url) => (error ? reject(error) : resolve(url)));
  });
}

/**
 * The Issuer a Response claims, read before any check: only to choose whose
 * certificates verify it (IdP-less WebSSO). Never trusted as such.
 */
export function claimedIssuer(samlResponse: string): string | undefined {
  try {
    const doc = parse(decodeResponse(samlResponse));
    const assertion = elementsOf(doc, NS_SAML, 'Assertion')[0];
    const issuer = (assertion && childElements(assertion, NS_SAML, 'Issuer')[0]) ?? (doc.documentElement && childElements(doc.documentElement, NS_SAML, 'Issuer')[0]);
    const text = issuer?.textContent?.trim();
    return text || undefined;
  } catch {
    return undefined;
  }
}
