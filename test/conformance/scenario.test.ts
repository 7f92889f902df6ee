import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAssertion, getPath, interpolate, MissingVariable, parseScenario } from '../../conformance/lib/scenario.ts';
import { declaredTasks, taskResults } from '../../conformance/lib/ansible-results.ts';
import { parseOptions } from '../../conformance/lib/options.ts';

const list = [{ Name: 'keystone', Type: 'identity', Endpoints: [{ interface: 'public' }] }, { Name: 'nova', Type: 'compute' }];

test('getPath: fields, indexes, [*] maps and [?k=v] filters', () => {
  assert.equal(getPath({ a: { b: 1 } }, 'a.b'), 1);
  assert.deepEqual(getPath(list, '[*].Name'), ['keystone', 'nova']);
  assert.equal(getPath(list, '[0].Endpoints[0].interface'), 'public');
  assert.deepEqual(getPath(list, '[?Type=compute].Name'), ['nova']);
  assert.equal(getPath({ 'OS-EXT-STS:vm_state': 'active' }, 'OS-EXT-STS:vm_state'), 'active');
  assert.equal(getPath({ 'Prior Role Name': 'x' }, 'Prior Role Name'), 'x');
  assert.equal(getPath(undefined, 'a.b'), undefined);
  assert.deepEqual(getPath(list, '$'), list);
});

test('assertions', () => {
  assert.equal(checkAssertion({ path: '[*].Type', contains: 'identity' }, list, ''), undefined);
  assert.match(checkAssertion({ path: '[*].Type', contains: 'image' }, list, '')!, /does not contain "image"/);
  assert.equal(checkAssertion({ path: '[*].Type', not_contains: 'image' }, list, ''), undefined);
  assert.equal(checkAssertion({ path: 'ram', equals: 512 }, { ram: 512 }, ''), undefined);
  assert.equal(checkAssertion({ path: 'ram', equals: '512' }, { ram: 512 }, ''), undefined);
  assert.match(checkAssertion({ path: 'enabled', equals: false }, { enabled: true }, '')!, /expected false, got true/);
  assert.match(checkAssertion({ path: 'x', equals: 'a' }, {}, '')!, /got undefined/);
  assert.equal(checkAssertion({ path: 'id', matches: '^[0-9a-f]{4}$' }, { id: 'ab12' }, ''), undefined);
  assert.ok(checkAssertion({ path: 'id', exists: true }, {}, ''));
  assert.equal(checkAssertion({ path: 'roles', length_gte: 2 }, { roles: [1, 2] }, ''), undefined);
  assert.equal(checkAssertion({ stderr_contains: 'HTTP 403' }, undefined, 'Forbidden (HTTP 403)'), undefined);
});

test('interpolate quotes for the shell and names missing variables', () => {
  assert.equal(interpolate('openstack project show ${p}', { p: "it's" }, true), `openstack project show 'it'\\''s'`);
  assert.equal(interpolate('${a}-${b}', { a: 'x', b: 'y' }, false), 'x-y');
  assert.throws(() => interpolate('${nope}', {}, false), MissingVariable);
});

test('every scenario file in conformance/cli parses: one per service, plus <service>-<topic> files', () => {
  const dir = join(import.meta.dirname, '..', '..', 'conformance', 'cli');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const main = files.filter((f) => !f.includes('-'));
  assert.deepEqual(main, ['compute.yaml', 'identity.yaml', 'image.yaml', 'network.yaml', 'object.yaml', 'placement.yaml', 'volume.yaml']);
  for (const f of files) {
    const s = parseScenario(readFileSync(join(dir, f), 'utf8'), f);
    assert.ok(f === `${s.service}.yaml` || f.startsWith(`${s.service}-`), `${f} belongs to service ${s.service}`);
    assert.ok(s.steps.length >= 5, `${f} has steps`);
  }
  assert.throws(() => parseScenario('service: x\nsteps: [{name: a}]', 'bad'), /needs a name and "run" or "http"/);
});

test('ansible playbooks declare openstack.cloud tasks mapped to services', () => {
  const dir = join(import.meta.dirname, '..', '..', 'conformance', 'ansible');
  const tasks = declaredTasks(readFileSync(join(dir, 'stack.yml'), 'utf8'));
  const services = new Set(tasks.map((t) => t.service));
  for (const s of ['identity', 'compute', 'network', 'volume', 'image', 'object']) assert.ok(services.has(s), s);
  assert.ok(!services.has('other'));
  for (const t of tasks) assert.ok(t.tags.includes(t.service), `${t.name} tagged with its service`);
  assert.ok(declaredTasks(readFileSync(join(dir, 'teardown.yml'), 'utf8')).length >= tasks.length - 5);
});

test('taskResults reads the json callback', () => {
  const out = `[WARNING]: noise\n${JSON.stringify({
    plays: [{ tasks: [
      { task: { name: 'project' }, hosts: { localhost: { changed: true } } },
      { task: { name: 'user' }, hosts: { localhost: { failed: true, msg: 'HTTP 404' } } },
      { task: { name: 'x' }, hosts: { localhost: { skipped: true } } },
    ] }],
  })}`;
  assert.deepEqual(taskResults(out), [
    { name: 'project', failed: false, changed: true, skipped: false, msg: undefined },
    { name: 'user', failed: true, changed: false, skipped: false, msg: 'HTTP 404' },
    { name: 'x', failed: false, changed: false, skipped: true, msg: undefined },
  ]);
});

test('options', () => {
  const o = parseOptions(['--suites', 'cli,oracle', '--services=identity', '--keep']);
  assert.deepEqual(o.suites, ['cli', 'oracle']);
  assert.deepEqual(o.services, ['identity']);
  assert.ok(o.servicesLimited && o.keep && !o.updateFloor);
  assert.equal(parseOptions([]).suites.length, 5);
  assert.throws(() => parseOptions(['--suites', 'nope']), /unknown suites "nope"/);
});
