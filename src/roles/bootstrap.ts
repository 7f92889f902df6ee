// `stackgate bootstrap`: the first-start set-up, also run by all-in-one at start.
import { publicBaseUrl } from '../platform/config.ts';
import { bootstrap } from '../identity/bootstrap.ts';
import { writeCloudsYaml } from '../identity/clouds-yaml.ts';
import { catalogServices, type Runtime } from './runtime.ts';

export async function runBootstrap(runtime: Runtime): Promise<void> {
  const { config } = runtime;
  const result = await bootstrap(runtime.identity.db, config, runtime.clock, catalogServices(runtime));
  await runtime.identity.changed();
  if (result.generatedPassword) {
    // Printed once, on the first start only; it is never logged.
    process.stdout.write(
      `stackgate: created admin user "${config.identity.adminUser}" with password: ${result.generatedPassword}\n` +
        `stackgate: set STACKGATE_ADMIN_PASSWORD to choose it yourself.\n`,
    );
  }
  if (config.cloudsYaml && result.adminPassword) {
    writeCloudsYaml(config.cloudsYaml, 'stackgate', {
      authUrl: `${publicBaseUrl(config)}/identity/v3`,
      username: config.identity.adminUser,
      password: result.adminPassword,
      projectName: config.identity.adminProject,
      region: config.region,
    });
    process.stdout.write(`stackgate: wrote cloud "stackgate" to ${config.cloudsYaml}\n`);
  }
}
