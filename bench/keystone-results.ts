// Turns one bench/keystone.sh run (its JSON) into a table, and rewrites the "Keystone tokens"
// section of bench/RESULTS.md from it. Every figure in the section comes from that one run:
// figures from different runs or machines are not comparable.
// Usage: node bench/keystone-results.ts out/keystone-<stamp>.json [--print] [--results RESULTS.md]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

interface Figure {
  requests_per_second: number | null;
  p50_ms: number | null;
  requests: number;
  non_2xx: number;
  socket_errors: number;
}

type FigureName = 'token_validate' | 'token_issue_token_method' | 'token_issue_password';

interface Run {
  date: string;
  machine: { nproc: number; model: string };
  method: {
    tool: string;
    threads: number;
    timeout_seconds?: number;
    seconds: number;
    warmup_seconds: number;
    concurrency: Record<FigureName, number>;
    loadavg_1m_before?: number;
    loadavg_1m_after?: number;
  };
  keystone: { url: string; version: string; figures: Record<FigureName, Figure> };
  stackgate: { url: string; commit: string; figures: Record<FigureName, Figure> };
}

const SECTION = '## Keystone tokens';
// The issue's target: stackgate validates at least 50 times as many tokens a second as Keystone.
const VALIDATION_TARGET = 50;

const LABELS: Record<FigureName, string> = {
  token_validate: 'token validation (GET /v3/auth/tokens)',
  token_issue_token_method: 'token issue, token method',
  token_issue_password: 'token issue, password method',
};

function rps(f: Figure): string {
  return f.requests_per_second === null ? 'n/a' : f.requests_per_second.toFixed(1);
}

function p50(f: Figure): string {
  return f.p50_ms === null ? 'n/a' : `${f.p50_ms.toFixed(2)} ms`;
}

function ratio(ours: Figure, theirs: Figure): number | null {
  if (!ours.requests_per_second || !theirs.requests_per_second) return null;
  return ours.requests_per_second / theirs.requests_per_second;
}

function fmtRatio(r: number | null): string {
  return r === null ? 'n/a' : `${r.toFixed(1)}x`;
}

// Failed requests would make a throughput figure meaningless; say so next to it.
function failures(f: Figure): string {
  const bad = [f.non_2xx ? `${f.non_2xx} non-2xx` : '', f.socket_errors ? `${f.socket_errors} socket errors` : ''].filter(Boolean);
  return bad.length ? ` (${bad.join(', ')})` : '';
}

function rows(run: Run): string[][] {
  return (Object.keys(LABELS) as FigureName[]).map((name) => {
    const ours = run.stackgate.figures[name];
    const theirs = run.keystone.figures[name];
    return [
      `${LABELS[name]}, c=${run.method.concurrency[name]}`,
      rps(ours) + failures(ours),
      p50(ours),
      rps(theirs) + failures(theirs),
      p50(theirs),
      fmtRatio(ratio(ours, theirs)),
    ];
  });
}

const HEADER = ['figure', 'stackgate req/s', 'stackgate p50', 'Keystone req/s', 'Keystone p50', 'ratio (req/s)'];

function textTable(run: Run): string {
  const all = [HEADER, ...rows(run)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

function targetLine(run: Run): string {
  const r = ratio(run.stackgate.figures.token_validate, run.keystone.figures.token_validate);
  if (r === null) return `Target (validation >= ${VALIDATION_TARGET}x Keystone's req/s): no figure.`;
  const verdict = r >= VALIDATION_TARGET ? 'met' : `not met (${fmtRatio(r)}; needs ${(VALIDATION_TARGET / r).toFixed(1)}x more)`;
  return `Target: token validation at least ${VALIDATION_TARGET}x Keystone's requests per second: **${verdict}**.`;
}

function markdownSection(run: Run, jsonName: string): string {
  const table = [HEADER, HEADER.map((_, i) => (i === 0 ? '---' : '---:')), ...rows(run)].map((r) => `| ${r.join(' | ')} |`);
  const m = run.method;
  return [
    SECTION,
    '',
    `Run ${run.date} on ${run.machine.nproc} x ${run.machine.model} (nproc, /proc/cpuinfo), both sides in the same run`,
    `of \`bench/keystone.sh\` (raw figures: \`bench/out/${jsonName}\`). Method, the same for both: ${m.tool},`,
    `${m.threads} threads, ${m.seconds} s a figure after ${m.warmup_seconds} s of unrecorded warm-up, request timeout ${m.timeout_seconds ?? 2} s,`,
    "the reference's lua scripts (`../shared/reference/keystone-*.lua`), one project-scoped admin token; each figure is",
    `taken for Keystone then at once for stackgate (1-minute load average ${m.loadavg_1m_before ?? '?'} before, ${m.loadavg_1m_after ?? '?'} after). Keystone is Debian's`,
    `${run.keystone.version || 'python3-keystone'} as \`../shared/reference/setup-keystone.sh\` sets it up (fernet, oslo_cache.dict,`,
    `uwsgi 2 single-threaded processes); stackgate ${run.stackgate.commit || ''} is \`all-in-one\` on the embedded SQLite store,`,
    'STACKGATE_API_WORKERS processes (default 2, as Keystone\'s 2 uwsgi processes). wrk runs on the same cores as the server under test.',
    '',
    ...table,
    '',
    targetLine(run),
    '',
  ].join('\n');
}

// Replaces our section (up to the next "## " heading) and keeps everyone else's.
function updateResults(path: string, section: string): void {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n\nFigures side by side with the reference services, each section from one run on one machine.\n';
  const start = current.indexOf(`${SECTION}\n`);
  let next: string;
  if (start < 0) {
    next = `${current.trimEnd()}\n\n${section}`;
  } else {
    const after = current.indexOf('\n## ', start + SECTION.length);
    next = current.slice(0, start) + section + (after < 0 ? '' : `\n${current.slice(after + 1)}`);
  }
  writeFileSync(path, next.endsWith('\n') ? next : `${next}\n`);
}

function main(argv: string[]): void {
  const file = argv[0];
  if (!file) {
    process.stderr.write('usage: keystone-results.ts RUN.json [--print] [--results RESULTS.md]\n');
    process.exit(2);
  }
  const run = JSON.parse(readFileSync(file, 'utf8')) as Run;
  if (argv.includes('--print')) {
    process.stdout.write(`\n${textTable(run)}\n\n${targetLine(run).replaceAll('**', '')}\n`);
  }
  const at = argv.indexOf('--results');
  if (at >= 0) {
    const path = argv[at + 1];
    if (!path) throw new Error('--results needs a path');
    updateResults(path, markdownSection(run, basename(file)));
    process.stdout.write(`updated ${path}\n`);
  }
}

main(process.argv.slice(2));
