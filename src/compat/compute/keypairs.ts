// Keypairs: generated (RSA, private key returned once) or imported (validated),
// per user; `type` from 2.2, admins acting for another user from 2.10, paging 2.35.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, conflict, forbidden, notFound } from '../../platform/http/api-error.ts';
import type { Collection } from '../../platform/store/store.ts';
import { uuid } from '../../platform/ids.ts';
import { isoSeconds } from '../../platform/clock.ts';
import { firstQuery, invalidField, json, nextLinks, pageLimit, since, type Nova } from './support.ts';
import { generateSshKeypair, generateX509Keypair, sshFingerprint, x509Fingerprint } from './keypair-crypto.ts';
import { effectiveQuota } from './quotas.ts';

export interface KeypairDoc {
  id: string;
  seq: number;
  name: string;
  user_id: string;
  type: 'ssh' | 'x509';
  public_key: string;
  fingerprint: string;
  created_at: number;
  [k: string]: unknown;
}

export const keypairsOf = (nova: Nova): Collection<KeypairDoc> => nova.db.collection<KeypairDoc>('keypairs', { unique: [['user_id', 'name']] });

function view(ctx: RequestContext, k: KeypairDoc, detail: boolean): Record<string, unknown> {
  const v: Record<string, unknown> = { name: k.name, public_key: k.public_key, fingerprint: k.fingerprint };
  if (since(ctx, '2.2')) v.type = k.type;
  if (detail) {
    Object.assign(v, { user_id: k.user_id, deleted: false, created_at: isoSeconds(k.created_at), updated_at: null, deleted_at: null, id: k.seq });
  }
  return v;
}

/** the user a request acts for: its own, or (2.10+, policy permitting) the `user_id` it names */
function targetUser(nova: Nova, ctx: RequestContext, rule: string, asked: unknown): string {
  const own = ctx.auth!.userId;
  const user = since(ctx, '2.10') && typeof asked === 'string' && asked !== '' ? asked : own;
  nova.engine.authorize(ctx, rule, { user_id: user });
  return user;
}

const NAME_BEFORE_292 = /^[a-zA-Z0-9 _-]+$/;
const NAME_FROM_292 = /^[a-zA-Z0-9 @._-]+$/;

export function keypairHandlers(nova: Nova): Record<string, OperationHandler> {
  const keypairs = keypairsOf(nova);
  const counters = nova.db.collection<{ id: string; next: number }>('counters');
  const nextSeq = async (): Promise<number> => {
    for (;;) {
      const c = await counters.get('keypairs');
      if (!c) {
        try {
          await counters.insert({ id: 'keypairs', next: 2 });
          return 1;
        } catch {
          continue;
        }
      }
      if (await counters.update('keypairs', { next: c.next + 1 }, { ifRev: c._rev })) return c.next;
    }
  };
  const load = async (user: string, name: string) => {
    const k = await keypairs.findOne({ user_id: user, name });
    if (!k) throw notFound(`Keypair ${name} not found for user ${user}`);
    return k;
  };
  return {
    listKeypairs: async (ctx) => {
      const user = targetUser(nova, ctx, 'os_compute_api:os-keypairs:index', firstQuery(ctx, 'user_id'));
      const limit = since(ctx, '2.35') ? pageLimit(ctx) : undefined;
      const marker = since(ctx, '2.35') ? firstQuery(ctx, 'marker') : undefined;
      let all = (await keypairs.find({ user_id: user })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      if (marker !== undefined) {
        const at = all.findIndex((k) => k.name === marker);
        if (at < 0) throw badRequest(`Marker ${marker} could not be found.`);
        all = all.slice(at + 1);
      }
      const page = limit === undefined ? all : all.slice(0, limit);
      const body: Record<string, unknown> = { keypairs: page.map((k) => ({ keypair: view(ctx, k, false) })) };
      const next = nextLinks(ctx, 'os-keypairs', page.map((k) => ({ marker: k.name })), limit);
      if (next) body.keypairs_links = next;
      return json(body);
    },
    showKeypair: async (ctx) => {
      const user = targetUser(nova, ctx, 'os_compute_api:os-keypairs:show', firstQuery(ctx, 'user_id'));
      return json({ keypair: view(ctx, await load(user, ctx.params.keypair_name), true) });
    },
    deleteKeypair: async (ctx) => {
      const user = targetUser(nova, ctx, 'os_compute_api:os-keypairs:delete', firstQuery(ctx, 'user_id'));
      const k = await load(user, ctx.params.keypair_name);
      await keypairs.delete(k.id);
      return { status: since(ctx, '2.2') ? 204 : 202 };
    },
    createKeypair: async (ctx) => {
      const kp = ctx.body?.keypair;
      if (typeof kp !== 'object' || kp === null || Array.isArray(kp)) throw invalidField('keypair', kp, "'keypair' is a required property");
      const allowed = new Set(['name', 'public_key', ...(since(ctx, '2.2') ? ['type'] : []), ...(since(ctx, '2.10') ? ['user_id'] : [])]);
      const extra = Object.keys(kp).filter((k) => !allowed.has(k));
      if (extra.length) throw invalidField('keypair', kp, `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`);
      const pattern = since(ctx, '2.92') ? NAME_FROM_292 : NAME_BEFORE_292;
      if (typeof kp.name !== 'string' || kp.name.length < 1 || kp.name.length > 255 || !pattern.test(kp.name)) {
        throw invalidField('name', kp.name, kp.name === undefined ? "'name' is a required property" : `'${kp.name}' does not match '${pattern.source}'`);
      }
      const type = kp.type ?? 'ssh';
      if (type !== 'ssh' && type !== 'x509') throw invalidField('type', type, `'${type}' is not one of ['ssh', 'x509']`);
      if (since(ctx, '2.92') && kp.public_key === undefined) throw invalidField('keypair', kp, "'public_key' is a required property");
      if (kp.public_key !== undefined && typeof kp.public_key !== 'string') throw invalidField('public_key', kp.public_key, "It is not of type 'string'");
      const user = targetUser(nova, ctx, 'os_compute_api:os-keypairs:create', kp.user_id);
      const limit = (await effectiveQuota(nova, ctx.auth!.projectId ?? '')).key_pairs;
      if (limit >= 0 && (await keypairs.count({ user_id: user })) >= limit) throw forbidden('Quota exceeded, too many key pairs.');
      let publicKey: string, fingerprint: string | undefined, privateKey: string | undefined;
      if (kp.public_key === undefined) {
        const generated = type === 'x509' ? await generateX509Keypair(user) : generateSshKeypair();
        ({ publicKey, privateKey, fingerprint } = generated);
      } else {
        publicKey = kp.public_key;
        fingerprint = type === 'x509' ? x509Fingerprint(publicKey) : sshFingerprint(publicKey);
        if (!fingerprint) throw badRequest('Keypair data is invalid: failed to generate fingerprint');
      }
      if (await keypairs.findOne({ user_id: user, name: kp.name })) throw conflict(`Key pair '${kp.name}' already exists.`);
      const doc: KeypairDoc = { id: uuid(), seq: await nextSeq(), name: kp.name, user_id: user, type, public_key: publicKey, fingerprint, created_at: nova.clock.now() };
      try {
        await keypairs.insert(doc);
      } catch {
        throw conflict(`Key pair '${kp.name}' already exists.`);
      }
      const body = view(ctx, doc, false);
      body.user_id = user;
      if (privateKey) body.private_key = privateKey;
      return json({ keypair: body }, since(ctx, '2.2') ? 201 : 200);
    },
  };
}
