// Neutron's error vocabulary: each error carries the upstream exception name as
// its `kind` (rendered as NeutronError.type) and the upstream message wording.
import { ApiError } from '../../platform/http/api-error.ts';

const err = (status: number, kind: string, message: string) => new ApiError(status, message, { kind });

export const invalidInput = (message: string) => err(400, 'InvalidInput', `Invalid input for operation: ${message}.`);
export const invalidAttribute = (attr: string, reason: string) => err(400, 'InvalidInput', `Invalid input for ${attr}. Reason: ${reason}.`);
export const httpBadRequest = (message: string) => err(400, 'HTTPBadRequest', message);
export const badRequestKind = (kind: string, message: string) => err(400, kind, message);

export const resourceNotFound = (kind: string, what: string, id: string) => err(404, kind, `${what} ${id} could not be found.`);
export const networkNotFound = (id: string) => resourceNotFound('NetworkNotFound', 'Network', id);
export const subnetNotFound = (id: string) => resourceNotFound('SubnetNotFound', 'Subnet', id);
export const portNotFound = (id: string) => resourceNotFound('PortNotFound', 'Port', id);
export const subnetPoolNotFound = (id: string) => err(404, 'SubnetPoolNotFound', `Subnet pool ${id} could not be found.`);
export const securityGroupNotFound = (id: string) => err(404, 'SecurityGroupNotFound', `Security group ${id} does not exist`);
export const securityGroupRuleNotFound = (id: string) => err(404, 'SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`);
export const extensionNotFound = (alias: string) => err(404, 'ExtensionNotFound', `Extension with alias ${alias} does not exist`);
export const tagNotFound = (tag: string, kind: string, id: string) => err(404, 'TagNotFound', `Tag ${tag} could not be found for ${kind} ${id}.`);

export const networkInUse = (id: string) =>
  err(409, 'NetworkInUse', `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`);
export const subnetInUse = (id: string) =>
  err(409, 'SubnetInUse', `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`);
export const ipGenerationFailure = (networkId: string) =>
  err(409, 'IpAddressGenerationFailure', `No more IP addresses available on network ${networkId}.`);
export const ipAlreadyAllocated = (ip: string, subnetId: string) =>
  err(409, 'IpAddressAlreadyAllocated', `IP address ${ip} already allocated in subnet ${subnetId}`);
export const macInUse = (mac: string, networkId: string) =>
  err(409, 'MacAddressInUse', `Unable to complete operation for network ${networkId}. The mac address ${mac} is in use.`);
export const invalidIpForSubnet = (ip: string) =>
  err(400, 'InvalidIpForSubnet', `IP address ${ip} is not a valid IP for the specified subnet.`);
export const invalidIpForNetwork = (ip: string) =>
  err(400, 'InvalidIpForNetwork', `IP address ${ip} is not a valid IP for any of the subnets on the specified network.`);
export const revisionMismatch = (expected: number, current: number) =>
  err(412, 'RevisionNumberConstraintFailed', `Constrained to ${expected}, but current revision is ${current}`);
export const conflictKind = (kind: string, message: string) => err(409, kind, message);
export const policyNotAuthorized = (rule: string) => err(403, 'PolicyNotAuthorized', `${rule} is disallowed by policy`);
export const noNetworkAvailable = () =>
  err(503, 'NoNetworkAvailable', 'Unable to create the network. No tenant network is available for allocation.');

/** Renders any ApiError in Neutron's body; errors raised by the shared router get the webob names. */
export function renderNeutronError(error: ApiError): unknown {
  const fallback: Record<number, string> = {
    400: 'HTTPBadRequest',
    401: 'HTTPUnauthorized',
    403: 'PolicyNotAuthorized',
    404: 'HTTPNotFound',
    405: 'HTTPMethodNotAllowed',
    409: 'HTTPConflict',
    412: 'HTTPPreconditionFailed',
    413: 'HTTPRequestEntityTooLarge',
    500: 'HTTPInternalServerError',
  };
  return { NeutronError: { type: error.kind ?? fallback[error.status] ?? 'HTTPError', message: error.message, detail: '' } };
}

// L3, RBAC and quota errors
/** neutron-lib's BadRequest: "Bad <resource> request: <msg>." */
export const badResourceRequest = (resource: string, msg: string) => err(400, 'BadRequest', `Bad ${resource} request: ${msg}.`);
export const routerNotFound = (id: string) => resourceNotFound('RouterNotFound', 'Router', id);
export const floatingIpNotFound = (id: string) => err(404, 'FloatingIPNotFound', `Floating IP ${id} could not be found`);
export const rbacPolicyNotFound = (id: string) => err(404, 'RbacPolicyNotFound', `RBAC policy of type network with ID ${id} not found`);
export const routerInUse = (id: string) => err(409, 'RouterInUse', `Router ${id} still has ports`);
export const overQuota = (resources: string[]) => err(409, 'OverQuota', `Quota exceeded for resources: [${resources.map((r) => `'${r}'`).join(', ')}].`);
export const notFoundKind = (kind: string, message: string) => err(404, kind, message);
