// Keystone's mapping rule language: which local user, groups and projects a
// set of remote attributes (from a SAML assertion) stands for.
//
// A rule applies when every one of its `remote` requirements holds; each
// requirement without any_one_of/not_any_of contributes its (filtered) values
// as a direct map, referred to from `local` as {0}, {1}, ... in order. Every
// rule that applies contributes its locals; the first user wins, groups add up.
import Ajv2020 from 'ajv/dist/2020.js';

export type RemoteAttributes = Record<string, string[]>;

export interface DomainRef {
  id?: string;
  name?: string;
}

export interface MappedUser {
  id?: string;
  name?: string;
  email?: string;
  domain?: DomainRef;
  type: 'ephemeral' | 'local';
}

export interface MappedGroupName {
  name: string;
  domain: DomainRef;
}

export interface MappedProject {
  name: string;
  roles: Array<{ name: string }>;
}

export interface MappedProperties {
  user: MappedUser;
  groupIds: string[];
  groupNames: MappedGroupName[];
  projects: MappedProject[];
}

/** A mapping that is structurally wrong, or that cannot be applied to these attributes. */
export class MappingError extends Error {}

const DOMAIN = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' } },
  additionalProperties: false,
};

const remoteVariant = (key?: string, withRegex = false) => ({
  type: 'object',
  required: key ? ['type', key] : ['type'],
  additionalProperties: false,
  properties: {
    type: { type: 'string' },
    ...(key ? { [key]: { type: 'array' } } : {}),
    ...(withRegex ? { regex: { type: 'boolean' } } : {}),
  },
});

/** The structure Keystone accepts for a mapping's `rules` (its mapping schema, 1.0). */
export const MAPPING_SCHEMA = {
  type: 'object',
  required: ['rules'],
  properties: {
    rules: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['local', 'remote'],
        additionalProperties: false,
        properties: {
          local: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              properties: {
                user: {
                  type: 'object',
                  additionalProperties: false,
                  properties: {
                    id: { type: 'string' },
                    name: { type: 'string' },
                    email: { type: 'string' },
                    domain: DOMAIN,
                    type: { type: 'string', enum: ['ephemeral', 'local'] },
                  },
                },
                projects: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['name', 'roles'],
                    additionalProperties: false,
                    properties: {
                      name: { type: 'string' },
                      roles: {
                        type: 'array',
                        items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
                      },
                    },
                  },
                },
                group: {
                  type: 'object',
                  oneOf: [
                    { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string' } } },
                    {
                      type: 'object',
                      required: ['name', 'domain'],
                      additionalProperties: false,
                      properties: { name: { type: 'string' }, domain: DOMAIN },
                    },
                  ],
                },
                groups: { type: 'string' },
                group_ids: { type: 'string' },
                domain: DOMAIN,
              },
            },
          },
          remote: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              oneOf: [
                remoteVariant(),
                remoteVariant('any_one_of', true),
                remoteVariant('not_any_of', true),
                remoteVariant('blacklist'),
                remoteVariant('whitelist'),
              ],
            },
          },
        },
      },
    },
  },
};

let compiled: ((value: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };

/** Throws MappingError with a readable reason when the rules do not follow the schema. */
export function validateMappingRules(mapping: unknown): void {
  if (!compiled) {
    const AjvCtor = (Ajv2020 as any).default ?? Ajv2020;
    compiled = new AjvCtor({ strict: false, allErrors: true }).compile(MAPPING_SCHEMA);
  }
  if (!compiled(mapping)) {
    const reasons = (compiled.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    throw new MappingError(reasons.join('\n'));
  }
  for (const rule of (mapping as { rules: Array<{ remote: Array<Record<string, unknown>> }> }).rules) {
    for (const requirement of rule.remote) {
      for (const key of ['any_one_of', 'not_any_of']) {
        if (requirement.regex === true && Array.isArray(requirement[key])) {
          for (const pattern of requirement[key] as unknown[]) {
            try {
              new RegExp(String(pattern));
            } catch {
              throw new MappingError(`Invalid regular expression in ${key}: ${String(pattern)}`);
            }
          }
        }
      }
    }
  }
}

/**
 * What one matched requirement contributes: one value stands for itself; several
 * are written as a Python list literal, as Keystone's str.format of a list does,
 * which `groups`/`group_ids` read back as a list.
 */
function directMapText(values: string[]): string {
  if (values.length === 1) return values[0]!;
  return `[${values.map(pythonQuote).join(', ')}]`;
}

function pythonQuote(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const escaped = s.replaceAll('\\', '\\\\').replaceAll(quote, `\\${quote}`).replaceAll('\n', '\\n');
  return `${quote}${escaped}${quote}`;
}

/** Reads a Python list of strings (`['a', "b"]`); anything else stands for a one-item list. */
export function parseListLiteral(text: string): string[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) return [text];
  const items: string[] = [];
  const body = trimmed.slice(1, -1);
  let i = 0;
  const skipSpace = () => {
    while (i < body.length && /\s/.test(body[i]!)) i++;
  };
  skipSpace();
  if (i === body.length) return [];
  while (i < body.length) {
    const quote = body[i];
    if (quote !== "'" && quote !== '"') return [text];
    i++;
    let item = '';
    while (i < body.length && body[i] !== quote) {
      if (body[i] === '\\' && i + 1 < body.length) {
        const next = body[i + 1]!;
        item += next === 'n' ? '\n' : next;
        i += 2;
      } else {
        item += body[i++];
      }
    }
    if (i >= body.length) return [text];
    i++;
    items.push(item);
    skipSpace();
    if (i < body.length) {
      if (body[i] !== ',') return [text];
      i++;
      skipSpace();
    }
  }
  return items;
}

/** Python str.format with positional fields only: {0}, {1}, {} and the {{ }} escapes. */
function substitute(template: string, maps: string[], mappingId: string): string {
  let auto = 0;
  return template.replace(/\{\{|\}\}|\{(\d*)\}/g, (match, index: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const n = index === undefined || index === '' ? auto++ : Number(index);
    if (n >= maps.length) throw new MappingError(`Local section in mapping ${mappingId} refers to a remote match that doesn't exist (e.g. {0} in a local section).`);
    return maps[n]!;
  });
}

function substituteDeep(value: unknown, maps: string[], mappingId: string): unknown {
  if (typeof value === 'string') return substitute(value, maps, mappingId);
  if (Array.isArray(value)) return value.map((v) => substituteDeep(v, maps, mappingId));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteDeep(v, maps, mappingId)]));
  }
  return value;
}

function anyMatch(wanted: unknown[], values: string[], regex: boolean): boolean {
  if (regex) return wanted.some((pattern) => values.some((v) => new RegExp(String(pattern)).test(v)));
  const set = new Set(wanted.map(String));
  return values.some((v) => set.has(v));
}

/** The direct maps of a rule, or undefined when the rule does not apply to these attributes. */
function matchRemote(requirements: Array<Record<string, unknown>>, attributes: RemoteAttributes): string[] | undefined {
  const maps: string[] = [];
  for (const requirement of requirements) {
    const type = String(requirement.type);
    let values = attributes[type];
    if (!values || values.length === 0) return undefined;
    const regex = requirement.regex === true;
    if (Array.isArray(requirement.any_one_of)) {
      if (!anyMatch(requirement.any_one_of, values, regex)) return undefined;
      continue;
    }
    if (Array.isArray(requirement.not_any_of)) {
      if (anyMatch(requirement.not_any_of, values, regex)) return undefined;
      continue;
    }
    if (Array.isArray(requirement.blacklist)) {
      const banned = new Set(requirement.blacklist.map(String));
      values = values.filter((v) => !banned.has(v));
    } else if (Array.isArray(requirement.whitelist)) {
      const allowed = new Set(requirement.whitelist.map(String));
      values = values.filter((v) => allowed.has(v));
    }
    maps.push(directMapText(values));
  }
  return maps;
}

/**
 * Applies a mapping's rules to remote attributes. Throws MappingError when no
 * rule yields anything (Keystone refuses such a login) or a local refers to a
 * remote match that does not exist.
 */
export function applyMapping(mappingId: string, rules: unknown[], attributes: RemoteAttributes): MappedProperties {
  const locals: Array<Record<string, any>> = [];
  for (const rule of rules as Array<{ local: Array<Record<string, unknown>>; remote: Array<Record<string, unknown>> }>) {
    const maps = matchRemote(rule.remote, attributes);
    if (maps === undefined) continue;
    for (const local of rule.local) {
      locals.push(maps.length === 0 ? local : (substituteDeep(local, maps, mappingId) as Record<string, unknown>));
    }
  }
  if (locals.length === 0) {
    throw new MappingError('Could not map any federated user properties to identity values. Check debug logs or the mapping used for additional details.');
  }
  let user: Record<string, any> | undefined;
  const groupIds = new Set<string>();
  const groupNames: MappedGroupName[] = [];
  let projects: MappedProject[] = [];
  for (const local of locals) {
    if (local.user && !user) user = { ...local.user };
    if (local.group) {
      if (typeof local.group.id === 'string') groupIds.add(local.group.id);
      else if (typeof local.group.name === 'string') groupNames.push({ name: local.group.name, domain: local.group.domain ?? {} });
    }
    if (typeof local.groups === 'string') {
      if (!local.domain) throw new MappingError(`Invalid rule: ${JSON.stringify(local)}. Both 'groups' and 'domain' keywords must be specified.`);
      for (const name of parseListLiteral(local.groups)) groupNames.push({ name, domain: local.domain });
    }
    if (typeof local.group_ids === 'string') {
      for (const id of parseListLiteral(local.group_ids)) groupIds.add(id);
    }
    if (Array.isArray(local.projects)) projects = local.projects;
  }
  const seen = new Set<string>();
  const uniqueNames = groupNames.filter((g) => {
    const key = JSON.stringify([g.name, g.domain.id ?? null, g.domain.name ?? null]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const mappedUser: MappedUser = { ...(user ?? {}), type: user?.type === 'local' ? 'local' : 'ephemeral' };
  return { user: mappedUser, groupIds: [...groupIds], groupNames: uniqueNames, projects };
}
