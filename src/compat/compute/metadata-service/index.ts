// Nova's metadata API as its own ServiceApi: at /metadata on the shared port and at the root
// of port 8775 (per-service ports), without a token, since guests have none. The requesting
// server is found by its fixed IP or by the signed X-Instance-ID a metadata proxy sends
// (secret STACKGATE_METADATA_SECRET).
import type { ApiResponse, OperationHandler, RequestContext, ServiceApi } from '../../../platform/http/service-api.ts';
import { ApiError, notFound } from '../../../platform/http/api-error.ts';
import type { Store } from '../../../platform/store/store.ts';
import { systemClock, type Clock } from '../../../platform/clock.ts';
import type { IdentityEngine } from '../../../identity/engine.ts';
import type { Nova } from '../support.ts';
import { neutronProxyFor } from '../neutron-proxy.ts';
import { requestingServer } from './lookup.ts';
import { EC2_VERSIONS, OPENSTACK_VERSIONS, ec2Tree, listing, openstackTree, walk, type Node } from './documents.ts';

export interface MetadataDeps {
  identity: IdentityEngine;
  store: Store;
  clock?: Clock;
  /** the shared secret of the metadata proxies; default STACKGATE_METADATA_SECRET or '' */
  secret?: string;
}

const TEXT = { 'Content-Type': 'text/plain; charset=UTF-8' };

/** webob's plain error page, as Nova's metadata handler answers */
function renderMetadataError(error: ApiError): unknown {
  return `${error.status} ${error.title}\n\n${error.message}\n\n`;
}

function answer(node: Node): ApiResponse {
  if (typeof node === 'string') return { status: 200, body: node, headers: TEXT };
  if ('json' in node) return { status: 200, body: node.json, headers: { 'Content-Type': 'application/json' } };
  if ('raw' in node) return { status: 200, body: node.raw as Buffer, headers: { 'Content-Type': 'text/plain; charset=UTF-8' } };
  return { status: 200, body: listing(node as Record<string, Node>), headers: TEXT };
}

export function novaMetadataService(deps: MetadataDeps): ServiceApi {
  const clock = deps.clock ?? systemClock;
  const secret = deps.secret ?? process.env.STACKGATE_METADATA_SECRET ?? '';
  let opened: Promise<Nova> | undefined;
  const nova = () => (opened ??= deps.store.database('compute').then((db) => ({ engine: deps.identity, db, clock })));
  const neutron = () => neutronProxyFor(deps.store, deps.identity, clock).neutron;

  const resolveVersion = (asked: string, known: string[]) => {
    if (asked === 'latest') return known[known.length - 1];
    if (!known.includes(asked)) throw notFound('The resource could not be found.');
    return asked;
  };

  async function serve(ctx: RequestContext, segments: string[]): Promise<ApiResponse> {
    if (segments.length === 0) return answer([...EC2_VERSIONS, 'latest'].join('\n'));
    if (segments[0] === 'openstack') {
      if (segments.length === 1) return answer([...OPENSTACK_VERSIONS, 'latest'].join('\n'));
      const version = resolveVersion(segments[1], OPENSTACK_VERSIONS);
      const server = await requestingServer(await nova(), ctx, secret);
      const node = walk(await openstackTree(await nova(), neutron(), server, version), segments.slice(2));
      if (node === undefined) throw notFound('The resource could not be found.');
      return answer(node);
    }
    resolveVersion(segments[0], EC2_VERSIONS);
    const server = await requestingServer(await nova(), ctx, secret);
    const node = walk(await ec2Tree(await nova(), server), segments.slice(1));
    if (node === undefined) throw notFound('The resource could not be found.');
    return answer(node);
  }

  // errors are plain text pages, as webob renders them for Nova's metadata handler
  const plain = async (ctx: RequestContext, segments: string[]) => {
    try {
      return await serve(ctx, segments);
    } catch (error) {
      if (error instanceof ApiError && !error.headers) throw new ApiError(error.status, error.message, { kind: error.kind, headers: TEXT });
      throw error;
    }
  };
  const handlers: Record<string, OperationHandler> = { metadataRoot: (ctx) => plain(ctx, []) };
  for (let depth = 1; depth <= 6; depth++) {
    handlers[`metadataPath${depth}`] = (ctx) => plain(ctx, Array.from({ length: depth }, (_, i) => ctx.params[`s${i + 1}`]));
  }
  return {
    type: 'compute-metadata',
    name: 'nova-metadata',
    prefix: '/metadata',
    port: 8775,
    apiRef: 'compute-metadata',
    catalogSuffix: '',
    inCatalog: false,
    handlers,
    renderError: renderMetadataError,
  };
}
