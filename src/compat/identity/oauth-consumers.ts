// /v3/OS-OAUTH1/consumers: the registered OAuth 1.0a consumers. The secret is
// shown once, in the create response. (The request/access token flow is not served.)
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, notFound } from '../../platform/http/api-error.ts';
import { hexId, randomSecret } from '../../platform/ids.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { ConsumerRecord } from '../../identity/extensions/extensions-db.ts';
import { checkNotEmpty, checkString } from '../../identity/resources/services-field-checks.ts';
import { bodyObject, collectionLinks, created, extraFields, noContent, ok, selfLink } from './support.ts';

const KNOWN = ['id', 'description', 'secret', 'links'] as const;

function view(ctx: RequestContext, c: ConsumerRecord) {
  return { ...c.extra, id: c.id, description: c.description, links: selfLink(ctx, `/v3/OS-OAUTH1/consumers/${c.id}`) };
}

// Keystone's OAuth1 backend answers an unknown consumer with this bare message.
const consumerNotFound = () => notFound('Consumer not found');

export function oauthConsumerHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const consumers = engine.db.extensions.consumers;

  async function requireConsumer(id: string): Promise<ConsumerRecord> {
    const c = await consumers.get(id);
    if (!c) throw consumerNotFound();
    return c;
  }

  return {
    listConsumers: async (ctx) => {
      engine.authorize(ctx, 'identity:list_consumers');
      const found = await consumers.find();
      return ok({ consumers: found.map((c) => view(ctx, c)), links: collectionLinks(ctx) });
    },
    getConsumer: async (ctx) => {
      engine.authorize(ctx, 'identity:get_consumer');
      return ok({ consumer: view(ctx, await requireConsumer(ctx.params.consumer_id)) });
    },
    createConsumer: async (ctx) => {
      engine.authorize(ctx, 'identity:create_consumer');
      const input = ctx.body?.consumer === undefined ? {} : bodyObject(ctx, 'consumer');
      checkString(input, 'description', { nullable: true });
      const record: ConsumerRecord = {
        id: hexId(),
        description: input.description ?? null,
        secret: randomSecret(),
        extra: extraFields(input, KNOWN),
      };
      await consumers.insert(record);
      await engine.changed();
      return created({ consumer: { ...view(ctx, record), secret: record.secret } });
    },
    updateConsumer: async (ctx) => {
      engine.authorize(ctx, 'identity:update_consumer');
      const input = bodyObject(ctx, 'consumer');
      checkNotEmpty(input);
      checkString(input, 'description', { nullable: true });
      if ('secret' in input) throw badRequest('Cannot change consumer secret');
      const id = ctx.params.consumer_id;
      if (input.id !== undefined && input.id !== id) throw badRequest('Cannot change consumer id');
      const current = await requireConsumer(id);
      const set: Partial<ConsumerRecord> = { extra: { ...current.extra, ...extraFields(input, KNOWN) } };
      if ('description' in input) set.description = input.description ?? null;
      const updated = await consumers.update(id, set);
      if (!updated) throw consumerNotFound();
      await engine.changed();
      return ok({ consumer: view(ctx, updated) });
    },
    deleteConsumer: async (ctx) => {
      engine.authorize(ctx, 'identity:delete_consumer');
      if (!(await consumers.delete(ctx.params.consumer_id))) throw consumerNotFound();
      await engine.changed();
      return noContent();
    },
  };
}
