// The simulated hypervisor's contract: the guest state machine, idempotent operations, timing
// on the Clock, the console log, snapshots in a format Glance accepts, and failure injection.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/platform/clock.ts';
import { POWER } from '../../../src/compat/compute/servers/record.ts';
import { DriverError, type GuestSpec } from '../../../src/backends/compute/driver.ts';
import { FAIL_METADATA_KEY, SimulatedDriver, hostFailuresFromEnv, timingFromEnv } from '../../../src/backends/compute/simulated/index.ts';
import { FormatInspector } from '../../../src/compat/image/format-inspector/inspector.ts';

const guest = (over: Partial<GuestSpec> = {}): GuestSpec => ({
  id: 'g1', name: 'vm', hostname: 'vm', imageRef: 'img', flavor: { name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 },
  metadata: {}, nics: [{ portId: 'p1', mac: 'fa:16:3e:00:00:01', ips: ['10.0.0.5'] }], ...over,
});
const driver = (options: Partial<ConstructorParameters<typeof SimulatedDriver>[0]> = {}) =>
  new SimulatedDriver({ host: 'h1', clock: new ManualClock(), resources: { vcpus: 4, memoryMb: 4096, diskGb: 40 }, ...options });

describe('simulated compute driver', () => {
  it('walks the power state machine', async () => {
    const d = driver();
    const g = guest();
    assert.equal(d.getInfo('g1').powerState, POWER.NOSTATE);
    await d.spawn(g);
    assert.equal(d.getInfo('g1').powerState, POWER.RUNNING);
    assert.deepEqual(d.listInstances(), ['g1']);
    for (const [op, state] of [
      [() => d.powerOff(g), POWER.SHUTDOWN], [() => d.powerOn(g), POWER.RUNNING], [() => d.pause(g), POWER.PAUSED],
      [() => d.unpause(g), POWER.RUNNING], [() => d.suspend(g), POWER.SUSPENDED], [() => d.resume(g), POWER.RUNNING],
      [() => d.reboot(g, 'HARD'), POWER.RUNNING], [() => d.rescue(g, 'rescue-img'), POWER.RUNNING], [() => d.unrescue(g), POWER.RUNNING],
      [() => d.migrateDiskAndPowerOff(g, 'h2'), POWER.SHUTDOWN], [() => d.finishMigration(g, true), POWER.RUNNING],
    ] as Array<[() => Promise<void>, number]>) {
      await op();
      assert.equal(d.getInfo('g1').powerState, state);
    }
    await d.destroy(g);
    assert.equal(d.getInfo('g1').powerState, POWER.NOSTATE);
    await d.destroy(g); // idempotent
  });

  it('refuses transitions a hypervisor cannot make, and repeats are no-ops', async () => {
    const d = driver();
    const g = guest();
    await d.spawn(g);
    await d.powerOff(g);
    await assert.rejects(d.pause(g), DriverError);
    await assert.rejects(d.resume(g), /Cannot resume/);
    await d.powerOff(g);
    await d.powerOn(g);
    await d.spawn(g); // a redelivered build leaves the running guest alone
    assert.equal(d.getInfo('g1').powerState, POWER.RUNNING);
  });

  it('adopts a guest the record knows after the host forgot it', async () => {
    const d = driver();
    await d.powerOn(guest({ knownPowerState: POWER.SHUTDOWN, knownConsole: ['old line'] }));
    assert.equal(d.getInfo('g1').powerState, POWER.RUNNING);
    assert.equal(d.getConsoleOutput('g1')[0], 'old line');
  });

  it('writes a serial console log with the boot and the addresses', async () => {
    const d = driver();
    await d.spawn(guest());
    const log = d.getConsoleOutput('g1');
    assert.ok(log.some((l) => l.includes('10.0.0.5')));
    assert.match(log[log.length - 1], /^vm login: $/);
    await d.reboot(guest(), 'SOFT');
    assert.ok(d.getConsoleOutput('g1').some((l) => l.includes('reboot: Restarting system')));
  });

  it('takes realistic time on the clock, none when instant', async () => {
    const clock = new ManualClock();
    const d = driver({ clock, timing: 'realistic' });
    let done = false;
    const spawning = d.spawn(guest()).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    clock.advance(3999);
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    clock.advance(1);
    await spawning;
    assert.equal(d.getInfo('g1').powerState, POWER.RUNNING);
    const instant = driver({ clock: new ManualClock() });
    await instant.spawn(guest()); // resolves without the clock moving
  });

  it('snapshots a qcow2 Glance accepts, or raw', async () => {
    const d = driver();
    await d.spawn(guest());
    for (const format of ['qcow2', 'raw']) {
      const inspector = new FormatInspector(format);
      let size = 0;
      for await (const chunk of await d.snapshot(guest(), format)) {
        inspector.feed(chunk);
        size += chunk.length;
      }
      assert.ok(size > 0);
      if (format === 'qcow2') assert.equal(inspector.virtualSize(size), 1024 ** 3);
    }
  });

  it('fails on demand: per host from the environment, per request from metadata', async () => {
    const failures = hostFailuresFromEnv({ STACKGATE_COMPUTE_FAIL: 'h1=boot,reboot; h2=*' });
    assert.deepEqual([...failures.get('h1')!], ['spawn', 'reboot']);
    assert.deepEqual([...failures.get('h2')!], ['*']);
    const h1 = driver({ failOn: failures.get('h1') });
    await assert.rejects(h1.spawn(guest()), /Simulated failure of spawn on host h1/);
    const h2 = driver({ host: 'h2', failOn: failures.get('h2') });
    await assert.rejects(h2.spawn(guest()), DriverError);
    const ok = driver();
    await ok.spawn(guest());
    const failing = guest({ metadata: { [FAIL_METADATA_KEY]: 'pause' } });
    await assert.rejects(ok.pause(failing), /Simulated failure of pause/);
    await ok.powerOff(failing);
  });

  it('reads the timing from the environment', () => {
    assert.equal(timingFromEnv({}), 'instant');
    assert.equal(timingFromEnv({ STACKGATE_COMPUTE_TIMING: 'realistic' }), 'realistic');
    assert.throws(() => timingFromEnv({ STACKGATE_COMPUTE_TIMING: 'slow' }), /instant or realistic/);
  });
});
