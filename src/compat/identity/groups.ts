// /v3/groups: CRUD and membership.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, notFound } from '../../platform/http/api-error.ts';
import { DEFAULT_DOMAIN_ID } from '../../identity/bootstrap.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { GroupRecord, UserRecord } from '../../identity/model.ts';
import {
  addMember,
  createGroup,
  deleteGroup,
  groupNotFound,
  isMember,
  membersOf,
  removeMember,
  updateGroup,
} from '../../identity/resources/groups.ts';
import { userNotFound } from '../../identity/resources/users.ts';
import { checkId, checkName, checkNullableString, invalidField } from '../../identity/resources/users-input.ts';
import { bodyObject, collectionLinks, created, matchesStringFilters, noContent, ok, queryString, selfLink } from './support.ts';
import { userListFilter, userView } from './users.ts';

const GROUP_ATTRIBUTES = ['id', 'name', 'domain_id', 'description', 'links'];

export function groupView(ctx: RequestContext, g: GroupRecord): Record<string, unknown> {
  return {
    ...g.extra,
    id: g.id,
    name: g.name,
    domain_id: g.domain_id,
    description: g.description,
    links: selfLink(ctx, `/v3/groups/${g.id}`),
  };
}

function extraOf(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([k]) => !GROUP_ATTRIBUTES.includes(k)));
}

function notMember(userId: string, groupId: string) {
  return notFound(`User '${userId}' not found in group '${groupId}'`);
}

export function groupHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  async function authorizedGroup(ctx: RequestContext, rule: string): Promise<GroupRecord> {
    const groupId = ctx.params.group_id;
    const group = await engine.backends.getGroup(groupId);
    engine.authorize(ctx, rule, { target: group ? { group } : {}, group_id: groupId });
    if (!group) throw groupNotFound(groupId);
    return group;
  }

  /** Membership operations name both; Keystone reports the missing group first, then the user. */
  async function authorizedPair(ctx: RequestContext, rule: string): Promise<{ group: GroupRecord; user: UserRecord }> {
    const { group_id: groupId, user_id: userId } = ctx.params;
    const [group, user] = await Promise.all([engine.backends.getGroup(groupId), engine.backends.getUser(userId)]);
    engine.authorize(ctx, rule, {
      target: { ...(group ? { group } : {}), ...(user ? { user } : {}) },
      group_id: groupId,
      user_id: userId,
    });
    if (!group) throw groupNotFound(groupId);
    if (!user) throw userNotFound(userId);
    return { group, user };
  }

  return {
    createGroup: async (ctx) => {
      const input = bodyObject(ctx, 'group');
      const domainId = typeof input.domain_id === 'string' ? input.domain_id : (ctx.auth?.domainId ?? DEFAULT_DOMAIN_ID);
      engine.authorize(ctx, 'identity:create_group', { target: { group: { ...input, domain_id: domainId } } });
      engine.backends.assertWritable(domainId);
      if (!('name' in input)) throw badRequest("'name' is a required property");
      const name = checkName('name', input.name);
      if ('domain_id' in input) checkId('domain_id', input.domain_id);
      const description = 'description' in input ? (checkNullableString('description', input.description) ?? '') : '';
      const group = await createGroup(engine, { name, domain_id: domainId, description, extra: extraOf(input) });
      return created({ group: groupView(ctx, group) });
    },

    listGroups: async (ctx) => {
      const scopeDomain = ctx.auth?.domainId;
      const domainId = queryString(ctx, 'domain_id');
      engine.authorize(ctx, 'identity:list_groups', { target: { group: { domain_id: scopeDomain ?? domainId } }, domain_id: domainId });
      const groups = (await engine.backends.listGroups({ domainId: domainId ?? scopeDomain, name: queryString(ctx, 'name') })).filter(
        (g) =>
          (domainId === undefined || g.domain_id === domainId) &&
          (scopeDomain === undefined || g.domain_id === scopeDomain) &&
          matchesStringFilters(ctx, 'name', g.name),
      );
      return ok({ groups: groups.map((g) => groupView(ctx, g)), links: collectionLinks(ctx) });
    },

    getGroup: async (ctx) => {
      const group = await authorizedGroup(ctx, 'identity:get_group');
      return ok({ group: groupView(ctx, group) });
    },

    updateGroup: async (ctx) => {
      const group = await authorizedGroup(ctx, 'identity:update_group');
      engine.backends.assertWritable(group.domain_id);
      const input = bodyObject(ctx, 'group');
      if (Object.keys(input).length === 0) throw invalidField('group', '{} does not have enough properties');
      if ('id' in input && input.id !== group.id) throw badRequest('Cannot change group ID');
      if ('domain_id' in input && input.domain_id !== group.domain_id) throw badRequest('Cannot change Domain ID');
      const changes: { name?: string; description?: string; extra?: Record<string, unknown> } = {};
      if ('name' in input) changes.name = checkName('name', input.name);
      if ('description' in input) changes.description = checkNullableString('description', input.description) ?? '';
      const extra = extraOf(input);
      if (Object.keys(extra).length > 0) changes.extra = extra;
      const updated = await updateGroup(engine, group, changes);
      return ok({ group: groupView(ctx, updated) });
    },

    deleteGroup: async (ctx) => {
      const group = await authorizedGroup(ctx, 'identity:delete_group');
      await deleteGroup(engine, group);
      return noContent();
    },

    listGroupUsers: async (ctx) => {
      const group = await authorizedGroup(ctx, 'identity:list_users_in_group');
      const keep = userListFilter(ctx);
      const users = (await membersOf(engine, group.id)).filter(keep);
      return ok({ users: users.map((u) => userView(ctx, u)), links: collectionLinks(ctx) });
    },

    addUserToGroup: async (ctx) => {
      const { group, user } = await authorizedPair(ctx, 'identity:add_user_to_group');
      await addMember(engine, user, group);
      return noContent();
    },

    checkUserInGroup: async (ctx) => {
      const { group, user } = await authorizedPair(ctx, 'identity:check_user_in_group');
      if (!(await isMember(engine, user.id, group.id))) throw notMember(user.id, group.id);
      return noContent();
    },

    removeUserFromGroup: async (ctx) => {
      const { group_id: groupId, user_id: userId } = ctx.params;
      const [group, user] = await Promise.all([engine.backends.getGroup(groupId), engine.backends.getUser(userId)]);
      engine.authorize(ctx, 'identity:remove_user_from_group', {
        target: { ...(group ? { group } : {}), ...(user ? { user } : {}) },
        group_id: groupId,
        user_id: userId,
      });
      // Like Keystone, a stale membership is removed even when its user or group is gone.
      if (await removeMember(engine, userId, groupId)) return noContent();
      if (!group) throw groupNotFound(groupId);
      if (!user) throw userNotFound(userId);
      throw notMember(userId, groupId);
    },
  };
}
