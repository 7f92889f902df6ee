// Command-line options of `npm run conformance`.
import { SERVICES, SUITES, type SuiteName } from './results.ts';

export interface Options {
  suites: SuiteName[];
  services: string[];
  /** true when --services was given (floors of other services are not compared) */
  servicesLimited: boolean;
  keep: boolean;
  updateFloor: boolean;
}

export function parseOptions(argv: string[]): Options {
  const options: Options = { suites: [...SUITES], services: [...SERVICES], servicesLimited: false, keep: false, updateFloor: false };
  const list = (value: string | undefined, known: readonly string[], what: string) => {
    if (!value) throw new Error(`--${what} needs a comma-separated list (${known.join(',')})`);
    const items = value.split(',').map((s) => s.trim()).filter(Boolean);
    for (const item of items) if (!known.includes(item)) throw new Error(`unknown ${what} "${item}" (known: ${known.join(', ')})`);
    return items;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    switch (flag) {
      case '--suites':
        options.suites = list(inline ?? argv[++i], SUITES, 'suites') as SuiteName[];
        break;
      case '--services':
        options.services = list(inline ?? argv[++i], SERVICES, 'services');
        options.servicesLimited = true;
        break;
      case '--keep':
        options.keep = true;
        break;
      case '--update-floor':
        options.updateFloor = true;
        break;
      case '-h':
      case '--help':
        throw new Error('help');
      default:
        throw new Error(`unknown option ${arg}`);
    }
  }
  return options;
}

export const USAGE = `usage: npm run conformance -- [--suites ${SUITES.join(',')}] [--services ${SERVICES.join(',')}] [--keep] [--update-floor]`;
