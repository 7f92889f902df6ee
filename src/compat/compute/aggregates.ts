// Host aggregates: named groups of compute hosts with metadata; the
// `availability_zone` metadata key places their hosts in that zone.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, conflict, notFound } from '../../platform/http/api-error.ts';
import type { Collection } from '../../platform/store/store.ts';
import { uuid } from '../../platform/ids.ts';
import { invalidField, json, since, type Nova } from './support.ts';
import { servicesOf } from './simulated-hosts.ts';

export interface AggregateDoc {
  id: string;
  seq: number;
  name: string;
  hosts: string[];
  metadata: Record<string, string>;
  created_at: number;
  updated_at: number | null;
  [k: string]: unknown;
}

export const aggregatesOf = (nova: Nova): Collection<AggregateDoc> => nova.db.collection<AggregateDoc>('aggregates', { unique: [['name']] });

const naive = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace('Z', '000'));

/** the availability zone of each host that an aggregate places in one */
export async function zonesByHost(nova: Nova): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const a of await aggregatesOf(nova).find()) {
    const az = a.metadata.availability_zone;
    if (az) for (const h of a.hosts) out.set(h, az);
  }
  return out;
}

function view(ctx: RequestContext, a: AggregateDoc): Record<string, unknown> {
  const v: Record<string, unknown> = {
    id: a.seq, name: a.name, availability_zone: a.metadata.availability_zone ?? null, hosts: a.hosts, metadata: a.metadata,
    created_at: naive(a.created_at), updated_at: naive(a.updated_at), deleted_at: null, deleted: false,
  };
  if (since(ctx, '2.41')) v.uuid = a.id;
  return v;
}

function checkName(field: string, value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length < 1 || value.length > 255 || value.trim() !== value) {
    throw invalidField(field, value, value === undefined ? `'${field}' is a required property` : 'It must be a non-empty string of at most 255 characters without leading or trailing whitespace');
  }
  return value;
}

export function aggregateHandlers(nova: Nova): Record<string, OperationHandler> {
  const aggregates = aggregatesOf(nova);
  const load = async (id: string) => {
    const a = /^\d+$/.test(id) ? await aggregates.findOne({ seq: Number(id) }) : undefined;
    if (!a) throw notFound(`Aggregate ${id} could not be found.`);
    return a;
  };
  const save = async (a: AggregateDoc, set: Partial<AggregateDoc>) => (await aggregates.update(a.id, { ...set, updated_at: nova.clock.now() }))!;
  return {
    listAggregates: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-aggregates:index', {});
      return json({ aggregates: (await aggregates.find()).sort((a, b) => a.seq - b.seq).map((a) => view(ctx, a)) });
    },
    showAggregate: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-aggregates:show', {});
      return json({ aggregate: view(ctx, await load(ctx.params.aggregate_id)) });
    },
    createAggregate: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-aggregates:create', {});
      const body = ctx.body?.aggregate;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidField('aggregate', body, "'aggregate' is a required property");
      const name = checkName('name', body.name, true)!;
      const az = body.availability_zone === null ? undefined : checkName('availability_zone', body.availability_zone, false);
      if (await aggregates.findOne({ name })) throw conflict(`Aggregate ${name} already exists.`);
      const seq = ((await aggregates.find({}, { sort: [['seq', 'desc']], limit: 1 }))[0]?.seq ?? 0) + 1;
      const doc: AggregateDoc = { id: uuid(), seq, name, hosts: [], metadata: az ? { availability_zone: az } : {}, created_at: nova.clock.now(), updated_at: null };
      try {
        await aggregates.insert(doc);
      } catch {
        throw conflict(`Aggregate ${name} already exists.`);
      }
      // creation shows only the aggregate itself, without hosts and metadata
      const shown = view(ctx, doc);
      delete shown.hosts;
      delete shown.metadata;
      return json({ aggregate: shown });
    },
    updateAggregate: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-aggregates:update', {});
      const body = ctx.body?.aggregate;
      if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length === 0) throw invalidField('aggregate', body, 'It must name at least one of name, availability_zone');
      const a = await load(ctx.params.aggregate_id);
      const name = checkName('name', body.name, false);
      if (name !== undefined && name !== a.name && (await aggregates.findOne({ name }))) throw conflict(`Aggregate ${name} already exists.`);
      const metadata = { ...a.metadata };
      if (body.availability_zone === null) delete metadata.availability_zone;
      else if (body.availability_zone !== undefined) metadata.availability_zone = checkName('availability_zone', body.availability_zone, true)!;
      return json({ aggregate: view(ctx, await save(a, { name: name ?? a.name, metadata })) });
    },
    deleteAggregate: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-aggregates:delete', {});
      const a = await load(ctx.params.aggregate_id);
      if (a.hosts.length) throw badRequest(`Cannot perform action 'delete' on aggregate ${a.seq}. Reason: Host aggregate is not empty.`);
      await aggregates.delete(a.id);
      return { status: 200 };
    },
    aggregateAction: async (ctx) => {
      const body = ctx.body;
      const action = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body)[0] : undefined;
      if (action !== 'add_host' && action !== 'remove_host' && action !== 'set_metadata') throw badRequest(`There is no such action: ${String(action)}`);
      nova.engine.authorize(ctx, `os_compute_api:os-aggregates:${action}`, {});
      const arg = body[action];
      const a = await load(ctx.params.aggregate_id);
      if (action === 'set_metadata') {
        const md = arg?.metadata;
        if (typeof md !== 'object' || md === null || Array.isArray(md)) throw invalidField('metadata', md, "'metadata' is a required property");
        const metadata = { ...a.metadata };
        for (const [k, v] of Object.entries(md)) {
          if (k.length < 1 || k.length > 255) throw invalidField('metadata', md, `Key '${k}' must be 1 to 255 characters`);
          if (v === null) delete metadata[k];
          else if (typeof v === 'string' && v.length <= 255) metadata[k] = v;
          else throw invalidField(k, v, `${JSON.stringify(v)} is not of type 'string', 'null'`);
        }
        return json({ aggregate: view(ctx, await save(a, { metadata })) });
      }
      const host = checkName('host', arg?.host, true)!;
      if (action === 'add_host') {
        if (!(await servicesOf(nova).findOne({ host, binary: 'nova-compute' }))) throw notFound(`Compute host ${host} could not be found.`);
        if (a.hosts.includes(host)) throw conflict(`Aggregate ${a.seq} already has host ${host}.`);
        return json({ aggregate: view(ctx, await save(a, { hosts: [...a.hosts, host] })) });
      }
      if (!a.hosts.includes(host)) throw notFound(`Cannot remove host ${host} in aggregate ${a.seq}`);
      return json({ aggregate: view(ctx, await save(a, { hosts: a.hosts.filter((h) => h !== host) })) });
    },
  };
}
