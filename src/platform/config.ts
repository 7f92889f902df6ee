// Configuration: defaults, then a YAML file, then environment variables; each
// later source wins. Documented in docs/configuration.md.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { DomainDriverConfig } from '../identity/backends/domain-config.ts';

export interface Config {
  dataDir: string;
  /** workers: API processes sharing the port (node:cluster); 1 serves everything in one process */
  listen: { host: string; port: number; perServicePorts: boolean; workers: number };
  /** base URL put in the catalog; default http://<host>:<port> */
  publicUrl?: string;
  region: string;
  store: { kind: 'sqlite' | 'mongodb'; mongodbUrl?: string };
  bus: { kind: 'in-process' | 'amqp'; amqpUrl?: string };
  identity: {
    adminUser: string;
    adminProject: string;
    /** when unset on first start, a password is generated and printed once */
    adminPassword?: string;
    tokenExpirationSeconds: number;
    /** how long a token may be used after expiry to fetch a new one (allow_expired) */
    allowExpiredWindowSeconds: number;
    policyFile?: string;
    maxActiveKeys: number;
    securityCompliance: {
      lockoutFailureAttempts: number;
      lockoutDurationSeconds: number;
      uniqueLastPasswordCount: number;
      minimumPasswordAgeDays: number;
      passwordExpiresDays: number;
    };
    /** domain name -> its own identity backend (e.g. LDAP); others use the embedded store */
    domains?: Record<string, DomainDriverConfig>;
    /** OS-FEDERATION: stackgate as a SAML 2.0 service provider */
    federation: {
      /** origins WebSSO may hand tokens to (Keystone's [federation] trusted_dashboard) */
      trustedDashboards: string[];
      /** our SAML entity id; default <public url>/identity/v3/OS-FEDERATION/saml2/sp/metadata */
      spEntityId?: string;
      /** tolerated difference between the IdP's clock and ours on NotBefore/NotOnOrAfter */
      clockSkewSeconds: number;
    };
  };
  /** all-in-one object storage: local devices (one storage server each) under <dataDir>/object-ring */
  objectStore: { devices: number; replicas: number; partPower: number };
  /** write the `stackgate` cloud into this clouds.yaml on bootstrap; empty string: do not */
  cloudsYaml: string;
  /** test-only: append every JSON response to this directory (conformance oracle) */
  recordDir?: string;
}

export function defaultConfig(): Config {
  return {
    dataDir: join(homedir(), '.local', 'share', 'stackgate'),
    listen: { host: '127.0.0.1', port: 8800, perServicePorts: false, workers: 1 },
    region: 'RegionOne',
    store: { kind: 'sqlite' },
    bus: { kind: 'in-process' },
    identity: {
      adminUser: 'admin',
      adminProject: 'admin',
      tokenExpirationSeconds: 3600,
      allowExpiredWindowSeconds: 172800,
      maxActiveKeys: 3,
      securityCompliance: {
        lockoutFailureAttempts: 0,
        lockoutDurationSeconds: 1800,
        uniqueLastPasswordCount: 0,
        minimumPasswordAgeDays: 0,
        passwordExpiresDays: 0,
      },
      federation: { trustedDashboards: [], clockSkewSeconds: 30 },
    },
    objectStore: { devices: 3, replicas: 3, partPower: 10 },
    cloudsYaml: join(homedir(), '.config', 'openstack', 'clouds.yaml'),
  };
}

type Env = Record<string, string | undefined>;

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object') {
      deepMerge(current as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      target[key] = value;
    }
  }
}

function asInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(value)}`);
  return n;
}

/** The environment variables we read, each mapped onto the config. */
function applyEnv(config: Config, env: Env): void {
  const set = <K extends string>(name: K, apply: (v: string) => void) => {
    const v = env[name];
    if (v !== undefined && v !== '') apply(v);
  };
  set('STACKGATE_HOST', (v) => (config.listen.host = v));
  set('STACKGATE_PORT', (v) => (config.listen.port = asInt('STACKGATE_PORT', v)));
  set('STACKGATE_API_WORKERS', (v) => (config.listen.workers = Math.max(1, asInt('STACKGATE_API_WORKERS', v))));
  set('STACKGATE_PER_SERVICE_PORTS', (v) => (config.listen.perServicePorts = v === 'true' || v === '1'));
  set('STACKGATE_PUBLIC_URL', (v) => (config.publicUrl = v.replace(/\/+$/, '')));
  set('STACKGATE_REGION', (v) => (config.region = v));
  set('STACKGATE_STORE', (v) => (config.store.kind = v === 'mongodb' ? 'mongodb' : 'sqlite'));
  set('STACKGATE_MONGODB_URL', (v) => (config.store.mongodbUrl = v));
  set('STACKGATE_BUS', (v) => (config.bus.kind = v === 'amqp' ? 'amqp' : 'in-process'));
  set('STACKGATE_AMQP_URL', (v) => (config.bus.amqpUrl = v));
  set('STACKGATE_ADMIN_PASSWORD', (v) => (config.identity.adminPassword = v));
  set('STACKGATE_POLICY_FILE', (v) => (config.identity.policyFile = v));
  set('STACKGATE_TOKEN_EXPIRATION', (v) => (config.identity.tokenExpirationSeconds = asInt('STACKGATE_TOKEN_EXPIRATION', v)));
  set('STACKGATE_CLOUDS_YAML', (v) => (config.cloudsYaml = v === 'off' ? '' : v));
  set('STACKGATE_RECORD_DIR', (v) => (config.recordDir = v));
  set('STACKGATE_TRUSTED_DASHBOARDS', (v) => (config.identity.federation.trustedDashboards = v.split(',').map((s) => s.trim()).filter(Boolean)));
  set('STACKGATE_SAML_SP_ENTITY_ID', (v) => (config.identity.federation.spEntityId = v));
  if (env.STACKGATE_SECURITY_COMPLIANCE === 'tempest') {
    // The values Tempest's identity tests expect of a cloud that enables security compliance.
    Object.assign(config.identity.securityCompliance, {
      lockoutFailureAttempts: 2,
      lockoutDurationSeconds: 5,
      uniqueLastPasswordCount: 2,
      minimumPasswordAgeDays: 0,
    });
  }
}

export function loadConfig(env: Env = process.env): Config {
  const config = defaultConfig();
  if (env.STACKGATE_DATA_DIR) config.dataDir = env.STACKGATE_DATA_DIR;
  const file = env.STACKGATE_CONFIG ?? join(config.dataDir, 'stackgate.yaml');
  if (existsSync(file)) {
    const fromFile = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
    if (fromFile) deepMerge(config as unknown as Record<string, unknown>, fromFile);
    if (env.STACKGATE_DATA_DIR) config.dataDir = env.STACKGATE_DATA_DIR;
  }
  applyEnv(config, env);
  return config;
}

/** The base URL clients are told to use (catalog, version documents). */
export function publicBaseUrl(config: Config): string {
  return config.publicUrl ?? `http://${config.listen.host}:${config.listen.port}`;
}
