// Placement's error body: `{"errors": [{status, title, detail, code?, request_id}]}`.
// The detail is webob's: the status explanation, a blank line, then the message.
// `code` appears from 1.23; a 406 from version negotiation also names the range.
import { ApiError } from '../../platform/http/api-error.ts';
import { atLeast } from '../../platform/http/microversion.ts';
import type { RequestContext } from '../../platform/http/service-api.ts';

export const CODES = {
  DEFAULT: 'placement.undefined_code',
  INVENTORY_INUSE: 'placement.inventory.inuse',
  CONCURRENT_UPDATE: 'placement.concurrent_update',
  DUPLICATE_NAME: 'placement.duplicate_name',
  PROVIDER_IN_USE: 'placement.resource_provider.inuse',
  PROVIDER_CANNOT_DELETE_PARENT: 'placement.resource_provider.cannot_delete_parent',
  RESOURCE_PROVIDER_NOT_FOUND: 'placement.resource_provider.not_found',
  ILLEGAL_DUPLICATE_QUERYPARAM: 'placement.query.duplicate_key',
  QUERYPARAM_BAD_VALUE: 'placement.query.bad_value',
  QUERYPARAM_MISSING_VALUE: 'placement.query.missing_value',
} as const;

const EXPLANATIONS: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  405: 'The method specified is not allowed for this resource.',
  406: 'The resource could not be generated that was acceptable to your browser.',
  409: 'There was a conflict when trying to complete your request.',
  413: 'The request entity is too large.',
  415: 'The request media type is not supported by this server.',
  500: 'The server has either erred or is incapable of performing the requested operation.',
};

export class PlacementError extends ApiError {
  readonly code?: string;
  constructor(status: number, message: string, code?: string) {
    super(status, message);
    this.code = code;
  }
}

export const badRequest = (message: string, code?: string) => new PlacementError(400, message, code);
export const notFound = (message: string, code?: string) => new PlacementError(404, message, code);
export const conflict = (message: string, code?: string) => new PlacementError(409, message, code);

/** What the renderer needs from the request; the router hands renderError only the error. */
interface ErrorContext {
  requestId: string;
  microversion?: string;
}
const contexts = new WeakMap<ApiError, ErrorContext>();

export function attachContext(error: ApiError, ctx: RequestContext): void {
  if (!contexts.has(error)) contexts.set(error, { requestId: ctx.requestId, microversion: ctx.microversion });
}

export const MIN_VERSION = '1.0';
export const MAX_VERSION = '1.39';

export function renderPlacementError(error: ApiError): unknown {
  // keystonemiddleware answers 401 before Placement sees the request, in Keystone's body.
  if (error.status === 401) return { error: { code: 401, title: 'Unauthorized', message: error.message } };
  const context = contexts.get(error);
  let message = error.message;
  let negotiationFailed = false;
  // The shared router words version failures its own way; say them as microversion_parse does.
  const badFormat = /^Invalid format for the API version: (.*)\. It should be/.exec(message);
  if (error.status === 400 && badFormat) message = `invalid version string: ${badFormat[1]}`;
  const outOfRange = /^Version (\S+) is not supported by the API/.exec(message);
  if (error.status === 406 && outOfRange) {
    message = `Unacceptable version header: ${outOfRange[1]}`;
    negotiationFailed = true;
  }
  const explanation = EXPLANATIONS[error.status] ?? '';
  const entry: Record<string, unknown> = {
    status: error.status,
    title: error.title,
    detail: explanation ? `${explanation}\n\n ${message}  ` : message,
  };
  if (atLeast(context?.microversion, '1.23')) {
    entry.code = error instanceof PlacementError && error.code ? error.code : CODES.DEFAULT;
  }
  if (context) entry.request_id = context.requestId;
  if (negotiationFailed) {
    entry.max_version = MAX_VERSION;
    entry.min_version = MIN_VERSION;
  }
  return { errors: [entry] };
}
