// What every Placement handler shares: policy checks in Placement's wording,
// version gates (404, or 405, below an operation's microversion), relative links
// under the mount point, and the provider view per microversion.
import type { ApiResponse, RequestContext } from '../../platform/http/service-api.ts';
import { atLeast } from '../../platform/http/microversion.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import { PlacementError } from './errors.ts';
import type { ProviderRecord } from './model.ts';

export function authorize(engine: IdentityEngine, ctx: RequestContext, rule: string, target: Record<string, unknown> = {}): void {
  const full = { project_id: ctx.auth?.projectId, user_id: ctx.auth?.userId, ...target };
  if (!engine.allows(ctx, rule, full)) throw new PlacementError(403, `Policy does not allow ${rule} to be performed.`);
}

/** upstream routes an operation below its first microversion to 404 (some to 405) */
export function since(ctx: RequestContext, version: string, status = 404): void {
  if (!atLeast(ctx.microversion, version)) {
    throw new PlacementError(status, status === 405 ? `The method ${ctx.method} is not allowed for this resource.` : 'The resource could not be found.');
  }
}

export const mv = (ctx: RequestContext, version: string) => atLeast(ctx.microversion, version);

/** the mount point as a path: Placement's links are relative to the host */
export function root(ctx: RequestContext): string {
  return new URL(ctx.baseUrl).pathname.replace(/\/$/, '');
}

export function json(body: unknown, status = 200, ctx?: RequestContext, lastModified?: string): ApiResponse {
  const headers: Record<string, string> = {};
  if (ctx && mv(ctx, '1.15')) {
    headers['Cache-Control'] = 'no-cache';
    headers['Last-Modified'] = new Date(lastModified ?? Date.now()).toUTCString();
  }
  return { status, body, headers };
}

export const noContent = (headers?: Record<string, string>): ApiResponse => ({ status: 204, headers });

export function providerView(ctx: RequestContext, rp: ProviderRecord): Record<string, unknown> {
  const self = `${root(ctx)}/resource_providers/${rp.id}`;
  const rels = ['inventories', 'usages'];
  if (mv(ctx, '1.1')) rels.push('aggregates');
  if (mv(ctx, '1.6')) rels.push('traits');
  if (mv(ctx, '1.11')) rels.push('allocations');
  const view: Record<string, unknown> = {
    uuid: rp.id,
    name: rp.name,
    generation: rp.generation,
    links: [{ rel: 'self', href: self }, ...rels.map((rel) => ({ rel, href: `${self}/${rel}` }))],
  };
  if (mv(ctx, '1.14')) {
    view.parent_provider_uuid = rp.parent_provider_uuid;
    view.root_provider_uuid = rp.root_provider_uuid;
  }
  return view;
}
