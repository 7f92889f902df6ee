// The standard attributes every Neutron resource carries: project ownership (tenant_id and
// project_id), description, tags, created_at/updated_at, and revision_number with If-Match.
import type { RequestContext } from '../../platform/http/service-api.ts';
import type { Collection } from '../../platform/store/store.ts';
import { httpBadRequest, revisionMismatch } from './errors.ts';
import { isoSecondsZ, type Neutron, type Resource } from './context.ts';

/** The owning project of a new resource: the one given (admins may name another), else the caller's. */
export function owningProject(ctx: RequestContext, values: Record<string, any>): string {
  const tenant = values.tenant_id as string | undefined;
  const project = values.project_id as string | undefined;
  if (tenant !== undefined && project !== undefined && tenant !== project) throw httpBadRequest("'project_id' and 'tenant_id' do not match");
  delete values.project_id;
  const owner = project ?? tenant ?? ctx.auth?.projectId ?? '';
  values.tenant_id = owner;
  return owner;
}

export function newStandardAttributes(neutron: Neutron): Record<string, unknown> {
  const now = isoSecondsZ(neutron.clock.now());
  return { created_at: now, updated_at: now, revision_number: 1, tags: [] };
}

/** `project_id` beside `tenant_id`, as Neutron shows both */
export function ownerView(doc: Resource): { tenant_id: string; project_id: string } {
  return { tenant_id: doc.tenant_id, project_id: doc.tenant_id };
}

/** `If-Match: revision_number=N` (several may be given, comma separated): 412 when the resource has moved on. */
export function checkIfMatch(ctx: RequestContext, doc: Resource): void {
  const header = ctx.headers['if-match'];
  if (typeof header !== 'string') return;
  for (const part of header.split(',')) {
    const m = part.trim().match(/^revision_number=(\d+)$/);
    if (!m) continue;
    if (Number(m[1]) !== doc.revision_number) throw revisionMismatch(Number(m[1]), doc.revision_number);
  }
}

/**
 * Applies `change` to the stored resource with compare-and-set, bumping revision_number and
 * updated_at; `change` sees the current document and may throw. Retries when another writer won.
 */
export async function updateResource(
  neutron: Neutron,
  collection: Collection<Resource>,
  id: string,
  change: (current: Resource) => Promise<Record<string, unknown>> | Record<string, unknown>,
  notFound: () => Error,
): Promise<Resource> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const current = await collection.get(id);
    if (!current) throw notFound();
    const set = await change(current);
    const next = { ...set, revision_number: current.revision_number + 1, updated_at: isoSecondsZ(neutron.clock.now()) };
    const updated = await collection.update(id, next, { ifRev: current._rev });
    if (updated) return updated;
  }
  throw new Error(`${collection.name} ${id}: too many concurrent updates`);
}

/** Bumps the revision of a resource something else changed (a subnet added to a network, ...). */
export async function bumpRevision(neutron: Neutron, collection: Collection<Resource>, id: string): Promise<void> {
  try {
    await updateResource(neutron, collection, id, () => ({}), () => new Error('gone'));
  } catch {
    // the resource went away meanwhile: nothing to bump
  }
}
