// A federated login (Keystone's `mapped` auth method fed by our own SAML
// validation): the IdP's Response becomes remote attributes, the protocol's
// mapping turns them into a local user, groups and projects, and the caller
// gets an unscoped token that carries the mapped groups.
import { createHash } from 'node:crypto';
import { ApiError, badRequest, forbidden, notFound, unauthorized } from '../../platform/http/api-error.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import { logger } from '../../platform/log.ts';
import type { IdentityEngine } from '../engine.ts';
import type { IssuedToken } from '../auth/authenticate.ts';
import type { ProjectRecord, UserRecord } from '../model.ts';
import { createGrant } from '../resources/assignments.ts';
import { createProjectRecord } from '../resources/projects-lifecycle.ts';
import { createUser, updateUser } from '../resources/users.ts';
import type { IdentityProviderRecord, ProtocolRecord } from './federation-db.ts';
import { applyMapping, MappingError, type DomainRef, type MappedProperties } from './mapping.ts';
import { SamlRejected, validateSamlResponse, type ValidatedAssertion } from './saml.ts';
import { spEntityId } from './sp-endpoints.ts';

const log = logger('federation');

export const idpNotFound = (id: string) => notFound(`Could not find Identity Provider: ${id}.`);
export const protocolNotFound = (id: string) => notFound(`Could not find federated protocol: ${id}.`);

export async function enabledIdp(engine: IdentityEngine, idpId: string): Promise<IdentityProviderRecord> {
  const idp = await engine.db.federation.identityProviders.get(idpId);
  if (!idp) throw idpNotFound(idpId);
  if (!idp.enabled) throw forbidden(`Identity Provider ${idpId} is disabled`);
  return idp;
}

export async function protocolOf(engine: IdentityEngine, idpId: string, protocolId: string): Promise<ProtocolRecord> {
  const protocol = await engine.db.federation.protocols.findOne({ idp_id: idpId, protocol_id: protocolId });
  if (!protocol) throw protocolNotFound(protocolId);
  return protocol;
}

/** The IdP whose remote_ids name this issuer (IdP-less WebSSO). */
export async function idpByRemoteId(engine: IdentityEngine, remoteId: string): Promise<IdentityProviderRecord | undefined> {
  const claim = await engine.db.federation.remoteIds.get(remoteId);
  return claim ? engine.db.federation.identityProviders.get(claim.idp_id) : undefined;
}

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}

/** Replay protection: an assertion id is accepted once, and remembered until it expires. */
async function consumeAssertion(engine: IdentityEngine, idpId: string, assertion: ValidatedAssertion): Promise<void> {
  const consumed = engine.db.federation.consumedAssertions;
  const now = engine.clock.now();
  // Forgetting expired ids is safe: their assertions fail the validity window anyway.
  await consumed.deleteMany({ expires_at: { $lt: now } });
  try {
    await consumed.insert({ id: digest(idpId, assertion.assertionId), idp_id: idpId, expires_at: assertion.expiresAt });
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw new SamlRejected(`assertion ${assertion.assertionId} was already used`);
    throw error;
  }
}

async function domainOf(engine: IdentityEngine, ref: DomainRef | undefined, fallback: string): Promise<ProjectRecord> {
  let domain: ProjectRecord | undefined;
  if (ref?.id) domain = await engine.db.projects.get(ref.id);
  else if (ref?.name) domain = await engine.db.projects.findOne({ name: ref.name, is_domain: true });
  else domain = await engine.db.projects.get(fallback);
  if (!domain || !domain.is_domain) throw unauthorized();
  return domain;
}

/** Group ids the mapping names, checked to exist; group names resolved in their domains (missing ones ignored, as Keystone does). */
async function resolveGroups(engine: IdentityEngine, mappingId: string, mapped: MappedProperties): Promise<string[]> {
  const ids = new Set<string>();
  for (const id of mapped.groupIds) {
    if (!(await engine.db.groups.get(id))) throw badRequest(`Group ${id} returned by mapping ${mappingId} was not found in the backend.`);
    ids.add(id);
  }
  for (const ref of mapped.groupNames) {
    let domainId = ref.domain.id;
    if (!domainId && ref.domain.name) domainId = (await engine.db.projects.findOne({ name: ref.domain.name, is_domain: true }))?.id;
    if (!domainId) continue;
    const group = await engine.db.groups.findOne({ name: ref.name, domain_id: domainId });
    if (group) ids.add(group.id);
    else log.debug('mapped group not found', { name: ref.name, domain: domainId });
  }
  return [...ids];
}

/** Keystone's shadow user: one stable local user record per remote identity of an IdP. */
async function shadowUser(engine: IdentityEngine, idp: IdentityProviderRecord, protocolId: string, mapped: MappedProperties): Promise<UserRecord> {
  const uniqueId = mapped.user.id ?? mapped.user.name;
  const displayName = mapped.user.name ?? mapped.user.id;
  if (!uniqueId || !displayName) throw unauthorized('Could not map user while setting ephemeral user identity. Either mapping.local.user.name or mapping.local.user.id must be set.');
  const domain = await domainOf(engine, mapped.user.domain, idp.domain_id);
  const fed = engine.db.federation.federatedUsers;
  const key = digest(idp.id, protocolId, uniqueId);
  const link = await fed.get(key);
  const email = mapped.user.email;
  if (link) {
    const user = await engine.db.users.get(link.user_id);
    if (user) {
      if (!user.enabled) throw unauthorized();
      if (user.name !== displayName || (email !== undefined && user.extra.email !== email)) {
        const renamed = await updateUser(engine, user, { name: displayName }).catch(() => user);
        if (email !== undefined && renamed.extra.email !== email) await engine.db.users.update(user.id, { extra: { ...renamed.extra, email } });
        await fed.update(key, { display_name: displayName });
        return (await engine.db.users.get(user.id)) ?? renamed;
      }
      return user;
    }
    await fed.delete(key);
  }
  const input = {
    domain_id: domain.id,
    enabled: true,
    password: null,
    default_project_id: null,
    options: {},
    extra: email !== undefined ? { email } : {},
  };
  let user: UserRecord;
  try {
    user = await createUser(engine, { ...input, name: displayName });
  } catch (error) {
    // Another identity of the IdP already shows this display name: fall back to the unique id.
    if (!(error instanceof ApiError && error.status === 409) || uniqueId === displayName) throw error;
    user = await createUser(engine, { ...input, name: uniqueId });
  }
  try {
    await fed.insert({ id: key, user_id: user.id, idp_id: idp.id, protocol_id: protocolId, unique_id: uniqueId, display_name: displayName });
  } catch (error) {
    if (!(error instanceof DuplicateKeyError)) throw error;
    // A concurrent first login made the link: use its user.
    await engine.db.users.delete(user.id);
    const winner = await fed.get(key);
    const existing = winner ? await engine.db.users.get(winner.user_id) : undefined;
    if (!existing) throw error;
    return existing;
  }
  return user;
}

/** Keystone's project auto-provisioning: the mapped projects exist in the user's domain and the user holds the mapped roles there. */
async function provisionProjects(engine: IdentityEngine, user: UserRecord, mapped: MappedProperties): Promise<void> {
  for (const wanted of mapped.projects) {
    const project: ProjectRecord =
      (await engine.db.projects.findOne({ name: wanted.name, domain_id: user.domain_id, is_domain: false })) ??
      await createProjectRecord(engine, { name: wanted.name, domain_id: user.domain_id, description: 'Auto-provisioned by a federation mapping.' });
    for (const roleRef of wanted.roles) {
      const role = await engine.db.roles.findOne({ name: roleRef.name, domain_id: null });
      if (!role) throw badRequest(`Could not find role: ${roleRef.name}.`);
      await createGrant(engine, { actor_type: 'user', actor_id: user.id, target_type: 'project', target_id: project.id, role_id: role.id, inherited: false });
    }
  }
}

export interface FederatedLoginRequest {
  idpId: string;
  protocolId: string;
  samlResponse: string;
  /** the URL the Response was posted to: its Recipient must be exactly this */
  acsUrl: string;
}

/** Validates the Response, applies the mapping, and issues an unscoped federated token; 401 when the Response is refused. */
export async function federatedLogin(engine: IdentityEngine, request: FederatedLoginRequest): Promise<IssuedToken> {
  const idp = await enabledIdp(engine, request.idpId);
  const protocol = await protocolOf(engine, idp.id, request.protocolId);
  const mapping = await engine.db.federation.mappings.get(protocol.mapping_id);
  if (!mapping) throw notFound(`Could not find mapping: ${protocol.mapping_id}.`);
  let assertion: ValidatedAssertion;
  try {
    assertion = await validateSamlResponse(
      request.samlResponse,
      { entityId: spEntityId(engine.config), acsUrl: request.acsUrl },
      { certificates: idp.saml_certificates, ssoUrl: idp.saml_sso_url },
      { now: engine.clock.now(), skewMs: engine.config.identity.federation.clockSkewSeconds * 1000 },
    );
    if (idp.remote_ids.length > 0 && (!assertion.issuer || !idp.remote_ids.includes(assertion.issuer))) {
      throw forbidden('Incoming identity provider identifier not included among the accepted identifiers.');
    }
    await consumeAssertion(engine, idp.id, assertion);
  } catch (error) {
    if (error instanceof SamlRejected) {
      log.info('SAML response refused', { idp: idp.id, protocol: protocol.protocol_id, reason: error.message });
      throw unauthorized();
    }
    throw error;
  }

  let mapped: MappedProperties;
  try {
    mapped = applyMapping(mapping.id, mapping.rules, assertion.attributes);
  } catch (error) {
    if (error instanceof MappingError) throw badRequest(error.message);
    throw error;
  }

  if (mapped.user.type === 'local') {
    const user = mapped.user.id
      ? await engine.db.users.get(mapped.user.id)
      : mapped.user.name
        ? await engine.db.users.findOne({ name: mapped.user.name, domain_id: (await domainOf(engine, mapped.user.domain, idp.domain_id)).id })
        : undefined;
    if (!user || !user.enabled) throw unauthorized();
    return issue(engine, { userId: user.id, methods: ['saml2'], scope: { kind: 'unscoped' } });
  }

  const user = await shadowUser(engine, idp, protocol.protocol_id, mapped);
  const groupIds = await resolveGroups(engine, mapping.id, mapped);
  await provisionProjects(engine, user, mapped);
  await engine.changed();
  return issue(engine, {
    userId: user.id,
    methods: ['saml2'],
    scope: { kind: 'unscoped' },
    federated: { idpId: idp.id, protocolId: protocol.protocol_id, groupIds },
  });
}

async function issue(engine: IdentityEngine, fields: Parameters<IdentityEngine['issue']>[0]): Promise<IssuedToken> {
  const { token } = engine.issue(fields);
  try {
    return { token, validated: await engine.validate(token) };
  } catch (error) {
    // Revoked in this very second (the user's tokens were just revoked): not usable.
    if (error instanceof ApiError && error.status === 404) throw unauthorized();
    throw error;
  }
}

/** Tokens of an IdP's users stop working when it is disabled or deleted. */
export async function revokeIdpTokens(engine: IdentityEngine, idpId: string): Promise<void> {
  const links = await engine.db.federation.federatedUsers.find({ idp_id: idpId });
  for (const userId of new Set(links.map((l) => l.user_id))) await engine.revocations.revoke({ user_id: userId });
}
