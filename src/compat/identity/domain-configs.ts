// /v3/domains/{domain_id}/config: a domain's own identity/LDAP settings, as
// Keystone's domain configuration API stores them (only its listed options;
// sensitive ones, the LDAP password, are stored but never shown), and the
// server defaults under /v3/domains/config/default.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, forbidden, notFound } from '../../platform/http/api-error.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { DomainConfigRecord } from '../../identity/extensions/extensions-db.ts';
import { DOMAIN_CONFIG_DEFAULTS, isKnownGroup, isKnownOption, isSensitive } from '../../identity/extensions/domain-config-options.ts';
import { created, noContent, ok } from './support.ts';

type Config = Record<string, Record<string, unknown>>;

const invalidConfig = (reason: string) => forbidden(`Invalid domain specific configuration: ${reason}.`);
const configNotFound = (domainId: string, what: string) => notFound(`Could not find ${what} in domain configuration for domain ${domainId}.`);
const groupWhat = (group: string) => `group ${group}`;
const optionWhat = (group: string, option: string) => `option ${option} in group ${group}`;

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkGroupAndOption(group?: string, option?: string): void {
  if (group === undefined) return;
  if (!isKnownGroup(group)) throw invalidConfig(`Group ${group} is not supported for domain specific configurations`);
  if (option !== undefined && !isKnownOption(group, option)) {
    throw invalidConfig(`Option ${option} in group ${group} is not supported for domain specific configurations`);
  }
}

function checkConfig(config: Config): void {
  if (Object.keys(config).length === 0) throw invalidConfig('No options specified');
  for (const [group, options] of Object.entries(config)) {
    if (!isObject(options) || Object.keys(options).length === 0) {
      throw invalidConfig(`The value of group ${group} specified in the config should be a dictionary of options`);
    }
    for (const option of Object.keys(options)) checkGroupAndOption(group, option);
  }
}

/** The request's `config` object, or Keystone's 400. */
function requestConfig(ctx: RequestContext): Record<string, any> {
  const v = ctx.body?.config;
  if (!isObject(v)) {
    throw badRequest('Expecting to find config in request body. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
  }
  return v;
}

/** What a GET may show: the stored config without its sensitive options and without emptied groups. */
function visible(config: Config): Config {
  const out: Config = {};
  for (const [group, options] of Object.entries(config)) {
    const shown = Object.fromEntries(Object.entries(options).filter(([option]) => !isSensitive(group, option)));
    if (Object.keys(shown).length > 0) out[group] = shown;
  }
  return out;
}

function merge(current: Config, update: Config): Config {
  const out: Config = { ...current };
  for (const [group, options] of Object.entries(update)) out[group] = { ...(out[group] ?? {}), ...options };
  return out;
}

export function domainConfigHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const db = engine.db;
  const configs = db.extensions.domainConfigs;

  async function requireDomain(id: string): Promise<void> {
    const d = await db.projects.get(id);
    if (!d || !d.is_domain) throw notFound(`Could not find domain: ${id}.`);
  }
  async function stored(domainId: string): Promise<Config> {
    return (await configs.get(domainId))?.config ?? {};
  }
  async function save(domainId: string, config: Config): Promise<void> {
    const record: DomainConfigRecord = { id: domainId, config };
    if (Object.keys(config).length === 0) await configs.delete(domainId);
    else if (!(await configs.update(domainId, { config }))) await configs.insert(record);
    await engine.changed();
  }

  /** Keystone's update: the named group (and option) must be the body's only one and must already be set. */
  async function update(ctx: RequestContext, group?: string, option?: string) {
    engine.authorize(ctx, 'identity:update_domain_config');
    const domainId = ctx.params.domain_id;
    await requireDomain(domainId);
    const body = requestConfig(ctx);
    const change: Config = group !== undefined && option !== undefined ? { [group]: body } : body;
    checkConfig(change);
    checkGroupAndOption(group, option);
    const current = await stored(domainId);
    if (group !== undefined) {
      const groups = Object.keys(change);
      if (groups.length !== 1 || (option !== undefined && Object.keys(change[group] ?? {}).length !== 1)) {
        throw invalidConfig(option !== undefined
          ? `Trying to update option ${option} in group ${group}, so that, and only that, option must be specified  in the config`
          : `Trying to update group ${group}, so that, and only that, group must be specified in the config`);
      }
      if (!(group in change)) throw invalidConfig(`request to update group ${group}, but config provided contains group ${groups[0]} instead`);
      if (option !== undefined && !(option in change[group])) {
        throw invalidConfig(`Trying to update option ${option} in group ${group}, but config provided contains option ${Object.keys(change[group])[0]} instead`);
      }
      const currentGroup = current[group];
      if (!currentGroup || Object.keys(currentGroup).length === 0) throw configNotFound(domainId, option !== undefined ? optionWhat(group, option) : groupWhat(group));
      if (option !== undefined && !(option in currentGroup)) throw configNotFound(domainId, optionWhat(group, option));
    }
    const next = merge(current, change);
    await save(domainId, next);
    return ok({ config: visible(next) });
  }

  async function remove(ctx: RequestContext, group?: string, option?: string) {
    engine.authorize(ctx, 'identity:delete_domain_config');
    const domainId = ctx.params.domain_id;
    await requireDomain(domainId);
    checkGroupAndOption(group, option);
    const current = await stored(domainId);
    let next: Config = {};
    if (group !== undefined) {
      const currentGroup = current[group];
      if (!currentGroup || Object.keys(currentGroup).length === 0) throw configNotFound(domainId, groupWhat(group));
      next = { ...current };
      if (option !== undefined) {
        if (currentGroup[option] === undefined || currentGroup[option] === null || currentGroup[option] === '') {
          throw configNotFound(domainId, optionWhat(group, option));
        }
        const { [option]: _removed, ...rest } = currentGroup;
        if (Object.keys(rest).length > 0) next[group] = rest;
        else delete next[group];
      } else {
        delete next[group];
      }
    }
    await save(domainId, next);
    return noContent();
  }

  /** Keystone answers security_compliance reads for the default domain from its own settings, to anyone. */
  function securityCompliance(ctx: RequestContext, option?: string) {
    engine.authorize(ctx, 'identity:get_security_compliance_domain_config');
    if (ctx.params.domain_id !== 'default') {
      throw invalidConfig('Reading security compliance information for any domain other than the default domain is not allowed or supported');
    }
    const readable = ['password_regex', 'password_regex_description'];
    if (option !== undefined) {
      if (!readable.includes(option)) {
        throw invalidConfig('Reading security compliance values other than password_regex and password_regex_description is not allowed');
      }
      return ok({ config: { [option]: null } });
    }
    return ok({ config: { security_compliance: { password_regex: null, password_regex_description: null } } });
  }

  async function show(ctx: RequestContext, group?: string, option?: string) {
    if (group === 'security_compliance') return securityCompliance(ctx, option);
    engine.authorize(ctx, 'identity:get_domain_config');
    const domainId = ctx.params.domain_id;
    await requireDomain(domainId);
    checkGroupAndOption(group, option);
    const shown = visible(await stored(domainId));
    if (group === undefined) {
      if (Object.keys(shown).length === 0) throw configNotFound(domainId, 'any options');
      return ok({ config: shown });
    }
    const options = shown[group];
    if (!options) throw configNotFound(domainId, groupWhat(group));
    if (option === undefined) return ok({ config: { [group]: options } });
    if (!(option in options)) throw configNotFound(domainId, optionWhat(group, option));
    return ok({ config: { [option]: options[option] } });
  }

  function showDefault(ctx: RequestContext, group?: string, option?: string) {
    engine.authorize(ctx, 'identity:get_domain_config_default');
    checkGroupAndOption(group, option);
    if (group === undefined) return ok({ config: DOMAIN_CONFIG_DEFAULTS });
    if (option === undefined) return ok({ config: { [group]: DOMAIN_CONFIG_DEFAULTS[group] } });
    return ok({ config: { [option]: DOMAIN_CONFIG_DEFAULTS[group][option] ?? null } });
  }

  return {
    createDomainConfig: async (ctx) => {
      engine.authorize(ctx, 'identity:create_domain_config');
      const domainId = ctx.params.domain_id;
      await requireDomain(domainId);
      const config = requestConfig(ctx) as Config;
      checkConfig(config);
      // Creating replaces any earlier config: 200 then, 201 for a first one.
      const existed = Object.keys(await stored(domainId)).length > 0;
      await save(domainId, config);
      const body = { config: visible(config) };
      return existed ? ok(body) : created(body);
    },
    getDomainConfig: (ctx) => show(ctx),
    updateDomainConfig: (ctx) => update(ctx),
    deleteDomainConfig: (ctx) => remove(ctx),
    getDomainConfigGroup: (ctx) => show(ctx, ctx.params.group),
    updateDomainConfigGroup: (ctx) => update(ctx, ctx.params.group),
    deleteDomainConfigGroup: (ctx) => remove(ctx, ctx.params.group),
    getDomainConfigOption: (ctx) => show(ctx, ctx.params.group, ctx.params.option),
    updateDomainConfigOption: (ctx) => update(ctx, ctx.params.group, ctx.params.option),
    deleteDomainConfigOption: (ctx) => remove(ctx, ctx.params.group, ctx.params.option),
    getDomainConfigDefault: async (ctx) => showDefault(ctx),
    getDomainConfigGroupDefault: async (ctx) => showDefault(ctx, ctx.params.group),
    getDomainConfigOptionDefault: async (ctx) => showDefault(ctx, ctx.params.group, ctx.params.option),
  };
}
