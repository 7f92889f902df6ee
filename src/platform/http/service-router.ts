// The service router: the api-ref decides which operation a request is, and
// validates it; then the token is checked, the handler runs, and errors are
// rendered in the service's own format. One path for every service.
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import { OpenAPIBackend, type Operation } from 'openapi-backend';
import { RouteTable, type RoutedOperation } from './route-table.ts';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ApiError, badRequest, unauthorized } from './api-error.ts';
import { loadApiRef, operations } from './api-ref.ts';
import { readJsonBody } from './body.ts';
import { negotiateMicroversion } from './microversion.ts';
import type { ApiResponse, Authenticator, RequestContext, ServiceApi } from './service-api.ts';
import { requestId as newRequestId } from '../ids.ts';
import { logger, redact } from '../log.ts';

const log = logger('http');

export interface RouterOptions {
  authenticator: Authenticator;
  /** public base URL of the shared port, used when the Host header is absent */
  publicBaseUrl: string;
  /** the operator's declared external URL: when set, links always use it */
  publicUrl?: string;
  recordDir?: string;
  /** the identity endpoint named in WWW-Authenticate on every 401 */
  identityUrl: string;
}

function makeAjv(): any {
  const AjvCtor = (Ajv2020 as any).default ?? Ajv2020;
  const ajv = new AjvCtor({ strict: false, allErrors: false, coerceTypes: true, unicodeRegExp: false });
  ((addFormats as any).default ?? addFormats)(ajv);
  return ajv;
}

/** Ajv's first error as a sentence in the style of the services' validation messages. */
export function describeValidationErrors(errors: Array<{ instancePath?: string; message?: string; params?: any }> | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'Invalid input.';
  const where = (e.instancePath ?? '').replace(/^\/(requestBody|query|path|header)\/?/, '').replaceAll('/', '.');
  if (e.params?.missingProperty) return `'${e.params.missingProperty}' is a required property`;
  if (e.params?.additionalProperty) {
    return `Additional properties are not allowed ('${e.params.additionalProperty}' was unexpected)`;
  }
  return where ? `Invalid input for field '${where}': ${e.message}` : `Invalid input: ${e.message}`;
}

export async function createServiceRouter(service: ServiceApi, options: RouterOptions): Promise<Router> {
  const definition = loadApiRef(service.apiRef);
  const known = new Set(operations(definition).map((o) => o.operationId));
  for (const id of known) {
    if (!service.handlers[id]) throw new Error(`${service.type}: operation ${id} in api-ref has no handler`);
  }
  for (const id of Object.keys(service.handlers)) {
    if (!known.has(id)) throw new Error(`${service.type}: handler ${id} has no operation in api-ref`);
  }
  const api = new OpenAPIBackend({
    definition: definition as any,
    quick: true,
    validate: true,
    coerceTypes: true,
    customizeAjv: () => makeAjv(),
  });
  await api.init();

  // The definition never changes after load: list its operations once, not per request.
  const allOperations = api.router.getOperations();
  api.router.getOperations = () => allOperations;
  const routes = new RouteTable(allOperations as unknown as RoutedOperation[]);
  const shapes = new Map(allOperations.map((op) => [op, requestShape(op)]));

  const router = express.Router();
  router.use(async (req: Request, res: Response) => {
    const requestId = newRequestId();
    res.setHeader('x-openstack-request-id', requestId);
    if (service.type === 'compute') res.setHeader('x-compute-request-id', requestId);
    const send = (response: ApiResponse, ctx?: Partial<RequestContext>) => sendResponse(service, res, req, response, ctx, options.recordDir);
    try {
      service.prepareRequest?.(req, res);
      const path = req.path === '' ? '/' : req.path;
      let route = routes.match(req.method, path);
      const isHeadFallback = !route && req.method === 'HEAD';
      if (isHeadFallback) route = routes.match('GET', path);
      if (!route) {
        throw routes.pathExists(path)
          ? new ApiError(405, 'The method is not allowed for the requested URL.')
          : new ApiError(404, 'The resource could not be found.');
      }
      const operation = route.operation as unknown as Operation;
      const operationId = operation.operationId as string;
      const ctx: RequestContext = {
        requestId,
        service: service.type,
        operationId,
        method: req.method,
        path,
        params: route.params,
        query: req.query as RequestContext['query'],
        headers: req.headers,
        body: undefined,
        baseUrl: `${options.publicUrl ?? `http://${req.headers.host ?? options.publicBaseUrl.replace(/^https?:\/\//, '')}`}${req.baseUrl}`,
        raw: { req, res },
      };
      if (service.microversions) {
        ctx.microversion = negotiateMicroversion(service.microversions, req.headers);
        const mv = `${service.microversions.headerService} ${ctx.microversion}`;
        res.setHeader('OpenStack-API-Version', mv);
        for (const legacy of service.microversions.legacyHeaders) res.setHeader(legacy, ctx.microversion);
        res.setHeader('Vary', ['OpenStack-API-Version', ...service.microversions.legacyHeaders].join(', '));
      }
      const shape = shapes.get(operation)!;
      if (!shape.public) {
        const token = req.headers['x-auth-token'];
        if (typeof token !== 'string' || token === '') throw unauthorized();
        ctx.auth = await options.authenticator.authenticate(token);
      }
      if (!shape.streamBody) ctx.body = await readJsonBody(req);
      if (shape.validates || ctx.body !== undefined) {
        // Upstream services ignore query parameters they do not know; so do we.
        const query = Object.fromEntries(Object.entries(req.query).filter(([k]) => shape.queryNames.has(k)));
        const validation = api.validateRequest(
          { method: isHeadFallback ? 'GET' : req.method, path, headers: req.headers as any, query: query as any, body: ctx.body },
          operation,
        );
        if (!validation.valid) throw badRequest(describeValidationErrors(validation.errors as any));
      }
      const response = await service.handlers[operationId](ctx);
      if (isHeadFallback) response.body = undefined;
      send(response, ctx);
    } catch (error) {
      const apiError = toApiError(error, service.type, requestId);
      const headers = { ...apiError.headers };
      if (apiError.status === 401) headers['WWW-Authenticate'] = `Keystone uri="${options.identityUrl}"`;
      send({ status: apiError.status, body: service.renderError(apiError), headers });
    }
  });
  return router;
}

interface RequestShape {
  public: boolean;
  streamBody: boolean;
  /** whether the request has anything declared to validate (parameters or a body) */
  validates: boolean;
  queryNames: Set<string>;
}

function requestShape(operation: Operation): RequestShape {
  const parameters = ((operation.parameters ?? []) as Array<{ in?: string; name?: string }>).filter(Boolean);
  const security = operation.security as unknown[] | undefined;
  return {
    public: Array.isArray(security) && security.length === 0,
    streamBody: (operation as any)['x-stream-body'] === true,
    validates: parameters.length > 0 || operation.requestBody !== undefined,
    queryNames: new Set(parameters.filter((p) => p.in === 'query').map((p) => String(p.name))),
  };
}

function toApiError(error: unknown, service: string, requestId: string): ApiError {
  if (error instanceof ApiError) return error;
  log.error('unhandled error', { service, requestId, error: error instanceof Error ? error.stack : String(error) });
  return new ApiError(500, 'An unexpected error prevented the server from fulfilling your request.');
}


function sendResponse(
  service: ServiceApi,
  res: Response,
  req: Request,
  response: ApiResponse,
  ctx: Partial<RequestContext> | undefined,
  recordDir: string | undefined,
): void {
  if (response.streamed) return;
  // A request whose body we did not read (refused early) leaves bytes on the
  // connection; close it rather than let the client's next request hang behind them.
  if (!req.complete) res.setHeader('Connection', 'close');
  for (const [k, v] of Object.entries(response.headers ?? {})) res.setHeader(k, v);
  res.status(response.status);
  if (response.body === undefined || response.status === 204 || req.method === 'HEAD') {
    if (req.method === 'HEAD' && response.body !== undefined) {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Content-Length', Buffer.byteLength(JSON.stringify(response.body)));
    } else if (response.status !== 204 && response.status !== 304) {
      res.setHeader('Content-Length', '0');
    }
    res.end();
  } else if (typeof response.body === 'string' || Buffer.isBuffer(response.body)) {
    res.send(response.body);
  } else {
    res.setHeader('Content-Type', 'application/json');
    res.send(JSON.stringify(response.body));
  }
  if (recordDir && response.body !== undefined && typeof response.body === 'object' && !Buffer.isBuffer(response.body)) {
    const line = JSON.stringify({
      service: service.type,
      operationId: ctx?.operationId ?? null,
      method: req.method,
      path: req.originalUrl,
      status: response.status,
      microversion: ctx?.microversion ?? null,
      // Test-only recording; secrets shown once at creation must not land on disk either.
      body: redact(response.body),
    });
    void mkdir(recordDir, { recursive: true })
      .then(() => appendFile(join(recordDir, `${service.type}.jsonl`), `${line}\n`))
      .catch(() => undefined);
  }
}
