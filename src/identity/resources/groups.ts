// Groups and their members. A membership carries roles (a group's assignments
// reach its users), so every change here calls engine.changed().
import { conflict, notFound } from '../../platform/http/api-error.ts';
import { hexId } from '../../platform/ids.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import type { IdentityEngine } from '../engine.ts';
import type { GroupRecord, UserRecord } from '../model.ts';
import { assertDomainExists } from './users.ts';

export function groupNotFound(id: string) {
  return notFound(`Could not find group: ${id}.`);
}

function duplicateGroup(name: string, domainId: string) {
  return conflict(`Conflict occurred attempting to store group - Duplicate entry found with name ${name} at domain ID ${domainId}.`);
}

export function membershipId(userId: string, groupId: string): string {
  return `${userId}:${groupId}`;
}

export async function createGroup(
  engine: IdentityEngine,
  input: { name: string; domain_id: string; description: string; extra: Record<string, unknown> },
): Promise<GroupRecord> {
  await assertDomainExists(engine, input.domain_id);
  try {
    const group = await engine.backends.driverFor(input.domain_id).createGroup({ id: hexId(), ...input });
    await engine.changed();
    return group;
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw duplicateGroup(input.name, input.domain_id);
    throw error;
  }
}

export async function updateGroup(
  engine: IdentityEngine,
  group: GroupRecord,
  changes: { name?: string; description?: string; extra?: Record<string, unknown> },
): Promise<GroupRecord> {
  const set: Partial<GroupRecord> = {};
  if (changes.name !== undefined) set.name = changes.name;
  if (changes.description !== undefined) set.description = changes.description;
  if (changes.extra) set.extra = { ...group.extra, ...changes.extra };
  let updated: GroupRecord | undefined;
  try {
    updated = await engine.backends.driverFor(group.domain_id).updateGroup(group.id, set);
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw duplicateGroup(changes.name ?? group.name, group.domain_id);
    throw error;
  }
  if (!updated) throw groupNotFound(group.id);
  await engine.changed();
  return updated;
}

/** Removes the group with its memberships and role assignments. */
export async function deleteGroup(engine: IdentityEngine, group: GroupRecord): Promise<void> {
  engine.backends.assertWritable(group.domain_id);
  await engine.db.assignments.deleteMany({ actor_type: 'group', actor_id: group.id });
  await engine.backends.driverFor(group.domain_id).deleteGroup(group.id);
  await engine.changed();
}

export async function isMember(engine: IdentityEngine, userId: string, groupId: string): Promise<boolean> {
  return engine.backends.isMember(userId, groupId);
}

/** Adding an existing member again is a no-op, as in Keystone. */
export async function addMember(engine: IdentityEngine, user: UserRecord, group: GroupRecord): Promise<void> {
  engine.backends.assertWritable(group.domain_id);
  if (await isMember(engine, user.id, group.id)) return;
  try {
    await engine.backends.addMember(user.id, group.id);
  } catch (error) {
    if (!(error instanceof DuplicateKeyError)) throw error;
  }
  await engine.changed();
}

export async function removeMember(engine: IdentityEngine, userId: string, groupId: string): Promise<boolean> {
  const removed = await engine.backends.removeMember(userId, groupId);
  if (removed) await engine.changed();
  return removed;
}

export async function membersOf(engine: IdentityEngine, groupId: string): Promise<UserRecord[]> {
  return engine.backends.membersOf(groupId);
}

export async function groupsOf(engine: IdentityEngine, userId: string): Promise<GroupRecord[]> {
  return engine.backends.groupsOf(userId);
}
