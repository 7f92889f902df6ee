// Suite 1: the real `openstack` CLI (Debian python3-openstackclient) driven by the
// scenario files conformance/cli/<service>.yaml. Each step is one test.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Stackgate } from './server.ts';
import type { SeedData } from './seed.ts';
import { firstLine, type TestResult } from './results.ts';
import { checkAssertion, interpolate, interpolateDeep, MissingVariable, parseScenario, getPath, type Step } from './scenario.ts';
import { call, passwordSession, type Session } from './openstack-http.ts';
import { ROOT } from './server.ts';

export const CLI_DIR = join(ROOT, 'conformance', 'cli');

/** The environment of every client the harness runs: Debian's python, our clouds.yaml. */
export function clientEnv(sg: Stackgate, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('OS_') || key === 'PYTHON' || key === 'PYTHONPATH') delete env[key];
  return {
    ...env,
    PATH: `/usr/bin:/bin:/usr/sbin:/sbin:${process.env.PATH ?? ''}`,
    OS_CLIENT_CONFIG_FILE: sg.cloudsYaml,
    OS_CLOUD: 'stackgate',
    ...extra,
  };
}

export function scenarioVars(sg: Stackgate, seed: SeedData, workDir: string): Record<string, string> {
  const vars: Record<string, string> = {
    prefix: `conf${randomBytes(3).toString('hex')}`,
    auth_url: sg.authUrl,
    admin_password: sg.adminPassword,
    workdir: workDir,
    alt_project: seed.altProjectName,
    alt_user: seed.altUserName,
    alt_password: seed.altPassword,
  };
  const optional: Record<string, string | undefined> = {
    alt_project_id: seed.altProjectId,
    alt_user_id: seed.altUserId,
    image_id: seed.imageId,
    flavor_id: seed.flavorId,
    flavor_alt_id: seed.flavorAltId,
    public_network_id: seed.publicNetworkId,
  };
  for (const [k, v] of Object.entries(optional)) if (v) vars[k] = v;
  return vars;
}

interface StepOutcome { ok: boolean; error?: string }

/** bash -c, asynchronously (scenario files run side by side), killed after `timeoutMs`. */
function runShell(command: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/bash', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the whole group: bash and the client it started
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: timedOut ? `timed out after ${timeoutMs / 1000} s\n${stderr}` : stderr });
    });
  });
}

/** Scenario files run this many at a time (each is a sequence; files are independent). */
const PARALLEL_SCENARIOS = 2;

const CATALOG_TYPES: Record<string, string[]> = {
  placement: ['placement'],
  compute: ['compute'],
  image: ['image'],
  network: ['network'],
  volume: ['block-storage', 'volumev3'],
  object: ['object-store'],
  identity: ['identity'],
};

async function runStep(step: Step, vars: Record<string, string>, env: NodeJS.ProcessEnv, session: () => Promise<Session>): Promise<StepOutcome> {
  let stdout = '';
  let stderr = '';
  let code: number;
  if (step.run) {
    const command = interpolate(step.run, vars, true);
    const proc = await runShell(command, env, (step.timeout ?? 120) * 1000);
    stdout = proc.stdout;
    stderr = proc.stderr;
    code = proc.code;
  } else {
    const http = interpolateDeep(step.http, vars) as NonNullable<Step['http']>;
    const res = await call(await session(), CATALOG_TYPES[http.service] ?? [http.service], http.method, http.path, http.body, http.headers);
    code = res.status;
    stdout = res.text;
    if (res.status >= 400) stderr = `HTTP ${res.status} ${res.text}`;
  }
  const expected = step.exit ?? (step.http ? undefined : 0);
  const statusOk = expected === undefined ? code >= 200 && code < 300 : code === expected;
  if (!statusOk) {
    const why = firstLine(stderr.split('\n').filter((l) => !/warning|deprecat/i.test(l)).join('\n') || stderr || stdout);
    return { ok: false, error: `${step.http ? 'status' : 'exit'} ${code} (expected ${expected ?? '2xx'}): ${why}` };
  }
  let output: unknown = undefined;
  if (stdout.trim()) {
    try {
      output = JSON.parse(stdout);
    } catch {
      output = stdout;
    }
  }
  // capture first: a failed assertion should not also fail every later step that needs the id
  for (const [name, path] of Object.entries(step.capture ?? {})) {
    const value = getPath(output, path);
    if (value === undefined || value === null) return { ok: false, error: `capture ${name}: nothing at ${path}` };
    vars[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  for (const a of step.assert ?? []) {
    const failed = checkAssertion(interpolateDeep(a, vars) as typeof a, output, stderr);
    if (failed) return { ok: false, error: failed };
  }
  return { ok: true };
}

/** A service's scenario files: `<service>.yaml`, then any `<service>-<topic>.yaml` beside it. */
function scenarioFiles(service: string): string[] {
  const extra = readdirSync(CLI_DIR)
    .filter((f) => f.startsWith(`${service}-`) && f.endsWith('.yaml'))
    .sort();
  return [join(CLI_DIR, `${service}.yaml`), ...extra.map((f) => join(CLI_DIR, f))];
}

async function runScenarios(service: string, sg: Stackgate, seed: SeedData, workDir: string, log: (line: string) => void): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const file of scenarioFiles(service)) results.push(...(await runScenario(service, file, sg, seed, workDir, log)));
  return results;
}

async function runScenario(service: string, file: string, sg: Stackgate, seed: SeedData, workDir: string, log: (line: string) => void): Promise<TestResult[]> {
  const results: TestResult[] = [];
  const env = clientEnv(sg);
  if (!existsSync(file)) {
    return [{ suite: 'cli', service, name: basename(file), outcome: 'failed', error: `no scenario file ${file}` }];
  }
  const scenario = parseScenario(readFileSync(file, 'utf8'), file);
  const vars = scenarioVars(sg, seed, workDir);
  let cached: Session | undefined;
  const session = async () => (cached ??= await passwordSession(sg.authUrl, 'admin', sg.adminPassword, 'admin'));
  for (const step of scenario.steps) {
    let outcome: StepOutcome;
    try {
      outcome = await runStep(step, vars, env, session);
    } catch (error) {
      outcome = { ok: false, error: error instanceof MissingVariable ? `not run: ${error.message}` : String(error instanceof Error ? error.message : error) };
    }
    results.push({ suite: 'cli', service, name: step.name, outcome: outcome.ok ? 'passed' : 'failed', error: outcome.ok ? undefined : firstLine(outcome.error) });
    log(`  cli/${service}: ${outcome.ok ? 'ok  ' : 'FAIL'} ${step.name}${outcome.ok ? '' : ` -- ${firstLine(outcome.error, 160)}`}`);
  }
  for (const step of scenario.cleanup) {
    try {
      await runStep({ ...step, assert: [], capture: {}, exit: undefined }, vars, env, session);
    } catch {
      // best effort: resources of failed steps may not exist
    }
  }
  return results;
}

export async function runCliSuite(sg: Stackgate, seed: SeedData, services: readonly string[], workDir: string, log: (line: string) => void): Promise<TestResult[]> {
  const byService = new Map<string, TestResult[]>();
  const queue = [...services];
  const worker = async () => {
    for (let service = queue.shift(); service !== undefined; service = queue.shift()) {
      byService.set(service, await runScenarios(service, sg, seed, workDir, log));
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_SCENARIOS }, worker));
  // report order follows the requested order, not completion order
  return services.flatMap((s) => byService.get(s) ?? []);
}
