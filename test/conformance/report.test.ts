import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport, closingLine, renderMarkdown, summarizeSuite } from '../../conformance/lib/report.ts';
import type { TestResult } from '../../conformance/lib/results.ts';
import { firstLine } from '../../conformance/lib/results.ts';

const results: TestResult[] = [
  { suite: 'cli', service: 'identity', name: 'token issue', outcome: 'passed' },
  { suite: 'cli', service: 'identity', name: 'region create', outcome: 'failed', error: 'exit 1: HTTP 404' },
  { suite: 'cli', service: 'compute', name: 'server create', outcome: 'failed', error: 'not in catalog | pipes' },
  { suite: 'cli', service: 'compute', name: 'flavor list', outcome: 'skipped' },
];

test('summarizeSuite counts per service and lists failures in order', () => {
  const s = summarizeSuite('cli', results, 12.4);
  assert.deepEqual(s.totals, { passed: 1, failed: 2, skipped: 1 });
  assert.deepEqual(s.services.identity, { passed: 1, failed: 1, skipped: 0 });
  assert.deepEqual(s.services.compute, { passed: 0, failed: 1, skipped: 1 });
  assert.deepEqual(s.failures.map((f) => f.name), ['region create', 'server create']);
});

test('buildReport sums suites; the closing line is not the bare CI form', () => {
  const report = buildReport([summarizeSuite('cli', results, 1), summarizeSuite('oracle', [{ suite: 'oracle', service: 'identity', name: 'x', outcome: 'passed' }], 2)], '2026-01-01T00:00:00Z');
  assert.deepEqual(report.totals, { passed: 2, failed: 2, skipped: 1 });
  assert.equal(closingLine(report), 'conformance: 2 passed, 2 failed, 1 skipped');
  assert.doesNotMatch(closingLine(report), /^\d+ passed, \d+ failed$/);
});

test('renderMarkdown has a table per suite and escapes pipes in failures', () => {
  const md = renderMarkdown(buildReport([summarizeSuite('cli', results, 1, ['a note'])], 't'));
  assert.match(md, /\| cli \| 1 \| 2 \| 1 \|/);
  assert.match(md, /## cli\n\n> a note/);
  assert.match(md, /\| compute \| 0 \| 1 \| 1 \|/);
  assert.match(md, /- \*\*compute\*\* `server create`: not in catalog \\\| pipes/);
});

test('firstLine skips blank lines and truncates', () => {
  assert.equal(firstLine('\n  \n  boom  \nsecond'), 'boom');
  assert.equal(firstLine('x'.repeat(400), 10).length, 10);
  assert.equal(firstLine(undefined), '');
});

test('topCauses groups messages that differ by ids and run prefixes', async () => {
  const { topCauses } = await import('../../conformance/lib/report.ts');
  const causes = topCauses([
    'exit 1: No user with a name or ID of \'conf1a2b3c-user\' exists.',
    'exit 1: No user with a name or ID of \'conf9f8e7d-user\' exists.',
    'not found 0123456789abcdef0123456789abcdef (Request-ID: req-11)',
    'not found fedcba9876543210fedcba9876543210 (Request-ID: req-22)',
    'other',
  ]);
  assert.deepEqual(causes.map((c) => c.count), [2, 2, 1]);
  assert.equal(causes[0].cause, "exit 1: No user with a name or ID of '<name>' exists.");
  assert.equal(causes[1].cause, 'not found <id>');
});
