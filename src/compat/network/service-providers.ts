// /v2.0/service-providers (the service-type extension): the drivers behind advanced services. A
// stock ML2/OVS deployment lists the L3 router flavours of its router service plugin; ours serves
// routers the same way, with the single-node driver as the default.
import type { OperationHandler } from '../../platform/http/service-api.ts';
import type { AttributeMap } from './attributes.ts';
import { listResponse } from './resource-collection.ts';

const ATTRIBUTES: AttributeMap = {
  service_type: { allowPost: false, allowPut: false, filter: 'string', sortable: true },
  name: { allowPost: false, allowPut: false, filter: 'string', sortable: true },
  default: { allowPost: false, allowPut: false, filter: 'boolean', sortable: true },
};

const PROVIDERS = [
  { service_type: 'L3_ROUTER_NAT', name: 'dvrha', default: false },
  { service_type: 'L3_ROUTER_NAT', name: 'single_node', default: true },
  { service_type: 'L3_ROUTER_NAT', name: 'ha', default: false },
  { service_type: 'L3_ROUTER_NAT', name: 'dvr', default: false },
];

export function serviceProviderHandlers(): Record<string, OperationHandler> {
  return {
    listServiceProviders: (ctx) => listResponse(ctx, { plural: 'service_providers', attributes: ATTRIBUTES }, PROVIDERS.map((p) => ({ ...p }))),
  };
}
