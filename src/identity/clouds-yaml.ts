// Adds (or refreshes) the `stackgate` cloud in a clouds.yaml, keeping every other
// cloud and setting the file private, since it holds a password.
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseDocument, stringify } from 'yaml';

export interface CloudEntry {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  region: string;
}

export function writeCloudsYaml(path: string, name: string, entry: CloudEntry): void {
  const doc = existsSync(path) ? (parseDocument(readFileSync(path, 'utf8')).toJSON() ?? {}) : {};
  doc.clouds ??= {};
  doc.clouds[name] = {
    auth: {
      auth_url: entry.authUrl,
      username: entry.username,
      password: entry.password,
      project_name: entry.projectName,
      user_domain_name: 'Default',
      project_domain_name: 'Default',
    },
    region_name: entry.region,
    interface: 'public',
    identity_api_version: 3,
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  chmodSync(path, 0o600);
}
