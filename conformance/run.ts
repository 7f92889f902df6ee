// npm run conformance: a fresh stackgate, seeded through its public APIs, measured by
// the real clients (openstack CLI, Ansible openstack.cloud, Tempest) and the upstream
// OpenAPI oracle. Writes conformance/REPORT.md and conformance/report.json.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseOptions, USAGE, type Options } from './lib/options.ts';
import { startStackgate, ROOT, type Stackgate } from './lib/server.ts';
import { seed, type SeedData } from './lib/seed.ts';
import { runCliSuite } from './lib/cli-suite.ts';
import { runAnsibleSuite } from './lib/ansible-suite.ts';
import { runTempestSuite } from './lib/tempest-suite.ts';
import { runOracleSuite } from './lib/oracle-suite.ts';
import { buildReport, closingLine, renderMarkdown, summarizeSuite, type SuiteSummary } from './lib/report.ts';
import { compareFloor, measuredPassed, raiseFloor, type Floor } from './lib/floor.ts';
import type { SuiteName, TestResult } from './lib/results.ts';

const DIR = join(ROOT, 'conformance');
const FLOOR_FILE = join(DIR, 'floor.json');
const log = (line: string) => process.stdout.write(`${line}\n`);

interface SuiteRun { results: TestResult[]; notes?: string[] }

async function timed(name: string, run: () => Promise<SuiteRun>, summaries: SuiteSummary[]): Promise<void> {
  log(`== ${name}`);
  const started = Date.now();
  let outcome: SuiteRun;
  try {
    outcome = await run();
  } catch (error) {
    // A harness crash in one suite is reported as that suite's failure, not the run's end.
    const message = error instanceof Error ? error.message : String(error);
    outcome = { results: [{ suite: name as SuiteName, service: 'harness', name: `${name} suite`, outcome: 'failed', error: message.split('\n')[0] }] };
  }
  const seconds = (Date.now() - started) / 1000;
  const summary = summarizeSuite(name, outcome.results, seconds, outcome.notes ?? []);
  summaries.push(summary);
  log(`== ${name}: ${summary.totals.passed} passed, ${summary.totals.failed} failed, ${summary.totals.skipped} skipped in ${Math.round(seconds)} s`);
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

async function main(options: Options): Promise<number> {
  const startedAt = new Date().toISOString();
  const workDir = mkdtempSync(join(tmpdir(), 'stackgate-conformance-'));
  log(`conformance workspace: ${workDir}`);
  const summaries: SuiteSummary[] = [];
  let sg: Stackgate | undefined;
  try {
    try {
      sg = await startStackgate(workDir);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`stackgate did not start: ${message}`);
      summaries.push(summarizeSuite('startup', [{ suite: 'seed', service: 'harness', name: 'start stackgate', outcome: 'failed', error: message.split('\n').slice(0, 3).join(' ') }], 0));
      return finish(options, summaries, startedAt, 1);
    }
    log(`stackgate at ${sg.url} (log: ${sg.logFile})`);
    const started = sg;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      // interrupted: do not leave the server behind
      process.once(signal, () => void started.stop().finally(() => process.exit(130)));
    }
    const server = sg;
    let seedData: SeedData | undefined;
    await timed('seed', async () => {
      const seeded = await seed(server, options.servicesLimited ? options.services : 'all');
      seedData = seeded.data;
      return { results: seeded.results };
    }, summaries);
    const data = seedData!;
    const want = (suite: SuiteName) => options.suites.includes(suite);
    if (want('cli')) await timed('cli', async () => ({ results: await runCliSuite(server, data, options.services, workDir, log) }), summaries);
    if (want('ansible')) await timed('ansible', () => runAnsibleSuite(server, data, options.services, workDir, log), summaries);
    if (want('tempest-interop')) await timed('tempest-interop', () => runTempestSuite('interop', server, data, options.services, workDir, log), summaries);
    if (want('tempest-full')) await timed('tempest-full', () => runTempestSuite('full', server, data, options.services, workDir, log), summaries);
    await sg.stop();
    if (want('oracle')) await timed('oracle', () => runOracleSuite(server.recordDir, options.services, log), summaries);
  } finally {
    await sg?.stop();
    if (options.keep) log(`kept ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }

  return finish(options, summaries, startedAt, 0);
}

function finish(options: Options, summaries: SuiteSummary[], startedAt: string, initialStatus: number): number {
  const report = buildReport(summaries, startedAt, gitCommit());
  writeFileSync(join(DIR, 'REPORT.md'), renderMarkdown(report));
  writeFileSync(join(DIR, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote conformance/REPORT.md and conformance/report.json`);

  const floor: Floor = existsSync(FLOOR_FILE) ? JSON.parse(readFileSync(FLOOR_FILE, 'utf8')) : {};
  // What the oracle sees depends on which suites made the traffic: its floor keys
  // name them (e.g. "oracle:cli+ansible+tempest-interop"), so runs of different
  // suite sets never compare against each other's oracle counts.
  const oracleKey = `oracle:${options.suites.filter((s) => s !== 'oracle').join('+')}`;
  const measured = Object.fromEntries(
    Object.entries(measuredPassed(report)).map(([k, v]) => [k.replace(/^oracle(?=\/|$)/, oracleKey), v]),
  );
  const ran = ['seed', ...options.suites, oracleKey];
  let status = initialStatus;
  if (options.updateFloor && initialStatus === 0) {
    const raised = raiseFloor(floor, options.servicesLimited ? Object.fromEntries(Object.entries(measured).filter(([k]) => k.includes('/'))) : measured);
    writeFileSync(FLOOR_FILE, `${JSON.stringify(raised, null, 2)}\n`);
    log('floor.json raised to the measured counts where higher');
  } else {
    const breaches = compareFloor(floor, measured, ran, options.servicesLimited ? options.services : 'all');
    for (const b of breaches) log(`BELOW FLOOR: ${b.key} passed ${b.measured} < floor ${b.floor}`);
    if (breaches.length > 0) status = 1;
  }
  if (process.env.CI === 'true' && report.suites.some((s) => s.suite === 'oracle' && s.notes.some((n) => n.startsWith('oracle missing')))) status = 1;
  log(closingLine(report));
  return status;
}

let options: Options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(message === 'help' ? `${USAGE}\n` : `conformance: ${message}\n${USAGE}\n`);
  process.exit(message === 'help' ? 0 : 2);
}
main(options).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`conformance: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
