// What the deployment looks like to Cinder's API: one availability zone, the scheduler and
// volume services of this process, and the backend pool with its capabilities.
import type { OperationHandler } from '../../platform/http/service-api.ts';
import { atLeast } from '../../platform/http/microversion.ts';
import { authorize } from './policies.ts';
import { AVAILABILITY_ZONE, HOST, cinderTime } from './model.ts';
import { parseBool, queryValue } from './listing.ts';
import type { CinderDeps } from './context.ts';
import { poolStates } from './scheduler.ts';
import { backendsOf } from '../../backends/block/multi-backend.ts';

export function infrastructureHandlers(deps: CinderDeps): Record<string, OperationHandler> {
  const { storage, identity } = deps;
  // one cinder-volume service per backend, as with Cinder's enabled_backends
  const backendHosts = backendsOf(storage.driver).map((b) => `${HOST}@${b.name}`);
  return {
    listAvailabilityZones: (ctx) => {
      authorize(identity, ctx, 'volume_extension:availability_zone_list');
      return { status: 200, body: { availabilityZoneInfo: [{ zoneName: AVAILABILITY_ZONE, zoneState: { available: true } }] } };
    },
    listServices: (ctx) => {
      authorize(identity, ctx, 'volume_extension:services:index');
      const now = cinderTime(storage.clock.now());
      const base = { zone: AVAILABILITY_ZONE, status: 'enabled', state: 'up', updated_at: now, disabled_reason: null };
      let services: Array<Record<string, unknown>> = [
        { binary: 'cinder-scheduler', host: HOST, ...base },
        ...backendHosts.map((host) => ({ binary: 'cinder-volume', host, ...base, replication_status: 'disabled', active_backend_id: null, frozen: false })),
      ];
      if (atLeast(ctx.microversion, '3.7')) services = services.map((s) => ({ ...s, cluster: null }));
      if (atLeast(ctx.microversion, '3.49')) services = services.map((s) => (s.binary === 'cinder-volume' ? { ...s, backend_state: 'up' } : s));
      const host = queryValue(ctx, 'host');
      const binary = queryValue(ctx, 'binary');
      // a host filter matches the host and its backends (`host@backend`)
      const onHost = (h: unknown) => host === undefined || h === host || String(h).startsWith(`${host}@`);
      services = services.filter((s) => onHost(s.host) && (binary === undefined || s.binary === binary));
      return { status: 200, body: { services } };
    },
    listPools: async (ctx) => {
      authorize(identity, ctx, 'scheduler_extension:scheduler_stats:get_pools');
      const detailRaw = queryValue(ctx, 'detail');
      const detail = detailRaw !== undefined && parseBool(detailRaw, 'detail');
      const pools = (await poolStates(storage)).map(({ pool: name, stats, allocatedGb }) => {
        const pool: Record<string, unknown> = { name };
        if (detail) {
          pool.capabilities = {
            pool_name: stats.backendName,
            volume_backend_name: stats.backendName,
            total_capacity_gb: stats.totalCapacityGb,
            free_capacity_gb: stats.freeCapacityGb,
            allocated_capacity_gb: allocatedGb,
            provisioned_capacity_gb: allocatedGb,
            reserved_percentage: 0,
            max_over_subscription_ratio: '20.0',
            thin_provisioning_support: true,
            thick_provisioning_support: false,
            storage_protocol: stats.storageProtocol,
            vendor_name: stats.vendorName,
            driver_version: stats.driverVersion,
            multiattach: false,
            QoS_support: false,
            timestamp: cinderTime(storage.clock.now()),
          };
        }
        return pool;
      });
      return { status: 200, body: { pools } };
    },
  };
}
