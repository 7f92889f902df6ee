// Shapes shared by the ring builder, the ring file and the ring lookup.

export interface RingDevice {
  id: number;
  region: number;
  zone: number;
  ip: string;
  port: number;
  /** the directory name under the storage node's devices dir, e.g. "sdb1" */
  device: string;
  weight: number;
  meta?: string;
}

/** What a ring file holds: everything a proxy or storage node needs to find replicas. */
export interface RingData {
  partPower: number;
  replicas: number;
  /** devices indexed by id; removed ids stay as null holes so ids are never reused */
  devices: (RingDevice | null)[];
  /** replica -> partition -> device id; the last row is shorter when replicas is fractional */
  replica2part2dev: Uint16Array[];
}

/** A device as returned by a lookup, with its position among primaries or handoffs. */
export interface RingNode extends RingDevice {
  /** 0-based replica index for primaries, undefined for handoffs */
  index?: number;
  handoffIndex?: number;
}
