// Creating, changing and deleting projects and domains with Keystone's hierarchy
// rules. Input has been type-checked by the caller (projects-validation.ts); this
// module owns the invariants: one domain per tree, enabled branches, depth, leaf-only
// deletes, immutability, and the tokens each change revokes.
import { ApiError, badRequest, conflict, forbidden } from '../../platform/http/api-error.ts';
import { hexId } from '../../platform/ids.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import type { IdentityEngine } from '../engine.ts';
import type { ProjectRecord } from '../model.ts';
import { removeDomain, revokeDomainTokens } from './domains.ts';
import { isLeaf, MAX_PROJECT_TREE_DEPTH, parentsOf, removeProject, revokeProjectTokens, subtreeOf } from './projects.ts';
import { mergeOptions } from './projects-validation.ts';

/** Attributes with a column of their own; anything else a client sends is kept as "extra". */
export const PROJECT_ATTRIBUTES = ['id', 'name', 'domain_id', 'description', 'enabled', 'parent_id', 'is_domain', 'tags', 'options'] as const;

function nameConflict(record: Pick<ProjectRecord, 'id' | 'name' | 'is_domain'>): ApiError {
  const details = record.is_domain
    ? `it is not permitted to have two projects acting as domains with the same name: ${record.name}`
    : `it is not permitted to have two projects with either the same name or same id in the same domain: name is ${record.name}, project id ${record.id}`;
  return conflict(`Conflict occurred attempting to store project - ${details}.`);
}

export interface NewProject {
  id?: string;
  name: string;
  description?: string | null;
  enabled?: boolean;
  is_domain?: boolean;
  /** required for a regular project; null for one acting as a domain */
  domain_id: string | null;
  /** defaults to the domain */
  parent_id?: string | null;
  tags?: string[];
  options?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

/** Where a new regular project may go: its domain and parent must agree, and the branch be enabled and shallow enough. */
async function checkPlacement(engine: IdentityEngine, domainId: string, parentId: string): Promise<void> {
  const db = engine.db;
  const domain = await db.projects.get(domainId);
  if (!domain || !domain.is_domain) throw badRequest(`Could not find domain: ${domainId}.`);
  const parent = await db.projects.get(parentId);
  if (!parent) throw badRequest(`Could not find project: ${parentId}.`);
  if (parent.is_domain && parent.id !== domain.id) {
    throw badRequest(
      `Cannot create project, the parent (${parent.id}) is acting as a domain, but this project's domain id (${domain.id}) does not match the parent's id.`,
    );
  }
  if (!parent.is_domain && parent.domain_id !== domain.id) {
    throw badRequest(
      `Cannot create project, since it specifies its domain_id ${domain.id}, but specifies a parent in a different domain (${parent.domain_id}).`,
    );
  }
  const branch = [...(await parentsOf(db, parent)), parent];
  const disabled = branch.find((p) => !p.enabled);
  if (disabled) throw badRequest(`cannot create a project in a branch containing a disabled project: ${disabled.id}`);
  // The domain counts as one level above the configured depth.
  if (branch.length + 1 > MAX_PROJECT_TREE_DEPTH + 1) throw forbidden(`Max hierarchy depth reached for ${parentId} branch.`);
}

export async function createProjectRecord(engine: IdentityEngine, input: NewProject): Promise<ProjectRecord> {
  const isDomain = input.is_domain === true;
  const domainId = input.domain_id ?? null;
  const parentId = input.parent_id || domainId;
  if (isDomain) {
    if (parentId) throw badRequest('only root projects are allowed to act as domains.');
  } else {
    if (!domainId || !parentId) throw badRequest('Could not find domain: None.');
    await checkPlacement(engine, domainId, parentId);
  }
  const record: ProjectRecord = {
    id: input.id ?? hexId(),
    name: input.name.trim(),
    domain_id: isDomain ? null : domainId,
    parent_id: isDomain ? null : parentId,
    is_domain: isDomain,
    enabled: input.enabled ?? true,
    // Keystone keeps an explicit null description as null.
    description: (input.description === undefined ? '' : input.description) as string,
    tags: (input.tags ?? []).map((t) => t.trim()),
    options: mergeOptions({}, input.options ?? {}),
    extra: input.extra ?? {},
  };
  try {
    await engine.db.projects.insert(record);
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw nameConflict(record);
    throw error;
  }
  await engine.changed();
  return record;
}

export interface ProjectUpdate {
  id?: unknown;
  name?: string;
  description?: string | null;
  enabled?: boolean;
  tags?: string[];
  options?: Record<string, unknown>;
  domain_id?: unknown;
  parent_id?: unknown;
  is_domain?: unknown;
  extra?: Record<string, unknown>;
}

function immutableUpdate(kind: 'project' | 'domain', id: string): ApiError {
  return forbidden(`Unable to update immutable ${kind} resource: \`${id}. Set resource option "immutable" to false first.`);
}

/** An immutable resource accepts one change only: clearing `immutable` (and nothing else in the same request). */
function checkImmutable(record: ProjectRecord, kind: 'project' | 'domain', keys: string[], change: ProjectUpdate): void {
  if (record.options.immutable !== true) return;
  const clearing = keys.length === 1 && keys[0] === 'options' && change.options !== undefined && 'immutable' in change.options && change.options.immutable !== true;
  if (!clearing) throw immutableUpdate(kind, record.id);
}

/**
 * Applies a PATCH to a project or domain. `keys` are the member names the client
 * sent (for the immutability rule); `kind` says through which API it came.
 */
export async function updateProjectRecord(
  engine: IdentityEngine,
  record: ProjectRecord,
  change: ProjectUpdate,
  keys: string[],
  kind: 'project' | 'domain',
): Promise<ProjectRecord> {
  const db = engine.db;
  if (change.domain_id !== undefined && change.domain_id !== record.domain_id) throw badRequest('Cannot change Domain ID');
  checkImmutable(record, record.is_domain ? 'domain' : 'project', keys, change);
  if (change.parent_id !== undefined && change.parent_id !== record.parent_id) throw forbidden('Update of `parent_id` is not allowed.');
  if (change.is_domain !== undefined && change.is_domain !== record.is_domain) throw badRequest('Update of `is_domain` is not allowed.');

  const wasEnabled = record.enabled;
  const enabled = change.enabled ?? record.enabled;
  if (!wasEnabled && enabled) {
    const disabledParent = (await parentsOf(db, record)).some((p) => !p.enabled);
    if (disabledParent) throw forbidden(`Cannot enable project ${record.id} since it has disabled parents`);
  }
  // A domain may be disabled whatever its projects; a project only once its subtree is.
  if (wasEnabled && !enabled && !record.is_domain) {
    if ((await subtreeOf(db, record.id)).some((p) => p.enabled)) {
      throw forbidden(`Cannot disable project ${record.id} since its subtree contains enabled projects.`);
    }
  }

  const set: Partial<ProjectRecord> = { enabled };
  if (change.name !== undefined) set.name = change.name.trim();
  if (change.description !== undefined) set.description = change.description as string;
  if (change.tags !== undefined) set.tags = change.tags.map((t) => t.trim());
  if (change.options !== undefined) set.options = mergeOptions(record.options, change.options);
  if (change.extra && Object.keys(change.extra).length > 0) set.extra = { ...record.extra, ...change.extra };
  let updated: ProjectRecord | undefined;
  try {
    updated = await db.projects.update(record.id, set);
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw nameConflict({ ...record, ...set });
    throw error;
  }
  if (!updated) throw kind === 'domain' ? new ApiError(404, `Could not find domain: ${record.id}.`) : new ApiError(404, `Could not find project: ${record.id}.`);
  if (wasEnabled && !enabled) {
    if (record.is_domain) await revokeDomainTokens(engine, record.id);
    else await revokeProjectTokens(engine, record.id);
  }
  await engine.changed();
  return updated;
}

/** DELETE through either API: a regular leaf project, or a disabled domain with all it holds. */
export async function deleteProjectRecord(engine: IdentityEngine, record: ProjectRecord): Promise<void> {
  const kind = record.is_domain ? 'domain' : 'project';
  if (record.options.immutable === true) {
    throw forbidden(`Unable to delete immutable ${kind} resource: \`${record.id}. Set resource option "immutable" to false first.`);
  }
  if (record.is_domain) {
    if (record.enabled) throw forbidden('Cannot delete a domain that is enabled, please disable it first.');
    await removeDomain(engine, record);
  } else {
    if (!(await isLeaf(engine.db, record.id))) {
      throw forbidden(
        `Cannot delete the project ${record.id} since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree.`,
      );
    }
    await removeProject(engine, record);
  }
  await engine.changed();
}
