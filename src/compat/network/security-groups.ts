// /v2.0/security-groups and /v2.0/security-group-rules.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { uuid } from '../../platform/ids.ts';
import { boolean, memberBody, nullableInteger, nullableString, oneOf, prepareCreate, prepareUpdate, STANDARD_ATTRIBUTES, string, uuid as uuidCheck, uuidOrNull, type AttributeMap } from './attributes.ts';
import type { Neutron, Resource } from './context.ts';
import { badRequestKind, conflictKind, securityGroupNotFound, securityGroupRuleNotFound } from './errors.ts';
import { enforce, enforceOrHide, isAdmin } from './policy.ts';
import { listResponse, selectedFields, selectFields } from './resource-collection.ts';
import { checkIfMatch, newStandardAttributes, owningProject, ownerView, updateResource } from './standard-attrs.ts';
import { egressRules, ensureDefaultSecurityGroup, ruleDocument } from './default-security-group.ts';
import { formatCidr, networkOf, parseCidr } from './ipam/ip-address.ts';
import { checkQuota } from './quotas.ts';

export const SECURITY_GROUP_ATTRIBUTES: AttributeMap = {
  ...STANDARD_ATTRIBUTES,
  stateful: { allowPost: true, allowPut: true, default: true, convert: boolean, filter: 'boolean', sortable: true },
  security_group_rules: { allowPost: false, allowPut: false, filter: 'none' },
};

export const RULE_ATTRIBUTES: AttributeMap = {
  id: STANDARD_ATTRIBUTES.id,
  tenant_id: STANDARD_ATTRIBUTES.tenant_id,
  project_id: STANDARD_ATTRIBUTES.project_id,
  description: STANDARD_ATTRIBUTES.description,
  created_at: STANDARD_ATTRIBUTES.created_at,
  updated_at: STANDARD_ATTRIBUTES.updated_at,
  revision_number: STANDARD_ATTRIBUTES.revision_number,
  security_group_id: { allowPost: true, allowPut: false, required: true, convert: uuidCheck, filter: 'string', sortable: true },
  direction: { allowPost: true, allowPut: false, required: true, convert: oneOf(['ingress', 'egress']), filter: 'string', sortable: true },
  protocol: { allowPost: true, allowPut: false, default: null, filter: 'string', sortable: true },
  port_range_min: { allowPost: true, allowPut: false, default: null, convert: nullableInteger(), filter: 'integer', sortable: true },
  port_range_max: { allowPost: true, allowPut: false, default: null, convert: nullableInteger(), filter: 'integer', sortable: true },
  ethertype: { allowPost: true, allowPut: false, default: 'IPv4', filter: 'string', sortable: true },
  remote_ip_prefix: { allowPost: true, allowPut: false, default: null, convert: nullableString(), filter: 'string', sortable: true },
  // Neutron does not validate it as a UUID: an id that names no group is a 404 SecurityGroupNotFound
  remote_group_id: { allowPost: true, allowPut: false, default: null, convert: nullableString(255), filter: 'string', sortable: true },
  remote_address_group_id: { allowPost: true, allowPut: false, default: null, convert: uuidOrNull, filter: 'string' },
  normalized_cidr: { allowPost: false, allowPut: false, filter: 'string' },
};

/** IANA protocol numbers Neutron accepts by name */
const PROTOCOLS: Record<string, number> = {
  hopopt: 0, icmp: 1, igmp: 2, ipip: 4, tcp: 6, egp: 8, udp: 17, 'ipv6-encap': 41, 'ipv6-route': 43, 'ipv6-frag': 44, rsvp: 46, gre: 47,
  esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, 'ipv6-nonxt': 59, 'ipv6-opts': 60, ospf: 89, pgm: 113, vrrp: 112, sctp: 132, dccp: 33, udplite: 136,
};
const PORT_PROTOCOLS = [6, 17, 132, 33, 136];
const ICMP_PROTOCOLS = [1, 58];

function protocolNumber(protocol: unknown): number | null {
  if (protocol === null || protocol === undefined || protocol === '' || protocol === 'any') return null;
  const s = String(protocol).toLowerCase();
  if (s in PROTOCOLS) return PROTOCOLS[s];
  if (/^\d+$/.test(s) && Number(s) <= 255) return Number(s);
  throw badRequestKind(
    'SecurityGroupRuleInvalidProtocol',
    `Security group rule protocol ${String(protocol)} not supported. Only protocol values [None, ${Object.keys(PROTOCOLS).map((p) => `'${p}'`).join(', ')}] and integer representations [0 to 255] are supported.`,
  );
}

export const sgTarget = (doc: Resource) => ({ ...doc, project_id: doc.tenant_id });

function ruleView(rule: Resource): Record<string, unknown> {
  return {
    id: rule.id, ...ownerView(rule), security_group_id: rule.security_group_id, direction: rule.direction, ethertype: rule.ethertype,
    protocol: rule.protocol, port_range_min: rule.port_range_min, port_range_max: rule.port_range_max,
    remote_ip_prefix: rule.remote_ip_prefix, remote_group_id: rule.remote_group_id, remote_address_group_id: rule.remote_address_group_id,
    normalized_cidr: rule.remote_ip_prefix ? formatCidr(networkOf(parseCidr(rule.remote_ip_prefix)!)) : null,
    description: rule.description, created_at: rule.created_at, updated_at: rule.updated_at, revision_number: rule.revision_number,
  };
}

async function groupView(neutron: Neutron, doc: Resource, fields: string[] = []): Promise<Record<string, unknown>> {
  const view: Record<string, unknown> = {
    id: doc.id, name: doc.name, ...ownerView(doc), description: doc.description, stateful: doc.stateful,
    tags: doc.tags, created_at: doc.created_at, updated_at: doc.updated_at, revision_number: doc.revision_number,
  };
  if (fields.length === 0 || fields.includes('security_group_rules')) {
    const rules = await (await neutron.db()).securityGroupRules.find({ security_group_id: doc.id }, { sort: [['created_at', 'asc']] });
    view.security_group_rules = rules.map(ruleView);
  }
  return view;
}

function checkPorts(protocol: number | null, min: number | null, max: number | null): void {
  if (protocol === null || (!PORT_PROTOCOLS.includes(protocol) && !ICMP_PROTOCOLS.includes(protocol))) {
    if (min !== null || max !== null) {
      if (protocol === null) throw badRequestKind('SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.');
      throw badRequestKind('SecurityGroupInvalidProtocolForPortRange', `Invalid protocol ${protocol} for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP.`);
    }
    return;
  }
  if (PORT_PROTOCOLS.includes(protocol)) {
    for (const p of [min, max]) {
      if (p !== null && (p < 1 || p > 65535)) throw badRequestKind('SecurityGroupInvalidPortValue', `Invalid value for port ${p}.`);
    }
    if (min === null && max === null) return;
    if (min === null || max === null || min > max) {
      throw badRequestKind('SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max');
    }
    return;
  }
  for (const [value, field, attr] of [[min, 'type', 'port-range-min'], [max, 'code', 'port-range-max']] as const) {
    if (value !== null && (value < 0 || value > 255)) {
      throw badRequestKind('SecurityGroupInvalidIcmpValue', `Invalid value for ICMP ${field} (${attr}): ${value}. It must be 0 to 255.`);
    }
  }
  if (min === null && max !== null) {
    throw badRequestKind('SecurityGroupMissingIcmpType', `ICMP code (port-range-max) ${max} is provided but ICMP type (port-range-min) is missing.`);
  }
}

export function securityGroupHandlers(neutron: Neutron): Record<string, OperationHandler> {
  async function visibleGroup(ctx: RequestContext, id: string): Promise<Resource> {
    const doc = await (await neutron.db()).securityGroups.get(id);
    if (!doc || !neutron.engine.allows(ctx, 'get_security_group', sgTarget(doc))) throw securityGroupNotFound(id);
    return doc;
  }

  async function isDefaultGroup(doc: Resource): Promise<boolean> {
    const marker = await (await neutron.db()).defaultSecurityGroups.get(doc.tenant_id);
    return marker?.security_group_id === doc.id;
  }

  return {
    listSecurityGroups: async (ctx) => {
      const db = await neutron.db();
      await ensureDefaultSecurityGroup(neutron, ctx.auth?.projectId);
      const docs = await db.securityGroups.find({}, { sort: [['created_at', 'asc']] });
      const fields = selectedFields(ctx);
      const visible = docs.filter((d) => neutron.engine.allows(ctx, 'get_security_group', sgTarget(d)));
      const views = await Promise.all(visible.map((d) => groupView(neutron, d, fields)));
      return listResponse(ctx, { plural: 'security_groups', attributes: SECURITY_GROUP_ATTRIBUTES }, views);
    },

    showSecurityGroup: async (ctx) => {
      const doc = await visibleGroup(ctx, ctx.params.security_group_id);
      const fields = selectedFields(ctx);
      return { status: 200, body: { security_group: selectFields(await groupView(neutron, doc, fields), fields) } };
    },

    createSecurityGroup: async (ctx) => {
      const { values, explicit } = prepareCreate(memberBody(ctx.body, 'security_group'), SECURITY_GROUP_ATTRIBUTES);
      const owner = owningProject(ctx, values);
      enforce(neutron, ctx, 'create_security_group', { ...values, project_id: owner }, explicit);
      await ensureDefaultSecurityGroup(neutron, owner);
      await checkQuota(neutron, 'security_group', owner);
      if (values.name === 'default') throw conflictKind('SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
      const db = await neutron.db();
      const doc: Resource = { id: uuid(), name: values.name, description: values.description, tenant_id: owner, stateful: values.stateful, ...newStandardAttributes(neutron) };
      await db.securityGroups.insert(doc);
      for (const rule of egressRules(neutron, doc.id, owner)) await db.securityGroupRules.insert(rule);
      return { status: 201, body: { security_group: await groupView(neutron, doc) } };
    },

    updateSecurityGroup: async (ctx) => {
      const id = ctx.params.security_group_id;
      const db = await neutron.db();
      const values = prepareUpdate(memberBody(ctx.body, 'security_group'), SECURITY_GROUP_ATTRIBUTES);
      const updated = await updateResource(neutron, db.securityGroups, id, async (current) => {
        enforceOrHide(neutron, ctx, 'update_security_group', 'get_security_group', sgTarget(current), () => securityGroupNotFound(id));
        checkIfMatch(ctx, current);
        if (values.name !== undefined && values.name !== current.name) {
          if (await isDefaultGroup(current)) throw conflictKind('SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.');
          if (values.name === 'default') throw conflictKind('SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
        }
        if ('stateful' in values && values.stateful !== current.stateful) {
          const inUse = await db.ports.count({ security_groups: { $contains: id } });
          if (inUse > 0) throw conflictKind('SecurityGroupInUse', `Security Group ${id} in use.`);
        }
        return values;
      }, () => securityGroupNotFound(id));
      return { status: 200, body: { security_group: await groupView(neutron, updated) } };
    },

    deleteSecurityGroup: async (ctx) => {
      const id = ctx.params.security_group_id;
      const db = await neutron.db();
      const doc = await db.securityGroups.get(id);
      if (!doc) throw securityGroupNotFound(id);
      enforceOrHide(neutron, ctx, 'delete_security_group', 'get_security_group', sgTarget(doc), () => securityGroupNotFound(id));
      const isDefault = await isDefaultGroup(doc);
      if (isDefault && !isAdmin(ctx)) throw conflictKind('SecurityGroupCannotRemoveDefault', 'Removing default security group not allowed.');
      if ((await db.ports.count({ security_groups: { $contains: id } })) > 0) throw conflictKind('SecurityGroupInUse', `Security Group ${id} in use.`);
      await db.securityGroupRules.deleteMany({ security_group_id: id });
      await db.securityGroupRules.deleteMany({ remote_group_id: id });
      await db.securityGroups.delete(id);
      if (isDefault) await db.defaultSecurityGroups.delete(doc.tenant_id);
      return { status: 204 };
    },

    listSecurityGroupRules: async (ctx) => {
      const db = await neutron.db();
      await ensureDefaultSecurityGroup(neutron, ctx.auth?.projectId);
      const groups = new Map((await db.securityGroups.find()).map((g) => [g.id, g]));
      const rules = await db.securityGroupRules.find({}, { sort: [['created_at', 'asc']] });
      const views = rules
        .filter((r) => neutron.engine.allows(ctx, 'get_security_group_rule', ruleTarget(r, groups.get(r.security_group_id))))
        .map(ruleView);
      return listResponse(ctx, { plural: 'security_group_rules', attributes: RULE_ATTRIBUTES }, views);
    },

    showSecurityGroupRule: async (ctx) => {
      const db = await neutron.db();
      const rule = await db.securityGroupRules.get(ctx.params.rule_id);
      const group = rule && (await db.securityGroups.get(rule.security_group_id));
      if (!rule || !neutron.engine.allows(ctx, 'get_security_group_rule', ruleTarget(rule, group))) throw securityGroupRuleNotFound(ctx.params.rule_id);
      return { status: 200, body: { security_group_rule: selectFields(ruleView(rule), selectedFields(ctx)) } };
    },

    createSecurityGroupRule: async (ctx) => {
      const { values, explicit } = prepareCreate(memberBody(ctx.body, 'security_group_rule'), RULE_ATTRIBUTES);
      const db = await neutron.db();
      const group = await db.securityGroups.get(values.security_group_id);
      if (!group || !neutron.engine.allows(ctx, 'get_security_group', sgTarget(group))) throw securityGroupNotFound(values.security_group_id);
      const owner = values.tenant_id ?? values.project_id ? owningProject(ctx, values) : group.tenant_id;
      enforce(neutron, ctx, 'create_security_group_rule', { ...values, project_id: owner, 'security_group:project_id': group.tenant_id }, explicit);
      await checkQuota(neutron, 'security_group_rule', owner);
      if (!['IPv4', 'IPv6'].includes(values.ethertype)) {
        throw badRequestKind('SecurityGroupRuleInvalidEtherType', `Security group rule for ethertype '${values.ethertype}' not supported. Allowed values are ['IPv4', 'IPv6'].`);
      }
      const protocol = protocolNumber(values.protocol);
      if (protocol === 58 && values.ethertype === 'IPv4') {
        throw badRequestKind('SecurityGroupEthertypeConflictWithProtocol', `Invalid ethertype IPv4 for protocol ${values.protocol}.`);
      }
      checkPorts(protocol, values.port_range_min, values.port_range_max);
      if (values.remote_ip_prefix !== null && values.remote_group_id !== null) {
        throw badRequestKind('SecurityGroupRemoteGroupAndRemoteIpPrefix', 'Only remote_ip_prefix or remote_group_id may be provided.');
      }
      let normalized: string | null = null;
      if (values.remote_ip_prefix !== null) {
        const cidr = parseCidr(values.remote_ip_prefix);
        if (!cidr) {
          throw badRequestKind('InvalidInput', `Invalid input for remote_ip_prefix. Reason: '${values.remote_ip_prefix}' is not a valid IP subnet.`);
        }
        if (`IPv${cidr.version}` !== values.ethertype) {
          throw badRequestKind('SecurityGroupRuleParameterConflict', `Conflicting value ethertype ${values.ethertype} for CIDR ${values.remote_ip_prefix}`);
        }
        normalized = formatCidr(networkOf(cidr));
      }
      if (values.remote_group_id !== null) {
        const remote = await db.securityGroups.get(values.remote_group_id);
        if (!remote || !neutron.engine.allows(ctx, 'get_security_group', sgTarget(remote))) throw securityGroupNotFound(values.remote_group_id);
      }
      const existing = await db.securityGroupRules.find({ security_group_id: group.id });
      const prefixKey = (p: string | null) => (p === null ? null : formatCidr(networkOf(parseCidr(p)!)));
      const duplicate = existing.find((r) =>
        r.direction === values.direction && r.ethertype === values.ethertype && protocolNumber(r.protocol) === protocol &&
        r.port_range_min === values.port_range_min && r.port_range_max === values.port_range_max &&
        prefixKey(r.remote_ip_prefix) === normalized && r.remote_group_id === values.remote_group_id);
      if (duplicate) throw conflictKind('SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${duplicate.id}.`);
      const rule = ruleDocument(neutron, {
        security_group_id: group.id, tenant_id: owner, direction: values.direction, ethertype: values.ethertype,
        protocol: values.protocol === null ? null : String(values.protocol), port_range_min: values.port_range_min, port_range_max: values.port_range_max,
        remote_ip_prefix: values.remote_ip_prefix, remote_group_id: values.remote_group_id, description: values.description,
      });
      await db.securityGroupRules.insert(rule);
      await updateResource(neutron, db.securityGroups, group.id, () => ({}), () => securityGroupNotFound(group.id)).catch(() => undefined);
      return { status: 201, body: { security_group_rule: ruleView(rule) } };
    },

    deleteSecurityGroupRule: async (ctx) => {
      const id = ctx.params.rule_id;
      const db = await neutron.db();
      const rule = await db.securityGroupRules.get(id);
      if (!rule) throw securityGroupRuleNotFound(id);
      const group = await db.securityGroups.get(rule.security_group_id);
      enforceOrHide(neutron, ctx, 'delete_security_group_rule', 'get_security_group_rule', ruleTarget(rule, group), () => securityGroupRuleNotFound(id));
      await db.securityGroupRules.delete(id);
      if (group) await updateResource(neutron, db.securityGroups, group.id, () => ({}), () => securityGroupNotFound(group.id)).catch(() => undefined);
      return { status: 204 };
    },
  };
}

const ruleTarget = (rule: Resource, group?: Resource) => ({
  ...rule, project_id: rule.tenant_id, 'security_group:project_id': group?.tenant_id, 'security_group:tenant_id': group?.tenant_id,
});

export { string };
