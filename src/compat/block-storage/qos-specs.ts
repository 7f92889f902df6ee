// QoS specs (/qos-specs): admin-managed sets of keys with a consumer (front-end for the
// hypervisor, back-end for the storage, or both), associated with volume types through the
// type's `qos_specs_id`. A type carries at most one QoS specs; specs in use resist a plain delete.
import type { ApiResponse, OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import type { Collection } from '../../platform/store/store.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import { uuid } from '../../platform/ids.ts';
import { authorize } from './policies.ts';
import { asBoolean, entity, projectUrl, type CinderDeps } from './context.ts';
import { badRequest, conflict, notFound, typeNotFound } from './errors.ts';
import { queryValue } from './listing.ts';

export interface QosSpecsRecord {
  [field: string]: unknown;
  id: string;
  name: string;
  consumer: string;
  specs: Record<string, string>;
  created_at: number;
}

export const QOS_CONSUMERS = ['front-end', 'back-end', 'both'];

const qosNotFound = (id: string) => notFound(`QoS Specs ${id} could not be found.`);
const invalidQos = (reason: string) => badRequest(`Invalid QoS specs: ${reason}`);

function qosView(q: QosSpecsRecord): Record<string, unknown> {
  return { id: q.id, name: q.name, consumer: q.consumer, specs: q.specs };
}

function links(ctx: RequestContext, id: string): Array<{ rel: string; href: string }> {
  return [
    { rel: 'self', href: `${projectUrl(ctx)}/qos-specs/${id}` },
    { rel: 'bookmark', href: `${ctx.baseUrl}/${ctx.auth?.projectId ?? ''}/qos-specs/${id}` },
  ];
}

/** spec values are strings; Cinder stringifies what it stores */
function specValues(body: Record<string, unknown>, skip: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    if (skip.includes(k)) continue;
    if (k.length < 1 || k.length > 255) throw badRequest(`Invalid input received: Key '${k}' is not a valid name (1 to 255 characters).`);
    if (v === null || typeof v === 'object') throw invalidQos(`Value of key ${k} must be a string.`);
    const value = String(v);
    if (value.length > 255) throw invalidQos(`Value of key ${k} is too long.`);
    out[k] = value;
  }
  return out;
}

function consumerOf(value: unknown): string {
  if (typeof value !== 'string' || !QOS_CONSUMERS.includes(value)) {
    throw invalidQos(`Valid consumer of QoS specs are: ${JSON.stringify(QOS_CONSUMERS).replace(/"/g, "'")}`);
  }
  return value;
}

export function openQosSpecs(deps: CinderDeps): Collection<QosSpecsRecord> {
  return deps.storage.db.collection<QosSpecsRecord>('qos_specs', { unique: [['name']] });
}

export function qosSpecsHandlers(deps: CinderDeps): Record<string, OperationHandler> {
  const { storage, identity } = deps;
  const qos = openQosSpecs(deps);

  async function load(ctx: RequestContext): Promise<QosSpecsRecord> {
    const found = await qos.get(ctx.params.qos_id);
    if (!found) throw qosNotFound(ctx.params.qos_id);
    return found;
  }

  async function typeParam(ctx: RequestContext) {
    const typeId = queryValue(ctx, 'vol_type_id');
    if (!typeId) throw badRequest('Volume Type id must not be None.');
    const type = await storage.types.get(typeId);
    if (!type) throw typeNotFound(typeId);
    return type;
  }

  async function create(ctx: RequestContext): Promise<ApiResponse> {
    authorize(identity, ctx, 'volume_extension:qos_specs_manage:create');
    const body = entity(ctx, 'qos_specs');
    const name = body.name;
    if (typeof name !== 'string' || !name.trim()) throw badRequest('Please specify a name for QoS specs.');
    if (name.length > 255) throw badRequest(`Invalid input received: name has ${name.length} characters, more than 255.`);
    const consumer = body.consumer === undefined ? 'back-end' : consumerOf(body.consumer);
    const record: QosSpecsRecord = {
      id: uuid(), name: name.trim(), consumer, specs: specValues(body, ['name', 'consumer']), created_at: storage.clock.now(),
    };
    try {
      await qos.insert(record);
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw conflict(`QoS Specs ${record.name} already exists.`);
      throw error;
    }
    return { status: 200, body: { qos_specs: qosView(record), links: links(ctx, record.id) } };
  }

  async function update(ctx: RequestContext): Promise<ApiResponse> {
    authorize(identity, ctx, 'volume_extension:qos_specs_manage:update');
    const body = entity(ctx, 'qos_specs');
    const record = await load(ctx);
    const changes: Partial<QosSpecsRecord> = {};
    if (body.consumer !== undefined) changes.consumer = consumerOf(body.consumer);
    const specs = specValues(body, ['consumer']);
    changes.specs = { ...record.specs, ...specs };
    await qos.update(record.id, changes);
    // upstream echoes the request's keys back
    const echoed: Record<string, string> = { ...specs };
    if (changes.consumer) echoed.consumer = changes.consumer;
    return { status: 200, body: { qos_specs: echoed } };
  }

  async function remove(ctx: RequestContext): Promise<ApiResponse> {
    authorize(identity, ctx, 'volume_extension:qos_specs_manage:delete');
    const record = await load(ctx);
    const rawForce = queryValue(ctx, 'force');
    const force = rawForce === undefined ? false : asBoolean(rawForce);
    if (force === undefined) throw badRequest(`Invalid value '${rawForce}' for force.`);
    const users = await storage.types.find({ qos_specs_id: record.id });
    if (users.length && !force) throw badRequest(`QoS Specs ${record.id} is still associated with entities.`);
    for (const t of users) await storage.types.update(t.id, { qos_specs_id: null });
    await qos.delete(record.id);
    return { status: 202 };
  }

  async function deleteKeys(ctx: RequestContext): Promise<ApiResponse> {
    authorize(identity, ctx, 'volume_extension:qos_specs_manage:delete');
    const body = ctx.body as Record<string, unknown> | undefined;
    const keys = body && typeof body === 'object' && !Array.isArray(body) ? body.keys : undefined;
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) throw badRequest("Missing required element 'keys' in request body.");
    const record = await load(ctx);
    const rest = { ...record.specs };
    for (const key of keys as string[]) {
      if (!(key in rest)) throw notFound(`QoS spec ${record.id} has no spec with key ${key}.`);
      delete rest[key];
    }
    await qos.update(record.id, { specs: rest });
    return { status: 202 };
  }

  return {
    listQosSpecs: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:qos_specs_manage:get_all');
      const all = await qos.find({}, { sort: [['created_at', 'asc']] });
      return { status: 200, body: { qos_specs: all.map(qosView) } };
    },
    createQosSpecs: create,
    showQosSpecs: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:qos_specs_manage:get');
      const record = await load(ctx);
      return { status: 200, body: { qos_specs: qosView(record), links: links(ctx, record.id) } };
    },
    updateQosSpecs: update,
    deleteQosSpecs: remove,
    deleteQosSpecsKeys: deleteKeys,
    listQosAssociations: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:qos_specs_manage:get');
      const record = await load(ctx);
      const types = await storage.types.find({ qos_specs_id: record.id }, { sort: [['name', 'asc']] });
      return { status: 200, body: { qos_associations: types.map((t) => ({ association_type: 'volume_type', name: t.name, id: t.id })) } };
    },
    associateQosSpecs: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:qos_specs_manage:update');
      const record = await load(ctx);
      const type = await typeParam(ctx);
      const current = type.qos_specs_id as string | null | undefined;
      if (current && current !== record.id) {
        throw badRequest(`Invalid volume type: Type ${type.id} is already associated with another qos specs: ${current}`);
      }
      await storage.types.update(type.id, { qos_specs_id: record.id });
      return { status: 202 };
    },
    disassociateQosSpecs: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:qos_specs_manage:update');
      const record = await load(ctx);
      const type = await typeParam(ctx);
      if (type.qos_specs_id === record.id) await storage.types.update(type.id, { qos_specs_id: null });
      return { status: 202 };
    },
    disassociateAllQosSpecs: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:qos_specs_manage:update');
      const record = await load(ctx);
      for (const t of await storage.types.find({ qos_specs_id: record.id })) await storage.types.update(t.id, { qos_specs_id: null });
      return { status: 202 };
    },
  };
}
