// Flavors: list/detail with Nova's filters, sort and paging, show, create and
// delete for admins, the 2.55 description update, extra specs and project access.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, conflict, notFound } from '../../platform/http/api-error.ts';
import type { Collection } from '../../platform/store/store.ts';
import { uuid } from '../../platform/ids.ts';
import { isoSeconds } from '../../platform/clock.ts';
import { firstQuery, intField, invalidField, invalidQuery, isAdmin, json, links, nextLinks, pageLimit, projectOf, since, type Nova } from './support.ts';

export interface FlavorDoc {
  id: string;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  vcpu_weight: number | null;
  disabled: boolean;
  is_public: boolean;
  description: string | null;
  extra_specs: Record<string, string>;
  /** projects granted access to a private flavor */
  projects: string[];
  created_at: number;
  updated_at: number | null;
  [k: string]: unknown;
}

export const flavorsOf = (nova: Nova): Collection<FlavorDoc> => nova.db.collection<FlavorDoc>('flavors', { unique: [['name']] });

const SORT_KEYS: Record<string, keyof FlavorDoc> = {
  created_at: 'created_at', description: 'description', disabled: 'disabled', ephemeral_gb: 'ephemeral_gb', flavorid: 'id', id: 'id',
  is_public: 'is_public', memory_mb: 'memory_mb', name: 'name', root_gb: 'root_gb', rxtx_factor: 'rxtx_factor', swap: 'swap',
  updated_at: 'updated_at', vcpu_weight: 'vcpu_weight', vcpus: 'vcpus',
};

const ID_PATTERN = /^(?! )[a-zA-Z0-9. _-]+(?<! )$/;

export function flavorView(nova: Nova, ctx: RequestContext, f: FlavorDoc, detail: boolean): Record<string, unknown> {
  const view: Record<string, unknown> = { id: f.id, name: f.name };
  if (detail) {
    Object.assign(view, {
      ram: f.memory_mb,
      disk: f.root_gb,
      vcpus: f.vcpus,
      'OS-FLV-EXT-DATA:ephemeral': f.ephemeral_gb,
      'OS-FLV-DISABLED:disabled': f.disabled,
      // before 2.75 a zero swap is rendered as an empty string
      swap: f.swap === 0 && !since(ctx, '2.75') ? '' : f.swap,
      rxtx_factor: f.rxtx_factor,
      'os-flavor-access:is_public': f.is_public,
    });
  }
  view.links = links(ctx, 'flavors', f.id);
  if (since(ctx, '2.55')) view.description = f.description;
  if (detail && since(ctx, '2.61') && nova.engine.allows(ctx, 'os_compute_api:os-flavor-extra-specs:index', { project_id: projectOf(ctx) })) {
    view.extra_specs = f.extra_specs;
  }
  return view;
}

function parseIsPublic(raw: string | undefined): boolean | null {
  if (raw === undefined) return true;
  const v = raw.toLowerCase();
  if (v === 'none') return null;
  if (['true', 't', '1', 'yes', 'y', 'on'].includes(v)) return true;
  if (['false', 'f', '0', 'no', 'n', 'off'].includes(v)) return false;
  throw badRequest(`Invalid is_public filter [${raw}]`);
}

async function listFlavors(nova: Nova, ctx: RequestContext, detail: boolean) {
  const admin = isAdmin(nova, ctx);
  const project = projectOf(ctx);
  let all = await flavorsOf(nova).find();
  const isPublic = admin ? parseIsPublic(firstQuery(ctx, 'is_public')) : true;
  if (!admin) all = all.filter((f) => !f.disabled);
  if (isPublic !== null) all = all.filter((f) => f.is_public === isPublic || (isPublic && f.projects.includes(project)));
  for (const [param, field] of [['minRam', 'memory_mb'], ['minDisk', 'root_gb']] as const) {
    const raw = firstQuery(ctx, param);
    if (raw === undefined) continue;
    if (!/^\d+$/.test(raw)) throw badRequest(`Invalid ${param} filter [${raw}]`);
    all = all.filter((f) => f[field] >= Number(raw));
  }
  const sortKey = firstQuery(ctx, 'sort_key') ?? 'flavorid';
  const sortDir = firstQuery(ctx, 'sort_dir') ?? 'asc';
  const field = SORT_KEYS[sortKey];
  if (!field) throw invalidQuery('sort_key', sortKey, `'${sortKey}' is not one of ${JSON.stringify(Object.keys(SORT_KEYS))}`);
  if (sortDir !== 'asc' && sortDir !== 'desc') throw invalidQuery('sort_dir', sortDir, `'${sortDir}' is not one of ['asc', 'desc']`);
  const sign = sortDir === 'asc' ? 1 : -1;
  all.sort((a, b) => {
    const x = a[field] as any, y = b[field] as any;
    const c = x === y ? 0 : x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
    return c !== 0 ? c * sign : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  const marker = firstQuery(ctx, 'marker');
  if (marker !== undefined) {
    const at = all.findIndex((f) => f.id === marker);
    if (at < 0) throw badRequest(`marker [${marker}] not found`);
    all = all.slice(at + 1);
  }
  const limit = pageLimit(ctx);
  const page = limit === undefined ? all : all.slice(0, limit);
  const body: Record<string, unknown> = { flavors: page.map((f) => flavorView(nova, ctx, f, detail)) };
  const next = nextLinks(ctx, detail ? 'flavors/detail' : 'flavors', page.map((f) => ({ marker: f.id })), limit);
  if (next) body.flavors_links = next;
  return json(body);
}

export async function loadFlavor(nova: Nova, id: string): Promise<FlavorDoc> {
  const f = await flavorsOf(nova).get(id);
  if (!f) throw notFound(`Flavor ${id} could not be found.`);
  return f;
}

type FlavorInput = Pick<FlavorDoc, 'id' | 'name' | 'memory_mb' | 'vcpus' | 'root_gb' | 'ephemeral_gb' | 'swap' | 'rxtx_factor' | 'vcpu_weight' | 'disabled' | 'is_public' | 'description'>;

function parseCreate(body: any): FlavorInput {
  const f = body?.flavor;
  if (!body || typeof body !== 'object' || typeof f !== 'object' || f === null || Array.isArray(f)) {
    throw invalidField('flavor', f, "'flavor' is a required property");
  }
  const allowed = new Set(['name', 'ram', 'vcpus', 'disk', 'id', 'OS-FLV-EXT-DATA:ephemeral', 'swap', 'rxtx_factor', 'os-flavor-access:is_public', 'description']);
  const extra = Object.keys(f).filter((k) => !allowed.has(k));
  if (extra.length) throw invalidField('flavor', f, `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length > 1 ? 'were' : 'was'} unexpected)`);
  for (const req of ['name', 'ram', 'vcpus', 'disk']) if (f[req] === undefined) throw invalidField('flavor', f, `'${req}' is a required property`);
  if (typeof f.name !== 'string' || f.name.length < 1 || f.name.length > 255 || f.name.trim() !== f.name) {
    throw invalidField('name', f.name, 'The name must be a non-empty string of at most 255 characters without leading or trailing whitespace');
  }
  let id: string = uuid();
  if (f.id !== undefined && f.id !== null && f.id !== 'auto') {
    // Nova's schema takes a number too (Tempest sends random integers) and keeps it as text
    const given = typeof f.id === 'number' && Number.isInteger(f.id) ? String(f.id) : f.id;
    if (typeof given !== 'string' || given.length > 255 || !ID_PATTERN.test(given)) invalidIdError(f.id);
    id = given;
  }
  let rxtx = 1.0;
  if (f.rxtx_factor !== undefined) {
    const n = typeof f.rxtx_factor === 'string' ? Number(f.rxtx_factor) : f.rxtx_factor;
    if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0 || n > 3.40282e38) throw invalidField('rxtx_factor', f.rxtx_factor, 'It must be a positive number');
    rxtx = n;
  }
  let isPublic = true;
  if (f['os-flavor-access:is_public'] !== undefined) {
    const v = f['os-flavor-access:is_public'];
    if (typeof v === 'boolean') isPublic = v;
    else if (typeof v === 'string' && ['true', 'false'].includes(v.toLowerCase())) isPublic = v.toLowerCase() === 'true';
    else throw invalidField('os-flavor-access:is_public', v, `${JSON.stringify(v)} is not of type 'boolean'`);
  }
  let description: string | null = null;
  if (f.description !== undefined && f.description !== null) {
    if (typeof f.description !== 'string' || f.description.length > 65535) throw invalidField('description', f.description, 'It must be a string of at most 65535 characters');
    description = f.description;
  }
  return {
    id,
    name: f.name,
    memory_mb: intField('ram', f.ram, 1),
    vcpus: intField('vcpus', f.vcpus, 1),
    root_gb: intField('disk', f.disk, 0),
    ephemeral_gb: f['OS-FLV-EXT-DATA:ephemeral'] === undefined ? 0 : intField('OS-FLV-EXT-DATA:ephemeral', f['OS-FLV-EXT-DATA:ephemeral'], 0),
    swap: f.swap === undefined || f.swap === '' ? 0 : intField('swap', f.swap, 0),
    rxtx_factor: rxtx,
    vcpu_weight: null,
    disabled: false,
    is_public: isPublic,
    description,
  };
}

function invalidIdError(id: unknown): never {
  throw invalidField('id', id, 'The flavor id may contain only letters, digits, spaces, periods, dashes and underscores');
}

function checkExtraSpecs(specs: unknown): Record<string, string> {
  if (typeof specs !== 'object' || specs === null || Array.isArray(specs)) throw invalidField('extra_specs', specs, `${JSON.stringify(specs)} is not of type 'object'`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(specs)) {
    if (k.length < 1 || k.length > 255 || !/^[a-zA-Z0-9-_:. ]+$/.test(k)) throw invalidField('extra_specs', specs, `'${k}' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'`);
    if (typeof v === 'string') {
      if (v.length > 255) throw invalidField(k, v, 'It must be at most 255 characters');
      out[k] = v;
    } else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else throw invalidField(k, v, `${JSON.stringify(v)} is not of type 'string', 'integer', 'number', 'boolean'`);
  }
  return out;
}

export function flavorHandlers(nova: Nova): Record<string, OperationHandler> {
  const flavors = flavorsOf(nova);
  const accessList = (f: FlavorDoc) => json({ flavor_access: f.projects.map((p) => ({ flavor_id: f.id, tenant_id: p })) });
  return {
    listFlavors: (ctx) => listFlavors(nova, ctx, false),
    listFlavorsDetail: (ctx) => listFlavors(nova, ctx, true),
    showFlavor: async (ctx) => json({ flavor: flavorView(nova, ctx, await loadFlavor(nova, ctx.params.flavor_id), true) }),
    createFlavor: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-flavor-manage:create', {});
      const input = parseCreate(ctx.body);
      if (input.description !== null && !since(ctx, '2.55')) throw invalidField('flavor', ctx.body.flavor, "Additional properties are not allowed ('description' was unexpected)");
      if (await flavors.get(input.id)) throw conflict(`Flavor with ID ${input.id} already exists.`);
      if (await flavors.findOne({ name: input.name })) throw conflict(`Flavor with name ${input.name} already exists.`);
      const doc: FlavorDoc = { ...input, extra_specs: {}, projects: [], created_at: nova.clock.now(), updated_at: null };
      try {
        await flavors.insert(doc);
      } catch {
        throw conflict(`Flavor with name ${input.name} already exists.`);
      }
      return json({ flavor: flavorView(nova, ctx, doc, true) });
    },
    updateFlavor: async (ctx) => {
      // the update exists from 2.55; before it the method is unknown, as upstream answers
      if (!since(ctx, '2.55')) throw notFound('The resource could not be found.');
      nova.engine.authorize(ctx, 'os_compute_api:os-flavor-manage:update', {});
      const f = ctx.body?.flavor;
      if (typeof f !== 'object' || f === null || Object.keys(f).length !== 1 || !('description' in f)) {
        throw invalidField('flavor', f, "'description' is a required property and the only one allowed");
      }
      if (f.description !== null && (typeof f.description !== 'string' || f.description.length > 65535)) throw invalidField('description', f.description, 'It must be a string of at most 65535 characters');
      const doc = await loadFlavor(nova, ctx.params.flavor_id);
      const updated = (await flavors.update(doc.id, { description: f.description, updated_at: nova.clock.now() }))!;
      return json({ flavor: flavorView(nova, ctx, updated, true) });
    },
    deleteFlavor: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-flavor-manage:delete', {});
      const doc = await loadFlavor(nova, ctx.params.flavor_id);
      await flavors.delete(doc.id);
      return { status: 202 };
    },
    listFlavorExtraSpecs: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-flavor-extra-specs:index', { project_id: projectOf(ctx) });
      return json({ extra_specs: (await loadFlavor(nova, ctx.params.flavor_id)).extra_specs });
    },
    createFlavorExtraSpecs: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-flavor-extra-specs:create', {});
      if (ctx.body?.extra_specs === undefined) throw invalidField('extra_specs', ctx.body, "'extra_specs' is a required property");
      const specs = checkExtraSpecs(ctx.body.extra_specs);
      const doc = await loadFlavor(nova, ctx.params.flavor_id);
      await flavors.update(doc.id, { extra_specs: { ...doc.extra_specs, ...specs }, updated_at: nova.clock.now() });
      return json({ extra_specs: specs });
    },
    showFlavorExtraSpec: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-flavor-extra-specs:show', { project_id: projectOf(ctx) });
      const doc = await loadFlavor(nova, ctx.params.flavor_id);
      const key = ctx.params.key;
      if (!(key in doc.extra_specs)) throw notFound(`Flavor ${doc.id} has no extra specs with key ${key}.`);
      return json({ [key]: doc.extra_specs[key] });
    },
    updateFlavorExtraSpec: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-flavor-extra-specs:update', {});
      const specs = checkExtraSpecs(ctx.body);
      const keys = Object.keys(specs);
      if (keys.length !== 1) throw badRequest('Request body contains too many items');
      if (keys[0] !== ctx.params.key) throw badRequest('Request body and URI mismatch');
      const doc = await loadFlavor(nova, ctx.params.flavor_id);
      await flavors.update(doc.id, { extra_specs: { ...doc.extra_specs, ...specs }, updated_at: nova.clock.now() });
      return json(specs);
    },
    deleteFlavorExtraSpec: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-flavor-extra-specs:delete', {});
      const doc = await loadFlavor(nova, ctx.params.flavor_id);
      const key = ctx.params.key;
      if (!(key in doc.extra_specs)) throw notFound(`Flavor ${doc.id} has no extra specs with key ${key}.`);
      const rest = { ...doc.extra_specs };
      delete rest[key];
      await flavors.update(doc.id, { extra_specs: rest, updated_at: nova.clock.now() });
      return { status: 200 };
    },
    listFlavorAccess: async (ctx) => {
      nova.engine.authorize(ctx, 'os_compute_api:os-flavor-access', {});
      const doc = await loadFlavor(nova, ctx.params.flavor_id);
      if (doc.is_public) throw notFound('Access list not available for public flavors.');
      return accessList(doc);
    },
    flavorAction: async (ctx) => {
      const body = ctx.body;
      const action = body && typeof body === 'object' ? Object.keys(body)[0] : undefined;
      if (action !== 'addTenantAccess' && action !== 'removeTenantAccess') throw badRequest('There is no such action: ' + String(action));
      const add = action === 'addTenantAccess';
      nova.engine.authorize(ctx, add ? 'os_compute_api:os-flavor-access:add_tenant_access' : 'os_compute_api:os-flavor-access:remove_tenant_access', {});
      const tenant = body[action]?.tenant;
      if (typeof tenant !== 'string' || tenant.length < 1 || tenant.length > 255) throw invalidField('tenant', tenant, "'tenant' is a required property");
      const doc = await loadFlavor(nova, ctx.params.flavor_id);
      if (add) {
        if (doc.is_public) throw conflict('Can not add access to a public flavor.');
        if (doc.projects.includes(tenant)) throw conflict(`Flavor access already exists for flavor ${doc.id} and project ${tenant} combination.`);
        doc.projects = [...doc.projects, tenant];
      } else {
        if (!doc.projects.includes(tenant)) throw notFound(`Flavor access not found for ${doc.id} / ${tenant} combination.`);
        doc.projects = doc.projects.filter((p) => p !== tenant);
      }
      await flavors.update(doc.id, { projects: doc.projects, updated_at: nova.clock.now() });
      return accessList(doc);
    },
  };
}

export const timestamp = (ms: number | null) => (ms === null ? null : isoSeconds(ms));
