// How the extension APIs under /servers/{id}/... find their server: as Nova's
// common.get_instance does, a server of another project is as absent as a deleted one
// (Nova's project-only instance query), except for an admin.
import type { RequestContext } from '../../platform/http/service-api.ts';
import { notFound } from '../../platform/http/api-error.ts';
import { isAdmin, type Nova } from './support.ts';
import { serversOf, type ServerRecord } from './servers/record.ts';

export const instanceNotFound = (id: string) => notFound(`Instance ${id} could not be found.`);

export async function findServer(nova: Nova, ctx: RequestContext, id: string): Promise<ServerRecord & { _rev: number }> {
  const server = await serversOf(nova).get(id);
  if (!server || server.deleted) throw instanceNotFound(id);
  if (server.project_id !== ctx.auth?.projectId && !isAdmin(nova, ctx)) throw instanceNotFound(id);
  return server;
}

/** Nova's InstanceInvalidState wording for an action the server's state forbids (409) */
export function invalidStateMessage(server: ServerRecord, action: string): string {
  const attr = server.task_state ? 'task_state' : 'vm_state';
  const state = server.task_state ?? server.vm_state;
  return `Cannot '${action}' instance ${server.id} while it is in ${attr} ${state}`;
}
