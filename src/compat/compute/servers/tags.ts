// /servers/{id}/tags[/{tag}] (2.26): list, replace, delete all, check, add, delete one;
// at most 50 tags of up to 60 characters, changed only in Nova's settled states.
import type { OperationHandler, RequestContext } from '../../../platform/http/service-api.ts';
import { badRequest, notFound } from '../../../platform/http/api-error.ts';
import { invalidField, json, since } from '../support.ts';
import { checkState } from './states.ts';
import { casUpdate, findServer, targetOf, type ServersDeps } from './common.ts';
import { MAX_TAGS, checkTag, checkTags } from './validation.ts';

const SETTLED = { vm: ['active', 'paused', 'suspended', 'stopped', 'shelved', 'shelved_offloaded'] };
const tooMany = () => badRequest(`The number of tags exceeded the per-server limit ${MAX_TAGS}`);

export function tagHandlers(deps: ServersDeps): Record<string, OperationHandler> {
  const { nova } = deps;
  const load = async (ctx: RequestContext, rule: string) => {
    if (!since(ctx, '2.26')) throw notFound('The resource could not be found.');
    const server = await findServer(nova, ctx, ctx.params.server_id);
    nova.engine.authorize(ctx, `os_compute_api:os-server-tags:${rule}`, targetOf(server));
    return server;
  };
  const write = async (ctx: RequestContext, rule: string, action: string, change: (tags: string[]) => string[]): Promise<string[]> => {
    for (let attempt = 0; ; attempt++) {
      const server = await load(ctx, rule);
      checkState(server, action, SETTLED, action);
      const next = change([...server.tags]);
      try {
        return (await casUpdate(nova, server, { tags: next }, action)).tags;
      } catch (error) {
        if (attempt >= 4) throw error;
      }
    }
  };
  return {
    listServerTags: async (ctx) => json({ tags: (await load(ctx, 'index')).tags }),
    replaceServerTags: async (ctx) => {
      const body = ctx.body;
      if (typeof body !== 'object' || body === null || body.tags === undefined) throw invalidField('tags', body, "'tags' is a required property");
      if (Array.isArray(body.tags) && body.tags.length > MAX_TAGS) throw tooMany();
      const tags = checkTags(body.tags);
      return json({ tags: await write(ctx, 'update_all', 'update tags', () => tags) });
    },
    deleteServerTags: async (ctx) => {
      await write(ctx, 'delete_all', 'delete tags', () => []);
      return { status: 204 };
    },
    checkServerTag: async (ctx) => {
      const server = await load(ctx, 'show');
      if (!server.tags.includes(ctx.params.tag)) throw notFound(`Server ${server.id} has no tag '${ctx.params.tag}'`);
      return { status: 204 };
    },
    addServerTag: async (ctx) => {
      const tag = checkTag(ctx.params.tag, 'tag');
      let existed = false;
      await write(ctx, 'update', 'update tag', (tags) => {
        existed = tags.includes(tag);
        if (existed) return tags;
        if (tags.length >= MAX_TAGS) throw tooMany();
        return [...tags, tag];
      });
      const location = `${ctx.baseUrl}/v2.1/servers/${ctx.params.server_id}/tags/${encodeURIComponent(tag)}`;
      return { status: existed ? 204 : 201, headers: { Location: location } };
    },
    deleteServerTag: async (ctx) => {
      const tag = ctx.params.tag;
      await write(ctx, 'delete', 'delete tag', (tags) => {
        if (!tags.includes(tag)) throw notFound(`Server ${ctx.params.server_id} has no tag '${tag}'`);
        return tags.filter((t) => t !== tag);
      });
      return { status: 204 };
    },
  };
}
