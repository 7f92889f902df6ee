// The error body of the services built on Nova's WSGI fault (Nova, Cinder): one key
// naming the fault (itemNotFound, badRequest, ...) around {code, message}. A 401 comes
// from keystonemiddleware in front of them, with Keystone's body.
import type { ApiError } from './api-error.ts';

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

export function faultBody(error: ApiError): unknown {
  if (error.status === 401) {
    return { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } };
  }
  const name = FAULT_NAMES[error.status] ?? 'computeFault';
  return { [name]: { code: error.status, message: error.message } };
}
