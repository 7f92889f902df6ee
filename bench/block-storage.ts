// Cinder figures against a running stackgate: create BENCH_VOLUMES volumes (500 by default) of
// 1 GiB, wait for each to be available, attach each through the attachments API (3.44: create
// with a connector, then os-complete), then time the detailed list. Prints one JSON document.
//
// Usage: node bench/block-storage.ts <stackgate url> <admin password>   (bench/block-storage.sh runs it)
//   BENCH_VOLUMES      volumes to create and attach (default 500)
//   BENCH_CONCURRENCY  concurrent clients (default 8)
//   BENCH_LIST_RUNS    requests per list figure (default 30)
import { performance } from 'node:perf_hooks';
import { adminSession, benchArgs, jsonCaller, summary } from './lib/api-client.ts';

const { url, password } = benchArgs('block-storage');
const VOLUMES = Number(process.env.BENCH_VOLUMES ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LIST_RUNS = Number(process.env.BENCH_LIST_RUNS ?? 30);

const { token, project } = await adminSession(url, password);
const V = `${url}/volume/v3/${project}`;

const call = jsonCaller(V, token, { 'openstack-api-version': 'volume 3.44' });

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
