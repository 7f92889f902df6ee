// Read-mostly views of one server: its addresses by network (ips), the encrypted password a
// guest would post (none in a simulated cloud), and diagnostics (admin; the 2.48 shape).
import type { OperationHandler } from '../../../platform/http/service-api.ts';
import { conflict, notFound } from '../../../platform/http/api-error.ts';
import { json, since } from '../support.ts';
import { addressesView } from './views.ts';
import { findServer, targetOf, type ServersDeps } from './common.ts';

const POWER_NAMES: Record<number, string> = { 0: 'pending', 1: 'running', 3: 'paused', 4: 'shutdown', 6: 'crashed', 7: 'suspended' };

export function serverInfoHandlers(deps: ServersDeps): Record<string, OperationHandler> {
  const { nova } = deps;
  return {
    listServerIps: async (ctx) => {
      const server = await findServer(nova, ctx, ctx.params.server_id);
      nova.engine.authorize(ctx, 'os_compute_api:ips:index', targetOf(server));
      return json({ addresses: addressesView(server, false) });
    },
    showServerIpsByNetwork: async (ctx) => {
      const server = await findServer(nova, ctx, ctx.params.server_id);
      nova.engine.authorize(ctx, 'os_compute_api:ips:show', targetOf(server));
      const label = ctx.params.network_label;
      const all = addressesView(server, false);
      if (!(label in all)) throw notFound('Instance is not a member of specified network');
      return json({ [label]: all[label] });
    },
    showServerPassword: async (ctx) => {
      const server = await findServer(nova, ctx, ctx.params.server_id);
      nova.engine.authorize(ctx, 'os_compute_api:os-server-password:show', targetOf(server));
      return json({ password: (server.encrypted_password as string | undefined) ?? '' });
    },
    clearServerPassword: async (ctx) => {
      const server = await findServer(nova, ctx, ctx.params.server_id);
      nova.engine.authorize(ctx, 'os_compute_api:os-server-password:clear', targetOf(server));
      return { status: 204 };
    },
    showServerDiagnostics: async (ctx) => {
      const server = await findServer(nova, ctx, ctx.params.server_id);
      nova.engine.authorize(ctx, 'os_compute_api:os-server-diagnostics', targetOf(server));
      if (!server.host || server.vm_state === 'building') throw conflict(`Instance ${server.id} is not ready`);
      const uptime = server.launched_at ? Math.max(0, Math.floor((nova.clock.now() - server.launched_at) / 1000)) : 0;
      const nics = Object.values(server.addresses ?? {}).flat().filter((a) => a.type === 'fixed');
      const macs = [...new Set(nics.map((a) => a.mac))];
      const memoryKb = server.flavor.ram * 1024;
      if (!since(ctx, '2.48')) {
        // before 2.48 the driver's own free-form keys, as libvirt reports them
        const legacy: Record<string, number> = { memory: memoryKb, 'memory-actual': memoryKb, 'memory-rss': memoryKb, vda_read: 0, vda_read_req: 0, vda_write: 0, vda_write_req: 0, vda_errors: -1 };
        for (let i = 0; i < server.flavor.vcpus; i++) legacy[`cpu${i}_time`] = uptime * 1e9;
        macs.forEach((_, i) => Object.assign(legacy, { [`tap${i}_rx`]: 0, [`tap${i}_rx_packets`]: 0, [`tap${i}_rx_drop`]: 0, [`tap${i}_rx_errors`]: 0, [`tap${i}_tx`]: 0, [`tap${i}_tx_packets`]: 0, [`tap${i}_tx_drop`]: 0, [`tap${i}_tx_errors`]: 0 }));
        return json(legacy);
      }
      return json({
        state: POWER_NAMES[server.power_state] ?? 'pending',
        driver: 'libvirt',
        hypervisor: 'kvm',
        hypervisor_os: 'linux',
        uptime,
        config_drive: server.config_drive === 'True',
        num_cpus: server.flavor.vcpus,
        num_nics: macs.length,
        num_disks: 1,
        memory_details: { maximum: server.flavor.ram, used: 0 },
        cpu_details: Array.from({ length: server.flavor.vcpus }, (_, id) => ({ id, time: uptime * 1e9, utilisation: null })),
        nic_details: macs.map((mac) => ({ mac_address: mac, rx_octets: 0, rx_errors: 0, rx_drop: 0, rx_packets: 0, rx_rate: null, tx_octets: 0, tx_errors: 0, tx_drop: 0, tx_packets: 0, tx_rate: null })),
        disk_details: [{ read_bytes: 0, read_requests: 0, write_bytes: 0, write_requests: 0, errors_count: -1 }],
      });
    },
  };
}
