// Neutron port figures against a running stackgate: create BENCH_PORTS ports (5,000 by default)
// on one network, then list them with the filters clients use (network_id, device_owner,
// fixed_ips=ip_address=..., name) and time each request. Prints one JSON document.
//
// Usage: node bench/network.ts <stackgate url> <admin password>   (bench/network.sh runs it)
//   BENCH_PORTS        ports to create (default 5000)
//   BENCH_CONCURRENCY  concurrent creates (default 8)
//   BENCH_LIST_RUNS    requests per list figure (default 50)
import { performance } from 'node:perf_hooks';
import { adminSession, benchArgs, jsonCaller, summary } from './lib/api-client.ts';

const { url, password } = benchArgs('network');
const PORTS = Number(process.env.BENCH_PORTS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LIST_RUNS = Number(process.env.BENCH_LIST_RUNS ?? 50);
const N = `${url}/networking/v2.0`;

const { token } = await adminSession(url, password);

const call = jsonCaller(N, token);

const network = (await call('POST', '/networks', { network: { name: 'bench-net' } })).network;
// a /18 holds 16,381 addresses: room for the ports and for a DHCP port
await call('POST', '/subnets', { subnet: { network_id: network.id, ip_version: 4, cidr: '10.128.0.0/18', enable_dhcp: false } });
await call('PUT', `/quotas/${network.project_id}`, { quota: { port: -1 } });

// device_owner varies so that a device_owner filter selects a sixth of the ports
const owners = ['compute:nova', 'compute:nova', 'compute:nova', 'compute:bench-az', 'baremetal:none', ''];
const created: Array<{ id: string; ip: string; name: string; owner: string }> = [];
const createTimes: number[] = [];
let next = 0;
const createStart = performance.now();
async function creator(): Promise<void> {
  while (next < PORTS) {
    const i = next++;
    const owner = owners[i % owners.length];
    const started = performance.now();
    const port = (await call('POST', '/ports', { port: { network_id: network.id, name: `bench-port-${i}`, device_owner: owner, device_id: `device-${i % 500}` } })).port;
    createTimes.push(performance.now() - started);
    created.push({ id: port.id, ip: port.fixed_ips[0].ip_address, name: port.name, owner });
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, creator));
const createSeconds = (performance.now() - createStart) / 1000;

async function timeList(label: string, paths: (run: number) => string, expect: (body: any, run: number) => void) {
  const times: number[] = [];
  for (let run = 0; run < LIST_RUNS; run++) {
    const path = paths(run);
    const started = performance.now();
    const body = await call('GET', path);
    times.push(performance.now() - started);
    expect(body, run);
  }
  return { figure: label, ...summary(times) };
}

const pick = (run: number) => created[(run * 97) % created.length];
const lists = [];
lists.push(await timeList('network_id (all ports of the network)', () => `/ports?network_id=${network.id}&fields=id`, (b) => {
  if (b.ports.length !== PORTS) throw new Error(`network_id: ${b.ports.length} ports`);
}));
lists.push(await timeList('network_id, limit=100 (first page)', () => `/ports?network_id=${network.id}&limit=100`, (b) => {
  if (b.ports.length !== 100) throw new Error(`limit: ${b.ports.length} ports`);
}));
lists.push(await timeList('device_owner=compute:bench-az', () => `/ports?device_owner=compute:bench-az`, (b) => {
  const want = created.filter((c) => c.owner === 'compute:bench-az').length;
  if (b.ports.length !== want) throw new Error(`device_owner: ${b.ports.length} != ${want}`);
}));
lists.push(await timeList('fixed_ips=ip_address=<one address>', (run) => `/ports?fixed_ips=ip_address%3D${pick(run).ip}`, (b, run) => {
  if (b.ports.length !== 1 || b.ports[0].id !== pick(run).id) throw new Error('fixed_ips: not the one port');
}));
lists.push(await timeList('name=<one name>', (run) => `/ports?name=${pick(run).name}`, (b, run) => {
  if (b.ports.length !== 1 || b.ports[0].id !== pick(run).id) throw new Error('name: not the one port');
}));
lists.push(await timeList('network_id + device_owner + name', (run) => `/ports?network_id=${network.id}&device_owner=${encodeURIComponent(pick(run).owner)}&name=${pick(run).name}`, (b) => {
  if (b.ports.length !== 1) throw new Error(`combined: ${b.ports.length} ports`);
}));

console.log(JSON.stringify({
  ports: PORTS,
  concurrency: CONCURRENCY,
  create: { seconds: Math.round(createSeconds * 10) / 10, per_second: Math.round((PORTS / createSeconds) * 10) / 10, ...summary(createTimes) },
  lists,
}, null, 2));
