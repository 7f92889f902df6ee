// Pure parts of the Ansible suite: the tasks a playbook declares (name -> service by
// module), and the per-task results of the JSON stdout callback.
import { parse as parseYaml } from 'yaml';

const MODULE_SERVICE: Record<string, string> = {
  project: 'identity', identity_user: 'identity', role_assignment: 'identity', identity_role: 'identity', identity_domain: 'identity',
  keypair: 'compute', server: 'compute', compute_flavor: 'compute', server_action: 'compute',
  network: 'network', subnet: 'network', router: 'network', security_group: 'network', security_group_rule: 'network', floating_ip: 'network', port: 'network',
  volume: 'volume', server_volume: 'volume', volume_snapshot: 'volume',
  image: 'image',
  object: 'object', object_container: 'object',
};

export interface DeclaredTask { name: string; module: string; service: string; tags: string[] }

export function declaredTasks(playbookYaml: string): DeclaredTask[] {
  const plays = parseYaml(playbookYaml) as { tasks?: Record<string, unknown>[] }[];
  const out: DeclaredTask[] = [];
  for (const play of plays ?? []) {
    for (const task of play.tasks ?? []) {
      const module = Object.keys(task).find((k) => k.startsWith('openstack.cloud.')) ?? '';
      const short = module.replace(/^openstack\.cloud\./, '');
      out.push({ name: String(task.name), module, service: MODULE_SERVICE[short] ?? 'other', tags: (task.tags as string[]) ?? [] });
    }
  }
  return out;
}

export interface TaskResult { name: string; failed: boolean; changed: boolean; skipped: boolean; msg?: string }

/** Per-task results for host localhost from `ANSIBLE_STDOUT_CALLBACK=json` output. */
export function taskResults(jsonOutput: string): TaskResult[] {
  const start = jsonOutput.indexOf('{');
  if (start < 0) throw new Error('no JSON in ansible-playbook output');
  const doc = JSON.parse(jsonOutput.slice(start)) as { plays?: { tasks?: { task: { name: string }; hosts: Record<string, any> }[] }[] };
  const out: TaskResult[] = [];
  for (const play of doc.plays ?? []) {
    for (const t of play.tasks ?? []) {
      const host = Object.values(t.hosts ?? {})[0] ?? {};
      const msg = host.msg ?? host.exception ?? host.stderr;
      out.push({
        name: t.task.name,
        failed: Boolean(host.failed || host.unreachable),
        changed: Boolean(host.changed),
        skipped: Boolean(host.skipped),
        msg: typeof msg === 'string' ? msg : msg === undefined ? undefined : JSON.stringify(msg),
      });
    }
  }
  return out;
}
