// Nova's error body: one key naming the fault (itemNotFound, badRequest, ...)
// holding the status code and the message.
import type { ApiError } from '../../platform/http/api-error.ts';

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

export function renderNovaError(error: ApiError): unknown {
  const name = FAULT_NAMES[error.status] ?? 'computeFault';
  return { [name]: { code: error.status, message: error.message } };
}
