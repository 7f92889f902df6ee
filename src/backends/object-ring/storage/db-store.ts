// Opens container and account databases of a storage node by device, partition and path.
import { existsSync } from 'node:fs';
import { hashPathHex, type HashPathConfig } from '../ring/hash-path.ts';
import { AccountDb } from './account-db.ts';
import { ContainerDb } from './container-db.ts';
import { DbCache, dbPath, removeDbFile } from './db-file.ts';

export class DbStore {
  readonly devicesDir: string;
  readonly hashConfig: HashPathConfig;
  private readonly containers = new DbCache<ContainerDb>();
  private readonly accounts = new DbCache<AccountDb>();

  constructor(devicesDir: string, hashConfig: HashPathConfig) {
    this.devicesDir = devicesDir;
    this.hashConfig = hashConfig;
  }

  containerPath(device: string, part: number | string, hash: string): string {
    return dbPath(this.devicesDir, device, 'containers', part, hash);
  }

  accountPath(device: string, part: number | string, hash: string): string {
    return dbPath(this.devicesDir, device, 'accounts', part, hash);
  }

  containerHash(account: string, container: string): string {
    return hashPathHex(this.hashConfig, account, container);
  }

  accountHash(account: string): string {
    return hashPathHex(this.hashConfig, account);
  }

  /** The container DB, or undefined when there is none and create is false. */
  container(device: string, part: number | string, hash: string, create = false): ContainerDb | undefined {
    const path = this.containerPath(device, part, hash);
    if (!create && !existsSync(path)) return undefined;
    return this.containers.get(path, () => new ContainerDb(path));
  }

  account(device: string, part: number | string, hash: string, create = false): AccountDb | undefined {
    const path = this.accountPath(device, part, hash);
    if (!create && !existsSync(path)) return undefined;
    return this.accounts.get(path, () => new AccountDb(path));
  }

  removeContainerDb(path: string): void {
    this.containers.drop(path);
    removeDbFile(path);
  }

  removeAccountDb(path: string): void {
    this.accounts.drop(path);
    removeDbFile(path);
  }

  close(): void {
    this.containers.closeAll();
    this.accounts.closeAll();
  }
}
