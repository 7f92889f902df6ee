// The scenario format of the CLI suite (conformance/cli/*.yaml) and its pure
// evaluation: variable interpolation, a small JSON path, and assertions.
//
//   service: identity
//   steps:
//     - name: project create            # one step = one test
//       run: openstack project create ${prefix}-p1 -f json   # bash; ${var} is shell-quoted
//       http: {method: GET, service: placement, path: /resource_providers}  # instead of run
//       exit: 0                         # expected exit code (default 0; http: expected status)
//       assert:                         # on the parsed JSON stdout (or HTTP body)
//         - {path: name, equals: "${prefix}-p1"}
//         - {path: "[*].Name", contains: keystone}
//         - {path: id, matches: "^[0-9a-f]{32}$"}
//         - {path: roles, length_gte: 1}
//         - {path: enabled, exists: true}
//         - {path: "[*].Name", not_contains: gone}
//         - {stderr_contains: "No project"}   # for expected failures
//       capture: {project_id: id}       # later steps use ${project_id}
//   cleanup:                            # best effort, always run, not counted
//     - run: openstack project delete ${prefix}-p1
import { parse as parseYaml } from 'yaml';

export interface Assertion {
  path?: string;
  equals?: unknown;
  contains?: unknown;
  not_contains?: unknown;
  matches?: string;
  exists?: boolean;
  length_gte?: number;
  stderr_contains?: string;
}

export interface HttpStep { method: string; service: string; path: string; body?: unknown; headers?: Record<string, string> }

export interface Step {
  name: string;
  run?: string;
  http?: HttpStep;
  exit?: number;
  assert?: Assertion[];
  capture?: Record<string, string>;
  /** seconds; default 120 */
  timeout?: number;
}

export interface Scenario { service: string; description?: string; steps: Step[]; cleanup: Step[] }

export function parseScenario(text: string, origin: string): Scenario {
  const doc = parseYaml(text) as Partial<Scenario> | null;
  if (!doc || typeof doc.service !== 'string' || !Array.isArray(doc.steps)) {
    throw new Error(`${origin}: a scenario needs "service" and a "steps" list`);
  }
  doc.steps.forEach((s, i) => {
    if (!s || typeof s.name !== 'string' || (!s.run && !s.http)) throw new Error(`${origin}: step ${i + 1} needs a name and "run" or "http"`);
  });
  return { service: doc.service, description: doc.description, steps: doc.steps, cleanup: doc.cleanup ?? [] };
}

export const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

export class MissingVariable extends Error {}

/** Replaces ${name}; `quote` shell-quotes the values (for `run` commands). */
export function interpolate(template: string, vars: Record<string, string>, quote: boolean): string {
  return template.replace(/\$\{([A-Za-z_][\w.]*)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new MissingVariable(`variable \${${name}} is not set (an earlier step failed to capture it)`);
    return quote ? shellQuote(value) : value;
  });
}

/** Interpolates every string inside a JSON-like value (http bodies, assertion operands). */
export function interpolateDeep(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, vars, false);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, vars));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, vars)]));
  }
  return value;
}

/**
 * A small JSON path: `a.b`, `a[0].b`, `[*].Name` (maps over an array), and
 * `[?Name=keystone]` (filters an array by a field's string value). `$` or '' is the root.
 */
export function getPath(root: unknown, path: string): unknown {
  const tokens = path.replace(/^\$\.?/, '').match(/\[[^\]]*\]|[^.[\]]+/g) ?? [];
  let current: unknown = root;
  let mapped = false;
  const step = (value: unknown, token: string): unknown => {
    if (value === null || value === undefined) return undefined;
    if (token.startsWith('[')) {
      const inner = token.slice(1, -1);
      if (/^-?\d+$/.test(inner) && Array.isArray(value)) return value.at(Number(inner));
      return (value as Record<string, unknown>)[inner.replace(/^['"]|['"]$/g, '')];
    }
    return (value as Record<string, unknown>)[token];
  };
  for (const token of tokens) {
    if (token === '[*]') {
      if (!Array.isArray(current)) return undefined;
      mapped = true;
      continue;
    }
    const filter = token.match(/^\[\?([^=\]]+)=([^\]]*)\]$/);
    if (filter) {
      const list = (mapped ? current : current) as unknown;
      if (!Array.isArray(list)) return undefined;
      current = list.filter((item) => String(step(item, filter[1])) === filter[2]);
      mapped = true;
      continue;
    }
    current = mapped && Array.isArray(current) ? current.map((item) => step(item, token)) : step(current, token);
  }
  return current;
}

function includes(haystack: unknown, needle: unknown): boolean {
  if (typeof haystack === 'string') return haystack.includes(String(needle));
  if (Array.isArray(haystack)) {
    return haystack.some((item) => item === needle || (typeof item === 'string' && item === String(needle)) || JSON.stringify(item) === JSON.stringify(needle));
  }
  if (haystack && typeof haystack === 'object') return Object.prototype.hasOwnProperty.call(haystack, String(needle));
  return false;
}

const show = (v: unknown) => {
  const text = JSON.stringify(v);
  return text === undefined ? 'undefined' : text.length > 160 ? `${text.slice(0, 159)}…` : text;
};

/** Checks one assertion; returns an error message, or undefined when it holds. */
export function checkAssertion(a: Assertion, output: unknown, stderr: string): string | undefined {
  if (a.stderr_contains !== undefined) {
    return stderr.includes(a.stderr_contains) ? undefined : `stderr does not contain ${show(a.stderr_contains)}: ${show(stderr.trim().split('\n').pop() ?? '')}`;
  }
  const path = a.path ?? '';
  const value = getPath(output, path);
  const where = `at ${path || '$'}`;
  if (a.exists !== undefined) {
    const present = value !== undefined;
    if (present !== a.exists) return `${where}: expected ${a.exists ? 'a value' : 'nothing'}, got ${show(value)}`;
  }
  if ('equals' in a) {
    const ok = JSON.stringify(value) === JSON.stringify(a.equals) || (typeof value !== 'object' && String(value) === String(a.equals) && value !== undefined);
    if (!ok) return `${where}: expected ${show(a.equals)}, got ${show(value)}`;
  }
  if (a.contains !== undefined && !includes(value, a.contains)) return `${where}: ${show(value)} does not contain ${show(a.contains)}`;
  if (a.not_contains !== undefined && includes(value, a.not_contains)) return `${where}: ${show(value)} contains ${show(a.not_contains)}`;
  if (a.matches !== undefined && !(typeof value === 'string' && new RegExp(a.matches).test(value))) {
    return `${where}: ${show(value)} does not match /${a.matches}/`;
  }
  if (a.length_gte !== undefined) {
    const length = Array.isArray(value) || typeof value === 'string' ? value.length : -1;
    if (length < a.length_gte) return `${where}: expected length >= ${a.length_gte}, got ${show(value)}`;
  }
  return undefined;
}
