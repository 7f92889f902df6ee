// Suite 4: every JSON response stackgate recorded during suites 1-3 is validated
// against the upstream OpenAPI description (../shared/openapi-oracle) of its
// operation, for the microversion of the request. The oracle is read in place.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ROOT } from './server.ts';
import { firstLine, type TestResult } from './results.ts';
import { candidatePaths, compileTemplates, inRange, jsPattern, matchTemplate, parseVersion, type PathTemplate } from './oracle-paths.ts';

export const ORACLE_DIR = resolve(process.env.CONFORMANCE_ORACLE_DIR ?? join(ROOT, '..', 'shared', 'openapi-oracle'));

/** recorded service type -> harness service, url prefix, oracle files (fallbacks after the first) */
const SERVICES: Record<string, { service: string; prefix: string; files: string[] }> = {
  identity: { service: 'identity', prefix: '/identity', files: ['identity/v3.14.yaml', 'identity-archive/v3.14.yaml'] },
  compute: { service: 'compute', prefix: '/compute', files: ['compute/v2.100.yaml'] },
  image: { service: 'image', prefix: '/image', files: ['image/v2.16.yaml'] },
  network: { service: 'network', prefix: '/networking', files: ['network/v2.29.yaml'] },
  'block-storage': { service: 'volume', prefix: '/volume', files: ['block-storage/v3.71.yaml'] },
  volumev3: { service: 'volume', prefix: '/volume', files: ['block-storage/v3.71.yaml'] },
  'object-store': { service: 'object', prefix: '/object-store', files: ['object-store/v1.yaml'] },
  placement: { service: 'placement', prefix: '/placement', files: ['placement/v1.39.yaml'] },
};
const HARNESS_TO_TYPES: Record<string, string[]> = {};
for (const [type, s] of Object.entries(SERVICES)) (HARNESS_TO_TYPES[s.service] ??= []).push(type);

interface Recorded { service: string; operationId: string | null; method: string; path: string; status: number; microversion: string | null; body: unknown }

type Json = Record<string, any>;

/** One oracle file, with compiled validators cached per (pointer, microversion). */
class OracleSpec {
  readonly doc: Json;
  readonly templates: PathTemplate[];
  private readonly validators = new Map<string, (body: unknown) => string | undefined>();
  private readonly file: string;

  constructor(file: string) {
    this.file = file;
    this.doc = parseYaml(readFileSync(file, 'utf8'), { maxAliasCount: -1 }) as Json;
    this.templates = compileTemplates(Object.keys(this.doc.paths ?? {}));
  }

  match(paths: string[]): string | undefined {
    for (const p of paths) {
      const t = matchTemplate(this.templates, p);
      if (t) return t;
    }
    return undefined;
  }

  /** the response schema for a status; status codes in the oracle are unreliable, so any 2xx schema stands in for a 2xx */
  responseSchema(template: string, method: string, status: number): { pointer: string; operationId: string } | undefined {
    const op = this.doc.paths?.[template]?.[method.toLowerCase()];
    if (!op) return undefined;
    const responses = (op.responses ?? {}) as Json;
    const jsonOf = (code: string) => responses[code]?.content?.['application/json']?.schema;
    let code: string | undefined = jsonOf(String(status)) ? String(status) : undefined;
    if (!code && status >= 200 && status < 300) code = Object.keys(responses).find((c) => /^2/.test(c) && jsonOf(c));
    if (!code) return { pointer: '', operationId: op.operationId ?? `${method} ${template}` };
    const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
    return {
      pointer: `#/paths/${esc(template)}/${method.toLowerCase()}/responses/${code}/content/${esc('application/json')}/schema`,
      operationId: op.operationId ?? `${method} ${template}`,
    };
  }

  validator(pointer: string, microversion: string | null): (body: unknown) => string | undefined {
    const key = `${pointer}@${microversion ?? ''}`;
    let v = this.validators.get(key);
    if (v) return v;
    const doc = prepareForVersion(this.doc, parseVersion(microversion));
    const AjvCtor = ((Ajv2020 as any).default ?? Ajv2020) as any;
    const ajv = new AjvCtor({ strict: false, unicodeRegExp: false, allErrors: false, validateSchema: false, validateFormats: true });
    ((addFormats as any).default ?? addFormats)(ajv);
    // Nova timestamps carry no zone: accept ISO 8601 with or without one.
    ajv.addFormat('date-time', /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/i);
    // The oracle marks ids "uuid" where Keystone uses uuid4().hex, the domain id
    // "default" and region names: an id's format is not judged.
    ajv.addFormat('uuid', true);
    for (const format of collectFormats(doc)) {
      if (!ajv.formats[format]) ajv.addFormat(format, true);
    }
    const id = `oracle:${this.file}`;
    ajv.addSchema({ ...doc, $id: id }, id);
    let compiled: any;
    try {
      compiled = ajv.compile({ $ref: `${id}${pointer}` });
    } catch (error) {
      const message = `oracle schema does not compile: ${error instanceof Error ? error.message : String(error)}`;
      v = () => message;
      this.validators.set(key, v);
      return v;
    }
    v = (body: unknown) => {
      if (compiled(body)) return undefined;
      const e = compiled.errors?.[0];
      if (!e) return 'invalid';
      const extra = e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : e.params?.missingProperty ? ` (${e.params.missingProperty})` : '';
      return `${e.instancePath || '/'} ${e.message}${extra}`;
    };
    this.validators.set(key, v);
    return v;
  }
}

function collectFormats(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => collectFormats(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'format' && typeof v === 'string') out.add(v);
      else collectFormats(v, out);
    }
  }
  return out;
}

/**
 * A copy of the oracle document fit for one microversion: `oneOf` with a microversion
 * discriminator keeps only the variants whose x-openstack range holds the version, and
 * every `oneOf` becomes `anyOf` (variants often overlap); Python regexes are translated;
 * timestamps named *_at may be null (the oracle types some nullable fields non-null).
 */
export function prepareForVersion(doc: Json, version: number[] | undefined): Json {
  const resolveRef = (ref: string): Json | undefined => {
    if (!ref.startsWith('#/')) return undefined;
    let node: any = doc;
    for (const part of ref.slice(2).split('/')) node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    return node;
  };
  const walk = (node: any, parentKey: string): any => {
    if (Array.isArray(node)) return node.map((n) => walk(n, parentKey));
    if (!node || typeof node !== 'object') return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'pattern' && typeof v === 'string') out[k] = jsPattern(v);
      else if (k === 'oneOf' && Array.isArray(v)) {
        let variants = v;
        if (version && (node as Json)['x-openstack']?.discriminator === 'microversion') {
          const fitting = v.filter((variant: Json) => {
            const target = variant.$ref ? resolveRef(variant.$ref) : variant;
            return inRange(version, target?.['x-openstack']);
          });
          if (fitting.length > 0) variants = fitting;
        }
        out.anyOf = walk(variants, k);
      } else if (k === 'properties' && v && typeof v === 'object') {
        const props: Json = {};
        for (const [name, schema] of Object.entries(v as Json)) {
          const walked = walk(schema, name);
          if (/_at$/.test(name) && walked && walked.type === 'string') walked.type = ['string', 'null'];
          props[name] = walked;
        }
        out[k] = props;
      } else out[k] = walk(v, k);
    }
    return out;
  };
  return walk(doc, '');
}

interface OpTally { service: string; operation: string; checked: number; failed: number; firstError?: string; unchecked: number }

export async function runOracleSuite(recordDir: string, services: readonly string[], log: (l: string) => void): Promise<{ results: TestResult[]; notes: string[] }> {
  const notes: string[] = [];
  if (!existsSync(ORACLE_DIR)) {
    const note = `oracle missing: ${ORACLE_DIR} is absent (a user's clone without ../shared); suite skipped`;
    log(`  ${note}`);
    if (process.env.CI === 'true') {
      return { results: [{ suite: 'oracle', service: 'harness', name: 'oracle present', outcome: 'failed', error: `${note}; CI requires it` }], notes: [note] };
    }
    return { results: [], notes: [note] };
  }
  notes.push(`oracle: ${ORACLE_DIR}; status codes are not judged (unreliable in the oracle); *_at timestamps may be null; date-time accepts no zone; the uuid format is not judged (Keystone ids: hex, 'default', region names)`);
  const specs = new Map<string, OracleSpec>();
  const spec = (file: string) => {
    let s = specs.get(file);
    if (!s) specs.set(file, (s = new OracleSpec(join(ORACLE_DIR, file))));
    return s;
  };
  const tallies = new Map<string, OpTally>();
  const results: TestResult[] = [];
  for (const service of services) {
    const types = HARNESS_TO_TYPES[service] ?? [];
    const files = types.map((t) => join(recordDir, `${t}.jsonl`)).filter((f) => existsSync(f));
    if (files.length === 0) {
      results.push({ suite: 'oracle', service, name: `${service} responses`, outcome: 'failed', error: `no ${service} responses recorded (stackgate does not serve ${service} yet)` });
      continue;
    }
    for (const file of files) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        let rec: Recorded;
        try {
          rec = JSON.parse(line);
        } catch {
          continue; // a line cut by the server's stop
        }
        const meta = SERVICES[rec.service];
        if (!meta || rec.method === 'HEAD') continue;
        const paths = candidatePaths(rec.path, meta.prefix);
        let found: { spec: OracleSpec; template: string; schema: { pointer: string; operationId: string } } | undefined;
        for (const f of meta.files) {
          const s = spec(f);
          const template = s.match(paths);
          if (!template) continue;
          const schema = s.responseSchema(template, rec.method, rec.status);
          if (!schema) continue;
          if (!found || (!found.schema.pointer && schema.pointer)) found = { spec: s, template, schema };
          if (schema.pointer) break;
        }
        const operation = found ? `${found.schema.operationId} (${rec.method} ${found.template})` : `unmatched: ${rec.method} ${rec.operationId ?? paths[0]}`;
        const key = `${meta.service}|${operation}`;
        const tally = tallies.get(key) ?? { service: meta.service, operation, checked: 0, failed: 0, unchecked: 0 };
        tallies.set(key, tally);
        if (!found) {
          tally.checked += 1;
          tally.failed += 1;
          tally.firstError ??= `no oracle operation for ${rec.method} ${paths[0]}`;
          continue;
        }
        if (!found.schema.pointer) {
          tally.unchecked += 1; // e.g. an error body: the oracle declares none
          continue;
        }
        tally.checked += 1;
        const error = found.spec.validator(found.schema.pointer, rec.microversion)(rec.body);
        if (error) {
          tally.failed += 1;
          tally.firstError ??= `HTTP ${rec.status} ${error}`;
        }
      }
    }
  }
  for (const t of [...tallies.values()].sort((a, b) => a.operation.localeCompare(b.operation))) {
    if (t.checked === 0) {
      results.push({ suite: 'oracle', service: t.service, name: t.operation, outcome: 'skipped', error: `${t.unchecked} responses without an oracle schema` });
    } else if (t.failed > 0) {
      results.push({ suite: 'oracle', service: t.service, name: t.operation, outcome: 'failed', error: firstLine(`${t.failed}/${t.checked} responses mismatch: ${t.firstError}`) });
    } else {
      results.push({ suite: 'oracle', service: t.service, name: t.operation, outcome: 'passed' });
    }
  }
  return { results, notes };
}
