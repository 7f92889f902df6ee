// /v3/credentials and the EC2 credentials API under /v3/users/{user_id}/credentials/OS-EC2.
// A user who is not a system admin sees and manages only credentials of their own.
import { randomBytes } from 'node:crypto';
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import { badRequest, conflict, notFound, unauthorized } from '../../platform/http/api-error.ts';
import { hexId } from '../../platform/ids.ts';
import { DuplicateKeyError } from '../../platform/store/store.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { CredentialRecord } from '../../identity/model.ts';
import { EC2_FROZEN_KEYS, EC2_TYPE, ec2CredentialId, ec2View, parseEc2Blob, requireProjectId } from '../../identity/resources/credentials-ec2.ts';
import { checkMatchingId, checkNotEmpty, checkString, requiredProperty } from '../../identity/resources/services-field-checks.ts';
import { bodyObject, collectionLinks, created, extraFields, noContent, ok, queryString, selfLink } from './support.ts';

const KNOWN = ['id', 'user_id', 'project_id', 'type', 'blob', 'links'] as const;

function view(ctx: RequestContext, c: CredentialRecord) {
  return {
    ...c.extra,
    id: c.id,
    user_id: c.user_id,
    project_id: c.project_id,
    type: c.type,
    blob: c.blob,
    links: selfLink(ctx, `/v3/credentials/${c.id}`),
  };
}

function checkFields(input: Record<string, unknown>): void {
  checkString(input, 'blob');
  checkString(input, 'type');
  checkString(input, 'user_id');
  checkString(input, 'project_id', { nullable: true });
}

const credentialNotFound = (id: string) => notFound(`Could not find credential: ${id}.`);
const isEc2 = (type: unknown) => typeof type === 'string' && type.toLowerCase() === EC2_TYPE;

export function credentialHandlers(engine: IdentityEngine): Record<string, OperationHandler> {
  const db = engine.db;

  /** Tokens issued from an application credential mark the ec2 keys they create, as Keystone does. */
  async function callerAppCredId(ctx: RequestContext): Promise<string | undefined> {
    return (await engine.validate(ctx.auth!.token)).payload.appCredId;
  }

  async function requireUser(userId: string): Promise<void> {
    if (!(await db.users.get(userId))) throw notFound(`Could not find user: ${userId}.`);
  }

  async function ec2Credential(ctx: RequestContext, rule: string): Promise<CredentialRecord> {
    const { user_id: userId, credential_id: access } = ctx.params;
    const id = ec2CredentialId(access);
    const cred = await db.credentials.get(id);
    // Keystone looks the key up before the policy check, so an unknown key is 404 for anyone.
    if (!cred) throw credentialNotFound(id);
    engine.authorize(ctx, rule, { user_id: userId, target: { credential: cred } });
    await requireUser(userId);
    if (cred.type !== EC2_TYPE) throw unauthorized('EC2 access key not found.');
    if (cred.user_id !== userId) throw credentialNotFound(id);
    return cred;
  }

  const ec2Member = (ctx: RequestContext, cred: CredentialRecord) => {
    const v = ec2View(cred);
    return { ...v, links: selfLink(ctx, `/v3/users/${cred.user_id}/credentials/OS-EC2/${v.access}`) };
  };

  return {
    listCredentials: async (ctx) => {
      const auth = ctx.auth!;
      engine.authorize(ctx, 'identity:list_credentials', auth.system ? {} : { target: { credential: { user_id: auth.userId } } });
      const filter: Record<string, string> = {};
      const userId = queryString(ctx, 'user_id');
      const type = queryString(ctx, 'type');
      if (userId !== undefined) filter.user_id = userId;
      if (type !== undefined) filter.type = type;
      const visible = (await db.credentials.find(filter)).filter((c) => engine.allows(ctx, 'identity:get_credential', { target: { credential: c } }));
      return ok({ credentials: visible.map((c) => view(ctx, c)), links: collectionLinks(ctx) });
    },
    getCredential: async (ctx) => {
      const cred = await db.credentials.get(ctx.params.credential_id);
      engine.authorize(ctx, 'identity:get_credential', cred ? { target: { credential: cred } } : {});
      if (!cred) throw credentialNotFound(ctx.params.credential_id);
      return ok({ credential: view(ctx, cred) });
    },
    createCredential: async (ctx) => {
      const input = bodyObject(ctx, 'credential');
      engine.authorize(ctx, 'identity:create_credential', { target: { credential: input } });
      for (const field of ['blob', 'type', 'user_id']) if (input[field] === undefined) throw requiredProperty(field);
      checkFields(input);
      let id: string = typeof input.id === 'string' && input.id ? input.id : hexId();
      let blob: string = input.blob;
      if (isEc2(input.type)) {
        if (!input.project_id) throw requiredProperty('project_id');
        const parsed = parseEc2Blob(input.blob);
        id = ec2CredentialId(String(parsed.access));
        const appCredId = await callerAppCredId(ctx);
        if (appCredId) blob = JSON.stringify({ ...parsed, app_cred_id: appCredId });
      }
      const record: CredentialRecord = {
        id,
        user_id: input.user_id,
        project_id: input.project_id ?? null,
        type: input.type,
        blob,
        extra: extraFields(input, KNOWN),
      };
      try {
        await db.credentials.insert(record);
      } catch (error) {
        if (error instanceof DuplicateKeyError) throw conflict('Conflict occurred attempting to store credential - Duplicate entry.');
        throw error;
      }
      await engine.changed();
      return created({ credential: view(ctx, record) });
    },
    updateCredential: async (ctx) => {
      const id = ctx.params.credential_id;
      const current = await db.credentials.get(id);
      engine.authorize(ctx, 'identity:update_credential', current ? { target: { credential: current } } : {});
      if (!current) throw credentialNotFound(id);
      const input = bodyObject(ctx, 'credential');
      checkNotEmpty(input);
      checkFields(input);
      if (isEc2(current.type) && input.blob !== undefined) {
        const next = parseEc2Blob(input.blob);
        let old: Record<string, unknown> = {};
        try {
          old = JSON.parse(current.blob);
        } catch {
          // a blob we cannot read has no scope markers to protect
        }
        for (const key of EC2_FROZEN_KEYS) {
          if ((old[key] ?? null) !== (next[key] ?? null)) throw badRequest(`${key} can not be updated for credential`);
        }
      }
      checkMatchingId(input, id);
      const merged = { ...current, ...input };
      // The owner may not hand the credential to someone else.
      engine.authorize(ctx, 'identity:update_credential', { target: { credential: merged } });
      if (isEc2(merged.type)) {
        if (!merged.project_id) throw requireProjectId();
        if (input.blob !== undefined || !isEc2(current.type)) parseEc2Blob(merged.blob);
      }
      const set: Partial<CredentialRecord> = { extra: { ...current.extra, ...extraFields(input, KNOWN) } };
      if (input.user_id !== undefined) set.user_id = input.user_id;
      if ('project_id' in input) set.project_id = input.project_id ?? null;
      if (input.type !== undefined) set.type = input.type;
      if (input.blob !== undefined) set.blob = input.blob;
      const updated = await db.credentials.update(id, set);
      if (!updated) throw credentialNotFound(id);
      await engine.changed();
      return ok({ credential: view(ctx, updated) });
    },
    deleteCredential: async (ctx) => {
      const id = ctx.params.credential_id;
      const current = await db.credentials.get(id);
      engine.authorize(ctx, 'identity:delete_credential', current ? { target: { credential: current } } : {});
      if (!current || !(await db.credentials.delete(id))) throw credentialNotFound(id);
      await engine.changed();
      return noContent();
    },

    listEc2Credentials: async (ctx) => {
      const userId = ctx.params.user_id;
      engine.authorize(ctx, 'identity:ec2_list_credentials', { user_id: userId });
      await requireUser(userId);
      const creds = await db.credentials.find({ user_id: userId, type: EC2_TYPE });
      return ok({ credentials: creds.map((c) => ec2Member(ctx, c)), links: collectionLinks(ctx) });
    },
    createEc2Credential: async (ctx) => {
      const userId = ctx.params.user_id;
      engine.authorize(ctx, 'identity:ec2_create_credential', { user_id: userId, target: { credential: { user_id: userId } } });
      await requireUser(userId);
      const tenantId = ctx.body?.tenant_id;
      const project = typeof tenantId === 'string' ? await db.projects.get(tenantId) : undefined;
      if (!project || project.is_domain) throw notFound(`Could not find project: ${tenantId ?? 'None'}.`);
      const access = randomBytes(16).toString('hex');
      const blob = { access, secret: randomBytes(16).toString('hex'), trust_id: null };
      const record: CredentialRecord = {
        id: ec2CredentialId(access),
        user_id: userId,
        project_id: project.id,
        type: EC2_TYPE,
        blob: JSON.stringify(blob),
        extra: {},
      };
      await db.credentials.insert(record);
      await engine.changed();
      return created({ credential: ec2Member(ctx, record) });
    },
    getEc2Credential: async (ctx) => {
      const cred = await ec2Credential(ctx, 'identity:ec2_get_credential');
      return ok({ credential: ec2Member(ctx, cred) });
    },
    deleteEc2Credential: async (ctx) => {
      const cred = await ec2Credential(ctx, 'identity:ec2_delete_credential');
      await db.credentials.delete(cred.id);
      await engine.changed();
      return noContent();
    },
  };
}
