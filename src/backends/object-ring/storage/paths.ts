// Where things live on a storage node, as in Swift:
//   <devices>/<device>/objects/<part>/<suffix>/<hash>/<timestamp>.data|.ts|.meta
//   <devices>/<device>/containers/<part>/<suffix>/<hash>/<hash>.db   (and accounts/ alike)
//   <devices>/<device>/quarantined/<kind>/<hash>-<n>/
//   <devices>/<device>/tmp/
// The suffix is the last three hex digits of the path hash: it groups hashes so that
// replication can compare a partition suffix by suffix.
import { join } from 'node:path';

export type DataKind = 'objects' | 'containers' | 'accounts';

export function suffixOf(hash: string): string {
  return hash.slice(-3);
}

export function deviceDir(devicesDir: string, device: string): string {
  return join(devicesDir, device);
}

export function partitionDir(devicesDir: string, device: string, kind: DataKind, part: number | string): string {
  return join(devicesDir, device, kind, String(part));
}

export function hashDir(devicesDir: string, device: string, kind: DataKind, part: number | string, hash: string): string {
  return join(partitionDir(devicesDir, device, kind, part), suffixOf(hash), hash);
}

export function tmpDir(devicesDir: string, device: string): string {
  return join(devicesDir, device, 'tmp');
}

export function quarantineDir(devicesDir: string, device: string, kind: DataKind): string {
  return join(devicesDir, device, 'quarantined', kind);
}

export function isValidDeviceName(name: string): boolean {
  return /^[A-Za-z0-9_.-]+$/.test(name) && name !== '.' && name !== '..';
}

export function isHash(name: string): boolean {
  return /^[0-9a-f]{32}$/.test(name);
}
