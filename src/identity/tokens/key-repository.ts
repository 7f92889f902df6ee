// A Fernet key repository laid out as `keystone-manage fernet_setup` does, so an
// operator's existing habits (and rsync-to-every-node scripts) carry over:
//   0      the staged key: already accepted, will be the next primary
//   1..N   the highest is the primary (the one that encrypts); the rest only decrypt
// Staging exists so that a rotation can be distributed to every API node before
// any node starts issuing tokens with the new key.
//
// Several API processes share the directory. Each caches the keys and, at most
// once per `recheckIntervalMs`, stats the directory: creating, renaming or
// deleting a key file changes its mtime, which is the signal to reload.
//
// Rotation is not locked across processes: as with Keystone, run it from one place.

import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import { generateKey, parseKey, type FernetKey } from './fernet.ts';

export interface KeyRepositoryOptions {
  directory: string;
  /** keys kept, the staged one included (Keystone's max_active_keys); at least 2 */
  maxActiveKeys?: number;
  /** how long a loaded key set is trusted before the directory is checked again */
  recheckIntervalMs?: number;
  clock?: Pick<Clock, 'now'>;
}

interface LoadedKeys {
  /** key index -> key, primary first, then older keys newest first, staged last */
  ordered: Array<{ index: number; key: FernetKey }>;
  mtimeNs: bigint;
  ino: bigint;
}

const KEY_FILE = /^(0|[1-9][0-9]*)$/;
export const DEFAULT_MAX_ACTIVE_KEYS = 3;
export const DEFAULT_RECHECK_INTERVAL_MS = 2000;

export class KeyRepository {
  readonly directory: string;
  readonly maxActiveKeys: number;
  private readonly recheckIntervalMs: number;
  private readonly clock: Pick<Clock, 'now'>;
  private loaded: LoadedKeys | undefined;
  private checkedAt = -Infinity;

  constructor(options: KeyRepositoryOptions) {
    this.directory = options.directory;
    this.maxActiveKeys = options.maxActiveKeys ?? DEFAULT_MAX_ACTIVE_KEYS;
    if (!Number.isInteger(this.maxActiveKeys) || this.maxActiveKeys < 2) {
      throw new RangeError('maxActiveKeys must be at least 2 (a staged and a primary key)');
    }
    this.recheckIntervalMs = options.recheckIntervalMs ?? DEFAULT_RECHECK_INTERVAL_MS;
    this.clock = options.clock ?? { now: () => Date.now() };
  }

  /** The key that encrypts new tokens. */
  primaryKey(): FernetKey {
    return this.current().ordered[0]!.key;
  }

  /** Every key that may decrypt, in the order worth trying: primary first. */
  decryptionKeys(): FernetKey[] {
    return this.current().ordered.map((entry) => entry.key);
  }

  /** Key file indexes present, ascending (0 is the staged key). */
  keyIndexes(): number[] {
    return this.current()
      .ordered.map((entry) => entry.index)
      .sort((a, b) => a - b);
  }

  /** Create the directory and its first keys (staged 0, primary 1) unless keys exist. Idempotent. */
  setup(): void {
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    if (this.readIndexes().length === 0) {
      this.writeKeyFile(0, generateKey());
      this.rotate();
    }
  }

  /**
   * Promote the staged key to primary, stage a fresh key, and delete the oldest
   * keys beyond maxActiveKeys.
   */
  rotate(): void {
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    const indexes = this.readIndexes();
    if (!indexes.includes(0)) this.writeKeyFile(0, generateKey());
    const newPrimary = Math.max(0, ...indexes) + 1;

    // Write the next staged key aside first, so that at no moment is a
    // half-written file named like a key.
    const pending = this.writeTempFile(generateKey());
    renameSync(join(this.directory, '0'), join(this.directory, String(newPrimary)));
    renameSync(pending, join(this.directory, '0'));

    const rotated = [...indexes.filter((i) => i !== 0), newPrimary].sort((a, b) => b - a);
    for (const index of rotated.slice(this.maxActiveKeys - 1)) {
      unlinkSync(join(this.directory, String(index)));
    }
    this.syncDirectory();
    this.invalidate();
  }

  /** Forget the cache: the next use reloads from disk. */
  invalidate(): void {
    this.loaded = undefined;
    this.checkedAt = -Infinity;
  }

  private current(): LoadedKeys {
    const now = this.clock.now();
    if (this.loaded !== undefined && now - this.checkedAt < this.recheckIntervalMs) return this.loaded;

    if (this.loaded === undefined) this.setup();
    const stat = statSync(this.directory, { bigint: true });
    if (this.loaded === undefined || stat.mtimeNs !== this.loaded.mtimeNs || stat.ino !== this.loaded.ino) {
      this.loaded = this.load(stat.mtimeNs, stat.ino);
    }
    this.checkedAt = now;
    return this.loaded;
  }

  private load(mtimeNs: bigint, ino: bigint): LoadedKeys {
    const indexes = this.readIndexes();
    if (indexes.length === 0) throw new Error(`no Fernet keys in ${this.directory}`);
    const primary = Math.max(...indexes);
    const order = [primary, ...indexes.filter((i) => i !== primary && i !== 0).sort((a, b) => b - a)];
    if (primary !== 0 && indexes.includes(0)) order.push(0);
    const ordered = order.map((index) => {
      const file = join(this.directory, String(index));
      try {
        return { index, key: parseKey(readFileSync(file, 'utf8')) };
      } catch (error) {
        throw new Error(`bad Fernet key file ${file}: ${(error as Error).message}`);
      }
    });
    return { ordered, mtimeNs, ino };
  }

  private readIndexes(): number[] {
    return readdirSync(this.directory)
      .filter((name) => KEY_FILE.test(name))
      .map(Number)
      .sort((a, b) => a - b);
  }

  private writeKeyFile(index: number, text: string): void {
    renameSync(this.writeTempFile(text), join(this.directory, String(index)));
  }

  private writeTempFile(text: string): string {
    const path = join(this.directory, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // open's mode is filtered by the umask; a key must never be group-readable.
    chmodSync(path, 0o600);
    return path;
  }

  private syncDirectory(): void {
    const fd = openSync(this.directory, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
