// Back-end capabilities (/capabilities/{hostname}): what one cinder-volume backend reports, for
// admins writing volume type extra specs. The host may name the service or one of its pools.
import type { OperationHandler } from '../../platform/http/service-api.ts';
import { authorize } from './policies.ts';
import { notFound } from './errors.ts';
import { poolStates } from './scheduler.ts';
import type { CinderDeps } from './context.ts';

export function capabilitiesHandlers(deps: CinderDeps): Record<string, OperationHandler> {
  const { storage, identity } = deps;
  return {
    showBackendCapabilities: async (ctx) => {
      authorize(identity, ctx, 'volume_extension:capabilities');
      const wanted = ctx.params.hostname;
      const found = (await poolStates(storage)).find((p) => p.host === wanted || p.pool === wanted || p.host === wanted.split('#')[0]);
      if (!found) throw notFound(`Service ${wanted} could not be found.`);
      const s = found.stats;
      return {
        status: 200,
        body: {
          namespace: `OS::Storage::Capabilities::${found.host}`,
          vendor_name: s.vendorName,
          volume_backend_name: s.backendName,
          pool_name: null,
          driver_version: s.driverVersion,
          storage_protocol: s.storageProtocol,
          display_name: null,
          description: null,
          visibility: null,
          replication_targets: [],
          properties: {
            thin_provisioning: { title: 'Thin Provisioning', description: 'Sets thin provisioning.', type: 'boolean' },
          },
        },
      };
    },
  };
}
