// Cinder figures against a running stackgate: create BENCH_VOLUMES volumes (500 by default) of
// 1 GiB, wait for each to be available, attach each through the attachments API (3.44: create
// with a connector, then os-complete), then time the detailed list. Prints one JSON document.
//
// Usage: node bench/block-storage.ts <stackgate url> <admin password>   (bench/block-storage.sh runs it)
//   BENCH_VOLUMES      volumes to create and attach (default 500)
//   BENCH_CONCURRENCY  concurrent clients (default 8)
//   BENCH_LIST_RUNS    requests per list figure (default 30)
import { performance } from 'node:perf_hooks';

const [url, password] = process.argv.slice(2);
if (!url || !password) {
  console.error('usage: node bench/block-storage.ts <stackgate url> <admin password>');
  process.exit(2);
}
const VOLUMES = Number(process.env.BENCH_VOLUMES ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LIST_RUNS = Number(process.env.BENCH_LIST_RUNS ?? 30);

async function adminSession(): Promise<{ token: string; project: string }> {
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

const { token, project } = await adminSession();
const V = `${url}/volume/v3/${project}`;

async function call(method: string, path: string, body?: unknown, version = '3.44'): Promise<any> {
  const res = await fetch(`${V}${path}`, {
    method,
    headers: { 'x-auth-token': token, 'openstack-api-version': `volume ${version}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const round = (ms: number) => Math.round(ms * 100) / 100;
function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  return { requests: times.length, p50_ms: round(percentile(sorted, 50)), p90_ms: round(percentile(sorted, 90)), max_ms: round(sorted.at(-1) ?? NaN) };
}

await call('PUT', `/os-quota-sets/${project}`, { quota_set: { volumes: -1, gigabytes: -1 } });

const createTimes: number[] = [];
const availableTimes: number[] = [];
const attachTimes: number[] = [];
const ids: string[] = [];
let next = 0;
async function worker(): Promise<void> {
  while (next < VOLUMES) {
    const i = next++;
    const started = performance.now();
    const volume = (await call('POST', '/volumes', { volume: { size: 1, name: `bench-vol-${i}` } })).volume;
    createTimes.push(performance.now() - started);
    for (;;) {
      const shown = (await call('GET', `/volumes/${volume.id}`)).volume;
      if (shown.status === 'available') break;
      if (shown.status === 'error') throw new Error(`volume ${volume.id} went to error`);
      await new Promise((r) => setTimeout(r, 20));
    }
    availableTimes.push(performance.now() - started);
    const attachStarted = performance.now();
    const attachment = (await call('POST', '/attachments', { attachment: {
      volume_uuid: volume.id, instance_uuid: crypto.randomUUID(), connector: { host: `bench-host-${i % 10}`, mountpoint: '/dev/vdb' },
    } })).attachment;
    await call('POST', `/attachments/${attachment.id}/action`, { 'os-complete': null });
    attachTimes.push(performance.now() - attachStarted);
    ids.push(volume.id);
  }
}
const t0 = performance.now();
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const seconds = (performance.now() - t0) / 1000;

const listTimes: number[] = [];
for (let run = 0; run < LIST_RUNS; run++) {
  const started = performance.now();
  const body = await call('GET', '/volumes/detail');
  listTimes.push(performance.now() - started);
  const inUse = body.volumes.filter((v: any) => v.status === 'in-use').length;
  if (body.volumes.length !== VOLUMES || inUse !== VOLUMES) throw new Error(`list detail: ${body.volumes.length} volumes, ${inUse} in-use`);
}
const pageTimes: number[] = [];
for (let run = 0; run < LIST_RUNS; run++) {
  const started = performance.now();
  const body = await call('GET', '/volumes/detail?limit=50');
  pageTimes.push(performance.now() - started);
  if (body.volumes.length !== 50) throw new Error(`limit=50: ${body.volumes.length}`);
}

console.log(JSON.stringify({
  volumes: VOLUMES,
  concurrency: CONCURRENCY,
  total_seconds: Math.round(seconds * 10) / 10,
  create_post: summary(createTimes),
  create_to_available: summary(availableTimes),
  attach_create_and_complete: summary(attachTimes),
  list_detail_all: summary(listTimes),
  list_detail_limit_50: summary(pageTimes),
}, null, 2));
