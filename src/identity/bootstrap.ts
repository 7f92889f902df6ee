// First-start set-up, like `keystone-manage bootstrap`: the default domain, the
// admin user and project, the default roles with their implications, a region,
// and a catalog entry for every service this process serves. Idempotent: it
// runs at every start, creating what is missing and correcting endpoint URLs.
import type { Config } from '../platform/config.ts';
import type { Clock } from '../platform/clock.ts';
import { hexId, randomSecret } from '../platform/ids.ts';
import type { IdentityDb } from './identity-db.ts';
import type { EndpointRecord, ProjectRecord, RoleRecord, UserRecord } from './model.ts';
import { hashPassword } from './passwords.ts';

export const DEFAULT_DOMAIN_ID = 'default';

export interface CatalogService {
  type: string;
  name: string;
  /** the service root URL, for every interface */
  url: string;
}

export interface BootstrapResult {
  adminUserId: string;
  adminProjectId: string;
  /** set only when this run generated the admin password */
  generatedPassword?: string;
  adminPassword?: string;
}

function newProject(fields: Partial<ProjectRecord> & Pick<ProjectRecord, 'name'>): ProjectRecord {
  return {
    id: hexId(),
    domain_id: DEFAULT_DOMAIN_ID,
    parent_id: DEFAULT_DOMAIN_ID,
    is_domain: false,
    enabled: true,
    description: '',
    tags: [],
    options: {},
    extra: {},
    ...fields,
  };
}

async function ensureRole(db: IdentityDb, name: string): Promise<RoleRecord> {
  const existing = await db.roles.findOne({ name, domain_id: null });
  if (existing) return existing;
  return db.roles.insert({ id: hexId(), name, domain_id: null, description: '', options: {}, extra: {} });
}

async function ensureImplied(db: IdentityDb, prior: RoleRecord, implied: RoleRecord): Promise<void> {
  const id = `${prior.id}:${implied.id}`;
  if (!(await db.impliedRoles.get(id))) await db.impliedRoles.insert({ id, prior_role_id: prior.id, implied_role_id: implied.id });
}

async function ensureAssignment(db: IdentityDb, userId: string, targetType: 'project' | 'system', targetId: string, roleId: string) {
  const id = `user:${userId}:${targetType}:${targetId}:${roleId}:false`;
  if (!(await db.assignments.get(id))) {
    await db.assignments.insert({
      id,
      actor_type: 'user',
      actor_id: userId,
      target_type: targetType,
      target_id: targetId,
      role_id: roleId,
      inherited: false,
    });
  }
}

export async function bootstrap(db: IdentityDb, config: Config, clock: Clock, services: CatalogService[]): Promise<BootstrapResult> {
  if (!(await db.projects.get(DEFAULT_DOMAIN_ID))) {
    await db.projects.insert(
      newProject({ id: DEFAULT_DOMAIN_ID, name: 'Default', domain_id: null, parent_id: null, is_domain: true, description: 'The default domain' }),
    );
  }
  const { adminUser, adminProject } = config.identity;
  const project =
    (await db.projects.findOne({ name: adminProject, domain_id: DEFAULT_DOMAIN_ID })) ??
    (await db.projects.insert(newProject({ name: adminProject, description: 'Bootstrap project for initializing the cloud.' })));

  const result: BootstrapResult = { adminUserId: '', adminProjectId: project.id };
  let user = await db.users.findOne({ name: adminUser, domain_id: DEFAULT_DOMAIN_ID });
  const now = clock.now();
  if (!user) {
    const password = config.identity.adminPassword ?? randomSecret(18);
    if (!config.identity.adminPassword) result.generatedPassword = password;
    result.adminPassword = password;
    const record: UserRecord = {
      id: hexId(),
      name: adminUser,
      domain_id: DEFAULT_DOMAIN_ID,
      enabled: true,
      default_project_id: project.id,
      password_hash: await hashPassword(password),
      password_created_at: now,
      password_expires_at: null,
      options: {},
      extra: {},
      failed_auth_count: 0,
      failed_auth_at: null,
      created_at: now,
      last_active_at: null,
    };
    user = await db.users.insert(record);
  } else if (config.identity.adminPassword) {
    // An operator who sets the password in config expects it to be the password.
    result.adminPassword = config.identity.adminPassword;
    await db.users.update(user.id, { password_hash: await hashPassword(config.identity.adminPassword), password_created_at: now, enabled: true });
  }
  result.adminUserId = user.id;

  const admin = await ensureRole(db, 'admin');
  const member = await ensureRole(db, 'member');
  const reader = await ensureRole(db, 'reader');
  const legacyMember = await ensureRole(db, '_member_');
  await ensureImplied(db, admin, member);
  await ensureImplied(db, member, reader);
  await ensureImplied(db, legacyMember, member);
  await ensureAssignment(db, user.id, 'project', project.id, admin.id);
  await ensureAssignment(db, user.id, 'system', 'all', admin.id);

  if (!(await db.regions.get(config.region))) {
    await db.regions.insert({ id: config.region, description: '', parent_region_id: null, extra: {} });
  }
  for (const svc of services) await ensureCatalogService(db, config.region, svc);
  return result;
}

async function ensureCatalogService(db: IdentityDb, region: string, svc: CatalogService): Promise<void> {
  const service =
    (await db.services.findOne({ type: svc.type })) ??
    (await db.services.insert({ id: hexId(), type: svc.type, name: svc.name, description: '', enabled: true, extra: {} }));
  const endpoints = await db.endpoints.find({ service_id: service.id, region_id: region });
  for (const iface of ['public', 'internal', 'admin'] as const) {
    const existing = endpoints.find((e) => e.interface === iface);
    if (!existing) {
      const record: EndpointRecord = { id: hexId(), service_id: service.id, interface: iface, region_id: region, url: svc.url, enabled: true, extra: {} };
      await db.endpoints.insert(record);
    } else if (existing.extra.stackgate_managed !== false && existing.url !== svc.url) {
      await db.endpoints.update(existing.id, { url: svc.url });
    }
  }
}
