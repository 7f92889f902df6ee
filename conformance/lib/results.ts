// The one shape every suite reports in: a flat list of test outcomes.
export type Outcome = 'passed' | 'failed' | 'skipped';

export const SUITES = ['cli', 'ansible', 'tempest-interop', 'tempest-full', 'oracle'] as const;
export type SuiteName = (typeof SUITES)[number] | 'seed';

/** The catalog service types the harness knows; the CLI scenario file names. */
export const SERVICES = ['identity', 'compute', 'image', 'network', 'volume', 'object', 'placement'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface TestResult {
  suite: SuiteName;
  service: string;
  name: string;
  outcome: Outcome;
  /** the first line of the error, for failures and skips */
  error?: string;
}

/** The first non-empty line of a message, trimmed and bounded (reports stay readable). */
export function firstLine(text: string | undefined, max = 300): string {
  const line = (text ?? '').split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
