// Placement's query-string grammars: `resources=VCPU:1,MEMORY_MB:512`,
// `member_of=in:a,b` / `!in:a,b` (repeatable from 1.24), `required=A,!B` and `in:A,B` (1.39).
import type { RequestContext } from '../../platform/http/service-api.ts';
import { CODES, badRequest } from './errors.ts';
import { isUuidLike } from './request-validation.ts';
import { mv } from './rest-support.ts';

export function parseResources(value: string, key = 'resources'): Record<string, number> {
  const form = `Badly formed ${key} parameter. Expected ${key} query string parameter in form: ?${key}=VCPU:2,MEMORY_MB:1024.`;
  if (value.trim() === '') throw badRequest(`${form} Got: empty string.`, CODES.QUERYPARAM_BAD_VALUE);
  const out: Record<string, number> = {};
  for (const pair of value.split(',')) {
    const parts = pair.split(':');
    if (parts.length !== 2) throw badRequest(`${form} Got: ${pair}.`, CODES.QUERYPARAM_BAD_VALUE);
    const [rc, amount] = parts;
    if (!/^-?\d+$/.test(amount.trim())) {
      throw badRequest(`Requested resource ${rc} expected positive integer amount. Got: ${amount}.`, CODES.QUERYPARAM_BAD_VALUE);
    }
    const n = Number(amount);
    if (n < 1) throw badRequest(`Requested resource ${rc} requires amount >= 1. Got: ${n}.`, CODES.QUERYPARAM_BAD_VALUE);
    out[rc] = n;
  }
  return out;
}

export interface MemberOf {
  anyOf: string[][];
  forbidden: string[];
}

export function parseMemberOf(ctx: RequestContext, values: string[], key = 'member_of'): MemberOf {
  const repeatable = mv(ctx, '1.24');
  const used = repeatable ? values : values.slice(-1);
  const out: MemberOf = { anyOf: [], forbidden: [] };
  for (let raw of used) {
    const negative = raw.startsWith('!');
    if (negative) {
      if (!mv(ctx, '1.32')) throw badRequest(`Invalid query string parameters: Expected '${key}' parameter to contain valid UUID(s). Got: ${raw}`, CODES.QUERYPARAM_BAD_VALUE);
      raw = raw.slice(1);
    }
    let list: string[];
    if (raw.startsWith('in:')) {
      list = raw.slice(3).split(',');
      if (negative && list.length > 0) {
        // `!in:` forbids every listed aggregate
      }
    } else {
      list = [raw];
    }
    if (list.length === 0 || list.some((u) => !isUuidLike(u))) {
      throw badRequest(`Invalid query string parameters: Expected '${key}' parameter to contain valid UUID(s). Got: ${raw}`, CODES.QUERYPARAM_BAD_VALUE);
    }
    if (!raw.startsWith('in:') && raw.includes(',')) {
      throw badRequest(`Invalid query string parameters: Expected '${key}' parameter to contain valid UUID(s). Got: ${raw}`, CODES.QUERYPARAM_BAD_VALUE);
    }
    if (negative) out.forbidden.push(...list);
    else out.anyOf.push(list);
  }
  return out;
}

export interface TraitFilter {
  required: string[][];
  forbidden: string[];
}

export function parseRequired(ctx: RequestContext, values: string[], allowForbidden: boolean, key = 'required'): TraitFilter {
  const out: TraitFilter = { required: [], forbidden: [] };
  const used = mv(ctx, '1.39') ? values : values.slice(-1);
  for (const value of used) {
    if (mv(ctx, '1.39') && value.startsWith('in:')) {
      const anyOf = value.slice(3).split(',');
      if (anyOf.some((t) => t === '' || t.startsWith('!'))) {
        throw badRequest(`Invalid query string parameters: Expected '${key}' parameter value of the form: in:HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: ${value}`, CODES.QUERYPARAM_BAD_VALUE);
      }
      out.required.push(anyOf);
      continue;
    }
    const names = value.split(',');
    for (const name of names) {
      const trimmed = name.trim();
      if (trimmed === '' || (trimmed.startsWith('!') && (!allowForbidden || trimmed.length === 1))) {
        const form = allowForbidden ? 'HW_CPU_X86_VMX,!CUSTOM_MAGIC' : 'HW_CPU_X86_VMX,CUSTOM_MAGIC';
        throw badRequest(`Invalid query string parameters: Expected '${key}' parameter value of the form: ${form}. Got: ${value}`, CODES.QUERYPARAM_BAD_VALUE);
      }
      if (trimmed.startsWith('!')) out.forbidden.push(trimmed.slice(1));
      else out.required.push([trimmed]);
    }
  }
  return out;
}

export function traitNames(filter: TraitFilter): string[] {
  return [...filter.required.flat(), ...filter.forbidden];
}
