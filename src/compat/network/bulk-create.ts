// Bulk create, as Neutron's API layer offers it on every collection that allows it:
// `POST /v2.0/ports {"ports": [{...}, {"port": {...}}]}` creates each item in order and answers
// 201 `{"ports": [...]}`; one refused item refuses the whole request and leaves nothing behind
// (the items created before it are deleted again), so the answer is the first item's error.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { httpBadRequest } from './errors.ts';

export interface BulkSpec {
  /** e.g. `port` */
  member: string;
  /** e.g. `ports` */
  plural: string;
  create: string;
  delete: string;
  /** the path parameter of the delete operation, e.g. `port_id` */
  idParam: string;
}

function bulkItems(body: unknown, spec: BulkSpec): unknown[] | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  if (!Object.hasOwn(body, spec.plural)) return undefined;
  const items = (body as Record<string, unknown>)[spec.plural];
  if (!Array.isArray(items) || items.length === 0) throw httpBadRequest('Resources required');
  return items;
}

/** Wraps the create handler of `spec` so that it also takes the plural, bulk body. */
export function withBulkCreate(handlers: Record<string, OperationHandler>, spec: BulkSpec): Record<string, OperationHandler> {
  const createOne = handlers[spec.create];
  const deleteOne = handlers[spec.delete];
  if (!createOne || !deleteOne) throw new Error(`network: bulk ${spec.plural} needs ${spec.create} and ${spec.delete}`);
  const bulk: OperationHandler = async (ctx: RequestContext) => {
    const items = bulkItems(ctx.body, spec);
    if (items === undefined) return createOne(ctx);
    const created: Array<Record<string, unknown>> = [];
    try {
      for (const item of items) {
        const wrapped = item && typeof item === 'object' && !Array.isArray(item) && Object.hasOwn(item, spec.member)
          ? item
          : { [spec.member]: item };
        const response = await createOne({ ...ctx, body: wrapped });
        created.push((response.body as Record<string, Record<string, unknown>>)[spec.member]);
      }
    } catch (error) {
      // undo in reverse order: a later item may depend on an earlier one
      for (const done of created.reverse()) {
        try {
          await deleteOne({ ...ctx, method: 'DELETE', body: undefined, params: { ...ctx.params, [spec.idParam]: String(done.id) } });
        } catch {
          // the first error is the answer; an item that cannot be undone stays, as it would upstream
        }
      }
      throw error;
    }
    return { status: 201, body: { [spec.plural]: created } };
  };
  return { ...handlers, [spec.create]: bulk };
}
