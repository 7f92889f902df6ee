// A minimal OpenStack HTTP client (token + catalog lookup) for seeding and for
// scenario steps of services that have no CLI here (placement).
export interface CatalogEntry { type: string; name: string; endpoints: { interface: string; url: string; region_id?: string }[] }

export interface Session {
  token: string;
  catalog: CatalogEntry[];
  projectId: string;
}

export interface HttpResult { status: number; body: unknown; text: string; headers: Headers }

/**
 * fetch, retried once when the connection itself failed: a pooled keep-alive socket
 * the server closed while a long suite ran fails the next request with "fetch failed".
 */
export async function fetchRetry(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    await new Promise((r) => setTimeout(r, 200));
    return fetch(url, init);
  }
}

export async function passwordSession(authUrl: string, user: string, password: string, project: string, domain = 'Default'): Promise<Session> {
  const res = await fetchRetry(`${authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: domain } } } },
        scope: { project: { name: project, domain: { name: domain } } },
      },
    }),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`token issue for ${user}: HTTP ${res.status} ${text.slice(0, 300)}`);
  const body = JSON.parse(text);
  return { token: res.headers.get('x-subject-token') ?? '', catalog: body.token.catalog ?? [], projectId: body.token.project?.id ?? '' };
}

/** The public endpoint of a service type, or an error naming what is missing. */
export function endpointFor(session: Session, types: readonly string[]): string {
  for (const type of types) {
    const entry = session.catalog.find((e) => e.type === type);
    const ep = entry?.endpoints.find((e) => e.interface === 'public');
    if (ep) return ep.url.replace(/\/+$/, '');
  }
  throw new Error(`service ${types.join('/')} is not in the catalog (not implemented by stackgate yet)`);
}

export async function call(
  session: Session,
  types: readonly string[],
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const base = endpointFor(session, types);
  const init: RequestInit = { method, headers: { 'X-Auth-Token': session.token, Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    if (typeof body === 'string' || body instanceof Uint8Array) {
      init.body = body as string;
    } else {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
    }
  }
  const res = await fetchRetry(`${base}${path}`, init);
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** Throws unless the status is one of `ok`, with the body's first bytes as the message. */
export function expectStatus(res: HttpResult, ok: number[], what: string): void {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${res.text.replace(/\s+/g, ' ').slice(0, 300)}`);
}
