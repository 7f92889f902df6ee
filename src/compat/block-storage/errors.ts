// Cinder's fault body: one key naming the fault (`itemNotFound`, `badRequest`, ...) around
// `{message, code}`. Keystonemiddleware answers 401 before Cinder sees the request.
import { ApiError } from '../../platform/http/api-error.ts';

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

export function renderCinderError(error: ApiError): unknown {
  if (error.status === 401) {
    return { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } };
  }
  const name = FAULT_NAMES[error.status] ?? 'computeFault';
  return { [name]: { message: error.message, code: error.status } };
}

export const badRequest = (message: string) => new ApiError(400, message);
export const notFound = (message: string) => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);
export const overLimit = (message: string) => new ApiError(413, message);

export const volumeNotFound = (id: string) => notFound(`Volume ${id} could not be found.`);
export const snapshotNotFound = (id: string) => notFound(`Snapshot ${id} could not be found.`);
export const typeNotFound = (id: string) => notFound(`Volume type ${id} could not be found.`);
export const typeNameNotFound = (name: string) => notFound(`Volume type with name ${name} could not be found.`);

/** Cinder's InvalidInput: "Invalid input received: <reason>" */
export const invalidInput = (reason: string) => badRequest(`Invalid input received: ${reason}`);
/** Cinder's InvalidVolume */
export const invalidVolume = (reason: string) => badRequest(`Invalid volume: ${reason}`);
export const invalidSnapshot = (reason: string) => badRequest(`Invalid snapshot: ${reason}`);
