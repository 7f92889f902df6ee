// /v2.0/subnetpools: pools of prefixes that subnets draw their CIDR from.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { uuid } from '../../platform/ids.ts';
import { boolean, integer, listOf, memberBody, prepareCreate, prepareUpdate, STANDARD_ATTRIBUTES, string, uuidOrNull, type AttributeMap } from './attributes.ts';
import type { Neutron, Resource } from './context.ts';
import { conflictKind, invalidInput, subnetPoolNotFound, badRequestKind } from './errors.ts';
import { enforce, enforceOrHide } from './policy.ts';
import { listResponse, selectedFields, selectFields } from './resource-collection.ts';
import { checkIfMatch, newStandardAttributes, owningProject, ownerView, updateResource } from './standard-attrs.ts';
import { bitsOf, cidrContains, cidrsOverlap, cidrSize, formatCidr, networkOf, parseCidr, type Cidr } from './ipam/ip-address.ts';

export const SUBNETPOOL_ATTRIBUTES: AttributeMap = {
  ...STANDARD_ATTRIBUTES,
  prefixes: { allowPost: true, allowPut: true, required: true, convert: listOf(string()), filter: 'list' },
  default_prefixlen: { allowPost: true, allowPut: true, convert: integer(0, 128), filter: 'integer', sortable: true },
  min_prefixlen: { allowPost: true, allowPut: true, convert: integer(0, 128), filter: 'integer', sortable: true },
  max_prefixlen: { allowPost: true, allowPut: true, convert: integer(0, 128), filter: 'integer', sortable: true },
  default_quota: { allowPost: true, allowPut: true, default: null, convert: (v, n) => (v === null ? null : integer(0)(v, n)), filter: 'integer' },
  ip_version: { allowPost: false, allowPut: false, filter: 'integer', sortable: true },
  shared: { allowPost: true, allowPut: false, default: false, convert: boolean, filter: 'boolean', sortable: true },
  is_default: { allowPost: true, allowPut: true, default: false, convert: boolean, filter: 'boolean', sortable: true },
  address_scope_id: { allowPost: true, allowPut: true, default: null, convert: uuidOrNull, filter: 'string' },
};

export const subnetPoolTarget = (doc: Resource) => ({ ...doc, project_id: doc.tenant_id });

export function canSeeSubnetPool(neutron: Neutron, ctx: RequestContext, doc: Resource): boolean {
  return neutron.engine.allows(ctx, 'get_subnetpool', subnetPoolTarget(doc));
}

function view(doc: Resource): Record<string, unknown> {
  return {
    id: doc.id, name: doc.name, ...ownerView(doc), prefixes: doc.prefixes, default_prefixlen: doc.default_prefixlen,
    min_prefixlen: doc.min_prefixlen, max_prefixlen: doc.max_prefixlen, default_quota: doc.default_quota, ip_version: doc.ip_version,
    shared: doc.shared, is_default: doc.is_default, address_scope_id: doc.address_scope_id, description: doc.description,
    tags: doc.tags, created_at: doc.created_at, updated_at: doc.updated_at, revision_number: doc.revision_number,
  };
}

/** Prefixes canonicalised and merged where they overlap or touch, as Neutron compacts them. */
function checkPrefixes(prefixes: string[]): { cidrs: Cidr[]; version: 4 | 6 } {
  if (prefixes.length === 0) throw invalidInput('Empty prefix list');
  const cidrs = prefixes.map((p) => {
    const c = parseCidr(p);
    if (!c) throw badRequestKind('InvalidInput', `Invalid input for prefixes. Reason: '${p}' is not a valid IP subnet.`);
    return networkOf(c);
  });
  const version = cidrs[0].version;
  if (cidrs.some((c) => c.version !== version)) throw invalidInput('Cannot mix IPv4 and IPv6 prefixes in a subnet pool');
  const kept = cidrs.filter((c, i) => !cidrs.some((o, j) => j !== i && cidrContains(o, c) && (formatCidr(o) !== formatCidr(c) || j < i)));
  return { cidrs: kept, version };
}

function checkPrefixLengths(doc: Record<string, any>): void {
  const max = bitsOf(doc.ip_version);
  if (doc.max_prefixlen > max) throw invalidInput(`Illegal prefix bounds: max_prefixlen=${doc.max_prefixlen}, must be at most ${max}`);
  const smallest = Math.min(...doc.prefixes.map((p: string) => parseCidr(p)!.prefixlen));
  if (doc.min_prefixlen < smallest) doc.min_prefixlen = smallest;
  if (!(doc.min_prefixlen <= doc.default_prefixlen && doc.default_prefixlen <= doc.max_prefixlen)) {
    throw badRequestKind('IllegalSubnetPoolPrefixBounds', `Illegal prefix bounds: default_prefixlen=${doc.default_prefixlen}, min_prefixlen=${doc.min_prefixlen}, max_prefixlen=${doc.max_prefixlen}.`);
  }
}

export function subnetPoolHandlers(neutron: Neutron): Record<string, OperationHandler> {
  async function defaultClash(version: number, exceptId?: string): Promise<void> {
    const db = await neutron.db();
    const other = await db.subnetpools.findOne({ is_default: true, ip_version: version });
    if (other && other.id !== exceptId) {
      throw badRequestKind('InvalidInput', `Invalid input for operation: A default subnetpool for this IP family has already been set. Only one default may exist per IP family.`);
    }
  }

  return {
    listSubnetPools: async (ctx) => {
      const docs = await (await neutron.db()).subnetpools.find({}, { sort: [['created_at', 'asc']] });
      const views = docs.filter((d) => canSeeSubnetPool(neutron, ctx, d)).map(view);
      return listResponse(ctx, { plural: 'subnetpools', attributes: SUBNETPOOL_ATTRIBUTES }, views);
    },

    showSubnetPool: async (ctx) => {
      const doc = await (await neutron.db()).subnetpools.get(ctx.params.subnetpool_id);
      if (!doc || !canSeeSubnetPool(neutron, ctx, doc)) throw subnetPoolNotFound(ctx.params.subnetpool_id);
      return { status: 200, body: { subnetpool: selectFields(view(doc), selectedFields(ctx)) } };
    },

    createSubnetPool: async (ctx) => {
      const { values, explicit } = prepareCreate(memberBody(ctx.body, 'subnetpool'), SUBNETPOOL_ATTRIBUTES);
      const owner = owningProject(ctx, values);
      enforce(neutron, ctx, 'create_subnetpool', { ...values, project_id: owner }, explicit);
      const { cidrs, version } = checkPrefixes(values.prefixes);
      const smallest = Math.min(...cidrs.map((c) => c.prefixlen));
      const doc: Resource = {
        id: uuid(),
        name: values.name,
        description: values.description,
        tenant_id: owner,
        prefixes: cidrs.map(formatCidr),
        ip_version: version,
        min_prefixlen: values.min_prefixlen ?? smallest,
        max_prefixlen: values.max_prefixlen ?? bitsOf(version),
        default_prefixlen: values.default_prefixlen ?? values.min_prefixlen ?? smallest,
        default_quota: values.default_quota,
        shared: values.shared,
        is_default: values.is_default,
        address_scope_id: values.address_scope_id,
        ...newStandardAttributes(neutron),
      };
      checkPrefixLengths(doc);
      if (doc.is_default) await defaultClash(version);
      await (await neutron.db()).subnetpools.insert(doc);
      return { status: 201, body: { subnetpool: view(doc) } };
    },

    updateSubnetPool: async (ctx) => {
      const id = ctx.params.subnetpool_id;
      const db = await neutron.db();
      const values = prepareUpdate(memberBody(ctx.body, 'subnetpool'), SUBNETPOOL_ATTRIBUTES);
      const updated = await updateResource(neutron, db.subnetpools, id, async (current) => {
        const changed = Object.keys(values).filter((k) => JSON.stringify(values[k]) !== JSON.stringify(current[k]));
        enforceOrHide(neutron, ctx, 'update_subnetpool', 'get_subnetpool', subnetPoolTarget(current), () => subnetPoolNotFound(id), changed);
        checkIfMatch(ctx, current);
        const next: Record<string, any> = { ...current, ...values };
        if ('prefixes' in values) {
          const { cidrs, version } = checkPrefixes(values.prefixes);
          if (version !== current.ip_version) throw invalidInput('Cannot mix IPv4 and IPv6 prefixes in a subnet pool');
          // a pool may grow, never shrink
          for (const old of current.prefixes as string[]) {
            if (!cidrs.some((c) => cidrContains(c, parseCidr(old)!))) {
              throw badRequestKind('IllegalSubnetPoolPrefixUpdate', `Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes`);
            }
          }
          next.prefixes = cidrs.map(formatCidr);
        }
        checkPrefixLengths(next);
        if (values.is_default === true && !current.is_default) await defaultClash(current.ip_version, id);
        const set: Record<string, unknown> = {};
        for (const k of Object.keys(values)) set[k] = next[k];
        set.min_prefixlen = next.min_prefixlen;
        return set;
      }, () => subnetPoolNotFound(id));
      return { status: 200, body: { subnetpool: view(updated) } };
    },

    deleteSubnetPool: async (ctx) => {
      const id = ctx.params.subnetpool_id;
      const db = await neutron.db();
      const doc = await db.subnetpools.get(id);
      if (!doc) throw subnetPoolNotFound(id);
      enforceOrHide(neutron, ctx, 'delete_subnetpool', 'get_subnetpool', subnetPoolTarget(doc), () => subnetPoolNotFound(id));
      if ((await db.subnets.count({ subnetpool_id: id })) > 0) {
        throw conflictKind('SubnetPoolInUse', `Unable to complete operation on subnet pool ${id}. Subnet pool is in use by one or more subnets.`);
      }
      await db.subnetpools.delete(id);
      return { status: 204 };
    },
  };
}

export { cidrSize, cidrsOverlap };
