// What every servers handler shares: finding a server the caller may see (404 otherwise, as
// Nova's project-scoped database reads do), the lock check, the instance action record an
// operation leaves behind, and the hand-over to the agents.
import { randomBytes } from 'node:crypto';
import type { RequestContext } from '../../../platform/http/service-api.ts';
import { conflict, notFound } from '../../../platform/http/api-error.ts';
import { uuid } from '../../../platform/ids.ts';
import type { Nova } from '../support.ts';
import { instanceActionsOf, serversOf, type ComputeEngine, type InstanceActionRecord, type ServerRecord } from './record.ts';
import type { ServerImages } from './images.ts';
import { serverSecurityGroupNames } from '../security-groups-proxy.ts';
import { neutronOf } from '../neutron-proxy.ts';

export interface ServersDeps {
  nova: Nova;
  /** the agents' side; resolved per call so the API opens before the agents are wired */
  engine: () => ComputeEngine;
  images: ServerImages;
}

export const instanceNotFound = (id: string) => notFound(`Instance ${id} could not be found.`);

export function engineContext(ctx: RequestContext) {
  return { requestId: ctx.requestId, projectId: ctx.auth?.projectId ?? '', userId: ctx.auth?.userId ?? '' };
}

export function isAdminCtx(nova: Nova, ctx: RequestContext): boolean {
  return nova.engine.allows(ctx, 'context_is_admin', {});
}

/** the server if it exists, is not deleted, and belongs to the caller's project (any project for admins) */
export async function findServer(nova: Nova, ctx: RequestContext, id: string): Promise<ServerRecord & { _rev: number }> {
  const server = await serversOf(nova).get(id);
  if (!server || server.deleted) throw instanceNotFound(id);
  if (server.project_id !== ctx.auth?.projectId && !isAdminCtx(nova, ctx)) throw instanceNotFound(id);
  return server;
}

export const targetOf = (server: ServerRecord) => ({ project_id: server.project_id, user_id: server.user_id });

/** Nova refuses a locked server's actions to everyone but admins */
export function checkLock(nova: Nova, ctx: RequestContext, server: ServerRecord): void {
  if (server.locked && !isAdminCtx(nova, ctx)) throw conflict(`Instance ${server.id} is locked`);
}

export async function recordAction(nova: Nova, ctx: RequestContext, serverId: string, action: string): Promise<InstanceActionRecord> {
  const now = nova.clock.now();
  return instanceActionsOf(nova).insert({
    id: uuid(),
    instance_uuid: serverId,
    request_id: ctx.requestId,
    action,
    project_id: ctx.auth?.projectId ?? '',
    user_id: ctx.auth?.userId ?? '',
    start_time: now,
    updated_at: now,
    message: null,
    events: [],
  });
}

/**
 * Sets fields only if nobody changed the server since it was read (the agents write too);
 * a lost race reads as the conflict Nova's expected_task_state check gives.
 */
export async function casUpdate(nova: Nova, server: ServerRecord & { _rev: number }, set: Partial<ServerRecord>, action: string): Promise<ServerRecord & { _rev: number }> {
  const updated = await serversOf(nova).update(server.id, { ...set, updated_at: nova.clock.now() }, { ifRev: server._rev });
  if (!updated) throw conflict(`Cannot '${action}' instance ${server.id} while it is in task_state ${server.task_state}`);
  return updated;
}

/** a random admin password as Nova generates them (12 characters, no look-alikes) */
export function generatePassword(length = 12): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** hands work over (a cast: the agents answer through the record, faults included) */
export async function handOver(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    console.error('compute: hand-over to the agents failed:', error);
  }
}

/** the security groups Nova shows for a server: those of its Neutron ports, once each */
export async function securityGroupsOf(nova: Nova, server: ServerRecord): Promise<Array<{ name: string }>> {
  if (server.vm_state === 'building' && server.task_state !== null) return [];
  let groups: Array<{ name: string }>;
  try {
    groups = await serverSecurityGroupNames(nova, server.id);
  } catch {
    return [];
  }
  const seen = new Set<string>();
  return groups.filter((g) => !seen.has(g.name) && seen.add(g.name));
}

/** the same for a page of servers, with one ports query and one groups query */
export async function securityGroupsOfMany(nova: Nova, servers: ServerRecord[]): Promise<Map<string, Array<{ name: string }>>> {
  const out = new Map<string, Array<{ name: string }>>();
  if (!servers.length) return out;
  try {
    const db = await neutronOf(nova).neutron.db();
    const ports = await db.ports.find({ device_id: { $in: servers.map((s) => s.id) } }, { sort: [['created_at', 'asc']] });
    const groupIds = [...new Set(ports.flatMap((p) => (p.security_groups ?? []) as string[]))];
    const groups = new Map((groupIds.length ? await db.securityGroups.find({ id: { $in: groupIds } }) : []).map((g) => [g.id, g]));
    for (const port of ports) {
      const list = out.get(String(port.device_id)) ?? [];
      for (const id of (port.security_groups ?? []) as string[]) {
        const group = groups.get(id);
        const name = group ? String(group.name || group.id) : undefined;
        if (name && !list.some((g) => g.name === name)) list.push({ name });
      }
      out.set(String(port.device_id), list);
    }
  } catch {
    // no Neutron: no groups to show
  }
  return out;
}
