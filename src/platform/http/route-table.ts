// Which operation a request is, decided from a table built once from the
// api-ref. openapi-backend's own matcher rebuilds its operation list and
// compiles a regular expression per template on every request; with the
// hundreds of operations a service has, that was a fifth of a request's time.
// Same rules: exact paths first, then templates, the most literal one first;
// trailing slashes are ignored.
import { badRequest } from './api-error.ts';

export interface RoutedOperation {
  operationId: string;
  method: string;
  path: string;
  [key: string]: unknown;
}

interface TemplateRoute {
  operation: RoutedOperation;
  pattern: RegExp;
  names: string[];
  literalLength: number;
}

export interface RouteMatch {
  operation: RoutedOperation;
  params: Record<string, string>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function normalizePath(path: string): string {
  let p = path.split('?')[0] || '/';
  if (!p.startsWith('/')) p = `/${p}`;
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

function decodeParam(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw badRequest(`Invalid percent-encoding in ${name}.`);
  }
}

export class RouteTable {
  private readonly exact = new Map<string, Map<string, RoutedOperation>>();
  private readonly templates: TemplateRoute[] = [];

  constructor(operations: readonly RoutedOperation[]) {
    for (const operation of operations) {
      const method = operation.method.toLowerCase();
      const path = normalizePath(operation.path);
      if (!path.includes('{')) {
        let byMethod = this.exact.get(path);
        if (!byMethod) this.exact.set(path, (byMethod = new Map()));
        byMethod.set(method, operation);
        continue;
      }
      const names: string[] = [];
      const source = path
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const m = /^\{([^}]+)\}$/.exec(part);
          if (!m) return escapeRegExp(part);
          names.push(m[1]);
          return '([^/]+)';
        })
        .join('');
      this.templates.push({
        operation,
        pattern: new RegExp(`^${source}$`),
        names,
        literalLength: path.replace(/\{[^}]*\}/g, '').length,
      });
    }
    this.templates.sort((a, b) => b.literalLength - a.literalLength);
  }

  /** The operation for this method and path; undefined when none (see pathExists for 404 vs 405). */
  match(method: string, rawPath: string): RouteMatch | undefined {
    const path = normalizePath(rawPath);
    const wanted = method.toLowerCase();
    const exact = this.exact.get(path)?.get(wanted);
    if (exact) return { operation: exact, params: {} };
    for (const route of this.templates) {
      if (route.operation.method.toLowerCase() !== wanted) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      // A literal path with other methods wins over a template (e.g. /v3/auth/tokens vs /v3/auth/{x}).
      if (this.exact.has(path)) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeParam(name, m[i + 1])));
      return { operation: route.operation, params };
    }
    return undefined;
  }

  /** True when some method serves this path: the difference between 405 and 404. */
  pathExists(rawPath: string): boolean {
    const path = normalizePath(rawPath);
    return this.exact.has(path) || this.templates.some((r) => r.pattern.test(path));
  }
}
