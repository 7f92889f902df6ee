// What the compute agents share: the compute database, Placement, Neutron and Glance in
// process, the bus and the clock, plus the record helpers every agent uses.
import type { Bus } from '../../../platform/bus/bus.ts';
import type { Clock } from '../../../platform/clock.ts';
import type { Store } from '../../../platform/store/store.ts';
import type { RequestContext } from '../../../platform/http/service-api.ts';
import type { PlacementLogic } from '../../placement/placement-logic.ts';
import type { Neutron } from '../../network/context.ts';
import type { ImageService } from '../../image/image-service.ts';
import { uuid } from '../../../platform/ids.ts';
import type { Nova } from '../support.ts';
import { instanceActionsOf, serversOf, type ServerRecord } from '../servers/record.ts';

export const CONDUCTOR_TOPIC = 'conductor';
export const SCHEDULER_TOPIC = 'scheduler';
export const computeTopic = (host: string) => `compute.${host}`;

export interface RequestInfo {
  requestId: string;
  projectId: string;
  userId: string;
}

export interface Agents {
  nova: Nova;
  bus: Bus;
  clock: Clock;
  placement: PlacementLogic;
  /** absent in a deployment without Neutron: servers then boot without ports */
  neutron?: Neutron;
  /** absent without Glance: createImage then fails the action */
  images?: ImageService;
  /** the whole store, to reach Cinder's volumes on delete; absent: attached volumes stay as they are */
  store?: Store;
}

export class InstanceGone extends Error {
  constructor(id: string) {
    super(`Instance ${id} could not be found.`);
    this.name = 'InstanceNotFound';
  }
}

/**
 * Applies `change` to the current record with compare-and-set, retrying when the API changed it
 * meanwhile; `change` returns undefined to leave the record as it is.
 */
export async function mutateServer(
  agents: Agents,
  id: string,
  change: (current: ServerRecord) => Partial<ServerRecord> | undefined,
): Promise<ServerRecord> {
  const servers = collectionOf(agents.nova, serversOf);
  for (let attempt = 0; attempt < 50; attempt++) {
    const current = await servers.get(id);
    if (!current) throw new InstanceGone(id);
    const set = change(current);
    if (!set) return current;
    const updated = await servers.update(id, { ...set, updated_at: agents.clock.now() }, { ifRev: current._rev });
    if (updated) return updated;
  }
  throw new Error(`instance ${id}: too many concurrent updates`);
}

const kept = new WeakMap<object, Map<string, unknown>>();

/**
 * The collection `open` returns, opened once per database: opening one checks its table and
 * indexes, which is worth doing once rather than on every record the agents touch.
 */
export function collectionOf<T>(nova: Nova, open: (nova: Nova) => T): T {
  let byOpener = kept.get(nova.db);
  if (!byOpener) kept.set(nova.db, (byOpener = new Map()));
  const key = open.name || String(open);
  let collection = byOpener.get(key) as T | undefined;
  if (!collection) byOpener.set(key, (collection = open(nova)));
  return collection;
}

export async function getServer(agents: Agents, id: string): Promise<ServerRecord | undefined> {
  return collectionOf(agents.nova, serversOf).get(id);
}

/**
 * Records an event of the request's instance action (the action itself is the API's; it is
 * created here when missing so that an agent never loses its events).
 */
export async function actionEvent<T>(
  agents: Agents,
  serverId: string,
  action: string,
  event: string,
  info: RequestInfo,
  host: string | null,
  work: () => Promise<T>,
): Promise<T> {
  const actions = collectionOf(agents.nova, instanceActionsOf);
  const start = agents.clock.now();
  let record = await actions.findOne({ instance_uuid: serverId, request_id: info.requestId });
  if (!record) {
    try {
      record = await actions.insert({
        id: uuid(), instance_uuid: serverId, request_id: info.requestId, action, project_id: info.projectId, user_id: info.userId,
        start_time: start, updated_at: start, message: null, events: [],
      });
    } catch {
      record = await actions.findOne({ instance_uuid: serverId, request_id: info.requestId });
    }
  }
  const finish = async (result: 'Success' | 'Error', traceback: string | null) => {
    if (!record) return;
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await actions.get(record.id);
      if (!current) return;
      const events = current.events.filter((e) => e.event !== event);
      events.push({ event, start_time: start, finish_time: agents.clock.now(), result, traceback, host });
      const set: Record<string, unknown> = { events, updated_at: agents.clock.now() };
      if (result === 'Error') set.message = 'Error';
      if (await actions.update(record.id, set, { ifRev: current._rev })) return;
    }
  };
  try {
    const out = await work();
    await finish('Success', null);
    return out;
  } catch (error) {
    await finish('Error', error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    throw error;
  }
}

/** an admin context acting for the server's project, as Nova's service user acts for the instance's owner */
export function serviceContext(info: RequestInfo, service: string, operationId: string): RequestContext {
  const roles = ['admin', 'member', 'reader'];
  return {
    requestId: info.requestId,
    service,
    operationId,
    method: 'POST',
    path: '',
    params: {},
    query: {},
    headers: {},
    body: undefined,
    baseUrl: '',
    auth: {
      token: '',
      userId: info.userId,
      userDomainId: 'default',
      projectId: info.projectId,
      projectDomainId: 'default',
      roles,
      roleIds: [],
      credentials: {
        user_id: info.userId, user_domain_id: 'default', project_id: info.projectId, project_domain_id: 'default', roles,
        token: { user: { id: info.userId, domain: { id: 'default' } }, project: { id: info.projectId, domain: { id: 'default' } } },
      },
    },
    raw: undefined as unknown as RequestContext['raw'],
  };
}

/** removes a consumer's allocations; a consumer that holds none is fine (a redelivery, a failed build) */
export async function freeAllocations(agents: Agents, consumer: string): Promise<void> {
  const held = await agents.placement.getAllocations(consumer);
  if (Object.keys(held).length === 0) return;
  await agents.placement.deleteAllocations(consumer).catch((error: { status?: number }) => {
    if (error?.status !== 404) throw error;
  });
}

export function faultOf(agents: Agents, error: unknown, code = 500): ServerRecord['fault'] {
  const message = error instanceof Error ? error.message : String(error);
  const details = error instanceof Error ? `${error.name}: ${error.message}` : message;
  return { code, message, details, created: agents.clock.now() };
}
