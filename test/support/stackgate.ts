// Starts a real stackgate (all-in-one API on an ephemeral port, temporary data
// directory) for tests, and checks every JSON response against its api-ref schema.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { OpenAPIBackend } from 'openapi-backend';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { defaultConfig, type Config } from '../../src/platform/config.ts';
import { loadApiRef } from '../../src/platform/http/api-ref.ts';
import { openRuntime, type Runtime } from '../../src/roles/runtime.ts';
import { runBootstrap } from '../../src/roles/bootstrap.ts';
import { startApi } from '../../src/roles/api.ts';
import type { RunningServer } from '../../src/platform/http/server.ts';
import type { Clock } from '../../src/platform/clock.ts';

export const ADMIN_PASSWORD = 'test-admin-secret';

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  /** skip the api-ref response check (for deliberately malformed requests) */
  unchecked?: boolean;
}

export interface TestCloud {
  url: string;
  runtime: Runtime;
  adminToken: string;
  /** request relative to the shared port, e.g. request('GET', '/identity/v3/users') */
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  /** password-authenticate; scope e.g. {project: {id}} */
  token(user: { id?: string; name?: string; domain?: { id: string } }, password: string, scope?: unknown): Promise<string>;
  stop(): Promise<void>;
}

const validators = new Map<string, Promise<OpenAPIBackend>>();
function validatorFor(service: string): Promise<OpenAPIBackend> {
  let v = validators.get(service);
  if (!v) {
    const api = new OpenAPIBackend({
      definition: loadApiRef(service) as any,
      quick: true,
      customizeAjv: () => {
        const AjvCtor = (Ajv2020 as any).default ?? Ajv2020;
        const ajv = new AjvCtor({ strict: false, unicodeRegExp: false });
        ((addFormats as any).default ?? addFormats)(ajv);
        return ajv;
      },
    });
    v = api.init().then(() => api);
    validators.set(service, v);
  }
  return v;
}

/** Checks a JSON response body against the schema the api-ref declares for its status. */
async function checkAgainstApiRef(cloud: { runtime: Runtime }, method: string, path: string, res: TestResponse): Promise<void> {
  const service = cloud.runtime.services.find((s) => path.startsWith(`${s.prefix}/`) || path === s.prefix);
  if (!service || typeof res.body !== 'object' || res.body === null) return;
  const api = await validatorFor(service.apiRef);
  const rel = path.slice(service.prefix.length).split('?')[0] || '/';
  const operation = api.matchOperation({ method, path: rel, headers: {} }) ?? (method === 'HEAD' ? undefined : undefined);
  if (!operation) return;
  const declared = (operation.responses ?? {}) as Record<string, any>;
  if (!declared[String(res.status)]?.content) return;
  const result = api.validateResponse(res.body, operation, res.status);
  assert.ok(result.valid, `${method} ${path} -> ${res.status} does not match api-ref: ${JSON.stringify(result.errors)}\n${res.text.slice(0, 500)}`);
}

export async function startCloud(overrides: (config: Config) => void = () => undefined, clock?: Clock): Promise<TestCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stackgate-test-'));
  const config = defaultConfig();
  config.dataDir = dataDir;
  config.listen = { host: '127.0.0.1', port: 0, perServicePorts: false, workers: 1 };
  config.identity.adminPassword = ADMIN_PASSWORD;
  config.cloudsYaml = '';
  overrides(config);
  const runtime = await openRuntime(config, clock);
  let server: RunningServer | undefined;
  try {
    // The port is known only after listening; the catalog is written with it.
    server = await startApi(runtime);
    const port = (server.servers[0].address() as AddressInfo).port;
    config.listen.port = port;
    config.publicUrl = `http://127.0.0.1:${port}`;
    await server.close();
    server = await startApi(runtime);
    await runBootstrap(runtime);
  } catch (error) {
    // Leave nothing running behind a failed start, or the test process never exits.
    await server?.close().catch(() => undefined);
    await runtime.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const url = `http://127.0.0.1:${(server.servers[0].address() as AddressInfo).port}`;
  const cloud: TestCloud = {
    url,
    runtime,
    adminToken: '',
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const token = options.token === undefined ? cloud.adminToken : options.token;
      if (token) headers['X-Auth-Token'] = token;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['Content-Type'] ??= 'application/json';
      }
      const response = await fetch(`${url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      const res = { status: response.status, headers: response.headers, body: parsed, text };
      if (!options.unchecked) await checkAgainstApiRef(cloud, method, path, res);
      return res;
    },
    async token(user, password, scope) {
      const res = await cloud.request('POST', '/identity/v3/auth/tokens', {
        token: null,
        body: { auth: { identity: { methods: ['password'], password: { user: { ...user, password } } }, ...(scope ? { scope } : {}) } },
      });
      assert.equal(res.status, 201, `token for ${JSON.stringify(user)}: ${res.text}`);
      return res.headers.get('x-subject-token')!;
    },
    async stop() {
      await server?.close();
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  cloud.adminToken = await cloud.token({ name: 'admin', domain: { id: 'default' } }, ADMIN_PASSWORD, {
    project: { name: 'admin', domain: { id: 'default' } },
  });
  return cloud;
}
