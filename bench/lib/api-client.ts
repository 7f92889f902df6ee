// What the service bench drivers share: their command line, the admin's project-scoped token,
// a JSON caller that fails on any non-2xx answer, and latency summaries.
export function benchArgs(script: string): { url: string; password: string } {
  const [url, password] = process.argv.slice(2);
  if (!url || !password) {
    console.error(`usage: node bench/${script}.ts <stackgate url> <admin password>`);
    process.exit(2);
  }
  return { url, password };
}

export async function adminSession(url: string, password: string): Promise<{ token: string; project: string }> {
  const res = await fetch(`${url}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } },
      scope: { project: { name: 'admin', domain: { id: 'default' } } },
    } }),
  });
  if (res.status !== 201) throw new Error(`token: ${res.status} ${await res.text()}`);
  const body = await res.json() as { token: { project: { id: string } } };
  return { token: res.headers.get('x-subject-token')!, project: body.token.project.id };
}

/** a caller for one API root: JSON in and out, the token and any fixed headers on every request */
export function jsonCaller(base: string, token: string, headers: Record<string, string> = {}) {
  return async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<any> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-auth-token': token, ...headers, ...extra, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const round = (ms: number) => Math.round(ms * 100) / 100;

/** request count, p50, the tail percentile asked for (p90 or p99) and max, in ms */
export function summary(times: number[], tail: 90 | 99 = 90): Record<string, number> {
  const sorted = [...times].sort((a, b) => a - b);
  return { requests: times.length, p50_ms: round(percentile(sorted, 50)), [`p${tail}_ms`]: round(percentile(sorted, tail)), max_ms: round(sorted.at(-1) ?? NaN) };
}
