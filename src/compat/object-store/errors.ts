// Swift answers errors in plain HTML-ish text, not JSON: the bodies its proxy (swob) gives
// for each status, or a sentence naming the problem for the 400s its constraints raise.
import { ApiError } from '../../platform/http/api-error.ts';
import { ObjectStoreError } from '../../backends/object-ring/index.ts';

const DEFAULT_BODIES: Record<number, [string, string]> = {
  400: ['Bad Request', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  401: ['Unauthorized', 'This server could not verify that you are authorized to access the document you requested.'],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', 'The method is not allowed for this resource.'],
  406: ['Not Acceptable', 'The resource is not available in a format acceptable to your browser.'],
  408: ['Request Timeout', 'The server has waited too long for the request to be sent by the client.'],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  411: ['Length Required', 'Length Required'],
  412: ['Precondition Failed', 'A precondition for this request was not satisfied.'],
  413: ['Request Entity Too Large', 'The body of your request was too large for this server.'],
  416: ['Requested Range Not Satisfiable', 'The Range requested is not available.'],
  422: ['Unprocessable Entity', 'Unable to process the contained instructions'],
  499: ['Client Disconnect', 'The client was disconnected during request.'],
  500: ['Internal Error', 'The server has either erred or is incapable of performing the requested operation.'],
  501: ['Not Implemented', 'The requested method is not implemented by this server.'],
  503: ['Service Unavailable', 'The server is currently unavailable. Please try again at a later time.'],
};

export const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 206: 'Partial Content', 304: 'Not Modified',
  ...Object.fromEntries(Object.entries(DEFAULT_BODIES).map(([k, v]) => [k, v[0]])),
};

/** Marks an ApiError whose message is the exact body to send. */
const EXACT = 'swift-body';

export function defaultBody(status: number): string {
  const [title, text] = DEFAULT_BODIES[status] ?? ['Error', 'An error occurred.'];
  return `<html><h1>${title}</h1><p>${text}</p></html>`;
}

/** An error with Swift's default body for its status, or the given body text. */
export function swiftError(status: number, body?: string, headers?: Record<string, string>): ApiError {
  return body === undefined ? new ApiError(status, defaultBody(status), { kind: EXACT, headers }) : new ApiError(status, body, { kind: EXACT, headers });
}

export function renderError(error: ApiError): string {
  if (error.kind === EXACT) return error.message;
  // the router's own errors (no route, 405, validation) get Swift's default bodies
  return error.status === 400 ? error.message : defaultBody(error.status);
}

/** Any failure as the ApiError to answer with (storage failures keep their status). */
export function asSwiftError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error.kind === EXACT ? error : swiftError(error.status, renderError(error), error.headers);
  if (error instanceof ObjectStoreError) return swiftError(error.status);
  return undefined;
}
