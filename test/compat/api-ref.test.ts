// The api-ref is the contract: every operation in it has a handler, every handler
// an operation, and every operation names the policy rule it enforces.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../src/platform/config.ts';
import { loadApiRef, operations } from '../../src/platform/http/api-ref.ts';
import { openRuntime } from '../../src/roles/runtime.ts';

describe('api-ref', () => {
  it('matches the handlers of every service, one to one', async () => {
    const config = defaultConfig();
    config.dataDir = mkdtempSync(join(tmpdir(), 'stackgate-apiref-'));
    const runtime = await openRuntime(config);
    try {
      for (const service of runtime.services) {
        const declared = operations(loadApiRef(service.apiRef)).map((o) => o.operationId).sort();
        assert.equal(new Set(declared).size, declared.length, `${service.type}: duplicate operationId`);
        assert.deepEqual(declared, Object.keys(service.handlers).sort(), `${service.type}: api-ref and handlers differ`);
      }
    } finally {
      await runtime.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  });

  it('names a policy rule for every authenticated operation', () => {
    for (const service of ['identity']) {
      for (const op of operations(loadApiRef(service))) {
        const open = Array.isArray(op.operation.security) && (op.operation.security as unknown[]).length === 0;
        if (!open) assert.ok(op.operation['x-policy'], `${service} ${op.method.toUpperCase()} ${op.path} (${op.operationId}) has no x-policy`);
      }
    }
  });
});
