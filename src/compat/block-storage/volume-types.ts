// Volume types: the `__DEFAULT__` type, admin CRUD, extra specs, and access to private types.
import type { ApiResponse, OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import { uuid } from '../../platform/ids.ts';
import { DEFAULT_TYPE_NAME, type VolumeTypeRecord } from './model.ts';
import { allows, authorize } from './policies.ts';
import { asBoolean, callerIsAdmin, entity, fieldError, optionalString, projectOf, type CinderDeps } from './context.ts';
import { badRequest, conflict, invalidInput, notFound, typeNameNotFound, typeNotFound } from './errors.ts';
import { parseBool, queryValue } from './listing.ts';

export async function defaultType(deps: CinderDeps): Promise<VolumeTypeRecord> {
  const type = await deps.storage.types.findOne({ name: DEFAULT_TYPE_NAME });
  if (!type) throw notFound('Default volume type can not be found.');
  return type;
}

function visibleTo(deps: CinderDeps, ctx: RequestContext, type: VolumeTypeRecord): boolean {
  return type.is_public || callerIsAdmin(deps, ctx) || type.projects.includes(projectOf(ctx));
}

/** a type by id, then by name, as the caller may see it */
export async function resolveType(deps: CinderDeps, ctx: RequestContext, ref: string): Promise<VolumeTypeRecord> {
  const type = (await deps.storage.types.get(ref)) ?? (await deps.storage.types.findOne({ name: ref }));
  if (!type || !visibleTo(deps, ctx, type)) throw typeNameNotFound(ref);
  return type;
}

/** `created`: the body of POST, which upstream renders without qos_specs_id */
function typeView(deps: CinderDeps, ctx: RequestContext, t: VolumeTypeRecord, created = false): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: t.id, name: t.name, description: t.description, is_public: t.is_public, 'os-volume-type-access:is_public': t.is_public,
  };
  if (allows(deps.identity, ctx, 'volume_extension:access_types_extra_specs', {})) body.extra_specs = t.extra_specs;
  if (!created && allows(deps.identity, ctx, 'volume_extension:access_types_qos_specs_id', {})) body.qos_specs_id = t.qos_specs_id ?? null;
  return body;
}

function validExtraSpecs(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw fieldError('extra_specs', value, `${JSON.stringify(value)} is not of type 'object'`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k.length < 1 || k.length > 255) throw fieldError('extra_specs', value, `'${k}' does not match any of the regexes: '^[a-zA-Z0-9-_:. /]{1,255}$'`);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw fieldError(`extra_specs.${k}`, v, `${JSON.stringify(v)} is not of type 'string'`);
    out[k] = String(v);
  }
  return out;
}

export function volumeTypeHandlers(deps: CinderDeps): Record<string, OperationHandler> {
  const { storage, identity } = deps;

  async function load(ctx: RequestContext): Promise<VolumeTypeRecord> {
    const id = ctx.params.type_id;
    if (id === 'default') return defaultType(deps);
    const type = await storage.types.get(id);
    if (!type || !visibleTo(deps, ctx, type)) throw typeNotFound(id);
    return type;
  }

  async function list(ctx: RequestContext): Promise<ApiResponse> {
    authorize(identity, ctx, 'volume_extension:type_get_all');
    const admin = callerIsAdmin(deps, ctx);
    const raw = queryValue(ctx, 'is_public');
    // Admins see every type when asking with is_public=None; otherwise public ones plus shared ones.
    let wantPublic: boolean | undefined = true;
    if (admin && raw !== undefined) wantPublic = raw.toLowerCase() === 'none' ? undefined : parseBool(raw, 'is_public');
    const all = await storage.types.find({}, { sort: [['name', 'asc']] });
    const shown = all.filter((t) => {
      if (!admin) return t.is_public || t.projects.includes(projectOf(ctx));
      if (wantPublic === undefined) return true;
      return wantPublic ? t.is_public || t.projects.includes(projectOf(ctx)) : !t.is_public;
    });
    return { status: 200, body: { volume_types: shown.map((t) => typeView(deps, ctx, t)) } };
  }

  async function create(ctx: RequestContext): Promise<ApiResponse> {
    authorize(identity, ctx, 'volume_extension:types_manage');
    const body = entity(ctx, 'volume_type');
    const name = optionalString(body, 'name');
    if (!name || !name.trim()) throw fieldError('name', body.name ?? null, `${JSON.stringify(body.name ?? null)} is not a valid name`);
    const description = optionalString(body, 'description') ?? null;
    const rawPublic = body['os-volume-type-access:is_public'] ?? body.is_public;
    const isPublic = rawPublic === undefined ? true : asBoolean(rawPublic);
    if (isPublic === undefined) throw invalidInput(`Invalid value '${String(rawPublic)}' for is_public. Accepted values: True or False.`);
    const extraSpecs = body.extra_specs === undefined || body.extra_specs === null ? {} : validExtraSpecs(body.extra_specs);
    const record: VolumeTypeRecord = { id: uuid(), name: name.trim(), description, is_public: isPublic, extra_specs: extraSpecs, projects: [], created_at: storage.clock.now() };
    try {
      await storage.types.insert(record);
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw conflict(`Volume Type ${record.name} already exists.`);
      throw error;
    }
    return { status: 200, body: { volume_type: typeView(deps, ctx, record, true) } };
  }

  async function update(ctx: RequestContext): Promise<ApiResponse> {
    authorize(identity, ctx, 'volume_extension:types_manage');
    const body = entity(ctx, 'volume_type');
    const type = await load(ctx);
    const changes: Partial<VolumeTypeRecord> = {};
    const name = optionalString(body, 'name');
    const description = optionalString(body, 'description');
    const rawPublic = body.is_public;
    if (name === undefined && description === undefined && rawPublic === undefined) {
      throw invalidInput('Specify volume type name, description, is_public or a combination thereof.');
    }
    if (name !== undefined) {
      if (!name || !name.trim()) throw invalidInput('Volume type name can not be empty.');
      if (type.name === DEFAULT_TYPE_NAME && name.trim() !== DEFAULT_TYPE_NAME) throw badRequest('The default volume type can not be renamed.');
      changes.name = name.trim();
    }
    if (description !== undefined) changes.description = description;
    if (rawPublic !== undefined) {
      const isPublic = asBoolean(rawPublic);
      if (isPublic === undefined) throw invalidInput(`Invalid value '${String(rawPublic)}' for is_public. Accepted values: True or False.`);
      changes.is_public = isPublic;
    }
    let updated: VolumeTypeRecord | undefined;
    try {
      updated = await storage.types.update(type.id, changes);
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw conflict(`Volume Type ${changes.name} already exists.`);
      throw error;
    }
    // upstream's update answers with the plain type: no access flag, no qos_specs_id
    const t = updated!;
    return { status: 200, body: { volume_type: { id: t.id, name: t.name, description: t.description, is_public: t.is_public, extra_specs: t.extra_specs } } };
  }

  async function remove(ctx: RequestContext): Promise<ApiResponse> {
    authorize(identity, ctx, 'volume_extension:types_manage');
    const type = await load(ctx);
    if (type.name === DEFAULT_TYPE_NAME) throw badRequest('Default volume type can not be deleted.');
    if (await storage.volumes.count({ volume_type_id: type.id })) throw badRequest('Target volume type is still in use.');
    await storage.types.delete(type.id);
    return { status: 202 };
  }

  async function access(ctx: RequestContext): Promise<ApiResponse> {
    const body = ctx.body as Record<string, unknown> | undefined;
    const action = body && typeof body === 'object' ? Object.keys(body)[0] : undefined;
    if (action !== 'addProjectAccess' && action !== 'removeProjectAccess') throw badRequest(`There is no such action: ${action ?? 'None'}`);
    authorize(identity, ctx, `volume_extension:volume_type_access:${action}`);
    const type = await load(ctx);
    const project = (body![action] as Record<string, unknown> | null)?.project;
    if (typeof project !== 'string' || !project) throw badRequest('Missing required element \'project\' in request body.');
    if (type.is_public) throw badRequest('Invalid volume type: Type access modification is not applicable to public volume type.');
    if (action === 'addProjectAccess') {
      if (type.projects.includes(project)) throw conflict(`Volume type access for ${type.id} / ${project} combination already exists.`);
      await storage.types.update(type.id, { projects: [...type.projects, project] });
    } else {
      if (!type.projects.includes(project)) throw notFound(`Volume type access not found for ${type.id} / ${project} combination.`);
      await storage.types.update(type.id, { projects: type.projects.filter((p) => p !== project) });
    }
    return { status: 202 };
  }

  const missingSpec = (type: VolumeTypeRecord, key: string) => notFound(`Volume Type ${type.id} has no extra specs with key ${key}.`);

  return {
    listVolumeTypes: list,
    createVolumeType: create,
    showVolumeType: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:type_get');
      return { status: 200, body: { volume_type: typeView(deps, ctx, await load(ctx)) } };
    },
    updateVolumeType: update,
    deleteVolumeType: remove,
    volumeTypeAction: access,
    listVolumeTypeAccess: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:volume_type_access');
      const type = await load(ctx);
      if (type.is_public) throw notFound('Access list not available for public volume types.');
      return { status: 200, body: { volume_type_access: type.projects.map((p) => ({ volume_type_id: type.id, project_id: p })) } };
    },
    listTypeExtraSpecs: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:types_extra_specs:index');
      return { status: 200, body: { extra_specs: (await load(ctx)).extra_specs } };
    },
    createTypeExtraSpecs: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:types_extra_specs:create');
      const type = await load(ctx);
      const specs = validExtraSpecs(entity(ctx, 'extra_specs'));
      await storage.types.update(type.id, { extra_specs: { ...type.extra_specs, ...specs } });
      return { status: 200, body: { extra_specs: specs } };
    },
    showTypeExtraSpec: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:types_extra_specs:show');
      const type = await load(ctx);
      const key = ctx.params.key;
      if (!(key in type.extra_specs)) throw missingSpec(type, key);
      return { status: 200, body: { [key]: type.extra_specs[key] } };
    },
    updateTypeExtraSpec: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:types_extra_specs:update');
      const type = await load(ctx);
      const body = ctx.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Malformed request body');
      const specs = validExtraSpecs(body);
      const keys = Object.keys(specs);
      if (keys.length > 1) throw badRequest('Request body contains too many items');
      if (keys[0] !== ctx.params.key) throw badRequest('Request body and URI mismatch');
      await storage.types.update(type.id, { extra_specs: { ...type.extra_specs, ...specs } });
      return { status: 200, body: specs };
    },
    deleteTypeExtraSpec: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:types_extra_specs:delete');
      const type = await load(ctx);
      const key = ctx.params.key;
      if (!(key in type.extra_specs)) throw missingSpec(type, key);
      const rest = { ...type.extra_specs };
      delete rest[key];
      await storage.types.update(type.id, { extra_specs: rest });
      return { status: 202 };
    },
  };
}
