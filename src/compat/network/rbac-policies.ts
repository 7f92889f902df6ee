// /v2.0/rbac-policies: network RBAC. `access_as_shared` makes a network usable by the target
// project (or every project with `*`) as if it were shared; `access_as_external` makes it an
// external network for the target. Visibility of networks and their subnets reads these grants
// through effectiveNetwork().
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import { uuid } from '../../platform/ids.ts';
import { memberBody, oneOf, prepareCreate, prepareUpdate, STANDARD_ATTRIBUTES, string, uuid as uuidCheck, type AttributeMap } from './attributes.ts';
import type { Neutron, NeutronDb, Resource } from './context.ts';
import { conflictKind, invalidInput, rbacPolicyNotFound } from './errors.ts';
import { enforce, enforceOrHide, isAdmin } from './policy.ts';
import { listResponse, selectedFields, selectFields } from './resource-collection.ts';
import { owningProject } from './standard-attrs.ts';
import { checkQuota } from './quotas.ts';

const ACTIONS = ['access_as_shared', 'access_as_external'];

export const RBAC_ATTRIBUTES: AttributeMap = {
  id: STANDARD_ATTRIBUTES.id,
  tenant_id: STANDARD_ATTRIBUTES.tenant_id,
  project_id: STANDARD_ATTRIBUTES.project_id,
  object_type: { allowPost: true, allowPut: false, required: true, convert: oneOf(['network']), filter: 'string', sortable: true },
  object_id: { allowPost: true, allowPut: false, required: true, convert: uuidCheck, filter: 'string', sortable: true },
  target_tenant: { allowPost: true, allowPut: true, required: true, convert: string(255), filter: 'string', sortable: true },
  target_project: { allowPost: true, allowPut: true, convert: string(255), filter: 'string', sortable: true },
  action: { allowPost: true, allowPut: false, required: true, convert: oneOf(ACTIONS), filter: 'string', sortable: true },
};

/** Per network: the projects it is shared with and external for ('*' for all). */
export type RbacGrants = Map<string, { shared: Set<string>; external: Set<string> }>;

export async function rbacGrants(db: NeutronDb, networkId?: string): Promise<RbacGrants> {
  const grants: RbacGrants = new Map();
  for (const p of await db.rbacPolicies.find(networkId ? { object_id: networkId } : {})) {
    const entry = grants.get(p.object_id) ?? { shared: new Set<string>(), external: new Set<string>() };
    (p.action === 'access_as_shared' ? entry.shared : entry.external).add(p.target_tenant);
    grants.set(p.object_id, entry);
  }
  return grants;
}

/** The network as `projectId` sees it: shared when a policy shares it with that project or with all. */
export function effectiveNetwork<T extends Resource | undefined>(doc: T, grants: RbacGrants, projectId: string | undefined): T {
  if (!doc) return doc;
  const entry = grants.get(doc.id);
  if (!entry || doc.shared) return doc;
  const shared = entry.shared.has('*') || (projectId !== undefined && entry.shared.has(projectId));
  return shared ? { ...doc, shared: true } : doc;
}

const rbacTarget = (doc: Record<string, any>) => ({ ...doc, project_id: doc.tenant_id, target_is_wildcard: doc.target_tenant === '*' });

function rbacView(doc: Resource): Record<string, unknown> {
  return {
    id: doc.id, tenant_id: doc.tenant_id, project_id: doc.tenant_id, object_type: doc.object_type, object_id: doc.object_id,
    target_tenant: doc.target_tenant, target_project: doc.target_tenant, action: doc.action,
  };
}

/** Whether removing `policy` (or narrowing it to `remaining`) strands ports of projects it let in. */
async function checkNotInUse(db: NeutronDb, policy: Resource, remainingTarget?: string): Promise<void> {
  const network = await db.networks.get(policy.object_id);
  if (!network) return;
  const others = (await db.rbacPolicies.find({ object_id: network.id, action: policy.action })).filter((p) => p.id !== policy.id);
  const still = (project: string) => network.tenant_id === project || others.some((p) => p.target_tenant === '*' || p.target_tenant === project)
    || remainingTarget === '*' || remainingTarget === project;
  const inUse = (project: string) => (policy.target_tenant === '*' || policy.target_tenant === project) && !still(project);
  let stranded = false;
  if (policy.action === 'access_as_shared') {
    if (network.shared) return;
    const ports = await db.ports.find({ network_id: network.id });
    stranded = ports.some((p) => p.tenant_id && !String(p.device_owner ?? '').startsWith('network:') && inUse(p.tenant_id));
  } else {
    const routers = (await db.routers.find({})).filter((r) => r.external_gateway_info?.network_id === network.id);
    const fips = await db.floatingips.find({ floating_network_id: network.id });
    stranded = routers.some((r) => inUse(r.tenant_id)) || fips.some((f) => inUse(f.tenant_id));
  }
  if (stranded) {
    throw conflictKind('RbacPolicyInUse',
      `RBAC policy on object ${network.id} cannot be removed because other objects depend on it.\nDetails: Unable to reconfigure sharing settings for network ${network.id}. Multiple tenants are using it.`);
  }
}

export function rbacPolicyHandlers(neutron: Neutron): Record<string, OperationHandler> {
  async function ownedNetwork(ctx: RequestContext, db: NeutronDb, id: string): Promise<Resource> {
    const network = await db.networks.get(id);
    const grants = await rbacGrants(db, id);
    const seen = network && neutron.engine.allows(ctx, 'get_network', { ...effectiveNetwork(network, grants, ctx.auth?.projectId), project_id: network.tenant_id });
    if (!network || !seen) throw conflictKindNotFound(id);
    if (!isAdmin(ctx) && network.tenant_id !== ctx.auth?.projectId) {
      throw invalidInput('Only admins can manipulate policies on networks they do not own');
    }
    return network;
  }

  return {
    listRbacPolicies: async (ctx) => {
      const db = await neutron.db();
      const docs = await db.rbacPolicies.find({}, { sort: [['created_at', 'asc']] });
      const views = docs.filter((d) => neutron.engine.allows(ctx, 'get_rbac_policy', rbacTarget(d))).map(rbacView);
      return listResponse(ctx, { plural: 'rbac_policies', attributes: RBAC_ATTRIBUTES }, views);
    },

    showRbacPolicy: async (ctx) => {
      const doc = await (await neutron.db()).rbacPolicies.get(ctx.params.rbac_policy_id);
      if (!doc || !neutron.engine.allows(ctx, 'get_rbac_policy', rbacTarget(doc))) throw rbacPolicyNotFound(ctx.params.rbac_policy_id);
      return { status: 200, body: { rbac_policy: selectFields(rbacView(doc), selectedFields(ctx)) } };
    },

    createRbacPolicy: async (ctx) => {
      const input = memberBody(ctx.body, 'rbac_policy');
      if (input.target_project !== undefined && input.target_tenant === undefined) input.target_tenant = input.target_project;
      if (input.target_project !== undefined && input.target_project !== input.target_tenant) {
        throw invalidInput("'target_project' and 'target_tenant' do not match");
      }
      delete input.target_project;
      const { values, explicit } = prepareCreate(input, RBAC_ATTRIBUTES);
      const owner = owningProject(ctx, values);
      enforce(neutron, ctx, 'create_rbac_policy', rbacTarget({ ...values, tenant_id: owner }), explicit);
      const db = await neutron.db();
      const network = await ownedNetwork(ctx, db, values.object_id);
      await checkQuota(neutron, 'rbac_policy', owner);
      const doc: Resource = {
        id: uuid(), tenant_id: owner, object_type: values.object_type, object_id: network.id, target_tenant: values.target_tenant, action: values.action,
        key: `${network.id}|${values.action}|${values.target_tenant}`, created_at: new Date(neutron.clock.now()).toISOString(),
      };
      if ((await db.rbacPolicies.find({ object_id: network.id })).some((p) => p.key === doc.key)) {
        throw conflictKind('DuplicateRbacPolicy', 'An RBAC policy already exists with those values.');
      }
      try {
        await db.rbacPolicies.insert(doc);
      } catch (error) {
        if (error instanceof DuplicateKeyError) throw conflictKind('DuplicateRbacPolicy', 'An RBAC policy already exists with those values.');
        throw error;
      }
      if (doc.action === 'access_as_external' && !network['router:external']) await db.networks.update(network.id, { 'router:external': true });
      return { status: 201, body: { rbac_policy: rbacView(doc) } };
    },

    updateRbacPolicy: async (ctx) => {
      const id = ctx.params.rbac_policy_id;
      const input = memberBody(ctx.body, 'rbac_policy');
      if (input.target_project !== undefined && input.target_tenant === undefined) input.target_tenant = input.target_project;
      delete input.target_project;
      const values = prepareUpdate(input, RBAC_ATTRIBUTES);
      const db = await neutron.db();
      const doc = await db.rbacPolicies.get(id);
      if (!doc) throw rbacPolicyNotFound(id);
      const changed = 'target_tenant' in values && values.target_tenant !== doc.target_tenant ? ['target_tenant'] : [];
      enforceOrHide(neutron, ctx, 'update_rbac_policy', 'get_rbac_policy', rbacTarget({ ...doc, ...values }), () => rbacPolicyNotFound(id), changed);
      if (changed.length) await checkNotInUse(db, doc, values.target_tenant);
      const target = values.target_tenant ?? doc.target_tenant;
      const updated = await db.rbacPolicies.update(id, { target_tenant: target, key: `${doc.object_id}|${doc.action}|${target}` });
      if (!updated) throw rbacPolicyNotFound(id);
      return { status: 200, body: { rbac_policy: rbacView(updated) } };
    },

    deleteRbacPolicy: async (ctx) => {
      const id = ctx.params.rbac_policy_id;
      const db = await neutron.db();
      const doc = await db.rbacPolicies.get(id);
      if (!doc) throw rbacPolicyNotFound(id);
      enforceOrHide(neutron, ctx, 'delete_rbac_policy', 'get_rbac_policy', rbacTarget(doc), () => rbacPolicyNotFound(id));
      await checkNotInUse(db, doc);
      await db.rbacPolicies.delete(id);
      return { status: 204 };
    },
  };
}

/** An object the caller cannot see is refused the way Neutron refuses it: as invalid input. */
const conflictKindNotFound = (id: string) => invalidInput(`Failed to create RBAC policy: network ${id} not found`);
