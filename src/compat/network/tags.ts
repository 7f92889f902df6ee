// /v2.0/{resources}/{id}/tags: the tag API of every taggable resource. A resource module adds
// itself to TAGGABLE (routers and floating IPs will too); tags are authorised as reading or
// updating their resource.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import type { Collection } from '../../platform/store/store.ts';
import type { ApiError } from '../../platform/http/api-error.ts';
import type { Neutron, NeutronDb, Resource } from './context.ts';
import { floatingIpNotFound, httpBadRequest, invalidAttribute, networkNotFound, routerNotFound, portNotFound, securityGroupNotFound, subnetNotFound, subnetPoolNotFound, tagNotFound } from './errors.ts';
import { enforceOrHide } from './policy.ts';
import { networkTarget } from './networks.ts';
import { subnetTarget } from './subnets.ts';
import { portTarget } from './ports.ts';
import { subnetPoolTarget } from './subnetpools.ts';
import { sgTarget } from './security-groups.ts';
import { updateResource } from './standard-attrs.ts';
import { routerTarget } from './routers.ts';
import { floatingIpTarget } from './floating-ips.ts';

export interface Taggable {
  /** the URL collection name, e.g. `security-groups` */
  urlName: string;
  /** singular, for rule names (`get_network`) and messages */
  member: string;
  collection: (db: NeutronDb) => Collection<Resource>;
  target: (doc: Resource, db: NeutronDb) => Promise<Record<string, unknown>>;
  notFound: (id: string) => ApiError;
}

const withNetwork = (make: (doc: Resource, net?: Resource) => Record<string, unknown>) =>
  async (doc: Resource, db: NeutronDb) => make(doc, await db.networks.get(doc.network_id));

export const TAGGABLE: Taggable[] = [
  { urlName: 'networks', member: 'network', collection: (db) => db.networks, target: async (d) => networkTarget(d), notFound: networkNotFound },
  { urlName: 'subnets', member: 'subnet', collection: (db) => db.subnets, target: withNetwork(subnetTarget), notFound: subnetNotFound },
  { urlName: 'ports', member: 'port', collection: (db) => db.ports, target: withNetwork(portTarget), notFound: portNotFound },
  { urlName: 'subnetpools', member: 'subnetpool', collection: (db) => db.subnetpools, target: async (d) => subnetPoolTarget(d), notFound: subnetPoolNotFound },
  { urlName: 'security-groups', member: 'security_group', collection: (db) => db.securityGroups, target: async (d) => sgTarget(d), notFound: securityGroupNotFound },
  { urlName: 'routers', member: 'router', collection: (db) => db.routers, target: async (d) => routerTarget(d), notFound: routerNotFound },
  { urlName: 'floatingips', member: 'floatingip', collection: (db) => db.floatingips, target: async (d) => floatingIpTarget(d), notFound: floatingIpNotFound },
];

const MAX_TAG_LENGTH = 255;

function checkTag(tag: unknown): string {
  if (typeof tag !== 'string' || tag === '' || tag.length > MAX_TAG_LENGTH) {
    throw invalidAttribute('tags', `'${String(tag)}' is not a valid string`);
  }
  return tag;
}

export function tagHandlers(neutron: Neutron): Record<string, OperationHandler> {
  async function resolve(ctx: RequestContext, write: boolean): Promise<{ kind: Taggable; doc: Resource; db: NeutronDb }> {
    const kind = TAGGABLE.find((t) => t.urlName === ctx.params.resources);
    if (!kind) throw httpBadRequest(`Resource ${ctx.params.resources} does not support tags`);
    const db = await neutron.db();
    const doc = await kind.collection(db).get(ctx.params.resource_id);
    if (!doc) throw kind.notFound(ctx.params.resource_id);
    const target = await kind.target(doc, db);
    const getRule = `get_${kind.member}`;
    enforceOrHide(neutron, ctx, write ? `update_${kind.member}` : getRule, getRule, target, () => kind.notFound(doc.id));
    return { kind, doc, db };
  }

  async function setTags(ctx: RequestContext, write: (tags: string[]) => string[]): Promise<string[]> {
    const { kind, doc, db } = await resolve(ctx, true);
    const updated = await updateResource(neutron, kind.collection(db), doc.id, (current) => ({ tags: write([...(current.tags ?? [])]) }), () => kind.notFound(doc.id));
    return updated.tags;
  }

  return {
    listTags: async (ctx) => {
      const { doc } = await resolve(ctx, false);
      return { status: 200, body: { tags: doc.tags ?? [] } };
    },
    checkTag: async (ctx) => {
      const { kind, doc } = await resolve(ctx, false);
      if (!(doc.tags ?? []).includes(ctx.params.tag)) throw tagNotFound(ctx.params.tag, kind.member, doc.id);
      return { status: 204 };
    },
    replaceTags: async (ctx) => {
      const body = ctx.body as { tags?: unknown } | undefined;
      if (!body || !Array.isArray(body.tags)) throw invalidAttribute('tags', `'${JSON.stringify(body?.tags ?? null)}' is not a list`);
      const tags = [...new Set(body.tags.map(checkTag))];
      return { status: 200, body: { tags: await setTags(ctx, () => tags) } };
    },
    addTag: async (ctx) => {
      const tag = checkTag(ctx.params.tag);
      await setTags(ctx, (tags) => (tags.includes(tag) ? tags : [...tags, tag]));
      return { status: 201 };
    },
    removeTag: async (ctx) => {
      const { kind, doc } = await resolve(ctx, true);
      if (!(doc.tags ?? []).includes(ctx.params.tag)) throw tagNotFound(ctx.params.tag, kind.member, doc.id);
      await setTags(ctx, (tags) => tags.filter((t) => t !== ctx.params.tag));
      return { status: 204 };
    },
    removeAllTags: async (ctx) => {
      await setTags(ctx, () => []);
      return { status: 204 };
    },
  };
}
