import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareFloor, measuredPassed, raiseFloor } from '../../conformance/lib/floor.ts';
import { buildReport, summarizeSuite } from '../../conformance/lib/report.ts';

const report = buildReport([
  summarizeSuite('cli', [
    { suite: 'cli', service: 'identity', name: 'a', outcome: 'passed' },
    { suite: 'cli', service: 'identity', name: 'b', outcome: 'passed' },
    { suite: 'cli', service: 'compute', name: 'c', outcome: 'failed' },
  ], 1),
], 't');

test('measuredPassed keys suites and suite/service', () => {
  assert.deepEqual(measuredPassed(report), { cli: 2, 'cli/identity': 2, 'cli/compute': 0 });
});

test('compareFloor reports drops below the floor only', () => {
  const measured = measuredPassed(report);
  assert.deepEqual(compareFloor({ cli: 2, 'cli/identity': 2 }, measured, ['cli']), []);
  assert.deepEqual(compareFloor({ cli: 3, 'cli/identity': 1 }, measured, ['cli']), [{ key: 'cli', floor: 3, measured: 2 }]);
  // a service that vanished from the report counts as 0
  assert.deepEqual(compareFloor({ 'cli/image': 4 }, measured, ['cli']), [{ key: 'cli/image', floor: 4, measured: 0 }]);
});

test('compareFloor ignores suites and services the run did not cover', () => {
  const measured = measuredPassed(report);
  assert.deepEqual(compareFloor({ ansible: 10, 'ansible/identity': 3 }, measured, ['cli']), []);
  // limited to identity: the suite total and other services are not comparable
  assert.deepEqual(compareFloor({ cli: 50, 'cli/compute': 5, 'cli/identity': 2 }, measured, ['cli'], ['identity']), []);
  assert.deepEqual(compareFloor({ 'cli/identity': 3 }, measured, ['cli'], ['identity']), [{ key: 'cli/identity', floor: 3, measured: 2 }]);
});

test('raiseFloor raises, never lowers, and keeps unknown keys', () => {
  assert.deepEqual(raiseFloor({ cli: 5, 'cli/identity': 1, oracle: 7 }, { cli: 2, 'cli/identity': 2, 'cli/compute': 0 }), {
    cli: 5, 'cli/identity': 2, oracle: 7,
  });
});
