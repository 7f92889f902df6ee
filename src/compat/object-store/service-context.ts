// What every Swift controller needs: the proxy core, token validation and the helpers that
// read container state (with a short-lived cache, as Swift's proxy caches container info).
import type { ContainerInfo, ObjectClient } from '../../backends/object-ring/index.ts';
import { ObjectStoreError } from '../../backends/object-ring/index.ts';
import type { AuthDeps } from './auth.ts';

export interface SwiftDeps extends AuthDeps {
  client: ObjectClient;
}

/** Container info, or undefined when the container does not exist. */
export async function containerInfo(deps: SwiftDeps, account: string, container: string): Promise<ContainerInfo | undefined> {
  try {
    return await deps.client.headContainer(account, container);
  } catch (error) {
    if (error instanceof ObjectStoreError && error.status === 404) return undefined;
    throw error;
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ObjectStoreError && error.status === 404;
}
