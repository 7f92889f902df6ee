// What a service hands the HTTP layer: its catalog identity, its api-ref, its
// handlers by operationId, and how it renders errors and version documents.
import type { IncomingHttpHeaders } from 'node:http';
import type { Request, Response } from 'express';
import type { ApiError } from './api-error.ts';

/** Who is calling, as established from a validated token. Filled by src/identity. */
export interface AuthContext {
  token: string;
  userId: string;
  userDomainId: string;
  projectId?: string;
  projectDomainId?: string;
  domainId?: string;
  system?: boolean;
  /** role names, implied roles included */
  roles: string[];
  roleIds: string[];
  /** the attributes policy rules test (`project_id`, `roles`, ...) */
  credentials: Record<string, unknown>;
}

export interface RequestContext {
  requestId: string;
  /** the catalog type of the service serving the request; policy rules are looked up per service */
  service?: string;
  operationId: string;
  method: string;
  /** path within the service prefix */
  path: string;
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  headers: IncomingHttpHeaders;
  body: any;
  /** the service root as the client reached it, e.g. http://127.0.0.1:8800/identity */
  baseUrl: string;
  /** set when the operation requires a token (every one without `security: []`) */
  auth?: AuthContext;
  /** negotiated microversion for services that have them, e.g. "2.79" */
  microversion?: string;
  raw: { req: Request; res: Response };
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string | string[]>;
  /** set when the handler already wrote the response itself (streams) */
  streamed?: boolean;
}

export type OperationHandler = (ctx: RequestContext) => Promise<ApiResponse> | ApiResponse;

export interface MicroversionSupport {
  /** the service name in `OpenStack-API-Version: <service> X.Y` */
  headerService: string;
  /** older headers that carry a bare version, e.g. X-OpenStack-Nova-API-Version */
  legacyHeaders: string[];
  min: string;
  max: string;
}

export interface ServiceApi {
  /** catalog type, e.g. "identity" */
  type: string;
  /** catalog name, e.g. "keystone" */
  name: string;
  /** mount point on the shared port, e.g. "/identity" */
  prefix: string;
  /** port when per-service ports are on */
  port: number;
  /** folder under api-ref/ */
  apiRef: string;
  handlers: Record<string, OperationHandler>;
  renderError(error: ApiError): unknown;
  microversions?: MicroversionSupport;
  /** the catalog URL path suffix after the prefix, e.g. "/v3" */
  catalogSuffix: string;
  /** false for services guests reach without a catalog (Nova's metadata service), as upstream lists none */
  inCatalog?: boolean;
  /** further catalog entries at the same URL under other types (Cinder's `volumev3` beside `block-storage`) */
  catalogAliases?: Array<{ type: string; name: string }>;
  /** paths the service also answers at the root of the shared port (Swift's `/info`) */
  rootPaths?: string[];
  /**
   * Runs before routing, for protocols the api-ref cannot describe: Swift's COPY method and
   * object names that contain slashes. May rewrite req.method / req.url and set headers.
   */
  prepareRequest?(req: Request, res: Response): void;
}

/** Token validation, provided by src/identity to every service. */
export interface Authenticator {
  /** throws ApiError(401) when the token is invalid, expired or revoked */
  authenticate(token: string): Promise<AuthContext>;
}
