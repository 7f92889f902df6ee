// Swift (object-store): the proxy layer of the object ring, as swift/proxy/controllers and
// its middlewares serve it. Every operation is public to the router (`security: []`): auth
// is decided here, the keystoneauth way, after TempURL signatures and ACLs are considered.
import type { Request, Response } from 'express';
import type { ApiResponse, Authenticator, OperationHandler, RequestContext, ServiceApi } from '../../platform/http/service-api.ts';
import type { ObjectClient } from '../../backends/object-ring/index.ts';
import { logger } from '../../platform/log.ts';
import { getAccount, headAccount, postAccount } from './account.ts';
import { applyAccountAcl } from './account-acl.ts';
import { identify } from './auth.ts';
import { bulkDelete, extractArchive } from './bulk.ts';
import { LIMITS, RESELLER_PREFIX } from './constraints.ts';
import { deleteContainer, getContainer, headContainer, postContainer, putContainer } from './container.ts';
import { asSwiftError, renderError, swiftError } from './errors.ts';
import { newTransactionId, reply, type SwiftRequest } from './http.ts';
import { formPost, isFormPost } from './formpost.ts';
import { getCrossdomain, getHealthcheck, getInfo } from './info.ts';
import { getObject } from './object-get.ts';
import { putObject } from './object-put.ts';
import { deleteObject, postObject } from './object-write.ts';
import type { SwiftDeps } from './service-context.ts';
import { isStaticWebRequest, staticWeb } from './staticweb.ts';
import { authorizeTempUrl, isTempUrl } from './tempurl.ts';

const log = logger('object-store');

export interface SwiftServiceDeps {
  client: ObjectClient;
  authenticator: Authenticator;
  /** Keystone's public URL, named in WWW-Authenticate */
  identityUrl: string;
}

type Controller = (sr: SwiftRequest, deps: SwiftDeps) => Promise<ApiResponse> | ApiResponse;

function swiftRequest(ctx: RequestContext): SwiftRequest {
  const { req, res } = ctx.raw;
  const q = req.originalUrl.indexOf('?');
  return {
    ctx, req, res, method: req.method,
    account: ctx.params.account ?? '',
    container: ctx.params.container,
    object: ctx.params.object,
    query: new URLSearchParams(q >= 0 ? req.originalUrl.slice(q + 1) : ''),
    txId: (res.locals.swiftTxId as string | undefined) ?? newTransactionId(),
    owner: false,
    extraHeaders: {},
  };
}

/** The object's path as a client may have signed it: with our mount prefix and without. */
function signedPaths(sr: SwiftRequest): string[] {
  const path = sr.req.originalUrl.split('?')[0];
  const v1 = path.indexOf('/v1/');
  const decoded = (p: string) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  };
  const out = new Set([decoded(path), path]);
  if (v1 > 0) out.add(decoded(path.slice(v1))).add(path.slice(v1));
  return [...out];
}

function handler(deps: SwiftDeps, controller: Controller, options: { noAuth?: boolean } = {}): OperationHandler {
  return async (ctx) => {
    const sr = swiftRequest(ctx);
    try {
      if (!options.noAuth && isFormPost(sr)) {
        // FormPost sits before auth in Swift's pipeline: the form's signature is its authority
        if (sr.account.length > LIMITS.max_account_name_length) throw swiftError(400, 'Account name length too long');
        return await formPost(sr, deps, signedPaths(sr));
      }
      if (!options.noAuth) {
        if (sr.account.length > LIMITS.max_account_name_length) throw swiftError(400, 'Account name length too long');
        if (sr.container === '' || sr.object === '') throw swiftError(404);
        if (isTempUrl(sr)) await authorizeTempUrl(sr, deps.client, signedPaths(sr));
        else {
          await identify(sr, deps);
          await applyAccountAcl(sr, deps);
        }
        if (isStaticWebRequest(sr)) {
          const web = await staticWeb(sr, deps);
          if (web) return web;
        }
        if (!sr.account.startsWith(RESELLER_PREFIX) && !sr.owner) throw sr.auth ? swiftError(403) : swiftError(401);
      }
      return await controller(sr, deps);
    } catch (error) {
      const e = asSwiftError(error);
      if (!e) {
        log.error('unhandled error', { txId: sr.txId, error: error instanceof Error ? error.stack : String(error) });
      }
      const failure = e ?? swiftError(500);
      if (sr.res.headersSent) {
        sr.res.destroy();
        return { status: failure.status, streamed: true };
      }
      return reply(sr, failure.status, failure.headers ?? {}, failure.message);
    }
  };
}

/** Swift's COPY becomes a PUT with X-Copy-From, as its copy middleware does. */
function copyToPut(req: Request): void {
  const destination = req.headers.destination;
  if (typeof destination !== 'string' || destination === '') throw swiftError(412, 'You must provide a Destination header');
  const [path, query] = req.url.split('?');
  const parts = path.split('/');
  if (parts[1] !== 'v1' || parts.length < 5) throw swiftError(405);
  const account = parts[2];
  const source = `/${parts.slice(3).join('/')}`;
  const dest = destination.replace(/^\//, '');
  const slash = dest.indexOf('/');
  if (slash <= 0 || slash === dest.length - 1) throw swiftError(412, 'Destination header must be of the form <container name>/<object name>');
  const destAccount = typeof req.headers['destination-account'] === 'string' ? encodeURIComponent(req.headers['destination-account']) : account;
  req.headers['x-copy-from'] = source;
  if (destAccount !== account) req.headers['x-copy-from-account'] = decodeURIComponent(account);
  req.headers['content-length'] = '0';
  delete req.headers['transfer-encoding'];
  req.method = 'PUT';
  req.url = `/v1/${destAccount}/${dest}${query !== undefined ? `?${query}` : ''}`;
}

/** Object names may hold slashes (and end with one): carry them as one encoded path segment. */
function encodeObjectPath(req: Request): void {
  const q = req.url.indexOf('?');
  const path = q >= 0 ? req.url.slice(0, q) : req.url;
  const parts = path.split('/');
  if (parts[1] !== 'v1' && parts[1] !== 'v1.0') return;
  if (parts[1] === 'v1.0') parts[1] = 'v1';
  if (parts.length > 5) parts.splice(4, parts.length - 4, parts.slice(4).join('%2F'));
  req.url = `${parts.join('/')}${q >= 0 ? req.url.slice(q) : ''}`;
}

function prepareRequest(req: Request, res: Response): void {
  const txId = newTransactionId();
  res.locals.swiftTxId = txId;
  res.setHeader('X-Trans-Id', txId);
  res.setHeader('X-Openstack-Request-Id', txId);
  if (req.method === 'COPY') copyToPut(req);
  encodeObjectPath(req);
}

const methodNotAllowed: Controller = () => {
  throw swiftError(405);
};

export function swiftService(serviceDeps: SwiftServiceDeps): ServiceApi {
  const deps: SwiftDeps = serviceDeps;
  const h = (c: Controller, o?: { noAuth?: boolean }) => handler(deps, c, o);
  return {
    type: 'object-store',
    name: 'swift',
    prefix: '/object-store',
    port: 8080,
    apiRef: 'object-store',
    catalogSuffix: '/v1/AUTH_$(project_id)s',
    rootPaths: ['/info', '/healthcheck', '/crossdomain.xml'],
    renderError,
    prepareRequest,
    handlers: {
      listActivatedCapabilities: h(getInfo, { noAuth: true }),
      getHealthcheck: h(getHealthcheck, { noAuth: true }),
      getCrossdomainPolicy: h(getCrossdomain, { noAuth: true }),
      showAccountDetailsAndListContainers: h(getAccount),
      showAccountMetadata: h(headAccount),
      createUpdateOrDeleteAccountMetadata: h((sr, d) => (sr.query.has('bulk-delete') ? bulkDelete(sr, d) : postAccount(sr, d))),
      extractArchiveToAccount: h((sr, d) => (sr.query.has('extract-archive') ? extractArchive(sr, d) : methodNotAllowed(sr, d))),
      bulkDeleteFromAccount: h((sr, d) => (sr.query.has('bulk-delete') ? bulkDelete(sr, d) : methodNotAllowed(sr, d))),
      showContainerDetailsAndListObjects: h(getContainer),
      showContainerMetadata: h(headContainer),
      createContainer: h((sr, d) => (sr.query.has('extract-archive') ? extractArchive(sr, d) : putContainer(sr, d))),
      createUpdateOrDeleteContainerMetadata: h(postContainer),
      deleteContainer: h(deleteContainer),
      getObjectContentAndMetadata: h(getObject),
      showObjectMetadata: h(getObject),
      createOrReplaceObject: h((sr, d) => (sr.query.has('extract-archive') ? extractArchive(sr, d) : putObject(sr, d))),
      createOrUpdateObjectMetadata: h(postObject),
      deleteObject: h(deleteObject),
    },
  };
}
