// /v3/OS-FEDERATION: identity providers, their protocols, mappings, the SAML
// login endpoints (API and WebSSO) and our SP metadata. stackgate is the SAML
// service provider itself: there is no Shibboleth or mellon in front of it.
import { X509Certificate } from 'node:crypto';
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { ApiError, badRequest, conflict, notFound, unauthorized } from '../../platform/http/api-error.ts';
import { hexId } from '../../platform/ids.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { IdentityProviderRecord, MappingRecord, ProtocolRecord } from '../../identity/federation/federation-db.ts';
import {
  enabledIdp,
  federatedLogin,
  idpByRemoteId,
  idpNotFound,
  protocolNotFound,
  protocolOf,
  revokeIdpTokens,
} from '../../identity/federation/federated-login.ts';
import { MappingError, validateMappingRules } from '../../identity/federation/mapping.ts';
import { claimedIssuer, loginRedirectUrl } from '../../identity/federation/saml.ts';
import { apiAcsUrl, genericWebssoAcsUrl, spEntityId, spMetadata, webssoAcsUrl } from '../../identity/federation/sp-endpoints.ts';
import { createProjectRecord } from '../../identity/resources/projects-lifecycle.ts';
import { deleteUser } from '../../identity/resources/users.ts';
import { authHandlers } from './auth.ts';
import { bodyObject, collectionLinks, created, noContent, ok, queryBool, queryString, selfLink } from './support.ts';

type Json = Record<string, any>;

const IDP_FIELDS = ['description', 'enabled', 'domain_id', 'remote_ids', 'authorization_ttl', 'saml_certificates', 'saml_sso_url'];
const PROTOCOL_FIELDS = ['mapping_id', 'remote_id_attribute'];
const MAX_FORM_BYTES = 512 * 1024;

const idpPath = (id: string) => `/v3/OS-FEDERATION/identity_providers/${encodeURIComponent(id)}`;

function idpView(ctx: RequestContext, r: IdentityProviderRecord) {
  return {
    id: r.id,
    description: r.description,
    enabled: r.enabled,
    domain_id: r.domain_id,
    remote_ids: r.remote_ids,
    authorization_ttl: r.authorization_ttl,
    saml_certificates: r.saml_certificates,
    saml_sso_url: r.saml_sso_url,
    links: { self: `${ctx.baseUrl}${idpPath(r.id)}`, protocols: `${ctx.baseUrl}${idpPath(r.id)}/protocols` },
  };
}

function protocolView(ctx: RequestContext, r: ProtocolRecord) {
  return {
    id: r.protocol_id,
    mapping_id: r.mapping_id,
    ...(r.remote_id_attribute !== null ? { remote_id_attribute: r.remote_id_attribute } : {}),
    links: {
      self: `${ctx.baseUrl}${idpPath(r.idp_id)}/protocols/${encodeURIComponent(r.protocol_id)}`,
      identity_provider: `${ctx.baseUrl}${idpPath(r.idp_id)}`,
    },
  };
}

function mappingView(ctx: RequestContext, r: MappingRecord) {
  return { id: r.id, rules: r.rules, schema_version: r.schema_version, links: selfLink(ctx, `/v3/OS-FEDERATION/mappings/${encodeURIComponent(r.id)}`) };
}

function refuseUnknown(input: Json, known: string[]): void {
  const extra = Object.keys(input).find((k) => !known.includes(k));
  if (extra) throw badRequest(`Invalid input for field '${extra}': Additional properties are not allowed ('${extra}' was unexpected)`);
}

function checkIdpFields(input: Json): void {
  refuseUnknown(input, IDP_FIELDS);
  if ('enabled' in input && typeof input.enabled !== 'boolean') throw badRequest(`Invalid input for field 'enabled': ${JSON.stringify(input.enabled)} is not of type 'boolean'`);
  if ('description' in input && input.description !== null && typeof input.description !== 'string') throw badRequest(`Invalid input for field 'description': not a string`);
  if ('domain_id' in input && input.domain_id !== null && typeof input.domain_id !== 'string') throw badRequest(`Invalid input for field 'domain_id': not a string`);
  if ('authorization_ttl' in input && input.authorization_ttl !== null && !(Number.isInteger(input.authorization_ttl) && input.authorization_ttl >= 0)) {
    throw badRequest(`Invalid input for field 'authorization_ttl': must be a non-negative integer or null`);
  }
  if ('remote_ids' in input && input.remote_ids !== null) {
    if (!Array.isArray(input.remote_ids) || input.remote_ids.some((r: unknown) => typeof r !== 'string' || r === '')) {
      throw badRequest(`Invalid input for field 'remote_ids': must be a list of non-empty strings`);
    }
  }
  if ('saml_certificates' in input && input.saml_certificates !== null) {
    if (!Array.isArray(input.saml_certificates)) throw badRequest(`Invalid input for field 'saml_certificates': must be a list of PEM certificates`);
    for (const pem of input.saml_certificates) {
      try {
        if (typeof pem !== 'string' || !pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('not PEM');
        new X509Certificate(pem);
      } catch {
        throw badRequest(`Invalid input for field 'saml_certificates': each entry must be a PEM X.509 certificate`);
      }
    }
  }
  if ('saml_sso_url' in input && input.saml_sso_url !== null) {
    if (typeof input.saml_sso_url !== 'string' || !/^https?:\/\/\S+$/.test(input.saml_sso_url)) {
      throw badRequest(`Invalid input for field 'saml_sso_url': must be an http(s) URL`);
    }
  }
}

function checkMappingBody(input: Json): { rules: unknown[]; schema_version?: string } {
  refuseUnknown(input, ['rules', 'schema_version']);
  if ('schema_version' in input && typeof input.schema_version !== 'string') throw badRequest(`Invalid input for field 'schema_version': not a string`);
  try {
    validateMappingRules({ rules: input.rules });
  } catch (error) {
    if (error instanceof MappingError) throw badRequest(`Invalid input for field 'rules': ${error.message}`);
    throw error;
  }
  return input as { rules: unknown[]; schema_version?: string };
}

/** A Response arrives as an HTML form post (HTTP-POST binding); JSON is accepted too for scripts. */
async function readForm(ctx: RequestContext): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.query)) if (typeof v === 'string') out[k] = v;
  if (ctx.method !== 'POST') return out;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.raw.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new ApiError(413, 'Request is too large.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = String(ctx.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    try {
      const parsed = JSON.parse(text || '{}');
      for (const [k, v] of Object.entries(parsed ?? {})) if (typeof v === 'string') out[k] = v;
    } catch {
      throw badRequest('Malformed request body: the body is not valid JSON.');
    }
  } else {
    for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  }
  return out;
}

function escapeHtml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** What WebSSO answers: a page that posts the token to the dashboard at once. */
function ssoCallbackPage(origin: string, token: string): string {
  return `<!DOCTYPE html>
<html>
  <head>
    <title>stackgate WebSSO redirect</title>
  </head>
  <body>
    <form id="sso" name="sso" action="${escapeHtml(origin)}" method="post">
      <input type="hidden" name="token" id="token" value="${escapeHtml(token)}"/>
      <noscript><input type="submit" value="Continue"/></noscript>
    </form>
    <script>window.onload = function () { document.forms['sso'].submit(); };</script>
  </body>
</html>
`;
}

export function federationHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const fed = engine.db.federation;
  const auth = authHandlers(engine);

  async function getIdp(id: string): Promise<IdentityProviderRecord> {
    const r = await fed.identityProviders.get(id);
    if (!r) throw idpNotFound(id);
    return r;
  }

  /** Claims remote ids for an IdP; 409 (and nothing claimed) when another IdP holds one. */
  async function claimRemoteIds(idpId: string, remoteIds: string[]): Promise<void> {
    const claimed: string[] = [];
    for (const remoteId of new Set(remoteIds)) {
      const holder = await fed.remoteIds.get(remoteId);
      if (holder?.idp_id === idpId) continue;
      try {
        if (holder) throw new DuplicateKeyError('federation_remote_ids', remoteId);
        await fed.remoteIds.insert({ id: remoteId, idp_id: idpId });
        claimed.push(remoteId);
      } catch (error) {
        if (!(error instanceof DuplicateKeyError)) throw error;
        for (const c of claimed) await fed.remoteIds.delete(c);
        throw conflict(`Conflict occurred attempting to store identity_provider - Duplicate remote ID: ${remoteId}.`);
      }
    }
  }

  async function releaseRemoteIds(idpId: string, keep: string[]): Promise<void> {
    for (const claim of await fed.remoteIds.find({ idp_id: idpId })) {
      if (!keep.includes(claim.id)) await fed.remoteIds.delete(claim.id);
    }
  }

  function origin(ctx: RequestContext, form: Record<string, string>): string {
    const value = queryString(ctx, 'origin') ?? form.RelayState;
    if (!value) throw badRequest('Request must have an origin query parameter');
    if (!engine.config.identity.federation.trustedDashboards.includes(value)) throw unauthorized(`${value} is not a trusted dashboard host`);
    return value;
  }

  async function webssoRedirect(idp: IdentityProviderRecord, acsUrl: string, dashboard: string) {
    if (!idp.saml_sso_url) throw badRequest(`Identity Provider ${idp.id} has no saml_sso_url to send the browser to.`);
    const location = await loginRedirectUrl({ entityId: spEntityId(engine.config), acsUrl }, { certificates: idp.saml_certificates, ssoUrl: idp.saml_sso_url }, dashboard);
    return { status: 302, headers: { Location: location } };
  }

  async function webssoComplete(idpId: string, protocolId: string, acsUrl: string, form: Record<string, string>, dashboard: string) {
    const { token } = await federatedLogin(engine, { idpId, protocolId, samlResponse: form.SAMLResponse!, acsUrl });
    return { status: 200, body: ssoCallbackPage(dashboard, token), headers: { 'Content-Type': 'text/html; charset=UTF-8' } };
  }

  const handlers: Record<string, OperationHandler> = {
    // identity providers
    createIdentityProvider: async (ctx) => {
      engine.authorize(ctx, 'identity:create_identity_provider');
      const id = ctx.params.idp_id!;
      const input = bodyObject(ctx, 'identity_provider');
      checkIdpFields(input);
      if (await fed.identityProviders.get(id)) throw conflict(`Conflict occurred attempting to store identity_provider - Duplicate ID, ${id}.`);
      let domainId: string | null = input.domain_id ?? null;
      if (domainId !== null) {
        const domain = await engine.db.projects.get(domainId);
        if (!domain || !domain.is_domain) throw notFound(`Could not find domain: ${domainId}.`);
      }
      const remoteIds: string[] = [...new Set<string>(input.remote_ids ?? [])];
      await claimRemoteIds(id, remoteIds);
      try {
        if (domainId === null) {
          // As Keystone: each IdP without a domain gets its own, for its federated users.
          const domain = await createProjectRecord(engine, {
            name: id,
            is_domain: true,
            domain_id: null,
            description: `Auto generated federated domain for Identity Provider: ${id}`,
          });
          domainId = domain.id;
        }
        const record: IdentityProviderRecord = {
          id,
          description: input.description ?? null,
          enabled: input.enabled ?? false,
          domain_id: domainId,
          remote_ids: remoteIds,
          authorization_ttl: input.authorization_ttl ?? null,
          saml_certificates: input.saml_certificates ?? [],
          saml_sso_url: input.saml_sso_url ?? null,
        };
        await fed.identityProviders.insert(record);
        await engine.changed();
        return created({ identity_provider: idpView(ctx, record) });
      } catch (error) {
        await releaseRemoteIds(id, []);
        if (error instanceof DuplicateKeyError) throw conflict(`Conflict occurred attempting to store identity_provider - Duplicate ID, ${id}.`);
        throw error;
      }
    },
    listIdentityProviders: async (ctx) => {
      engine.authorize(ctx, 'identity:list_identity_providers');
      const id = queryString(ctx, 'id');
      const enabled = queryBool(ctx, 'enabled');
      const all = await fed.identityProviders.find({}, { sort: [['id', 'asc']] });
      const shown = all.filter((r) => (id === undefined || r.id === id) && (enabled === undefined || r.enabled === enabled));
      return ok({ identity_providers: shown.map((r) => idpView(ctx, r)), links: collectionLinks(ctx) });
    },
    getIdentityProvider: async (ctx) => {
      engine.authorize(ctx, 'identity:get_identity_provider');
      return ok({ identity_provider: idpView(ctx, await getIdp(ctx.params.idp_id!)) });
    },
    updateIdentityProvider: async (ctx) => {
      engine.authorize(ctx, 'identity:update_identity_provider');
      const record = await getIdp(ctx.params.idp_id!);
      const input = bodyObject(ctx, 'identity_provider');
      checkIdpFields(input);
      if ('domain_id' in input && input.domain_id !== record.domain_id) throw badRequest('Cannot update immutable attribute domain_id of an identity provider.');
      const changes: Partial<IdentityProviderRecord> = {};
      if ('enabled' in input) changes.enabled = input.enabled;
      if ('description' in input) changes.description = input.description;
      if ('authorization_ttl' in input) changes.authorization_ttl = input.authorization_ttl;
      if ('saml_certificates' in input) changes.saml_certificates = input.saml_certificates ?? [];
      if ('saml_sso_url' in input) changes.saml_sso_url = input.saml_sso_url;
      if ('remote_ids' in input) {
        const remoteIds: string[] = [...new Set<string>(input.remote_ids ?? [])];
        await claimRemoteIds(record.id, remoteIds);
        await releaseRemoteIds(record.id, remoteIds);
        changes.remote_ids = remoteIds;
      }
      const updated = (await fed.identityProviders.update(record.id, changes)) ?? { ...record, ...changes };
      if (record.enabled && changes.enabled === false) await revokeIdpTokens(engine, record.id);
      await engine.changed();
      return ok({ identity_provider: idpView(ctx, updated) });
    },
    deleteIdentityProvider: async (ctx) => {
      engine.authorize(ctx, 'identity:delete_identity_provider');
      const record = await getIdp(ctx.params.idp_id!);
      await revokeIdpTokens(engine, record.id);
      // Its protocols and shadow users go with it, as in Keystone.
      for (const link of await fed.federatedUsers.find({ idp_id: record.id })) {
        const user = await engine.db.users.get(link.user_id);
        if (user) await deleteUser(engine, user).catch(() => undefined);
        await fed.federatedUsers.delete(link.id);
      }
      await fed.protocols.deleteMany({ idp_id: record.id });
      await releaseRemoteIds(record.id, []);
      await fed.identityProviders.delete(record.id);
      await engine.changed();
      return noContent();
    },

    // protocols
    createProtocol: async (ctx) => {
      engine.authorize(ctx, 'identity:create_protocol');
      const idp = await getIdp(ctx.params.idp_id!);
      const protocolId = ctx.params.protocol_id!;
      const input = bodyObject(ctx, 'protocol');
      refuseUnknown(input, PROTOCOL_FIELDS);
      if (typeof input.mapping_id !== 'string' || input.mapping_id === '') throw badRequest(`'mapping_id' is a required property`);
      if ('remote_id_attribute' in input && input.remote_id_attribute !== null && typeof input.remote_id_attribute !== 'string') {
        throw badRequest(`Invalid input for field 'remote_id_attribute': not a string`);
      }
      if (!(await fed.mappings.get(input.mapping_id))) throw badRequest(`Invalid mapping id: ${input.mapping_id}`);
      const record: ProtocolRecord = {
        id: hexId(),
        idp_id: idp.id,
        protocol_id: protocolId,
        mapping_id: input.mapping_id,
        remote_id_attribute: input.remote_id_attribute ?? null,
      };
      try {
        await fed.protocols.insert(record);
      } catch (error) {
        if (error instanceof DuplicateKeyError) throw conflict(`Conflict occurred attempting to store federation_protocol - Duplicate ID, ${protocolId}.`);
        throw error;
      }
      await engine.changed();
      return created({ protocol: protocolView(ctx, record) });
    },
    listProtocols: async (ctx) => {
      engine.authorize(ctx, 'identity:list_protocols');
      const idp = await getIdp(ctx.params.idp_id!);
      const all = await fed.protocols.find({ idp_id: idp.id }, { sort: [['protocol_id', 'asc']] });
      return ok({ protocols: all.map((r) => protocolView(ctx, r)), links: collectionLinks(ctx) });
    },
    getProtocol: async (ctx) => {
      engine.authorize(ctx, 'identity:get_protocol');
      await getIdp(ctx.params.idp_id!);
      return ok({ protocol: protocolView(ctx, await protocolOf(engine, ctx.params.idp_id!, ctx.params.protocol_id!)) });
    },
    updateProtocol: async (ctx) => {
      engine.authorize(ctx, 'identity:update_protocol');
      await getIdp(ctx.params.idp_id!);
      const record = await protocolOf(engine, ctx.params.idp_id!, ctx.params.protocol_id!);
      const input = bodyObject(ctx, 'protocol');
      refuseUnknown(input, PROTOCOL_FIELDS);
      const changes: Partial<ProtocolRecord> = {};
      if ('mapping_id' in input) {
        if (typeof input.mapping_id !== 'string' || !(await fed.mappings.get(input.mapping_id))) throw badRequest(`Invalid mapping id: ${String(input.mapping_id)}`);
        changes.mapping_id = input.mapping_id;
      }
      if ('remote_id_attribute' in input) {
        if (input.remote_id_attribute !== null && typeof input.remote_id_attribute !== 'string') throw badRequest(`Invalid input for field 'remote_id_attribute': not a string`);
        changes.remote_id_attribute = input.remote_id_attribute;
      }
      const updated = (await fed.protocols.update(record.id, changes)) ?? { ...record, ...changes };
      await engine.changed();
      return ok({ protocol: protocolView(ctx, updated) });
    },
    deleteProtocol: async (ctx) => {
      engine.authorize(ctx, 'identity:delete_protocol');
      await getIdp(ctx.params.idp_id!);
      const record = await protocolOf(engine, ctx.params.idp_id!, ctx.params.protocol_id!);
      await fed.protocols.delete(record.id);
      await engine.changed();
      return noContent();
    },

    // mappings
    createMapping: async (ctx) => {
      engine.authorize(ctx, 'identity:create_mapping');
      const id = ctx.params.mapping_id!;
      const input = checkMappingBody(bodyObject(ctx, 'mapping'));
      const record: MappingRecord = { id, rules: input.rules, schema_version: input.schema_version ?? '1.0' };
      try {
        await fed.mappings.insert(record);
      } catch (error) {
        if (error instanceof DuplicateKeyError) throw conflict(`Conflict occurred attempting to store mapping - Duplicate ID, ${id}.`);
        throw error;
      }
      await engine.changed();
      return created({ mapping: mappingView(ctx, record) });
    },
    listMappings: async (ctx) => {
      engine.authorize(ctx, 'identity:list_mappings');
      const all = await fed.mappings.find({}, { sort: [['id', 'asc']] });
      return ok({ mappings: all.map((r) => mappingView(ctx, r)), links: collectionLinks(ctx) });
    },
    getMapping: async (ctx) => {
      engine.authorize(ctx, 'identity:get_mapping');
      const record = await fed.mappings.get(ctx.params.mapping_id!);
      if (!record) throw notFound(`Could not find mapping: ${ctx.params.mapping_id}.`);
      return ok({ mapping: mappingView(ctx, record) });
    },
    updateMapping: async (ctx) => {
      engine.authorize(ctx, 'identity:update_mapping');
      const record = await fed.mappings.get(ctx.params.mapping_id!);
      if (!record) throw notFound(`Could not find mapping: ${ctx.params.mapping_id}.`);
      const input = checkMappingBody(bodyObject(ctx, 'mapping'));
      const changes = { rules: input.rules, ...(input.schema_version ? { schema_version: input.schema_version } : {}) };
      const updated = (await fed.mappings.update(record.id, changes)) ?? { ...record, ...changes };
      await engine.changed();
      return ok({ mapping: mappingView(ctx, updated) });
    },
    deleteMapping: async (ctx) => {
      engine.authorize(ctx, 'identity:delete_mapping');
      const id = ctx.params.mapping_id!;
      if (!(await fed.mappings.delete(id))) throw notFound(`Could not find mapping: ${id}.`);
      await engine.changed();
      return noContent();
    },

    // what a federated token may scope to (older paths of /v3/auth/projects and /domains)
    listFederationProjects: (ctx) => auth.getAuthProjects!(ctx),
    listFederationDomains: (ctx) => auth.getAuthDomains!(ctx),

    // SAML service provider
    getSpMetadata: async () => {
      const protocols = await fed.protocols.find({}, { sort: [['idp_id', 'asc'], ['protocol_id', 'asc']] });
      const xml = spMetadata(engine.config, protocols.map((p) => ({ idpId: p.idp_id, protocolId: p.protocol_id })));
      return { status: 200, body: xml, headers: { 'Content-Type': 'application/samlmetadata+xml' } };
    },
    federatedAuthenticate: async (ctx) => {
      const form = await readForm(ctx);
      const { idp_id: idpId, protocol_id: protocolId } = ctx.params as { idp_id: string; protocol_id: string };
      if (!form.SAMLResponse) {
        await enabledIdp(engine, idpId);
        await protocolOf(engine, idpId, protocolId);
        throw unauthorized('A SAML Response (form field SAMLResponse, HTTP-POST binding) is required.');
      }
      const { token, validated } = await federatedLogin(engine, { idpId, protocolId, samlResponse: form.SAMLResponse, acsUrl: apiAcsUrl(engine.config, idpId, protocolId) });
      return created(await engine.renderToken(validated, false), { 'X-Subject-Token': token });
    },
    webssoForIdp: async (ctx) => {
      const form = await readForm(ctx);
      const { idp_id: idpId, protocol_id: protocolId } = ctx.params as { idp_id: string; protocol_id: string };
      const dashboard = origin(ctx, form);
      const acsUrl = webssoAcsUrl(engine.config, idpId, protocolId);
      if (!form.SAMLResponse) {
        const idp = await enabledIdp(engine, idpId);
        await protocolOf(engine, idpId, protocolId);
        return webssoRedirect(idp, acsUrl, dashboard);
      }
      return webssoComplete(idpId, protocolId, acsUrl, form, dashboard);
    },
    websso: async (ctx) => {
      const form = await readForm(ctx);
      const protocolId = ctx.params.protocol_id!;
      const dashboard = origin(ctx, form);
      const acsUrl = genericWebssoAcsUrl(engine.config, protocolId);
      if (!form.SAMLResponse) {
        // Without a Response we must choose the IdP ourselves: only when exactly one could serve.
        const candidates = [];
        for (const idp of await fed.identityProviders.find({ enabled: true })) {
          if (idp.saml_sso_url && (await fed.protocols.findOne({ idp_id: idp.id, protocol_id: protocolId }))) candidates.push(idp);
        }
        if (candidates.length !== 1) throw badRequest('Could not determine Identity Provider ID: use /v3/auth/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/websso.');
        return webssoRedirect(candidates[0]!, acsUrl, dashboard);
      }
      const issuer = claimedIssuer(form.SAMLResponse);
      const idp = issuer ? await idpByRemoteId(engine, issuer) : undefined;
      if (!idp) throw unauthorized();
      const protocol = await fed.protocols.findOne({ idp_id: idp.id, protocol_id: protocolId });
      if (!protocol) throw protocolNotFound(protocolId);
      return webssoComplete(idp.id, protocolId, acsUrl, form, dashboard);
    },
  };
  // GET and POST share a handler: the binding decides where the parameters are.
  handlers.federatedAuthenticateGet = handlers.federatedAuthenticate!;
  handlers.webssoForIdpGet = handlers.webssoForIdp!;
  handlers.webssoGet = handlers.websso!;
  return handlers;
}
