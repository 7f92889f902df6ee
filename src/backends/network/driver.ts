// The network driver interface: what the Neutron service tells the data plane, and what the
// data plane reports back. The logical driver (embedded default) keeps no data plane at all and
// binds at once; the Open vSwitch driver will program bridges behind the same interface.

export interface NetworkSummary {
  id: string;
  networkType: string;
  physicalNetwork: string | null;
  segmentationId: number | null;
  mtu: number;
}

export interface PortBindingRequest {
  portId: string;
  networkId: string;
  macAddress: string;
  fixedIps: Array<{ subnet_id: string; ip_address: string }>;
  deviceOwner: string;
  hostId: string;
  vnicType: string;
  profile: Record<string, unknown>;
  network: NetworkSummary;
}

export interface PortBindingResult {
  /** `ovs`, `binding_failed`, ... as reported in binding:vif_type */
  vifType: string;
  vifDetails: Record<string, unknown>;
  /** the port's status once bound: ACTIVE when the data plane has wired it */
  status: 'ACTIVE' | 'DOWN' | 'BUILD';
}

export interface DhcpEvent {
  networkId: string;
  subnetId: string;
  portId?: string;
}

export interface RouterEvent {
  routerId: string;
  /** the interface or gateway port the event concerns, if any */
  portId?: string;
  subnetId?: string;
}

export interface AgentReport {
  id: string;
  agent_type: string;
  binary: string;
  topic: string;
  host: string;
  availability_zone: string | null;
  alive: boolean;
  configurations: Record<string, unknown>;
  started_at: string;
  heartbeat_timestamp: string;
  created_at: string;
}

export interface NetworkDriver {
  readonly name: string;
  /** the agents this driver runs or represents (GET /v2.0/agents) */
  agents(): Promise<AgentReport[]>;
  /** availability zones of networks and routers */
  availabilityZones(): Promise<Array<{ name: string; resource: 'network' | 'router'; state: 'available' | 'unavailable' }>>;
  networkCreated(network: NetworkSummary): Promise<void>;
  networkDeleted(networkId: string): Promise<void>;
  /** binds a port on a host; a result with vifType `binding_failed` leaves the port DOWN */
  bindPort(request: PortBindingRequest): Promise<PortBindingResult>;
  unbindPort(portId: string, hostId: string): Promise<void>;
  portDeleted(portId: string, networkId: string): Promise<void>;
  /** the DHCP server of a network starts serving a subnet, or stops */
  dhcpSubnetEnabled(event: DhcpEvent): Promise<void>;
  dhcpSubnetDisabled(event: DhcpEvent): Promise<void>;
  /** router lifecycle, for the routers module */
  routerCreated(event: RouterEvent): Promise<void>;
  routerUpdated(event: RouterEvent): Promise<void>;
  routerDeleted(event: RouterEvent): Promise<void>;
  routerInterfaceAdded(event: RouterEvent): Promise<void>;
  routerInterfaceRemoved(event: RouterEvent): Promise<void>;
}
