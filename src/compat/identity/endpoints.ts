// /v3/endpoints: where each service answers, per region and interface. Every
// change reaches the catalog in tokens through engine.changed().
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, notFound } from '../../platform/http/api-error.ts';
import { hexId } from '../../platform/ids.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { EndpointRecord } from '../../identity/model.ts';
import { checkEndpointUrl } from '../../identity/resources/endpoints-url.ts';
import {
  checkBoolean,
  checkMatchingId,
  checkNotEmpty,
  checkString,
  invalidField,
  pythonRepr,
  requiredProperty,
} from '../../identity/resources/services-field-checks.ts';
import { bodyObject, collectionLinks, created, extraFields, noContent, ok, queryString, selfLink } from './support.ts';

const KNOWN = ['id', 'interface', 'service_id', 'url', 'region_id', 'region', 'enabled', 'links', 'legacy_endpoint_id'] as const;
const INTERFACES = ['admin', 'internal', 'public'];

export function endpointView(ctx: RequestContext, e: EndpointRecord) {
  // stackgate_managed is our own bookkeeping (bootstrap keeps URLs nobody changed current)
  const { stackgate_managed: _managed, ...extra } = e.extra;
  return {
    ...extra,
    id: e.id,
    interface: e.interface,
    service_id: e.service_id,
    url: e.url,
    region_id: e.region_id,
    region: e.region_id,
    enabled: e.enabled,
    links: selfLink(ctx, `/v3/endpoints/${e.id}`),
  };
}

function checkFields(input: Record<string, unknown>): void {
  checkString(input, 'service_id');
  if (input.interface !== undefined && !INTERFACES.includes(input.interface as string)) {
    throw invalidField('interface', `${pythonRepr(input.interface)} is not one of ${pythonRepr(INTERFACES)}`);
  }
  const url = checkString(input, 'url', { maxLength: 225 });
  if (typeof url === 'string' && !/^[a-zA-Z0-9+.-]+:.+/.test(url)) throw invalidField('url', `${pythonRepr(url)} does not match '^[a-zA-Z0-9+.-]+:.+'`);
  checkString(input, 'region_id', { nullable: true });
  checkString(input, 'region', { nullable: true });
  checkBoolean(input, 'enabled');
}

export function endpointHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const db = engine.db;
  const endpointNotFound = (id: string) => notFound(`Could not find endpoint: ${id}.`);

  /** The region an input names: `region_id`, or the legacy `region`, which is created when missing. */
  async function resolveRegion(input: Record<string, any>): Promise<string | null | undefined> {
    if (input.region_id === undefined || input.region_id === null) {
      if (typeof input.region === 'string') {
        // Clients of the v2-era API name regions that may not exist yet; Keystone creates them.
        if (!(await db.regions.get(input.region))) {
          await db.regions.insert({ id: input.region, description: '', parent_region_id: null, extra: {} }).catch(() => undefined);
        }
        return input.region;
      }
      return input.region_id;
    }
    if (!(await db.regions.get(input.region_id))) {
      throw badRequest('Expecting to find endpoint region_id in region table. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
    }
    return input.region_id;
  }

  async function assertService(serviceId: string | undefined): Promise<void> {
    if (serviceId !== undefined && !(await db.services.get(serviceId))) {
      throw badRequest('Expecting to find endpoint service_id in service table. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
    }
  }

  return {
    listEndpoints: async (ctx) => {
      engine.authorize(ctx, 'identity:list_endpoints');
      const filter: Record<string, string> = {};
      for (const key of ['service_id', 'interface', 'region_id']) {
        const v = queryString(ctx, key);
        if (v !== undefined) filter[key] = v;
      }
      const endpoints = await db.endpoints.find(filter);
      return ok({ endpoints: endpoints.map((e) => endpointView(ctx, e)), links: collectionLinks(ctx) });
    },
    getEndpoint: async (ctx) => {
      engine.authorize(ctx, 'identity:get_endpoint');
      const endpoint = await db.endpoints.get(ctx.params.endpoint_id);
      if (!endpoint) throw endpointNotFound(ctx.params.endpoint_id);
      return ok({ endpoint: endpointView(ctx, endpoint) });
    },
    createEndpoint: async (ctx) => {
      engine.authorize(ctx, 'identity:create_endpoint');
      const input = bodyObject(ctx, 'endpoint');
      for (const field of ['interface', 'service_id', 'url']) if (input[field] === undefined) throw requiredProperty(field);
      checkFields(input);
      checkEndpointUrl(input.url);
      const regionId = await resolveRegion(input);
      await assertService(input.service_id);
      const record: EndpointRecord = {
        id: hexId(),
        service_id: input.service_id,
        interface: input.interface,
        region_id: regionId ?? null,
        url: input.url,
        enabled: input.enabled ?? true,
        extra: extraFields(input, KNOWN),
      };
      await db.endpoints.insert(record);
      await engine.changed();
      return created({ endpoint: endpointView(ctx, record) });
    },
    updateEndpoint: async (ctx) => {
      engine.authorize(ctx, 'identity:update_endpoint');
      const input = bodyObject(ctx, 'endpoint');
      checkNotEmpty(input);
      checkFields(input);
      const id = ctx.params.endpoint_id;
      checkMatchingId(input, id);
      if (typeof input.url === 'string') checkEndpointUrl(input.url);
      const regionId = await resolveRegion(input);
      await assertService(input.service_id);
      const current = await db.endpoints.get(id);
      if (!current) throw endpointNotFound(id);
      const set: Partial<EndpointRecord> = {
        extra: { ...current.extra, ...extraFields(input, KNOWN), ...(input.url !== undefined ? { stackgate_managed: false } : {}) },
      };
      if (input.service_id !== undefined) set.service_id = input.service_id;
      if (input.interface !== undefined) set.interface = input.interface;
      if (input.url !== undefined) set.url = input.url;
      if (regionId !== undefined || 'region_id' in input || 'region' in input) set.region_id = regionId ?? null;
      if (input.enabled !== undefined) set.enabled = input.enabled;
      const updated = await db.endpoints.update(id, set);
      if (!updated) throw endpointNotFound(id);
      await engine.changed();
      return ok({ endpoint: endpointView(ctx, updated) });
    },
    deleteEndpoint: async (ctx) => {
      engine.authorize(ctx, 'identity:delete_endpoint');
      if (!(await db.endpoints.delete(ctx.params.endpoint_id))) throw endpointNotFound(ctx.params.endpoint_id);
      await engine.changed();
      return noContent();
    },
  };
}
