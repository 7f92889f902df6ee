// Which ring devices live on this storage node: those whose port is ours, on one of our
// addresses, with a directory under our devices dir (Swift matches ring devices by ip and port).
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Ring } from '../ring/ring.ts';
import type { RingDevice } from '../ring/types.ts';

export function localAddresses(): Set<string> {
  const out = new Set<string>(['127.0.0.1', 'localhost']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

export function localDevices(ring: Ring, devicesDir: string, port: number, addresses: Set<string> = localAddresses()): RingDevice[] {
  return ring.devices.filter((d) => d.port === port && addresses.has(d.ip) && existsSync(join(devicesDir, d.device)));
}
