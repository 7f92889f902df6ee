// /v3/users: CRUD, self-service password change, and the user's projects and groups.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest } from '../../platform/http/api-error.ts';
import { isoMicros } from '../../platform/clock.ts';
import { DEFAULT_DOMAIN_ID } from '../../identity/bootstrap.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { UserRecord } from '../../identity/model.ts';
import {
  changeOwnPassword,
  createUser,
  deleteUser,
  projectsForUser,
  updateUser,
  userNotFound,
  type UserChanges,
} from '../../identity/resources/users.ts';
import { groupsOf } from '../../identity/resources/groups.ts';
import { checkBoolean, checkId, checkName, checkNullableString, checkUserOptions, invalidField, pyRepr } from '../../identity/resources/users-input.ts';
import { bodyObject, collectionLinks, created, matchesStringFilters, noContent, ok, queryBool, queryString, selfLink } from './support.ts';
import { groupView } from './groups.ts';
import { projectView } from './projects.ts';

/** Attributes with a meaning of their own; everything else a client sends is kept as "extra". */
const USER_ATTRIBUTES = ['id', 'name', 'domain_id', 'enabled', 'password', 'default_project_id', 'options', 'links', 'password_expires_at', 'federated'];

/** Keystone prints datetimes without a zone designator in resource bodies. */
function keystoneTime(ms: number): string {
  return isoMicros(ms).replace(/Z$/, '');
}

/** The user as Keystone shows it: extra attributes at the top level, never the password. */
export function userView(ctx: RequestContext, u: UserRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    ...u.extra,
    id: u.id,
    name: u.name,
    domain_id: u.domain_id,
    enabled: u.enabled,
    password_expires_at: u.password_expires_at === null ? null : keystoneTime(u.password_expires_at),
    options: u.options,
    links: selfLink(ctx, `/v3/users/${u.id}`),
  };
  if (u.default_project_id) view.default_project_id = u.default_project_id;
  return view;
}

function extraOf(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([k]) => !USER_ATTRIBUTES.includes(k)));
}

/** The domain a create without domain_id lands in: the token's domain scope, else the default domain. */
function defaultDomain(ctx: RequestContext): string {
  return ctx.auth?.domainId ?? DEFAULT_DOMAIN_ID;
}

/** Keystone's `password_expires_at={op}:{timestamp}` filter. */
function passwordExpiryFilter(ctx: RequestContext): ((u: UserRecord) => boolean) | undefined {
  const raw = queryString(ctx, 'password_expires_at');
  if (raw === undefined) return undefined;
  let op = 'eq';
  let stamp = raw;
  if (raw.slice(2, 4).includes(':')) {
    const i = raw.indexOf(':');
    op = raw.slice(0, i);
    stamp = raw.slice(i + 1);
  }
  const when = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(stamp) ? Date.parse(/Z|[+-]\d{2}:?\d{2}$/.test(stamp) ? stamp : `${stamp}Z`) : NaN;
  if (Number.isNaN(when)) {
    throw badRequest('Timestamp not in expected format. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
  }
  const compare: Record<string, (a: number, b: number) => boolean> = {
    lt: (a, b) => a < b,
    lte: (a, b) => a <= b,
    gt: (a, b) => a > b,
    gte: (a, b) => a >= b,
    eq: (a, b) => a === b,
    neq: (a, b) => a !== b,
  };
  const test = compare[op];
  if (!test) throw badRequest(`The given operator ${op} is not valid. It must be one of the following: 'eq', 'neq', 'lt', 'lte', 'gt', or 'gte'.`);
  // A password that never expires compares as SQL NULL does: never.
  return (u) => u.password_expires_at !== null && test(u.password_expires_at, when);
}

/** The list filters Keystone applies to users (GET /v3/users and a group's members). */
function userFilter(ctx: RequestContext): (u: UserRecord) => boolean {
  const domainId = queryString(ctx, 'domain_id');
  const enabled = queryBool(ctx, 'enabled');
  const expiry = passwordExpiryFilter(ctx);
  // Only federated (shadow) users have these; we have none.
  const federated = ['idp_id', 'protocol_id', 'unique_id'].some((k) => queryString(ctx, k) !== undefined);
  return (u) =>
    !federated &&
    (domainId === undefined || u.domain_id === domainId) &&
    (enabled === undefined || u.enabled === enabled) &&
    (expiry === undefined || expiry(u)) &&
    matchesStringFilters(ctx, 'name', u.name);
}

export { userFilter as userListFilter };

function userTarget(user: UserRecord | undefined, userId: string): Record<string, unknown> {
  return { target: user ? { user } : {}, user_id: userId };
}

function createInput(ctx: RequestContext) {
  const input = bodyObject(ctx, 'user');
  if (!('name' in input)) throw badRequest("'name' is a required property");
  const name = checkName('name', input.name);
  const domainId = 'domain_id' in input ? (checkId('domain_id', input.domain_id) as string) : defaultDomain(ctx);
  const enabled = 'enabled' in input ? checkBoolean('enabled', input.enabled) : true;
  const password = 'password' in input ? checkNullableString('password', input.password) : null;
  const defaultProjectId = 'default_project_id' in input ? checkId('default_project_id', input.default_project_id, true) : null;
  const options = 'options' in input ? checkUserOptions(input.options) : {};
  if ('description' in input) checkNullableString('description', input.description);
  const cleanOptions = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== null));
  return { name, domain_id: domainId, enabled, password, default_project_id: defaultProjectId, options: cleanOptions, extra: extraOf(input) };
}

function updateInput(ctx: RequestContext, user: UserRecord): UserChanges {
  const input = bodyObject(ctx, 'user');
  if (Object.keys(input).length === 0) throw invalidField('user', '{} does not have enough properties');
  if ('id' in input && input.id !== user.id) throw badRequest('Cannot change user ID');
  if ('domain_id' in input && input.domain_id !== user.domain_id) throw badRequest('Cannot change Domain ID');
  const changes: UserChanges = {};
  if ('name' in input) changes.name = checkName('name', input.name);
  if ('enabled' in input) changes.enabled = checkBoolean('enabled', input.enabled);
  if ('password' in input) changes.password = checkNullableString('password', input.password);
  if ('default_project_id' in input) changes.default_project_id = checkId('default_project_id', input.default_project_id, true);
  if ('options' in input) changes.options = checkUserOptions(input.options);
  if ('description' in input) checkNullableString('description', input.description);
  const extra = extraOf(input);
  if (Object.keys(extra).length > 0) changes.extra = extra;
  return changes;
}

export function userHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  /** Loads the path's user after the policy check, so that a stranger learns nothing from a 404. */
  async function authorizedUser(ctx: RequestContext, rule: string): Promise<UserRecord> {
    const userId = ctx.params.user_id;
    const user = await engine.backends.getUser(userId);
    engine.authorize(ctx, rule, userTarget(user, userId));
    if (!user) throw userNotFound(userId);
    return user;
  }

  return {
    createUser: async (ctx) => {
      const raw = bodyObject(ctx, 'user');
      const domainId = typeof raw.domain_id === 'string' ? raw.domain_id : defaultDomain(ctx);
      engine.authorize(ctx, 'identity:create_user', { target: { user: { ...raw, password: undefined, domain_id: domainId } } });
      engine.backends.assertWritable(domainId);
      const input = createInput(ctx);
      const user = await createUser(engine, input);
      return created({ user: userView(ctx, user) });
    },

    listUsers: async (ctx) => {
      const scopeDomain = ctx.auth?.domainId;
      engine.authorize(ctx, 'identity:list_users', { domain_id: queryString(ctx, 'domain_id') ?? scopeDomain });
      const keep = userFilter(ctx);
      const users = (await engine.backends.listUsers({ domainId: queryString(ctx, 'domain_id') ?? scopeDomain, name: queryString(ctx, 'name') })).filter(
        (u) => keep(u) && (scopeDomain === undefined || u.domain_id === scopeDomain),
      );
      return ok({ users: users.map((u) => userView(ctx, u)), links: collectionLinks(ctx) });
    },

    getUser: async (ctx) => {
      const user = await authorizedUser(ctx, 'identity:get_user');
      return ok({ user: userView(ctx, user) });
    },

    updateUser: async (ctx) => {
      const user = await authorizedUser(ctx, 'identity:update_user');
      engine.backends.assertWritable(user.domain_id);
      const updated = await updateUser(engine, user, updateInput(ctx, user));
      return ok({ user: userView(ctx, updated) });
    },

    deleteUser: async (ctx) => {
      const user = await authorizedUser(ctx, 'identity:delete_user');
      await deleteUser(engine, user);
      return noContent();
    },

    changeUserPassword: async (ctx) => {
      const input = bodyObject(ctx, 'user');
      for (const key of Object.keys(input)) {
        if (key !== 'password' && key !== 'original_password') {
          throw invalidField('user', `Additional properties are not allowed ('${key}' was unexpected)`);
        }
      }
      for (const key of ['original_password', 'password']) {
        if (!(key in input)) throw badRequest(`'${key}' is a required property`);
        if (typeof input[key] !== 'string') throw invalidField(key, `${pyRepr(input[key])} is not of type 'string'`);
      }
      await changeOwnPassword(engine, ctx.params.user_id, input.original_password, input.password);
      return noContent();
    },

    listUserProjects: async (ctx) => {
      const user = await authorizedUser(ctx, 'identity:list_user_projects');
      const enabled = queryBool(ctx, 'enabled');
      const domainId = queryString(ctx, 'domain_id');
      const projects = (await projectsForUser(engine, user.id)).filter(
        (p) =>
          (enabled === undefined || p.enabled === enabled) &&
          (domainId === undefined || p.domain_id === domainId) &&
          matchesStringFilters(ctx, 'name', p.name),
      );
      return ok({ projects: projects.map((p) => projectView(ctx, p)), links: collectionLinks(ctx) });
    },

    listUserGroups: async (ctx) => {
      const user = await authorizedUser(ctx, 'identity:list_groups_for_user');
      const scopeDomain = ctx.auth?.domainId;
      const groups = (await groupsOf(engine, user.id)).filter(
        (g) => (scopeDomain === undefined || g.domain_id === scopeDomain) && matchesStringFilters(ctx, 'name', g.name),
      );
      return ok({ groups: groups.map((g) => groupView(ctx, g)), links: collectionLinks(ctx) });
    },
  };
}
