// Several API worker processes share the port; a revocation made through one
// must hold in every other before the revoking request is answered.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('stackgate api with two workers', () => {
  let child: ChildProcess;
  let url: string;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'stackgate-workers-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['src/cli.ts', 'api'], {
      env: {
        ...process.env,
        STACKGATE_DATA_DIR: dataDir,
        STACKGATE_PORT: String(port),
        STACKGATE_ADMIN_PASSWORD: 'secret',
        STACKGATE_CLOUDS_YAML: 'off',
        STACKGATE_API_WORKERS: '2',
        STACKGATE_LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(() => {
    child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const issue = async () => {
    const res = await fetch(`${url}/identity/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Connection: 'close' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'secret' } } },
          scope: { project: { name: 'admin', domain: { id: 'default' } } },
        },
      }),
    });
    assert.equal(res.status, 201);
    return res.headers.get('x-subject-token')!;
  };
  const validate = (auth: string, subject: string, method = 'GET') =>
    fetch(`${url}/identity/v3/auth/tokens`, { method, headers: { 'X-Auth-Token': auth, 'X-Subject-Token': subject, Connection: 'close' } });

  it('serves the same answers from every worker, before and after a revocation', async () => {
    const admin = await issue();
    const subject = await issue();
    // Warm both workers' caches with the soon-revoked token.
    for (let i = 0; i < 20; i++) assert.equal((await validate(admin, subject)).status, 200);
    assert.equal((await validate(admin, subject, 'DELETE')).status, 204);
    for (let i = 0; i < 40; i++) assert.equal((await validate(admin, subject)).status, 404, `request ${i} after revocation`);
  });
});
