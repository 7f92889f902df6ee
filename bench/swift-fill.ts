// Fills a Swift container with N small objects through the public API, the same way for
// stackgate and the real Swift: PUTs of one byte each over keep-alive connections, C at a
// time. Prints {"objects", "seconds", "per_second", "failed"} as JSON.
// Usage: node bench/swift-fill.ts STORAGE_URL TOKEN CONTAINER COUNT [CONCURRENCY]
import { Agent, request } from 'node:http';

const [storageUrl, token, container, countText, concurrencyText = '32'] = process.argv.slice(2);
if (!storageUrl || !token || !container || !countText) {
  console.error('usage: swift-fill.ts STORAGE_URL TOKEN CONTAINER COUNT [CONCURRENCY]');
  process.exit(2);
}
const count = Number(countText);
const concurrency = Number(concurrencyText);
const base = new URL(storageUrl.replace(/\/+$/, ''));
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function put(path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: base.hostname, port: base.port, method: 'PUT', path, agent,
      headers: { 'x-auth-token': token, 'content-length': Buffer.byteLength(body), 'content-type': 'application/octet-stream' },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const name = (i: number) => `o-${String(i).padStart(6, '0')}`;
const containerPath = `${base.pathname}/${encodeURIComponent(container)}`;
const created = await put(containerPath, '');
if (created !== 201 && created !== 202) throw new Error(`container PUT answered ${created}`);

let next = 0;
let failed = 0;
const started = process.hrtime.bigint();
async function worker(): Promise<void> {
  while (next < count) {
    const i = next++;
    // a failed PUT is retried a few times, so the container ends up complete
    for (let attempt = 0; ; attempt++) {
      const status = await put(`${containerPath}/${name(i)}`, 'x').catch(() => 0);
      if (status === 201) break;
      if (attempt >= 4) {
        failed++;
        break;
      }
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, () => worker()));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
agent.destroy();
console.log(JSON.stringify({ objects: count, seconds: Number(seconds.toFixed(1)), per_second: Number((count / seconds).toFixed(1)), failed }));
