// Loads one service's OpenAPI description from api-ref/<name>/. The root file
// openapi.yaml carries info and shared components; every other YAML file in the
// folder adds paths and components. Splitting by resource keeps each file readable.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const API_REF_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'api-ref');

export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export function loadApiRef(name: string, dir = API_REF_DIR): OpenApiDocument {
  const folder = join(dir, name);
  const root = parseYaml(readFileSync(join(folder, 'openapi.yaml'), 'utf8')) as OpenApiDocument;
  root.paths ??= {};
  root.components ??= {};
  const parts = readdirSync(folder)
    .filter((f) => f.endsWith('.yaml') && f !== 'openapi.yaml')
    .sort();
  for (const part of parts) {
    const doc = parseYaml(readFileSync(join(folder, part), 'utf8')) as Partial<OpenApiDocument>;
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      if (root.paths[path]) throw new Error(`api-ref/${name}/${part}: path ${path} is already defined`);
      root.paths[path] = item;
    }
    for (const [section, entries] of Object.entries(doc.components ?? {})) {
      root.components[section] ??= {};
      for (const [key, value] of Object.entries(entries)) {
        if (root.components[section][key]) throw new Error(`api-ref/${name}/${part}: components.${section}.${key} is already defined`);
        root.components[section][key] = value;
      }
    }
  }
  return root;
}

export interface OperationInfo {
  operationId: string;
  method: string;
  path: string;
  operation: Record<string, unknown>;
}

export function operations(doc: OpenApiDocument): OperationInfo[] {
  const out: OperationInfo[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method] as Record<string, unknown> | undefined;
      if (operation) out.push({ operationId: String(operation.operationId), method, path, operation });
    }
  }
  return out;
}
