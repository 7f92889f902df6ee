// The one storage policy the ring serves, named as Swift names its default.
import { swiftError } from './errors.ts';

export const POLICY_NAME = 'Policy-0';

export function checkPolicyName(name: string | undefined): void {
  if (name !== undefined && name.toLowerCase() !== POLICY_NAME.toLowerCase()) throw swiftError(400, `Invalid X-Storage-Policy '${name}'`);
}
