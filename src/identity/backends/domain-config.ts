// Which domains have a backend of their own (Keystone's domain_specific_drivers):
// the `identity.domains` map of the config file, and one file per domain in
// <dataDir>/domains/keystone.<domain name>.yaml (Keystone's domain_config_dir),
// the file winning for a domain named in both.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { LdapOptions } from './ldap/config.ts';

export interface DomainDriverConfig {
  /** sql (the embedded store) unless ldap */
  driver?: 'sql' | 'ldap';
  ldap?: LdapOptions;
  description?: string;
}

const FILE_NAME = /^keystone\.(.+)\.ya?ml$/;

/** A domain file in Keystone's layout ({identity: {driver}, ldap: {...}}) or in ours ({driver, ldap}). */
export function parseDomainFile(text: string, source: string): DomainDriverConfig {
  const doc = parseYaml(text) as Record<string, any> | null;
  if (!doc || typeof doc !== 'object') throw new Error(`${source}: not a YAML mapping`);
  const driver = doc.identity?.driver ?? doc.driver;
  return { driver, ldap: doc.ldap, description: doc.description };
}

export function loadDomainConfigs(fromConfig: Record<string, DomainDriverConfig> | undefined, dataDir: string): Map<string, DomainDriverConfig> {
  const out = new Map<string, DomainDriverConfig>(Object.entries(fromConfig ?? {}));
  const dir = join(dataDir, 'domains');
  if (existsSync(dir)) {
    for (const file of readdirSync(dir).sort()) {
      const match = FILE_NAME.exec(file);
      if (!match) continue;
      const path = join(dir, file);
      out.set(match[1], parseDomainFile(readFileSync(path, 'utf8'), path));
    }
  }
  for (const [name, c] of out) {
    const driver = c.driver ?? (c.ldap ? 'ldap' : 'sql');
    if (driver !== 'sql' && driver !== 'ldap') throw new Error(`identity.domains.${name}: unknown driver ${String(driver)}`);
    if (driver === 'ldap' && !c.ldap) throw new Error(`identity.domains.${name}: driver ldap needs an ldap section`);
    c.driver = driver;
  }
  return out;
}
