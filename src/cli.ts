// The stackgate command: one binary, several roles.
import cluster from 'node:cluster';
import { loadConfig } from './platform/config.ts';
import { forkWorkers } from './platform/workers.ts';
import { logger } from './platform/log.ts';
import { openRuntime } from './roles/runtime.ts';
import { runBootstrap } from './roles/bootstrap.ts';
import { startApi } from './roles/api.ts';
import { runObjectServer } from './roles/object-server.ts';
import { runRingCli } from './roles/ring-cli.ts';
import { COMPUTE_ROLES, COMPUTE_USAGE, runComputeRole, type ComputeRole } from './roles/compute-agents.ts';

const log = logger('cli');

const USAGE = `usage: stackgate <role> [options]

roles:
  all-in-one    every API and agent in one process, on embedded defaults (default)
  api           the REST APIs only
  bootstrap     create the admin user, project, roles and catalog, then exit
  fernet-rotate rotate the token keys, then exit
  object-server a Swift storage node: --devices DIR --port P --rings DIR (see stackgate object-server -h)
  ring          build and rebalance rings: create|add|remove|set-weight|rebalance|show (see stackgate ring help)
  conductor     nova-conductor: builds, moves and deletes servers across hosts (on the bus)
  scheduler     nova-scheduler: picks hosts through Placement, filters and weighers (on the bus)
  compute       nova-compute for one host: --host NAME (see stackgate compute -h)

configuration: $STACKGATE_CONFIG or <data dir>/stackgate.yaml, then STACKGATE_* variables
(see docs/configuration.md). Data lives in $STACKGATE_DATA_DIR (default ~/.local/share/stackgate).
`;

async function main(argv: string[]): Promise<void> {
  const role = argv[0] ?? 'all-in-one';
  if (role === '-h' || role === '--help' || role === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  // Storage roles open no store, bus or identity: they need only their devices and rings.
  switch (role) {
    case 'object-server':
      await runObjectServer(argv.slice(1));
      return;
    case 'ring':
      process.exitCode = runRingCli(argv.slice(1));
      return;
  }
  const config = loadConfig();
  if ((COMPUTE_ROLES as readonly string[]).includes(role)) {
    if (argv.includes('-h') || argv.includes('--help')) {
      process.stdout.write(COMPUTE_USAGE);
      return;
    }
    const stop = await runComputeRole(role as ComputeRole, config, argv.slice(1));
    log.info('serving', { role });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => void stop().catch(() => undefined).then(() => process.exit(0)));
    }
    return;
  }
  if ((role === 'all-in-one' || role === 'api') && config.listen.workers > 1 && cluster.isPrimary) {
    // The primary bootstraps once, then only supervises; workers serve the API.
    const runtime = await openRuntime(config);
    await runBootstrap(runtime);
    await runtime.close();
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    forkWorkers(config.listen.workers);
    cluster.on('exit', (worker, code) => log.warn('api worker exited', { pid: worker.process.pid, code }));
    return;
  }
  // the Nova agents run in this process unless other processes serve them on a shared bus
  const inProcessAgents = !(role === 'api' && config.bus.kind === 'amqp');
  const runtime = await openRuntime(config, undefined, { inProcessAgents });
  const shutdown = async (signal: string) => {
    log.info('stopping', { signal });
    await runtime.close().catch(() => undefined);
    process.exit(0);
  };
  switch (role) {
    case 'all-in-one':
    case 'api': {
      if (cluster.isPrimary) await runBootstrap(runtime);
      const server = await startApi(runtime);
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => void server.close().then(() => shutdown(signal)));
      }
      return;
    }
    case 'bootstrap':
      await runBootstrap(runtime);
      await runtime.close();
      return;
    case 'fernet-rotate':
      runtime.identity.keys.rotate();
      process.stdout.write(`stackgate: key indexes now ${runtime.identity.keys.keyIndexes().join(', ')}\n`);
      await runtime.close();
      return;
    default:
      process.stderr.write(`stackgate: unknown role "${role}"\n\n${USAGE}`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((error) => {
  log.error('fatal', { error: error instanceof Error ? error.stack : String(error) });
  process.exit(1);
});
