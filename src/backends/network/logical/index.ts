// The logical network driver: no data plane. Every port binds at once on any host it is asked
// for, and it reports one DHCP agent, one L3 agent and one Open vSwitch agent per simulated host,
// so that clients which look at agents find what an ML2/OVS deployment would show.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../../../platform/clock.ts';
import type { AgentReport, NetworkDriver, PortBindingRequest, PortBindingResult } from '../driver.ts';

export interface LogicalDriverOptions {
  /** simulated hosts; the first also runs the DHCP and L3 agents */
  hosts?: string[];
  availabilityZone?: string;
  clock: Clock;
}

/** stable ids, so that an agent keeps its id across restarts */
function stableUuid(name: string): string {
  const h = createHash('sha1').update(`stackgate-agent:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '').replace('T', ' ');

export class LogicalNetworkDriver implements NetworkDriver {
  readonly name = 'logical';
  readonly hosts: string[];
  readonly zone: string;
  private readonly clock: Clock;
  private readonly startedAt: number;
  readonly events: Array<{ event: string; detail: unknown }> = [];

  constructor(options: LogicalDriverOptions) {
    this.hosts = options.hosts && options.hosts.length > 0 ? options.hosts : [hostname()];
    this.zone = options.availabilityZone ?? 'nova';
    this.clock = options.clock;
    this.startedAt = options.clock.now();
  }

  async agents(): Promise<AgentReport[]> {
    const now = isoSeconds(this.clock.now());
    const started = isoSeconds(this.startedAt);
    const agent = (type: string, binary: string, topic: string, host: string, zone: string | null, configurations: Record<string, unknown>): AgentReport => ({
      id: stableUuid(`${binary}@${host}`),
      agent_type: type,
      binary,
      topic,
      host,
      availability_zone: zone,
      alive: true,
      configurations,
      started_at: started,
      heartbeat_timestamp: now,
      created_at: started,
    });
    const controller = this.hosts[0];
    return [
      agent('DHCP agent', 'neutron-dhcp-agent', 'dhcp_agent', controller, this.zone, { dhcp_driver: 'logical', networks: 0, ports: 0, subnets: 0 }),
      agent('L3 agent', 'neutron-l3-agent', 'l3_agent', controller, this.zone, { agent_mode: 'legacy', routers: 0 }),
      ...this.hosts.map((h) =>
        agent('Open vSwitch agent', 'neutron-openvswitch-agent', 'N/A', h, null, {
          bridge_mappings: {},
          tunnel_types: ['vxlan'],
          integration_bridge: 'br-int',
        }),
      ),
    ];
  }

  async availabilityZones() {
    return [
      { name: this.zone, resource: 'network' as const, state: 'available' as const },
      { name: this.zone, resource: 'router' as const, state: 'available' as const },
    ];
  }

  async bindPort(request: PortBindingRequest): Promise<PortBindingResult> {
    this.events.push({ event: 'bindPort', detail: { portId: request.portId, host: request.hostId } });
    return {
      vifType: 'ovs',
      vifDetails: { connectivity: 'l2', port_filter: true, ovs_hybrid_plug: false, datapath_type: 'system', bridge_name: 'br-int' },
      status: 'ACTIVE',
    };
  }

  private record(event: string) {
    return async (detail: unknown): Promise<void> => {
      this.events.push({ event, detail });
      if (this.events.length > 1000) this.events.splice(0, this.events.length - 1000);
    };
  }

  networkCreated = this.record('networkCreated');
  networkDeleted = this.record('networkDeleted');
  unbindPort = async (portId: string, hostId: string) => this.record('unbindPort')({ portId, hostId });
  portDeleted = async (portId: string, networkId: string) => this.record('portDeleted')({ portId, networkId });
  dhcpSubnetEnabled = this.record('dhcpSubnetEnabled');
  dhcpSubnetDisabled = this.record('dhcpSubnetDisabled');
  routerCreated = this.record('routerCreated');
  routerUpdated = this.record('routerUpdated');
  routerDeleted = this.record('routerDeleted');
  routerInterfaceAdded = this.record('routerInterfaceAdded');
  routerInterfaceRemoved = this.record('routerInterfaceRemoved');
}
