// os-server-groups: affinity policies for sets of servers. Before 2.64 a group shows
// `policies` (a one-item list) and an always-empty `metadata`; from 2.64 a `policy` string and
// `rules` (max_server_per_host for anti-affinity). Members are server ids; the servers API adds
// a server at boot (scheduler hint `group`) through addMember, and the scheduler reads groupOf.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, forbidden, notFound } from '../../platform/http/api-error.ts';
import type { Collection } from '../../platform/store/store.ts';
import { uuid } from '../../platform/ids.ts';
import type { PolicyRuleDefault } from '../../identity/policy/enforcer.ts';
import { firstQuery, invalidField, invalidQuery, isAdmin, json, since, type Nova } from './support.ts';
import { effectiveQuota } from './quotas.ts';
import { serversOf } from './servers/record.ts';

export type GroupPolicy = 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';

export interface ServerGroupRecord {
  id: string;
  name: string;
  project_id: string;
  user_id: string;
  policy: GroupPolicy;
  rules: { max_server_per_host?: number };
  /** server ids in the order they joined; deleted servers are hidden when shown */
  members: string[];
  created_at: number;
  [k: string]: unknown;
}

export const SERVER_GROUP_RULES: PolicyRuleDefault[] = [
  ...['create', 'delete'].map((n) => ({ name: `os_compute_api:os-server-groups:${n}`, checkStr: 'rule:project_member_or_admin', scopeTypes: ['project' as const] })),
  ...['index', 'show'].map((n) => ({ name: `os_compute_api:os-server-groups:${n}`, checkStr: 'rule:project_reader_or_admin', scopeTypes: ['project' as const] })),
  { name: 'os_compute_api:os-server-groups:index:all_projects', checkStr: 'rule:context_is_admin', scopeTypes: ['project'] },
];

export const serverGroupsOf = (nova: Nova): Collection<ServerGroupRecord> =>
  nova.db.collection<ServerGroupRecord>('server_groups', { indexes: [['project_id']] });

const groupNotFound = (id: string) => notFound(`Instance group ${id} could not be found.`);

/**
 * A group with the servers booted into it: those added with addMember and those whose record
 * names the group (server_group_id, set by the servers API from the `group` hint).
 */
async function withBootedMembers<T extends ServerGroupRecord>(nova: Nova, group: T): Promise<T> {
  const booted = await serversOf(nova).find({ server_group_id: group.id, deleted: false }, { sort: [['created_at', 'asc']] });
  const extra = booted.map((s) => s.id).filter((id) => !group.members.includes(id));
  return extra.length ? { ...group, members: [...group.members, ...extra] } : group;
}

/** the group a server belongs to, if any (for the scheduler's affinity filters and the server view) */
export async function groupOf(nova: Nova, serverId: string): Promise<ServerGroupRecord | undefined> {
  const listed = await serverGroupsOf(nova).findOne({ members: { $contains: serverId } });
  if (listed) return withBootedMembers(nova, listed);
  const server = await serversOf(nova).get(serverId);
  const named = server?.server_group_id ? await serverGroupsOf(nova).get(server.server_group_id) : undefined;
  return named ? withBootedMembers(nova, named) : undefined;
}

/** a group by id, as the `group` scheduler hint names it; undefined when there is none */
export async function findServerGroup(nova: Nova, groupId: string): Promise<ServerGroupRecord | undefined> {
  const group = await serverGroupsOf(nova).get(groupId);
  return group && withBootedMembers(nova, group);
}

async function liveMembers(nova: Nova, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const live = await serversOf(nova).find({ id: { $in: ids }, deleted: false });
  const alive = new Set(live.map((s) => s.id));
  return ids.filter((id) => alive.has(id));
}

/**
 * Adds a server to a group, enforcing the project's server_group_members quota as Nova does
 * at boot (403 "Quota exceeded, too many servers in group"). Idempotent; 404 for an unknown group.
 */
export async function addMember(nova: Nova, groupId: string, serverId: string): Promise<ServerGroupRecord> {
  const groups = serverGroupsOf(nova);
  for (;;) {
    const group = await groups.get(groupId);
    if (!group) throw groupNotFound(groupId);
    if (group.members.includes(serverId)) return group;
    // a member still being created may not have its record yet: only known deletions leave
    const deleted = new Set((await serversOf(nova).find({ id: { $in: group.members }, deleted: true })).map((s) => s.id));
    const members = group.members.filter((m) => !deleted.has(m));
    const limit = (await effectiveQuota(nova, group.project_id)).server_group_members;
    if (limit >= 0 && members.length + 1 > limit) throw forbidden('Quota exceeded, too many servers in group');
    const updated = await groups.update(groupId, { members: [...members, serverId] }, { ifRev: group._rev });
    if (updated) return updated;
  }
}

/** takes a server out of whatever group holds it (server delete) */
export async function removeMember(nova: Nova, serverId: string): Promise<void> {
  const groups = serverGroupsOf(nova);
  for (;;) {
    const group = await groups.findOne({ members: { $contains: serverId } });
    if (!group) return;
    await groups.update(group.id, { members: group.members.filter((m) => m !== serverId) }, { ifRev: group._rev });
  }
}

function render(ctx: RequestContext, group: ServerGroupRecord, members: string[]): Record<string, unknown> {
  const view: Record<string, unknown> = { id: group.id, name: group.name };
  if (since(ctx, '2.64')) {
    view.policy = group.policy;
    view.rules = group.rules;
  } else {
    view.policies = [group.policy];
    view.metadata = {};
  }
  view.members = members;
  if (since(ctx, '2.13')) {
    view.project_id = group.project_id;
    view.user_id = group.user_id;
  }
  return view;
}

const POLICIES_BEFORE_215: GroupPolicy[] = ['anti-affinity', 'affinity'];
const ALL_POLICIES: GroupPolicy[] = ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity'];
const enumText = (values: string[]) => `[${values.map((v) => `'${v}'`).join(', ')}]`;

/** Nova's `name` parameter type: 1-255 printable characters, no leading or trailing blanks */
function checkName(name: unknown): string {
  if (name === undefined) throw invalidField('server_group', {}, "'name' is a required property");
  if (typeof name !== 'string') throw invalidField('name', name, `${JSON.stringify(name)} is not of type 'string'`);
  if (name.length < 1) throw invalidField('name', name, `'${name}' is too short`);
  if (name.length > 255) throw invalidField('name', name, `'${name}' is too long`);
  // eslint-disable-next-line no-control-regex
  if (/^\s|\s$/.test(name) || /[\x00-\x1f\x7f]/.test(name)) throw invalidField('name', name, `'${name}' does not match '^(?!\\s)[\\S ]+(?<!\\s)$'`);
  return name;
}

function parseCreate(ctx: RequestContext): { name: string; policy: GroupPolicy; rules: { max_server_per_host?: number } } {
  const body = ctx.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('server_group' in body)) {
    throw invalidField('server_group', body, "'server_group' is a required property");
  }
  const extraTop = Object.keys(body).filter((k) => k !== 'server_group');
  if (extraTop.length) throw badRequest(`Invalid input for field/attribute server_group. Value: ${JSON.stringify(body)}. Additional properties are not allowed (${extraTop.map((k) => `'${k}'`).join(', ')} was unexpected)`);
  const sg = body.server_group;
  if (typeof sg !== 'object' || sg === null || Array.isArray(sg)) throw invalidField('server_group', sg, `${JSON.stringify(sg)} is not of type 'object'`);
  const v264 = since(ctx, '2.64');
  const allowed = v264 ? ['name', 'policy', 'rules'] : ['name', 'policies'];
  const extra = Object.keys(sg).filter((k) => !allowed.includes(k));
  if (extra.length) throw invalidField('server_group', sg, `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
  const name = checkName(sg.name);
  if (v264) {
    if (sg.policy === undefined) throw invalidField('server_group', sg, "'policy' is a required property");
    if (!ALL_POLICIES.includes(sg.policy)) throw invalidField('policy', sg.policy, `${JSON.stringify(sg.policy)} is not one of ${enumText(ALL_POLICIES)}`);
    const rules = sg.rules ?? {};
    if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) throw invalidField('rules', rules, `${JSON.stringify(rules)} is not of type 'object'`);
    const unknown = Object.keys(rules).filter((k) => k !== 'max_server_per_host');
    if (unknown.length) throw invalidField('rules', rules, `Additional properties are not allowed (${unknown.map((k) => `'${k}'`).join(', ')} was unexpected)`);
    const out: { max_server_per_host?: number } = {};
    if ('max_server_per_host' in rules) {
      const raw = rules.max_server_per_host;
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isInteger(n)) throw invalidField('max_server_per_host', raw, `${JSON.stringify(raw)} is not of type 'integer', 'string'`);
      if (n < 1) throw invalidField('max_server_per_host', raw, `${n} is less than the minimum of 1`);
      out.max_server_per_host = n;
    }
    if (sg.policy !== 'anti-affinity' && Object.keys(out).length) throw badRequest('Only anti-affinity policy supports rules.');
    return { name, policy: sg.policy, rules: out };
  }
  const policies = sg.policies;
  if (policies === undefined) throw invalidField('server_group', sg, "'policies' is a required property");
  if (!Array.isArray(policies)) throw invalidField('policies', policies, `${JSON.stringify(policies)} is not of type 'array'`);
  if (policies.length < 1) throw invalidField('policies', policies, '[] is too short');
  if (new Set(policies).size !== policies.length) throw invalidField('policies', policies, `${JSON.stringify(policies)} has non-unique elements`);
  if (policies.length > 1) throw invalidField('policies', policies, `${JSON.stringify(policies)} is too long`);
  const choices = since(ctx, '2.15') ? ALL_POLICIES : POLICIES_BEFORE_215;
  if (!choices.includes(policies[0])) throw invalidField('policies[0]', policies[0], `${JSON.stringify(policies[0])} is not one of ${enumText(choices)}`);
  return { name, policy: policies[0], rules: {} };
}

function nonNegative(ctx: RequestContext, name: string): number | undefined {
  const raw = firstQuery(ctx, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw invalidQuery(name, raw, `'${raw}' does not match '^[0-9]*$'`);
  return Number(raw);
}

export function serverGroupHandlers(nova: Nova): Record<string, OperationHandler> {
  const groups = serverGroupsOf(nova);
  const visible = async (ctx: RequestContext, id: string, rule: string) => {
    const group = await groups.get(id);
    if (!group) throw groupNotFound(id);
    nova.engine.authorize(ctx, rule, { project_id: group.project_id });
    return withBootedMembers(nova, group);
  };
  return {
    listServerGroups: async (ctx) => {
      const project = ctx.auth!.projectId ?? '';
      nova.engine.authorize(ctx, 'os_compute_api:os-server-groups:index', { project_id: project });
      if (since(ctx, '2.75')) {
        const unknown = Object.keys(ctx.query).filter((k) => !['all_projects', 'limit', 'offset'].includes(k));
        if (unknown.length) throw badRequest(`Invalid input for query parameters ${unknown[0]}. Value: ${String(ctx.query[unknown[0]])}. Additional properties are not allowed (${unknown.map((k) => `'${k}'`).join(', ')} was unexpected)`);
      }
      const limit = nonNegative(ctx, 'limit');
      const offset = nonNegative(ctx, 'offset') ?? 0;
      let all: ServerGroupRecord[];
      // a non-admin asking for all projects quietly gets its own, as Nova does
      if ('all_projects' in ctx.query && isAdmin(nova, ctx)) {
        nova.engine.authorize(ctx, 'os_compute_api:os-server-groups:index:all_projects', { project_id: project });
        all = await groups.find({}, { sort: [['created_at', 'asc']] });
      } else {
        all = await groups.find({ project_id: project }, { sort: [['created_at', 'asc']] });
      }
      const page = await Promise.all(all.slice(offset, limit === undefined ? undefined : offset + Math.min(limit, 1000)).map((g) => withBootedMembers(nova, g)));
      const members = new Set(await liveMembers(nova, page.flatMap((g) => g.members)));
      return json({ server_groups: page.map((g) => render(ctx, g, g.members.filter((m) => members.has(m)))) });
    },
    showServerGroup: async (ctx) => {
      const group = await visible(ctx, ctx.params.server_group_id, 'os_compute_api:os-server-groups:show');
      return json({ server_group: render(ctx, group, await liveMembers(nova, group.members)) });
    },
    createServerGroup: async (ctx) => {
      const { name, policy, rules } = parseCreate(ctx);
      const project = ctx.auth!.projectId ?? '';
      nova.engine.authorize(ctx, 'os_compute_api:os-server-groups:create', { project_id: project });
      const limit = (await effectiveQuota(nova, project)).server_groups;
      if (limit >= 0 && (await groups.count({ project_id: project })) >= limit) throw forbidden('Quota exceeded, too many server groups.');
      const group: ServerGroupRecord = { id: uuid(), name, project_id: project, user_id: ctx.auth!.userId, policy, rules, members: [], created_at: nova.clock.now() };
      await groups.insert(group);
      return json({ server_group: render(ctx, group, []) });
    },
    deleteServerGroup: async (ctx) => {
      const group = await visible(ctx, ctx.params.server_group_id, 'os_compute_api:os-server-groups:delete');
      if (!(await groups.delete(group.id))) throw groupNotFound(group.id);
      return { status: 204 };
    },
  };
}
