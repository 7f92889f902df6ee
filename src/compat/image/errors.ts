// Glance's error bodies. Glance raises webob HTTP exceptions and webob renders them by
// the request's Accept header: JSON {"message", "code": "404 Not Found", "title"} when
// JSON is asked for (the SDK, Tempest and glanceclient ask), HTML when the client
// takes text/html or anything, plain text otherwise. The message is webob's
// explanation for the status, then Glance's detail.
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, HTTP_TITLES } from '../../platform/http/api-error.ts';
import type { ApiResponse, OperationHandler, RequestContext } from '../../platform/http/service-api.ts';

/** webob's fixed explanation sentence per status. */
const EXPLANATIONS: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  401: 'This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  405: 'The method is not allowed for the requested URL.',
  406: 'The resource could not be generated that was acceptable to your browser (content of type %s.',
  409: 'There was a conflict when trying to complete your request.',
  410: 'This resource is no longer available.  No forwarding address is given.',
  413: 'The request is larger than the server is willing or able to process.',
  415: 'The request media type is not supported by this server.',
  416: 'The Range requested is not available.',
  500: 'The server has either erred or is incapable of performing the requested operation.',
  501: 'This server does not support this method.',
};

function statusLine(status: number): string {
  const title = HTTP_TITLES[status] ?? 'Error';
  return `${status} ${status === 416 ? 'Request Range Not Satisfiable' : title}`;
}

function titleOf(status: number): string {
  return status === 416 ? 'Request Range Not Satisfiable' : (HTTP_TITLES[status] ?? 'Error');
}

function webobBody(error: ApiError): string {
  return `${EXPLANATIONS[error.status] ?? ''}<br /><br />\n${error.message}\n\n`;
}

/** The JSON form; also what the router sends for errors raised before a handler runs. */
export function renderGlanceError(error: ApiError): unknown {
  if (error.status === 401) {
    // keystonemiddleware answers before Glance sees the request, in Keystone's shape.
    return { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } };
  }
  return { message: webobBody(error), code: statusLine(error.status), title: titleOf(error.status) };
}

type Form = 'json' | 'html' | 'plain';

/** webob's choice between text/html and application/json (in that order of preference). */
export function negotiateErrorForm(headers: IncomingHttpHeaders): Form {
  const accept = String(headers.accept ?? '').trim();
  if (accept === '') return 'html';
  let best: { form: Form; q: number } | undefined;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().split(';').map((s) => s.trim());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    const candidates: Form[] =
      range === '*/*' ? ['html', 'json'] : range === 'text/*' || range === 'text/html' ? ['html'] : range === 'application/*' || range === 'application/json' ? ['json'] : [];
    for (const form of candidates) if (!best || q > best.q) best = { form, q };
  }
  return best?.form ?? 'plain';
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function errorResponse(error: ApiError, headers: IncomingHttpHeaders): ApiResponse {
  const form = error.status === 401 ? 'json' : negotiateErrorForm(headers);
  const extra = { ...(error.headers ?? {}) };
  if (form === 'json') return { status: error.status, body: renderGlanceError(error), headers: extra };
  const line = statusLine(error.status);
  const explanation = EXPLANATIONS[error.status] ?? '';
  if (form === 'html') {
    const body = `<html>\n <head>\n  <title>${line}</title>\n </head>\n <body>\n  <h1>${line}</h1>\n  ${escapeHtml(explanation)}<br /><br />\n${escapeHtml(error.message)}\n\n\n </body>\n</html>`;
    return { status: error.status, body, headers: { ...extra, 'Content-Type': 'text/html; charset=UTF-8' } };
  }
  return { status: error.status, body: `${line}\n\n${explanation}\n\n${error.message}\n\n`, headers: { ...extra, 'Content-Type': 'text/plain; charset=UTF-8' } };
}

/** Renders a handler's ApiError in the form the client's Accept header selects. */
export function withGlanceErrors(handler: OperationHandler): OperationHandler {
  return async (ctx: RequestContext) => {
    try {
      return await handler(ctx);
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error, ctx.headers);
      throw error;
    }
  };
}

export const imageNotFound = (id: string) => new ApiError(404, `No image found with ID ${id}`);
