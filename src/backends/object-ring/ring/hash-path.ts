// Swift's path hashing: md5(prefix + "/account[/container[/object]]" + suffix). The secret
// prefix/suffix is per cluster (swift.conf's swift_hash_path_prefix/suffix): every proxy and
// storage node must share it, and it must never change once data is stored.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from './builder-file.ts';

export interface HashPathConfig {
  prefix: string;
  suffix: string;
}

export const CLUSTER_FILE = 'cluster.json';

export function hashPath(config: HashPathConfig, account: string, container?: string, object?: string): Buffer {
  if (object !== undefined && container === undefined) throw new Error('an object needs a container');
  let path = `/${account}`;
  if (container !== undefined) path += `/${container}`;
  if (object !== undefined) path += `/${object}`;
  return createHash('md5').update(config.prefix).update(path).update(config.suffix).digest();
}

export function hashPathHex(config: HashPathConfig, account: string, container?: string, object?: string): string {
  return hashPath(config, account, container, object).toString('hex');
}

/** Reads <ringDir>/cluster.json; with create, writes one with a random suffix when absent. */
export function loadHashPathConfig(ringDir: string, create = false): HashPathConfig {
  const file = join(ringDir, CLUSTER_FILE);
  if (!existsSync(file)) {
    if (!create) throw new Error(`${file} is missing: the cluster's hash path prefix/suffix must be shared by every node`);
    const config: HashPathConfig = { prefix: '', suffix: randomBytes(16).toString('hex') };
    writeFileDurably(file, Buffer.from(JSON.stringify({ hashPathPrefix: config.prefix, hashPathSuffix: config.suffix }, null, 2) + '\n'));
    return config;
  }
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { hashPathPrefix?: string; hashPathSuffix?: string };
  return { prefix: raw.hashPathPrefix ?? '', suffix: raw.hashPathSuffix ?? '' };
}
