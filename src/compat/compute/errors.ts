// Nova's error body: the shared WSGI fault body (src/platform/http/fault-body.ts).
import type { ApiError } from '../../platform/http/api-error.ts';
import { faultBody } from '../../platform/http/fault-body.ts';

export function renderNovaError(error: ApiError): unknown {
  return faultBody(error);
}
