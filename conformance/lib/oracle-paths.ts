// Pure parts of the oracle suite: mapping a recorded request path onto the oracle's
// path templates, and microversion arithmetic.

export interface PathTemplate { template: string; regex: RegExp; literals: number }

export function compileTemplates(templates: string[]): PathTemplate[] {
  return templates.map((template) => {
    const segments = template.split('/').filter(Boolean);
    const pattern = segments
      .map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : s.replace(/\{[^}]+\}/g, '[^/]+').replace(/[.*+?^$()|[\]\\]/g, (c) => (c === '[' || c === ']' ? c : `\\${c}`))))
      .join('/');
    return { template, regex: new RegExp(`^/${pattern}/?$`), literals: segments.filter((s) => !s.includes('{')).length };
  });
}

/** The template that matches a path (query excluded); the most literal one wins. */
export function matchTemplate(templates: PathTemplate[], path: string): string | undefined {
  const clean = path.split('?')[0].replace(/\/+$/, '') || '/';
  let best: PathTemplate | undefined;
  for (const t of templates) {
    if (t.regex.test(clean) && (!best || t.literals > best.literals)) best = t;
  }
  return best?.template;
}

const PROJECT_SEGMENT = /^\/(v[\d.]+)\/(?:[0-9a-f]{32}|[0-9a-f-]{36}|AUTH_[^/]+)(?=\/|$)/;

/**
 * Candidate oracle-relative forms of a recorded path: without the service prefix
 * (e.g. /identity), and also without a project id after the version (Nova's
 * /v2.1/{project_id}/servers is /v2.1/servers in the oracle).
 */
export function candidatePaths(recorded: string, servicePrefix: string): string[] {
  let path = recorded.split('?')[0];
  if (servicePrefix && (path === servicePrefix || path.startsWith(`${servicePrefix}/`))) path = path.slice(servicePrefix.length) || '/';
  const out = [path];
  if (PROJECT_SEGMENT.test(path)) out.push(path.replace(PROJECT_SEGMENT, '/$1'));
  return out;
}

export function parseVersion(v: string | undefined | null): number[] | undefined {
  if (v === undefined || v === null || !/^\d+(\.\d+)*$/.test(String(v))) return undefined;
  return String(v).split('.').map(Number);
}

export function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Whether a microversion lies within an `x-openstack: {min-ver, max-ver}` range. */
export function inRange(version: number[], range: { 'min-ver'?: string; 'max-ver'?: string } | undefined): boolean {
  if (!range) return true;
  const min = parseVersion(range['min-ver']);
  const max = parseVersion(range['max-ver']);
  if (min && compareVersions(version, min) < 0) return false;
  if (max && compareVersions(version, max) > 0) return false;
  return true;
}

/** A Python `re` pattern made acceptable to JavaScript (named groups, \Z, \A). */
export function jsPattern(pattern: string): string {
  return pattern.replace(/\(\?P</g, '(?<').replace(/\\Z/g, '$').replace(/\\A/g, '^').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
}
