// The three rings of a cluster (account, container, object), as Swift keeps them, loaded
// from one ring directory. A directory with only object.ring.gz serves all three from it:
// a small cluster (and all-in-one) has no reason to place databases apart from objects.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadHashPathConfig } from './hash-path.ts';
import { Ring } from './ring.ts';

export type RingKind = 'account' | 'container' | 'object';

export interface RingSet {
  account: Ring;
  container: Ring;
  object: Ring;
}

export function ringFileName(kind: RingKind): string {
  return `${kind}.ring.gz`;
}

export function loadRingSet(ringDir: string, options: { reloadCheckMs?: number } = {}): RingSet {
  const hashConfig = loadHashPathConfig(ringDir);
  const objectPath = join(ringDir, ringFileName('object'));
  if (!existsSync(objectPath)) throw new Error(`no ${objectPath}: build one with "stackgate ring create ${join(ringDir, 'object.builder')} ..."`);
  const object = Ring.fromFile(objectPath, { hashPath: hashConfig, reloadCheckMs: options.reloadCheckMs });
  const other = (kind: RingKind) => {
    const path = join(ringDir, ringFileName(kind));
    return existsSync(path) ? Ring.fromFile(path, { hashPath: hashConfig, reloadCheckMs: options.reloadCheckMs }) : object;
  };
  return { account: other('account'), container: other('container'), object };
}

export function singleRingSet(ring: Ring): RingSet {
  return { account: ring, container: ring, object: ring };
}
