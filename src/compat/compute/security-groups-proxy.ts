// The deprecated security group proxy APIs (os-security-groups, os-security-group-rules,
// /servers/{id}/os-security-groups and the add/removeSecurityGroup actions), which Nova
// serves up to 2.35 by calling Neutron. Nova's view of a group keeps only ingress rules, in
// its own rule shape (ip_protocol, from_port/to_port, ip_range or group), and Neutron's errors
// are translated the way nova/network/security_group_api.py translates them.
import type { ApiResponse, OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../../platform/http/api-error.ts';
import type { PolicyRuleDefault } from '../../identity/policy/enforcer.ts';
import type { Resource } from '../network/context.ts';
import { parseCidr } from '../network/ipam/ip-address.ts';
import { firstQuery, isAdmin, json, since, type Nova } from './support.ts';
import { neutronOf, type NeutronProxy } from './neutron-proxy.ts';
import { findServer } from './server-lookup.ts';
import type { ServerRecord } from './servers/record.ts';

const POLICY = 'os_compute_api:os-security-groups:';
export const SECURITY_GROUP_RULES: PolicyRuleDefault[] = [
  ...['get', 'show', 'list'].map((n) => ({ name: `${POLICY}${n}`, checkStr: 'rule:project_reader_or_admin', scopeTypes: ['project' as const] })),
  ...['create', 'update', 'delete', 'rule:create', 'rule:delete', 'add', 'remove'].map((n) => ({ name: `${POLICY}${n}`, checkStr: 'rule:project_member_or_admin', scopeTypes: ['project' as const] })),
];


const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

interface NovaRule {
  id: string;
  parent_group_id: string;
  protocol: string | null;
  from_port: number | null;
  to_port: number | null;
  group_id: string | null;
  cidr: string;
}

interface NovaGroup {
  id: string;
  name: string;
  description: string;
  project_id: string;
  rules: NovaRule[];
}

/** the proxy APIs are served up to 2.35; later microversions find no such method (404) */
function gate(ctx: RequestContext): void {
  if (since(ctx, '2.36')) throw notFound('The resource could not be found.');
}

function validateId(id: unknown): string {
  if (typeof id !== 'string' || !UUID.test(id)) throw badRequest('Security group id should be uuid');
  return id;
}

function parseCidrParam(cidr: unknown): string {
  if (cidr === undefined || cidr === null || cidr === '') return '0.0.0.0/0';
  let text: string;
  try {
    text = decodeURIComponent(String(cidr));
  } catch {
    throw badRequest(`${String(cidr)} is not a valid IP network.`);
  }
  if (!text.includes('/') || !parseCidr(text)) throw badRequest(`${text} is not a valid IP network.`);
  return text;
}

function toNovaRule(rule: Resource): NovaRule {
  let from: number | null = rule.port_range_min ?? null;
  let to: number | null = rule.port_range_max ?? null;
  if (rule.protocol && from === null && to === null) {
    const tcpUdp = ['TCP', 'UDP'].includes(String(rule.protocol).toUpperCase());
    from = tcpUdp ? 1 : -1;
    to = tcpUdp ? 65535 : -1;
  }
  return {
    id: rule.id, parent_group_id: rule.security_group_id, protocol: rule.protocol ?? null, from_port: from, to_port: to,
    group_id: rule.remote_group_id ?? null, cidr: parseCidrParam(rule.remote_ip_prefix),
  };
}

function toNovaGroup(group: Resource): NovaGroup {
  return {
    id: group.id, name: group.name, description: group.description ?? '', project_id: group.tenant_id ?? group.project_id,
    rules: (group.security_group_rules ?? []).filter((r: Resource) => r.direction === 'ingress').map(toNovaRule),
  };
}

/** the length check Nova makes on names and descriptions before Neutron sees them */
function checkProperty(value: unknown, property: string): void {
  if (typeof value !== 'string') throw badRequest(`${property} is not a string or unicode`);
  if (value.length > 255) throw badRequest(`${property} has ${value.length} characters, more than 255.`);
}

function fromBody(body: unknown, key: string): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length === 0) throw badRequest("The request body can't be empty");
  const value = (body as Record<string, unknown>)[key];
  if (value === undefined || value === null) throw badRequest(`Missing parameter ${key}`);
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest(`Missing parameter ${key}`);
  return value as Record<string, unknown>;
}

/** maps a Neutron error to the Nova error the proxy raises for it; other errors pass */
function translate(error: unknown, map: Partial<Record<number, (message: string) => ApiError>>): never {
  if (error instanceof ApiError && map[error.status]) throw map[error.status]!(error.message);
  throw error;
}

export function securityGroupProxy(nova: Nova) {
  const proxy = (): NeutronProxy => neutronOf(nova);

  async function getGroup(ctx: RequestContext, id: string): Promise<NovaGroup> {
    try {
      return toNovaGroup((await proxy().call(ctx, 'showSecurityGroup', { params: { security_group_id: id } })).body.security_group);
    } catch (error) {
      translate(error, { 404: (m) => notFound(m) });
    }
  }

  /** the group named (within the caller's project) or with that id, as neutronclient resolves it */
  async function resolveGroup(ctx: RequestContext, nameOrId: string): Promise<string> {
    const project = ctx.auth?.projectId ?? '';
    const named = (await proxy().call(ctx, 'listSecurityGroups', { query: { name: nameOrId, tenant_id: project } })).body.security_groups as Resource[];
    if (named.length > 1) throw conflict(`Multiple security_group matches found for name '${nameOrId}', use an ID to be more specific.`);
    if (named.length === 1) return named[0].id;
    try {
      return (await proxy().call(ctx, 'showSecurityGroup', { params: { security_group_id: nameOrId } })).body.security_group.id;
    } catch (error) {
      translate(error, { 404: () => notFound(`Security group ${nameOrId} is not found for project ${project}`) });
    }
  }

  async function formatRule(ctx: RequestContext, rule: NovaRule, known: Map<string, NovaGroup>, groupData?: { name: string; tenant_id: string }) {
    const view: Record<string, unknown> = {
      id: rule.id, parent_group_id: rule.parent_group_id, ip_protocol: rule.protocol, from_port: rule.from_port, to_port: rule.to_port, group: {}, ip_range: {},
    };
    if (rule.group_id) {
      let source = known.get(rule.group_id);
      if (!source) {
        try {
          source = await getGroup(ctx, rule.group_id);
          known.set(source.id, source);
        } catch (error) {
          // the remote group went away between the two reads: Nova leaves the rule out
          if (error instanceof ApiError && error.status === 404) return undefined;
          throw error;
        }
      }
      view.group = { name: source.name, tenant_id: source.project_id };
    } else if (groupData) {
      view.group = groupData;
    } else {
      view.ip_range = { cidr: rule.cidr };
    }
    return view;
  }

  async function formatGroup(ctx: RequestContext, group: NovaGroup, known = new Map<string, NovaGroup>()) {
    known.set(group.id, group);
    const rules = [];
    for (const rule of group.rules) {
      const view = await formatRule(ctx, rule, known);
      if (view) rules.push(view);
    }
    return { id: group.id, description: group.description, name: group.name, tenant_id: group.project_id, rules };
  }

  const sorted = <T extends { tenant_id: string; name: string }>(groups: T[]) =>
    groups.sort((a, b) => (a.tenant_id < b.tenant_id ? -1 : a.tenant_id > b.tenant_id ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  async function serverGroups(ctx: RequestContext, server: ServerRecord) {
    const ports = await proxy().serverPorts(server.id);
    const ids = [...new Set(ports.flatMap((p) => (p.security_groups ?? []) as string[]))];
    if (ids.length === 0) return [];
    const found = (await proxy().call(ctx, 'listSecurityGroups', { query: { id: ids } })).body.security_groups as Resource[];
    const byId = new Map(found.map((g) => [g.id, toNovaGroup(g)]));
    const known = new Map(byId);
    const out = [];
    // one entry per port and group, as Nova builds the binding
    for (const port of ports) {
      for (const id of (port.security_groups ?? []) as string[]) {
        const group = byId.get(id);
        if (group) out.push(await formatGroup(ctx, group, known));
      }
    }
    return sorted(out);
  }

  async function changeServerGroups(ctx: RequestContext, server: ServerRecord, name: string, add: boolean): Promise<void> {
    const groupId = await resolveGroup(ctx, name);
    const ports = await proxy().serverPorts(server.id);
    if (ports.length === 0) throw notFound(`instance_id ${server.id} could not be found as device id on any ports`);
    let removed = false;
    for (const port of ports) {
      const current = (port.security_groups ?? []) as string[];
      let next: string[];
      if (add) {
        const hasAddress = (port.fixed_ips ?? []).length > 0 || port.ip_allocation === 'deferred';
        if (!hasAddress || port.port_security_enabled === false) {
          throw badRequest('Network requires port_security_enabled and subnet associated in order to apply security groups.');
        }
        if (current.includes(groupId)) continue;
        next = [...current, groupId];
      } else {
        if (!current.includes(groupId)) continue;
        next = current.filter((g) => g !== groupId);
        removed = true;
      }
      try {
        await proxy().call(ctx, 'updatePort', { params: { port_id: port.id }, body: { port: { security_groups: next } } });
      } catch (error) {
        translate(error, { 400: (m) => badRequest(m), 409: (m) => badRequest(m) });
      }
    }
    if (!add && !removed) throw notFound(`Security group ${name} not associated with the instance ${server.id}`);
  }

  function actionName(args: unknown): string {
    if (!args || typeof args !== 'object' || Array.isArray(args)) throw badRequest('Missing parameter dict');
    const name = (args as Record<string, unknown>).name;
    if (name === undefined) throw badRequest('Security group not specified');
    if (typeof name !== 'string' || name.trim() === '') throw badRequest('Security group name cannot be empty');
    return name;
  }

  const handlers: Record<string, OperationHandler> = {
    listComputeSecurityGroups: async (ctx) => {
      gate(ctx);
      const project = ctx.auth?.projectId ?? '';
      nova.engine.authorize(ctx, `${POLICY}get`, { project_id: project });
      const allTenants = 'all_tenants' in ctx.query && isAdmin(nova, ctx);
      const groups = (await proxy().call(ctx, 'listSecurityGroups', { query: allTenants ? {} : { tenant_id: project } })).body.security_groups as Resource[];
      const limit = firstQuery(ctx, 'limit');
      const offset = firstQuery(ctx, 'offset');
      for (const [name, raw] of [['limit', limit], ['offset', offset]] as const) {
        if (raw !== undefined && !/^\d+$/.test(raw)) throw badRequest(`${name} param must be an integer`);
      }
      const start = offset === undefined ? 0 : Number(offset);
      const count = Math.min(limit === undefined ? 1000 : Number(limit), 1000);
      const converted = groups.map(toNovaGroup).slice(start, start + count);
      const known = new Map(converted.map((g) => [g.id, g]));
      const views = [];
      for (const g of converted) views.push(await formatGroup(ctx, g, known));
      return json({ security_groups: sorted(views) });
    },
    createComputeSecurityGroup: async (ctx) => {
      gate(ctx);
      nova.engine.authorize(ctx, `${POLICY}create`, { project_id: ctx.auth?.projectId ?? '' });
      const body = fromBody(ctx.body, 'security_group');
      checkProperty(body.name, 'name');
      checkProperty(body.description, 'description');
      let created: Resource;
      try {
        created = (await proxy().call(ctx, 'createSecurityGroup', { body: { security_group: { name: body.name, description: body.description } } })).body.security_group;
      } catch (error) {
        translate(error, { 400: (m) => badRequest(m), 409: (m) => forbidden(m) });
      }
      return json({ security_group: await formatGroup(ctx, toNovaGroup(created)) });
    },
    showComputeSecurityGroup: async (ctx) => {
      gate(ctx);
      nova.engine.authorize(ctx, `${POLICY}show`, { project_id: ctx.auth?.projectId ?? '' });
      const group = await getGroup(ctx, validateId(ctx.params.security_group_id));
      return json({ security_group: await formatGroup(ctx, group) });
    },
    updateComputeSecurityGroup: async (ctx) => {
      gate(ctx);
      nova.engine.authorize(ctx, `${POLICY}update`, { project_id: ctx.auth?.projectId ?? '' });
      const group = await getGroup(ctx, validateId(ctx.params.security_group_id));
      const body = fromBody(ctx.body, 'security_group');
      checkProperty(body.name, 'name');
      checkProperty(body.description, 'description');
      let updated: Resource;
      try {
        updated = (await proxy().call(ctx, 'updateSecurityGroup', {
          params: { security_group_id: group.id }, body: { security_group: { name: body.name, description: body.description } },
        })).body.security_group;
      } catch (error) {
        translate(error, { 400: (m) => badRequest(m), 404: (m) => notFound(m), 409: (m) => badRequest(m) });
      }
      return json({ security_group: await formatGroup(ctx, toNovaGroup(updated)) });
    },
    deleteComputeSecurityGroup: async (ctx) => {
      gate(ctx);
      nova.engine.authorize(ctx, `${POLICY}delete`, { project_id: ctx.auth?.projectId ?? '' });
      const group = await getGroup(ctx, validateId(ctx.params.security_group_id));
      try {
        await proxy().call(ctx, 'deleteSecurityGroup', { params: { security_group_id: group.id } });
      } catch (error) {
        translate(error, { 404: (m) => notFound(m), 409: (m) => badRequest(m) });
      }
      return { status: 202 };
    },
    /** DELETE on the collection (an empty id): Nova's router finds no route */
    deleteComputeSecurityGroupWithoutId: async () => {
      throw notFound('The resource could not be found.');
    },
    createComputeSecurityGroupRule: async (ctx) => {
      gate(ctx);
      nova.engine.authorize(ctx, `${POLICY}rule:create`, { project_id: ctx.auth?.projectId ?? '' });
      const body = fromBody(ctx.body, 'security_group_rule');
      const parent = await getGroup(ctx, validateId(body.parent_group_id));
      const wanted = await newIngressRule(ctx, body);
      if (!wanted) throw badRequest('Not enough parameters to build a valid rule.');
      if (wanted.cidr) {
        const [net, prefix] = wanted.cidr.split('/');
        if (net !== '0.0.0.0' && net !== '::' && prefix === '0') throw badRequest(`Bad prefix for network in cidr ${wanted.cidr}`);
      }
      let groupData: { name: string; tenant_id: string } | undefined;
      if (body.group_id) {
        const source = await getGroup(ctx, String(body.group_id));
        groupData = { name: source.name, tenant_id: source.project_id };
      }
      const same = parent.rules.find((r) =>
        r.group_id === (wanted.group_id ?? null) && r.cidr === (wanted.cidr ?? null) && r.from_port === (wanted.from_port ?? null) &&
        r.to_port === (wanted.to_port ?? null) && r.protocol === (wanted.protocol ?? null));
      if (same) throw badRequest(`This rule already exists in group ${parent.id}`);
      const neutronRule: Record<string, unknown> = {
        direction: 'ingress', protocol: wanted.protocol ?? null, security_group_id: parent.id,
        ethertype: wanted.cidr && parseCidr(wanted.cidr)?.version === 6 ? 'IPv6' : 'IPv4',
        remote_ip_prefix: wanted.cidr ?? null, remote_group_id: wanted.group_id ?? null,
      };
      if (wanted.from_port !== undefined && wanted.from_port !== -1) neutronRule.port_range_min = wanted.from_port;
      if (wanted.to_port !== undefined && wanted.to_port !== -1) neutronRule.port_range_max = wanted.to_port;
      let created: Resource;
      try {
        created = (await proxy().call(ctx, 'createSecurityGroupRule', { body: { security_group_rule: neutronRule } })).body.security_group_rule;
      } catch (error) {
        translate(error, { 400: (m) => badRequest(m), 404: (m) => notFound(m), 409: (m) => forbidden(m) });
      }
      const view = await formatRule(ctx, toNovaRule(created), new Map([[parent.id, parent]]), groupData);
      return json({ security_group_rule: view });
    },
    deleteComputeSecurityGroupRule: async (ctx) => {
      gate(ctx);
      nova.engine.authorize(ctx, `${POLICY}rule:delete`, { project_id: ctx.auth?.projectId ?? '' });
      const id = validateId(ctx.params.security_group_rule_id);
      let rule: Resource;
      try {
        rule = (await proxy().call(ctx, 'showSecurityGroupRule', { params: { rule_id: id } })).body.security_group_rule;
      } catch (error) {
        translate(error, { 404: (m) => notFound(m) });
      }
      await getGroup(ctx, rule.security_group_id);
      try {
        await proxy().call(ctx, 'deleteSecurityGroupRule', { params: { rule_id: id } });
      } catch (error) {
        translate(error, { 404: (m) => notFound(m), 409: (m) => conflict(m) });
      }
      return { status: 202 };
    },
    listServerSecurityGroups: async (ctx) => {
      const server = await findServer(nova, ctx, ctx.params.server_id);
      nova.engine.authorize(ctx, `${POLICY}list`, { project_id: server.project_id });
      return json({ security_groups: await serverGroups(ctx, server) });
    },
  };

  /** Nova's _rule_args_to_dict and _new_ingress_rule: a cidr rule or a group rule */
  async function newIngressRule(ctx: RequestContext, body: Record<string, unknown>) {
    const out: { group_id?: string; cidr?: string; protocol?: string; from_port?: number; to_port?: number } = {};
    let from: unknown = body.from_port ?? null;
    let to: unknown = body.to_port ?? null;
    const protocol = body.ip_protocol === undefined || body.ip_protocol === null ? null : String(body.ip_protocol);
    const upper = (protocol ?? '').toUpperCase();
    let cidr: string | undefined;
    if (body.group_id !== undefined && body.group_id !== null) {
      const groupId = validateId(body.group_id);
      await getGroup(ctx, groupId);
      out.group_id = groupId;
      if (upper === 'ICMP' && from === null && to === null) [from, to] = [-1, -1];
      else if (['TCP', 'UDP'].includes(upper) && from === null && to === null) [from, to] = [1, 65535];
    } else {
      cidr = parseCidrParam(body.cidr);
      out.cidr = cidr;
    }
    if (protocol && from !== null && to !== null) {
      const asInt = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v) ? Number(v) : NaN);
      const f = asInt(from), t = asInt(to);
      if (Number.isNaN(f) || Number.isNaN(t)) {
        throw badRequest(upper === 'ICMP' ? 'Invalid input received: Type and Code must be integers for ICMP protocol type' : 'Invalid input received: To and From ports must be integers');
      }
      if (!['TCP', 'UDP', 'ICMP'].includes(upper)) throw badRequest(`Invalid IP protocol ${protocol}.`);
      if (['TCP', 'UDP'].includes(upper) && f > t) throw badRequest(`Invalid port range ${f}:${t}. Former value cannot be greater than the later`);
      if (['TCP', 'UDP'].includes(upper) && (f < 1 || t > 65535)) throw badRequest(`Invalid port range ${f}:${t}. Valid ${upper} ports should be between 1-65535`);
      if (upper === 'ICMP' && (f < -1 || f > 255 || t < -1 || t > 255)) throw badRequest(`Invalid port range ${f}:${t}. For ICMP, the type:code must be valid`);
      out.protocol = protocol;
      out.from_port = f;
      out.to_port = t;
    } else if (cidr) {
      return undefined;
    }
    return out;
  }

  /** addSecurityGroup / removeSecurityGroup on a server already found; `args` is the action's value (202, no body) */
  async function serverAction(ctx: RequestContext, server: ServerRecord, action: 'addSecurityGroup' | 'removeSecurityGroup', args: unknown): Promise<ApiResponse> {
    nova.engine.authorize(ctx, `${POLICY}${action === 'addSecurityGroup' ? 'add' : 'remove'}`, { project_id: server.project_id });
    const name = actionName(args);
    await changeServerGroups(ctx, server, name, action === 'addSecurityGroup');
    return { status: 202 };
  }

  return { handlers, serverAction, serverGroups };
}

/** the server action names this module serves */
export const SECURITY_GROUP_ACTIONS = ['addSecurityGroup', 'removeSecurityGroup'] as const;

/**
 * For POST /servers/{id}/action: runs addSecurityGroup or removeSecurityGroup with the
 * action's value (`{"name": ...}`) and returns the 202.
 */
export async function securityGroupActions(nova: Nova, ctx: RequestContext, serverId: string, action: string, args: unknown): Promise<ApiResponse> {
  if (action !== 'addSecurityGroup' && action !== 'removeSecurityGroup') throw new Error(`not a security group action: ${action}`);
  return securityGroupProxy(nova).serverAction(ctx, await findServer(nova, ctx, serverId), action, args);
}

/**
 * The `security_groups` of a server view as Nova renders it with Neutron: one `{name}` per
 * port and group (a group without a name shows its id). For the servers API's show/detail.
 */
export async function serverSecurityGroupNames(nova: Nova, serverId: string): Promise<Array<{ name: string }>> {
  const proxy = neutronOf(nova);
  const ports = await proxy.serverPorts(serverId);
  const db = await proxy.neutron.db();
  const out: Array<{ name: string }> = [];
  for (const port of ports) {
    for (const id of (port.security_groups ?? []) as string[]) {
      const group = await db.securityGroups.get(id);
      if (group) out.push({ name: group.name || group.id });
    }
  }
  return out;
}
