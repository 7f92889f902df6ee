// Swift's constraints (swift/common/constraints.py defaults): name lengths, metadata limits,
// listing limits and the largest object. /info reports the same numbers.
import { swiftError } from './errors.ts';
import type { HeaderMap } from '../../backends/object-ring/index.ts';

export const LIMITS = {
  max_file_size: 5368709122,
  max_meta_name_length: 128,
  max_meta_value_length: 256,
  max_meta_count: 90,
  max_meta_overall_size: 4096,
  max_header_size: 8192,
  max_object_name_length: 1024,
  container_listing_limit: 10000,
  account_listing_limit: 10000,
  max_account_name_length: 256,
  max_container_name_length: 256,
  extra_header_count: 0,
};

export const RESELLER_PREFIX = 'AUTH_';

export function checkContainerName(name: string): void {
  if (name.length > LIMITS.max_container_name_length) {
    throw swiftError(400, `Container name length of ${name.length} longer than ${LIMITS.max_container_name_length}`);
  }
}

export function checkObjectName(name: string): void {
  if (name.length > LIMITS.max_object_name_length) {
    throw swiftError(400, `Object name length of ${name.length} longer than ${LIMITS.max_object_name_length}`);
  }
}

/** Checks user metadata of one kind ("object", "container", "account") as Swift's check_metadata. */
export function checkMetadata(meta: HeaderMap, kind: string): void {
  const prefix = `x-${kind}-meta-`;
  let count = 0;
  let size = 0;
  for (const [key, value] of Object.entries(meta)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (!name) throw swiftError(400, 'Metadata name cannot be empty');
    count++;
    size += name.length + value.length;
    if (name.length > LIMITS.max_meta_name_length) throw swiftError(400, `Metadata name too long: ${key}`);
    if (value.length > LIMITS.max_meta_value_length) throw swiftError(400, `Metadata value longer than ${LIMITS.max_meta_value_length}: ${key}`);
    if (count > LIMITS.max_meta_count) throw swiftError(400, `Too many metadata items; max ${LIMITS.max_meta_count}`);
    if (size > LIMITS.max_meta_overall_size) throw swiftError(400, `Total metadata too large; max ${LIMITS.max_meta_overall_size}`);
  }
}

/**
 * The metadata headers of a request for one kind: X-<Kind>-Meta-* kept (empty means remove),
 * X-Remove-<Kind>-Meta-* mapped to an empty value, plus the extra names given.
 */
export function metadataFromHeaders(headers: Record<string, string | string[] | undefined>, kind: string, extra: string[] = [],
  options: { dropRemovals?: boolean } = {}): HeaderMap {
  const out: HeaderMap = {};
  const meta = `x-${kind}-meta-`;
  const remove = `x-remove-${kind}-meta-`;
  for (const [k, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    // a WSGI server turns underscores in header names into hyphens; Swift sees them so
    const key = k.toLowerCase().replaceAll('_', '-');
    const value = (Array.isArray(raw) ? raw.join(',') : raw).trim();
    if (key.startsWith(meta)) out[key] = value;
    else if (key.startsWith(remove)) {
      if (!options.dropRemovals) out[meta + key.slice(remove.length)] = '';
    }
    else if (extra.includes(key)) out[key] = value;
    else if (key.startsWith('x-remove-') && extra.includes(`x-${key.slice('x-remove-'.length)}`)) out[`x-${key.slice('x-remove-'.length)}`] = '';
  }
  return out;
}

/** Swift's listing limit parameter: 412 above the maximum, 400 for garbage. */
export function listingLimit(value: string | null, max: number): number | undefined {
  if (value === null || value === '') return undefined;
  if (!/^-?\d+$/.test(value)) throw swiftError(412, `Value of limit must be a positive integer`);
  const n = Number(value);
  if (n < 0) throw swiftError(412, `Value of limit must be a positive integer`);
  if (n > max) throw swiftError(412, `Maximum limit is ${max}`);
  return n;
}
