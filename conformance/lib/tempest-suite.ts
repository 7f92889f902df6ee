// Suite 3: Tempest 33 (Debian) against stackgate: (a) the Interop 2022.11 required
// list, (b) the whole tempest.api.<service> set of each service stackgate serves.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { Stackgate } from './server.ts';
import type { SeedData } from './seed.ts';
import { ROOT } from './server.ts';
import { firstLine, type TestResult } from './results.ts';
import { passwordSession } from './openstack-http.ts';
import { errorLine, expandResults, matchList, serviceOfTest, TEMPEST_COMPONENT, type RawResult } from './tempest-results.ts';

const INTEROP_LIST = join(ROOT, 'conformance', 'interop-2022.11-required.txt');
const SUBUNIT_READER = join(import.meta.dirname, 'subunit_results.py');
const CONCURRENCY = 2;

/** catalog type -> (tempest service_available key, harness service) */
const CATALOG: Record<string, [string, string]> = {
  compute: ['nova', 'compute'],
  image: ['glance', 'image'],
  network: ['neutron', 'network'],
  volumev3: ['cinder', 'volume'],
  'block-storage': ['cinder', 'volume'],
  'object-store': ['swift', 'object'],
};

function tempestEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `/usr/bin:/bin:/usr/sbin:/sbin:${process.env.PATH ?? ''}` };
  delete env.PYTHON; // stestr would run $PYTHON instead of Debian's python3
  delete env.PYTHONPATH;
  for (const key of Object.keys(env)) if (key.startsWith('OS_')) delete env[key];
  return env;
}

/** Runs a command with stdout+stderr to a file (stdin from a file: subunit is binary). */
function run(cmd: string, args: string[], cwd: string, outFile: string, inputFile?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = openSync(outFile, 'w');
    const input = inputFile === undefined ? 'ignore' : openSync(inputFile, 'r');
    const close = () => {
      closeSync(out);
      if (typeof input === 'number') closeSync(input);
    };
    const child = spawn(cmd, args, { cwd, env: tempestEnv(), stdio: [input, out, out] });
    child.once('error', (e) => { close(); reject(e); });
    child.once('exit', (code) => { close(); resolve(code ?? -1); });
  });
}

/**
 * The Swift middlewares stackgate's /info advertises (src/compat/object-store/info.ts):
 * Tempest runs a middleware's tests only when it is listed. container_sync is absent on
 * purpose: stackgate has no container sync daemon.
 */
const SWIFT_DISCOVERABLE_APIS = [
  'account_quotas', 'bulk_delete', 'bulk_upload', 'container_quotas', 'crossdomain', 'dlo', 'formpost', 'slo',
  'staticweb', 'tempurl', 'versioned_writes', 'object_versioning',
];

export function tempestConf(o: {
  ws: string; authUrl: string; password: string; available: Set<string>; seed: SeedData;
}): string {
  const svc = (name: string) => String(o.available.has(name));
  return `[DEFAULT]
log_dir = ${o.ws}/logs
log_file = tempest.log
[oslo_concurrency]
lock_path = ${o.ws}/tempest_lock
[auth]
admin_username = admin
admin_password = ${o.password}
admin_project_name = admin
admin_domain_name = Default
use_dynamic_credentials = true
create_isolated_networks = ${svc('neutron')}
[identity]
uri_v3 = ${o.authUrl}
auth_version = v3
region = RegionOne
v3_endpoint_type = public
default_domain_id = default
[identity-feature-enabled]
api_v2 = false
api_v3 = true
application_credentials = true
access_rules = true
security_compliance = true
[compute]
image_ref = ${o.seed.imageId ?? '00000000-0000-0000-0000-000000000000'}
image_ref_alt = ${o.seed.imageAltId ?? o.seed.imageId ?? '00000000-0000-0000-0000-000000000000'}
flavor_ref = ${o.seed.flavorId ?? '1'}
flavor_ref_alt = ${o.seed.flavorAltId ?? o.seed.flavorId ?? '1'}
build_timeout = 120
min_compute_nodes = 1
min_microversion = 2.1
max_microversion = latest
[compute-feature-enabled]
disk_config = true
snapshot = true
resize = true
console_output = true
interface_attach = true
change_password = true
live_migration = false
cold_migration = false
vnc_console = false
serial_console = false
spice_console = false
rescue = true
shelve = true
suspend = true
pause = true
personality = false
attach_encrypted_volume = false
[image]
build_timeout = 120
# Tempest 33 uploads random bytes as vhd/vmdk; Glance's upload inspection refuses those (as upstream since 2024).
disk_formats = raw,ami,ari,aki
[image-feature-enabled]
api_v1 = false
api_v2 = true
import_image = true
[network]
public_network_id = ${o.seed.publicNetworkId ?? ''}
project_network_cidr = 10.100.0.0/16
project_networks_reachable = false
build_timeout = 120
[network-feature-enabled]
ipv6 = true
ipv6_subnet_attributes = true
floating_ips = true
api_extensions = all
[object-storage]
operator_role = member
reseller_admin_role = ResellerAdmin
[object-storage-feature-enabled]
discoverable_apis = ${SWIFT_DISCOVERABLE_APIS.join(',')}
container_sync = false
object_versioning = true
[volume]
build_timeout = 120
catalog_type = volumev3
storage_protocol = file
min_microversion = 3.0
max_microversion = latest
[volume-feature-enabled]
api_v2 = false
api_v3 = true
backup = true
snapshot = true
clone = true
manage_snapshot = false
manage_volume = false
extend_attached_volume = false
[validation]
run_validation = false
[service_available]
nova = ${svc('nova')}
glance = ${svc('glance')}
neutron = ${svc('neutron')}
cinder = ${svc('cinder')}
swift = ${svc('swift')}
`;
}

interface Workspace { dir: string; allTests: string[] }

/** One tempest workspace per harness run (its list of tests is shared by both modes). */
async function workspace(sg: Stackgate, seed: SeedData, workDir: string, available: Set<string>): Promise<Workspace> {
  const dir = join(workDir, 'tempest');
  const listFile = join(workDir, 'tempest-all-tests.txt');
  if (!existsSync(join(dir, 'etc', 'tempest.conf'))) {
    mkdirSync(workDir, { recursive: true });
    const code = await run('tempest', ['init', '--workspace-path', join(workDir, 'tempest-workspaces.yaml'), '--name', `conformance-${process.pid}`, dir], workDir, join(workDir, 'tempest-init.log'));
    if (code !== 0) throw new Error(`tempest init failed: ${readFileSync(join(workDir, 'tempest-init.log'), 'utf8').slice(-500)}`);
    writeFileSync(join(dir, 'etc', 'tempest.conf'), tempestConf({ ws: dir, authUrl: sg.authUrl, password: sg.adminPassword, available, seed }));
  }
  if (!existsSync(listFile)) {
    const code = await run('tempest', ['run', '--list-tests'], dir, listFile);
    if (code !== 0) throw new Error(`tempest run --list-tests failed: ${readFileSync(listFile, 'utf8').slice(-500)}`);
  }
  const allTests = readFileSync(listFile, 'utf8').split('\n').map((l) => l.trim()).filter((l) => /^tempest\.\S+\.test/.test(l));
  return { dir, allTests };
}

async function runTests(ws: Workspace, tests: string[], tag: string, workDir: string, log: (l: string) => void): Promise<RawResult[]> {
  const loadList = join(workDir, `tempest-${tag}-load-list.txt`);
  writeFileSync(loadList, tests.map((t) => `${t}\n`).join(''));
  log(`  tempest-${tag}: running ${tests.length} tests, concurrency ${CONCURRENCY} (log: ${join(workDir, `tempest-${tag}.log`)})`);
  await run('tempest', ['run', '--load-list', loadList, '--concurrency', String(CONCURRENCY)], ws.dir, join(workDir, `tempest-${tag}.log`));
  const subunitFile = join(workDir, `tempest-${tag}.subunit`);
  await run('stestr', ['last', '--subunit'], ws.dir, subunitFile);
  const jsonFile = join(workDir, `tempest-${tag}-results.jsonl`);
  await run('/usr/bin/python3', [SUBUNIT_READER], ws.dir, jsonFile, subunitFile);
  return readFileSync(jsonFile, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as RawResult);
}

export async function availableServices(sg: Stackgate): Promise<{ tempest: Set<string>; harness: Set<string> }> {
  const session = await passwordSession(sg.authUrl, 'admin', sg.adminPassword, 'admin');
  const tempest = new Set<string>();
  const harness = new Set<string>(['identity']);
  for (const entry of session.catalog) {
    const known = CATALOG[entry.type];
    if (known) {
      tempest.add(known[0]);
      harness.add(known[1]);
    }
  }
  return { tempest, harness };
}

export async function runTempestSuite(
  mode: 'interop' | 'full',
  sg: Stackgate,
  seed: SeedData,
  services: readonly string[],
  workDir: string,
  log: (l: string) => void,
): Promise<{ results: TestResult[]; notes: string[] }> {
  const suite = mode === 'interop' ? 'tempest-interop' : 'tempest-full';
  const available = await availableServices(sg);
  const ws = await workspace(sg, seed, workDir, available.tempest);
  const results: TestResult[] = [];
  const notes: string[] = [`services stackgate serves (from its catalog): ${[...available.harness].join(', ')}`];
  const notImplemented = (s: string) => `not run: stackgate does not serve ${s} yet`;
  let toRun: string[] = [];
  if (mode === 'interop') {
    const { matched, missing } = matchList(readFileSync(INTEROP_LIST, 'utf8').split('\n'), ws.allTests);
    if (missing.length > 0) notes.push(`${missing.length} interop tests do not exist in this tempest (not counted): ${missing.slice(0, 5).join(', ')}`);
    for (const test of matched) {
      const service = serviceOfTest(test);
      if (!services.includes(service)) continue;
      if (available.harness.has(service)) toRun.push(test);
      else results.push({ suite, service, name: test, outcome: 'failed', error: notImplemented(service) });
    }
  } else {
    for (const service of services) {
      const component = TEMPEST_COMPONENT[service];
      if (!component) continue; // placement has no tempest.api set
      const tests = ws.allTests.filter((t) => t.startsWith(`tempest.api.${component}.`));
      if (available.harness.has(service)) toRun.push(...tests);
      else results.push({ suite, service, name: `tempest.api.${component} (${tests.length} tests)`, outcome: 'failed', error: notImplemented(service) });
    }
  }
  toRun = [...new Set(toRun)];
  if (toRun.length > 0) {
    const raw = await runTests(ws, toRun, mode, workDir, log);
    for (const r of expandResults(toRun, raw)) {
      const why = r.outcome === 'passed' ? undefined : firstLine(errorLine(r.error)) || r.how;
      results.push({ suite, service: serviceOfTest(r.test), name: r.test, outcome: r.outcome, error: r.how === 'class-fixture' && why ? `(class fixture) ${why}` : why });
    }
  }
  return { results, notes };
}
