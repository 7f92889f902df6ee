// /v2.0/networks: networks with the ML2 extensions a stock deployment shows (provider,
// external-net, net-mtu, port-security, availability zones).
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { uuid } from '../../platform/ids.ts';
import { boolean, listOf, memberBody, nullableInteger, prepareCreate, prepareUpdate, STANDARD_ATTRIBUTES, string, type AttributeMap } from './attributes.ts';
import type { Neutron, Resource } from './context.ts';
import { networkInUse, networkNotFound } from './errors.ts';
import { enforce, enforceOrHide, isAdmin, stripByPolicy } from './policy.ts';
import { findListed, listResponse, selectedFields, selectFields } from './resource-collection.ts';
import { checkIfMatch, newStandardAttributes, owningProject, ownerView, updateResource } from './standard-attrs.ts';
import { allocateSegment, releaseSegment, segmentMtu, type Segment } from './segments.ts';
import { ensureDefaultSecurityGroup } from './default-security-group.ts';
import { deletePortRecord } from './ports.ts';
import { checkQuota } from './quotas.ts';
import { effectiveNetwork, rbacGrants, type RbacGrants } from './rbac-policies.ts';

export const NETWORK_ATTRIBUTES: AttributeMap = {
  ...STANDARD_ATTRIBUTES,
  admin_state_up: { allowPost: true, allowPut: true, default: true, convert: boolean, filter: 'boolean', sortable: true },
  status: { allowPost: false, allowPut: false, filter: 'string', sortable: true },
  subnets: { allowPost: false, allowPut: false, filter: 'list' },
  shared: { allowPost: true, allowPut: true, default: false, convert: boolean, filter: 'boolean', sortable: true },
  'router:external': { allowPost: true, allowPut: true, default: false, convert: boolean, filter: 'boolean', sortable: true },
  // the auto-allocated-topology extension's default external network; kept only on external networks
  is_default: { allowPost: true, allowPut: true, default: false, convert: boolean, filter: 'boolean', sortable: true },
  mtu: { allowPost: false, allowPut: false, filter: 'integer', sortable: true },
  port_security_enabled: { allowPost: true, allowPut: true, default: true, convert: boolean, filter: 'boolean' },
  availability_zone_hints: { allowPost: true, allowPut: false, default: [], convert: listOf(string(255)), filter: 'list' },
  availability_zones: { allowPost: false, allowPut: false, filter: 'list' },
  ipv4_address_scope: { allowPost: false, allowPut: false, filter: 'none' },
  ipv6_address_scope: { allowPost: false, allowPut: false, filter: 'none' },
  l2_adjacency: { allowPost: false, allowPut: false, filter: 'none' },
  'provider:network_type': { allowPost: true, allowPut: true, convert: string(255), filter: 'string' },
  'provider:physical_network': { allowPost: true, allowPut: true, convert: string(64), filter: 'string' },
  'provider:segmentation_id': { allowPost: true, allowPut: true, convert: nullableInteger(), filter: 'integer' },
};

export const networkTarget = (doc: Resource) => ({ ...doc, project_id: doc.tenant_id });

/**
 * network attributes stored under their API names with the values the API shows; `shared` and
 * `router:external` are not: RBAC policies change what each project sees.
 */
const STORED_NETWORK_FIELDS: Record<string, string> = Object.fromEntries([
  'id', 'name', 'description', 'tenant_id', 'admin_state_up', 'status', 'mtu', 'port_security_enabled',
  'provider:network_type', 'provider:physical_network', 'provider:segmentation_id', 'revision_number', 'created_at', 'updated_at',
].map((k) => [k, k]).concat([['project_id', 'tenant_id']]));

const NETWORK_LIST = { plural: 'networks', attributes: NETWORK_ATTRIBUTES };

export async function networkView(neutron: Neutron, ctx: RequestContext, stored: Resource, grants?: RbacGrants): Promise<Record<string, unknown>> {
  const db = await neutron.db();
  const doc = effectiveNetwork(stored, grants ?? (await rbacGrants(db, stored.id)), ctx.auth?.projectId);
  const subnets = await db.subnets.find({ network_id: doc.id });
  const view: Record<string, unknown> = {
    id: doc.id,
    name: doc.name,
    ...ownerView(doc),
    admin_state_up: doc.admin_state_up,
    mtu: doc.mtu,
    status: doc.status,
    subnets: subnets.map((s) => s.id),
    shared: doc.shared,
    availability_zone_hints: doc.availability_zone_hints,
    availability_zones: [neutron.config.defaultAvailabilityZone],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    'router:external': doc['router:external'],
    is_default: doc['router:external'] ? doc.is_default === true : false,
    description: doc.description,
    port_security_enabled: doc.port_security_enabled,
    l2_adjacency: true,
    tags: doc.tags,
    created_at: doc.created_at,
    updated_at: doc.updated_at,
    revision_number: doc.revision_number,
    'provider:network_type': doc['provider:network_type'],
    'provider:physical_network': doc['provider:physical_network'],
    'provider:segmentation_id': doc['provider:segmentation_id'],
  };
  return stripByPolicy(neutron, ctx, 'get_network', view, networkTarget(doc));
}

/** The network as the caller may see it, or NetworkNotFound. */
export async function visibleNetwork(neutron: Neutron, ctx: RequestContext, id: string): Promise<Resource> {
  const db = await neutron.db();
  const stored = await db.networks.get(id);
  const doc = effectiveNetwork(stored, await rbacGrants(db, id), ctx.auth?.projectId);
  if (!doc || !neutron.engine.allows(ctx, 'get_network', networkTarget(doc))) throw networkNotFound(id);
  return doc;
}

const PROVIDER = ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id'];

export function networkHandlers(neutron: Neutron): Record<string, OperationHandler> {
  return {
    listNetworks: async (ctx) => {
      const db = await neutron.db();
      await ensureDefaultSecurityGroup(neutron, ctx.auth?.projectId);
      const grants = await rbacGrants(db);
      const found = await findListed(ctx, db.networks, { spec: NETWORK_LIST, stored: STORED_NETWORK_FIELDS, allVisible: isAdmin(ctx) });
      const docs = found.docs.map((d) => effectiveNetwork(d, grants, ctx.auth?.projectId));
      const visible = docs.filter((d) => neutron.engine.allows(ctx, 'get_network', networkTarget(d)));
      const views = await Promise.all(visible.map((d) => networkView(neutron, ctx, d, grants)));
      return listResponse(ctx, NETWORK_LIST, views, found.paged);
    },

    showNetwork: async (ctx) => {
      const doc = await visibleNetwork(neutron, ctx, ctx.params.network_id);
      return { status: 200, body: { network: selectFields(await networkView(neutron, ctx, doc), selectedFields(ctx)) } };
    },

    createNetwork: async (ctx) => {
      const input = memberBody(ctx.body, 'network');
      const { values, explicit } = prepareCreate(input, NETWORK_ATTRIBUTES);
      const owner = owningProject(ctx, values);
      const target = { ...values, project_id: owner };
      enforce(neutron, ctx, 'create_network', target, explicit);
      if (values.is_default && values['router:external']) await checkSingleDefault(neutron);
      await checkQuota(neutron, 'network', owner);
      await ensureDefaultSecurityGroup(neutron, owner);
      const db = await neutron.db();
      const id = uuid();
      const given: Partial<Segment> = Object.fromEntries(PROVIDER.filter((k) => k in values).map((k) => [k, values[k]]));
      const segment = await allocateSegment(neutron, db, given, id);
      const doc: Resource = {
        id,
        name: values.name,
        description: values.description,
        tenant_id: owner,
        admin_state_up: values.admin_state_up,
        status: 'ACTIVE',
        shared: values.shared,
        'router:external': values['router:external'],
        is_default: values['router:external'] ? values.is_default : false,
        port_security_enabled: values.port_security_enabled,
        availability_zone_hints: values.availability_zone_hints,
        ...segment,
        mtu: segmentMtu(neutron, segment),
        ...newStandardAttributes(neutron),
      };
      try {
        await db.networks.insert(doc);
      } catch (error) {
        await releaseSegment(db, segment);
        throw error;
      }
      await neutron.driver.networkCreated({
        id, networkType: segment['provider:network_type'], physicalNetwork: segment['provider:physical_network'],
        segmentationId: segment['provider:segmentation_id'], mtu: doc.mtu,
      });
      return { status: 201, body: { network: await networkView(neutron, ctx, doc) } };
    },

    updateNetwork: async (ctx) => {
      const id = ctx.params.network_id;
      const db = await neutron.db();
      const values = prepareUpdate(memberBody(ctx.body, 'network'), NETWORK_ATTRIBUTES);
      const updated = await updateResource(neutron, db.networks, id, async (current) => {
        const target = networkTarget(current);
        const changed = Object.keys(values).filter((k) => JSON.stringify(values[k]) !== JSON.stringify(current[k]));
        enforceOrHide(neutron, ctx, 'update_network', 'get_network', target, () => networkNotFound(id), changed);
        checkIfMatch(ctx, current);
        for (const k of PROVIDER) {
          if (k in values && values[k] !== current[k]) {
            throw invalidInputProvider();
          }
        }
        if (values.shared === false && current.shared) {
          // Neutron refuses to unshare a network other projects have ports on
          const foreign = await db.ports.find({ network_id: id, tenant_id: { $ne: current.tenant_id } });
          if (foreign.some((p) => !String(p.device_owner ?? '').startsWith('network:'))) {
            throw conflictInUseShared(id);
          }
        }
        const external = values['router:external'] ?? current['router:external'];
        if (values.is_default === true && external) await checkSingleDefault(neutron, id);
        const set: Record<string, unknown> = { ...values };
        for (const k of PROVIDER) delete set[k];
        if (!external) set.is_default = false;
        return set;
      }, () => networkNotFound(id));
      return { status: 200, body: { network: await networkView(neutron, ctx, updated) } };
    },

    deleteNetwork: async (ctx) => {
      const id = ctx.params.network_id;
      const db = await neutron.db();
      const doc = await db.networks.get(id);
      if (!doc) throw networkNotFound(id);
      enforceOrHide(neutron, ctx, 'delete_network', 'get_network', networkTarget(doc), () => networkNotFound(id));
      // as Neutron, floating IPs of an external network that no port holds go with it
      for (const fip of await db.floatingips.find({ floating_network_id: id, port_id: null })) {
        await db.floatingips.delete(fip.id);
        const fipPort = await db.ports.get(fip.floating_port_id);
        if (fipPort) await deletePortRecord(neutron, fipPort);
      }
      const ports = await db.ports.find({ network_id: id });
      if (ports.some((p) => p.device_owner !== 'network:dhcp')) throw networkInUse(id);
      for (const port of ports) await deletePortRecord(neutron, port);
      await db.subnets.deleteMany({ network_id: id });
      await db.ipAllocations.deleteMany({ network_id: id });
      await db.networks.delete(id);
      await releaseSegment(db, doc as unknown as Segment);
      await neutron.driver.networkDeleted(id);
      return { status: 204 };
    },
  };
}

import { conflictKind, invalidInput } from './errors.ts';

/** one default external network at a time (DefaultExternalNetworkExists) */
async function checkSingleDefault(neutron: Neutron, self?: string): Promise<void> {
  const db = await neutron.db();
  const other = (await db.networks.find({ is_default: true, 'router:external': true })).find((n) => n.id !== self);
  if (other) throw conflictKind('DefaultExternalNetworkExists', `A default external network already exists: ${other.id}.`);
}

/** the network the auto-allocated topologies uplink to, if the operator marked one */
export async function defaultExternalNetwork(neutron: Neutron): Promise<Resource | undefined> {
  const db = await neutron.db();
  return (await db.networks.find({ is_default: true, 'router:external': true }, { sort: [['created_at', 'asc']] }))[0];
}
const invalidInputProvider = () => invalidInput('Plugin does not support updating the following provider network attributes: provider:network_type, provider:physical_network, provider:segmentation_id');
const conflictInUseShared = (id: string) =>
  conflictKind('InvalidSharedSetting', `Unable to reconfigure sharing settings for network ${id}. Multiple tenants are using it.`);
