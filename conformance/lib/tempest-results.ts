// Pure parts of the Tempest suite: which harness service a test id belongs to,
// and the expansion of class-level fixture results to every requested test.
import type { Outcome } from './results.ts';

export interface RawResult { test: string; status: string; error?: string }
export interface Expanded { test: string; outcome: Outcome; how: 'test' | 'class-fixture' | 'no-result'; error?: string }

const COMPONENT_TO_SERVICE: Record<string, string> = {
  identity: 'identity',
  compute: 'compute',
  image: 'image',
  network: 'network',
  volume: 'volume',
  object_storage: 'object',
};

/** tempest.api.<component>.… -> harness service name (object_storage -> object). */
export function serviceOfTest(id: string): string {
  const parts = id.split('.');
  const component = parts[0] === 'tempest' && parts[1] === 'api' ? parts[2] : parts[1];
  return COMPONENT_TO_SERVICE[component] ?? component;
}

export const TEMPEST_COMPONENT: Record<string, string> = Object.fromEntries(Object.entries(COMPONENT_TO_SERVICE).map(([k, v]) => [v, k]));

/** the id without its [attributes] */
export const baseId = (id: string) => id.split('[')[0];
/** module.Class of a test id */
export const classOf = (id: string) => baseId(id).split('.').slice(0, -1).join('.');

function outcomeOf(status: string): Outcome {
  if (status === 'success' || status === 'xfail') return 'passed';
  if (status === 'skip') return 'skipped';
  return 'failed';
}

/**
 * Tempest reports a setUpClass failure (or class skip) once, as "setUpClass (mod.Class)";
 * every requested test of that class takes the fixture's result. A requested test with
 * no result at all (the worker died, the run timed out) is a failure.
 */
export function expandResults(requested: string[], raw: RawResult[]): Expanded[] {
  const byTest = new Map<string, RawResult>();
  const byClass = new Map<string, RawResult>();
  for (const r of raw) {
    const fixture = r.test.match(/^(setUpClass|setUpModule|tearDownClass) \((.+)\)$/);
    if (fixture) {
      // a teardown failure does not change the tests' results (tempest counts it apart)
      if (fixture[1] !== 'tearDownClass') byClass.set(fixture[2], r);
      continue;
    }
    byTest.set(r.test, r);
    byTest.set(baseId(r.test), r);
  }
  return requested.map((test) => {
    const direct = byTest.get(test) ?? byTest.get(baseId(test));
    if (direct) return { test, outcome: outcomeOf(direct.status), how: 'test', error: direct.error };
    const cls = classOf(test);
    const fixture = byClass.get(cls) ?? byClass.get(cls.split('.').slice(0, -1).join('.'));
    if (fixture) return { test, outcome: outcomeOf(fixture.status), how: 'class-fixture', error: fixture.error };
    return { test, outcome: 'failed', how: 'no-result', error: 'no result: the test did not run (worker crash or timeout)' };
  });
}

/** The line of a Python traceback that says what went wrong (exception and its details). */
export function errorLine(traceback: string | undefined): string {
  if (!traceback) return '';
  const lines = traceback.split('\n').map((l) => l.replace(/\s+$/, ''));
  const top = lines.filter((l) => l && !/^\s/.test(l) && !/^(Traceback|During handling|The above exception)/.test(l));
  if (top.length === 0) return lines.find((l) => l.trim())?.trim() ?? '';
  const last = top[top.length - 1];
  if (last.startsWith('Details:') && top.length >= 2) return `${top[top.length - 2]} ${last}`;
  return last;
}

/** Normalises a list file (full ids, bare ids, comments) against the ids this tempest has. */
export function matchList(wanted: string[], available: string[]): { matched: string[]; missing: string[] } {
  const byBase = new Map(available.map((t) => [baseId(t), t]));
  const byUuid = new Map<string, string[]>();
  for (const t of available) {
    const m = t.match(/[[,](id-[0-9a-f-]{36})/);
    if (m) byUuid.set(m[1], [...(byUuid.get(m[1]) ?? []), t]);
  }
  const matched: string[] = [];
  const missing: string[] = [];
  for (const raw of wanted) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const hit = byBase.get(baseId(line));
    if (hit) {
      matched.push(hit);
      continue;
    }
    const uuid = line.match(/(id-[0-9a-f-]{36})/)?.[1];
    const candidates = uuid ? byUuid.get(uuid) ?? [] : [];
    if (candidates.length === 1) matched.push(candidates[0]);
    else missing.push(line);
  }
  return { matched: [...new Set(matched)], missing };
}
