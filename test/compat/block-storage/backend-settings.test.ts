// The block backend setting: the environment form, the YAML list, and its mistakes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blockBackendsSetting } from '../../../src/compat/block-storage/index.ts';

describe('block storage backends setting', () => {
  it('reads the environment form, which wins over the YAML list', () => {
    assert.deepEqual(blockBackendsSetting({}, { STACKGATE_BLOCK_STORAGE_BACKENDS: 'fast:/srv/f:100,slow' }), [
      { name: 'fast', path: '/srv/f', capacityGb: 100 },
      { name: 'slow', path: undefined, capacityGb: undefined },
    ]);
    const config = { blockStorage: { backends: [{ name: 'gold', path: '/srv/g', capacity_gb: 5 }] } };
    assert.deepEqual(blockBackendsSetting(config, {}), [{ name: 'gold', path: '/srv/g', capacityGb: 5 }]);
    assert.equal(blockBackendsSetting(config, { STACKGATE_BLOCK_STORAGE_BACKENDS: 'x' })[0].name, 'x');
    assert.deepEqual(blockBackendsSetting({}, {}), []);
  });

  it('rejects bad names and capacities', () => {
    assert.throws(() => blockBackendsSetting({}, { STACKGATE_BLOCK_STORAGE_BACKENDS: 'a b:/x' }), /bad backend name/);
    assert.throws(() => blockBackendsSetting({}, { STACKGATE_BLOCK_STORAGE_BACKENDS: 'a:/x:lots' }), /bad capacity/);
    assert.throws(() => blockBackendsSetting({ blockStorage: { backends: [{ path: '/x' }] } }, {}), /needs a name/);
  });
});
