// Every timer and expiry reads time through a Clock, so tests (and users who ask
// for instant lifecycles) can move time forward instead of waiting.

export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
  /** resolves after `ms` of this clock's time */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A clock that moves only when told to; sleepers wake as time passes them. */
export class ManualClock implements Clock {
  private current: number;
  private sleepers: Array<{ until: number; wake: () => void }> = [];

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => {
      this.sleepers.push({ until: this.current + ms, wake });
      this.wakeDue();
    });
  }

  advance(ms: number): void {
    this.current += ms;
    this.wakeDue();
  }

  private wakeDue(): void {
    const due = this.sleepers.filter((s) => s.until <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.until > this.current);
    for (const s of due) s.wake();
  }
}

/** ISO 8601 with microseconds and Z, as Keystone renders expires_at. */
export function isoMicros(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** ISO 8601 without fractional seconds, as Nova, Cinder and Neutron render timestamps. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
