// Records the role, grant and assignment tests stand on (domains, projects, users,
// groups), written straight to the identity store so these tests do not depend on
// the user/project APIs. Every write ends with engine.changed(), as the APIs do.
import { hexId } from '../../../src/platform/ids.ts';
import { hashPassword } from '../../../src/identity/passwords.ts';
import type { ProjectRecord, UserRecord, GroupRecord } from '../../../src/identity/model.ts';
import type { TestCloud } from '../../support/stackgate.ts';

export const PASSWORD = 'fixture-secret-1';

export function fixtures(cloud: TestCloud) {
  const engine = cloud.runtime.identity;
  const db = engine.db;
  return {
    async domain(name = `dom-${hexId().slice(0, 8)}`): Promise<ProjectRecord> {
      const d = await db.projects.insert({ id: hexId(), name, domain_id: null, parent_id: null, is_domain: true, enabled: true, description: '', tags: [], options: {}, extra: {} });
      await engine.changed();
      return d;
    },
    async project(domainId = 'default', parentId?: string, name = `proj-${hexId().slice(0, 8)}`): Promise<ProjectRecord> {
      const p = await db.projects.insert({ id: hexId(), name, domain_id: domainId, parent_id: parentId ?? domainId, is_domain: false, enabled: true, description: '', tags: [], options: {}, extra: {} });
      await engine.changed();
      return p;
    },
    async user(domainId = 'default', name = `user-${hexId().slice(0, 8)}`): Promise<UserRecord> {
      const now = Date.now();
      const u = await db.users.insert({
        id: hexId(), name, domain_id: domainId, enabled: true, default_project_id: null,
        password_hash: await hashPassword(PASSWORD), password_created_at: now, password_expires_at: null,
        options: {}, extra: {}, failed_auth_count: 0, failed_auth_at: null, created_at: now, last_active_at: null,
      });
      await engine.changed();
      return u;
    },
    async group(domainId = 'default', name = `group-${hexId().slice(0, 8)}`): Promise<GroupRecord> {
      const g = await db.groups.insert({ id: hexId(), name, domain_id: domainId, description: '', extra: {} });
      await engine.changed();
      return g;
    },
    async addMember(groupId: string, userId: string): Promise<void> {
      await db.memberships.insert({ id: `${userId}:${groupId}`, user_id: userId, group_id: groupId });
      await engine.changed();
    },
    async role(name = `role-${hexId().slice(0, 8)}`, domainId?: string): Promise<{ id: string; name: string }> {
      const res = await cloud.request('POST', '/identity/v3/roles', { body: { role: { name, ...(domainId ? { domain_id: domainId } : {}) } } });
      if (res.status !== 201) throw new Error(`role create: ${res.status} ${res.text}`);
      return res.body.role;
    },
    async roleByName(name: string): Promise<{ id: string; name: string }> {
      const r = await db.roles.findOne({ name, domain_id: null });
      if (!r) throw new Error(`no role ${name}`);
      return r;
    },
    /** a token of a plain member of a fresh project: the persona most policy checks refuse */
    async memberToken(projectId?: string): Promise<string> {
      const project = projectId ?? (await this.project()).id;
      const user = await this.user();
      const member = await this.roleByName('member');
      await db.assignments.insert({ id: hexId(), actor_type: 'user', actor_id: user.id, target_type: 'project', target_id: project, role_id: member.id, inherited: false });
      await engine.changed();
      return cloud.token({ id: user.id }, PASSWORD, { project: { id: project } });
    },
  };
}
