// Which server is asking. Behind Neutron's metadata proxy the request names the instance in
// X-Instance-ID, signed with the shared secret (hex HMAC-SHA256 of the id), and its project in
// X-Tenant-ID; otherwise the caller's fixed IP (the client address, or X-Forwarded-For when the
// peer is a trusted proxy, as the HTTP layer's `trust proxy` decides) names it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RequestContext } from '../../../platform/http/service-api.ts';
import { ApiError, badRequest, forbidden, notFound } from '../../../platform/http/api-error.ts';
import type { Nova } from '../support.ts';
import { serversOf, type ServerRecord } from '../servers/record.ts';

export function signInstanceId(secret: string, instanceId: string): string {
  return createHmac('sha256', secret).update(instanceId).digest('hex');
}

const header = (ctx: RequestContext, name: string): string | undefined => {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export async function requestingServer(nova: Nova, ctx: RequestContext, secret: string): Promise<ServerRecord> {
  const instanceId = header(ctx, 'x-instance-id');
  if (instanceId !== undefined) {
    const signature = header(ctx, 'x-instance-id-signature');
    if (signature === undefined) throw badRequest('X-Instance-ID-Signature header is missing from request.');
    const tenant = header(ctx, 'x-tenant-id');
    if (tenant === undefined) throw badRequest('X-Tenant-ID header is missing from request.');
    const expected = Buffer.from(signInstanceId(secret, instanceId));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw forbidden('Invalid proxy request signature.');
    const server = await serversOf(nova).get(instanceId);
    if (!server || server.deleted) throw notFound('The resource could not be found.');
    if (server.project_id !== tenant) throw notFound('The resource could not be found.');
    return server;
  }
  const address = ctx.raw.req.ip?.replace(/^::ffff:/, '');
  if (!address) throw new ApiError(500, 'An unknown error has occurred. Please try your request again.');
  const live = await serversOf(nova).find({ deleted: false });
  const server = live.find((s) => Object.values(s.addresses ?? {}).some((list) => list.some((a) => a.addr === address)));
  if (!server) throw notFound('The resource could not be found.');
  return server;
}
