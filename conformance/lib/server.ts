// Starts a fresh stackgate all-in-one (temporary data dir, free port, recording on)
// as a child process, exactly as a user would, and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { openSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

export const ROOT = resolve(import.meta.dirname, '..', '..');
/** the stackgate checkout to run (default: this one); lets the harness measure another tree */
const STACKGATE_DIR = process.env.CONFORMANCE_STACKGATE_DIR ? resolve(process.env.CONFORMANCE_STACKGATE_DIR) : ROOT;
const NODE = join(ROOT, 'node_modules', '.bin', 'node');

export interface Stackgate {
  url: string;
  authUrl: string;
  port: number;
  adminPassword: string;
  cloudsYaml: string;
  recordDir: string;
  logFile: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`stackgate exited with ${child.exitCode} during start:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    try {
      const res = await fetch(`${url}/identity/v3`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`stackgate did not answer on ${url}/identity/v3 within ${timeoutMs} ms`);
}

export async function startStackgate(workDir: string): Promise<Stackgate> {
  const port = await freePort();
  const dataDir = join(workDir, 'data');
  const recordDir = join(workDir, 'recorded');
  const cloudsYaml = join(workDir, 'clouds.yaml');
  const logFile = join(workDir, 'stackgate.log');
  mkdirSync(dataDir, { recursive: true });
  const adminPassword = `conf-${randomBytes(9).toString('base64url')}`;
  const log = openSync(logFile, 'a');
  const child = spawn(NODE, [join(STACKGATE_DIR, 'src', 'cli.ts'), 'all-in-one'], {
    cwd: STACKGATE_DIR,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      STACKGATE_DATA_DIR: dataDir,
      STACKGATE_HOST: '127.0.0.1',
      STACKGATE_PORT: String(port),
      STACKGATE_ADMIN_PASSWORD: adminPassword,
      STACKGATE_CLOUDS_YAML: cloudsYaml,
      STACKGATE_RECORD_DIR: recordDir,
      STACKGATE_SECURITY_COMPLIANCE: 'tempest',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await waitReady(url, child, logFile);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    authUrl: `${url}/identity/v3`,
    port,
    adminPassword,
    cloudsYaml,
    recordDir,
    logFile,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
