// Cinder's fault body: the shared WSGI fault body (src/platform/http/fault-body.ts).
import { ApiError } from '../../platform/http/api-error.ts';
import { faultBody } from '../../platform/http/fault-body.ts';

export function renderCinderError(error: ApiError): unknown {
  return faultBody(error);
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
