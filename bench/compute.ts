// Nova figures against a running stackgate with instant simulated hosts:
// 1. boot BENCH_BOOT servers (1,000 by default) with one POST /servers each, BENCH_CONCURRENCY at
//    a time, on a network (a port each): POST latencies, and the time from the first POST until
//    every one is ACTIVE;
// 2. fill up to BENCH_LIST_SERVERS servers (10,000) with min_count batches of BENCH_BATCH, wait
//    for them to settle, then page GET /servers/detail with limit=1000 through all of them,
//    BENCH_LIST_RUNS times: latency per page.
// BENCH_BOOT=0 runs only the list part (2), filling all BENCH_LIST_SERVERS with batches.
// Prints one JSON document.
//
// Usage: node bench/compute.ts <stackgate url> <admin password>   (bench/compute.sh runs it)
import { performance } from 'node:perf_hooks';
import { adminSession, benchArgs, jsonCaller, round, summary as tailSummary } from './lib/api-client.ts';

const { url, password } = benchArgs('compute');
const BOOT = Number(process.env.BENCH_BOOT ?? 1000);
const LIST_SERVERS = Number(process.env.BENCH_LIST_SERVERS ?? 10000);
const BATCH = Number(process.env.BENCH_BATCH ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LIST_RUNS = Number(process.env.BENCH_LIST_RUNS ?? 5);
const PAGE = 1000;

const { token, project } = await adminSession(url, password);

const call = jsonCaller(url, token, { 'openstack-api-version': 'compute 2.79' });

// Nova's figures report the p99 tail
const summary = (times: number[]) => tailSummary(times, 99);

// room for everything: quotas off, a tiny flavor, a network with a /18 (16,381 addresses)
await call('PUT', `/compute/v2.1/os-quota-sets/${project}`, { quota_set: { instances: -1, cores: -1, ram: -1 } });
await call('PUT', `/networking/v2.0/quotas/${project}`, { quota: { port: -1 } });
const flavor = (await call('POST', '/compute/v2.1/flavors', { flavor: { name: 'bench.tiny', ram: 64, vcpus: 1, disk: 1 } })).flavor;
const images = (await call('GET', '/image/v2/images?limit=1')).images;
let imageRef: string = images[0]?.id;
if (!imageRef) {
  const image = await call('POST', '/image/v2/images', { name: 'bench-image', disk_format: 'raw', container_format: 'bare' });
  await fetch(`${url}/image/v2/images/${image.id}/file`, { method: 'PUT', headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream' }, body: Buffer.alloc(1024) });
  imageRef = image.id;
}
const network = (await call('POST', '/networking/v2.0/networks', { network: { name: 'bench-net' } })).network;
await call('POST', '/networking/v2.0/subnets', { subnet: { network_id: network.id, ip_version: 4, cidr: '10.64.0.0/18', enable_dhcp: false } });

/** how many of the project's servers are in each status */
async function statusCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let marker = '';
  for (;;) {
    const page = (await call('GET', `/compute/v2.1/servers/detail?limit=${PAGE}${marker ? `&marker=${marker}` : ''}`)).servers as Array<{ id: string; status: string }>;
    for (const s of page) counts[s.status] = (counts[s.status] ?? 0) + 1;
    if (page.length < PAGE) return counts;
    marker = page[page.length - 1].id;
  }
}

/** waits until no server is in BUILD (one small status-filtered request a poll), then counts them all once */
async function settle(total: number, timeoutMs: number): Promise<Record<string, number>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const building = (await call('GET', '/compute/v2.1/servers?status=BUILD&limit=1')).servers as unknown[];
    if (building.length === 0) {
      const counts = await statusCounts();
      if (Object.values(counts).reduce((a, b) => a + b, 0) >= total) return counts;
    }
    if (Date.now() > until) throw new Error(`servers did not settle: ${JSON.stringify(await statusCounts())}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// 1. boot
const postTimes: number[] = [];
let next = 0;
const bootStart = performance.now();
async function booter(): Promise<void> {
  while (next < BOOT) {
    const i = next++;
    const started = performance.now();
    await call('POST', '/compute/v2.1/servers', { server: { name: `bench-${i}`, imageRef, flavorRef: flavor.id, networks: [{ uuid: network.id }] } });
    postTimes.push(performance.now() - started);
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, booter));
const postSeconds = (performance.now() - bootStart) / 1000;
const booted = await settle(BOOT, 30 * 60_000);
const allActiveSeconds = (performance.now() - bootStart) / 1000;
if ((booted.ACTIVE ?? 0) !== BOOT) throw new Error(`not all ACTIVE: ${JSON.stringify(booted)}`);

// 2. fill to LIST_SERVERS with min_count batches (no network: the list figure is about the compute database)
const fillStart = performance.now();
let made = BOOT;
const batchTimes: number[] = [];
while (made < LIST_SERVERS) {
  const n = Math.min(BATCH, LIST_SERVERS - made);
  const started = performance.now();
  await call('POST', '/compute/v2.1/servers', { server: { name: `fill-${made}`, imageRef, flavorRef: flavor.id, networks: 'none', min_count: n, max_count: n } });
  batchTimes.push(performance.now() - started);
  made += n;
}
const filled = await settle(LIST_SERVERS, 60 * 60_000);
const fillSeconds = (performance.now() - fillStart) / 1000;

const pageTimes: number[] = [];
for (let run = 0; run < LIST_RUNS; run++) {
  let marker = '';
  let seen = 0;
  for (;;) {
    const started = performance.now();
    const page = (await call('GET', `/compute/v2.1/servers/detail?limit=${PAGE}${marker ? `&marker=${marker}` : ''}`)).servers as Array<{ id: string }>;
    pageTimes.push(performance.now() - started);
    seen += page.length;
    if (page.length < PAGE) break;
    marker = page[page.length - 1].id;
  }
  if (seen !== LIST_SERVERS) throw new Error(`listed ${seen} of ${LIST_SERVERS}`);
}

console.log(JSON.stringify({
  boot: {
    servers: BOOT, concurrency: CONCURRENCY, post_seconds: round(postSeconds), all_active_seconds: round(allActiveSeconds),
    post_servers: summary(postTimes), statuses: booted,
  },
  list: {
    servers: LIST_SERVERS, fill: { batch: BATCH, seconds: round(fillSeconds), post_batch: summary(batchTimes), statuses: filled },
    detail_page_of_1000: { runs: LIST_RUNS, ...summary(pageTimes) },
  },
}, null, 2));
