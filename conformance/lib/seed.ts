// Seeds what the suites need, through the public APIs only. Each step is a test
// of suite "seed": a step that needs a service stackgate lacks fails, it never crashes the run.
import type { Stackgate } from './server.ts';
import type { TestResult } from './results.ts';
import { firstLine } from './results.ts';
import { call, expectStatus, passwordSession, type Session } from './openstack-http.ts';

export interface SeedData {
  altProjectName: string;
  altProjectId?: string;
  altUserName: string;
  altUserId?: string;
  altPassword: string;
  imageId?: string;
  imageAltId?: string;
  flavorId?: string;
  flavorAltId?: string;
  publicNetworkId?: string;
  publicSubnetId?: string;
}

const IDENTITY = ['identity'];
const IMAGE = ['image'];
const COMPUTE = ['compute'];
const NETWORK = ['network'];

interface Step {
  service: string;
  /** other services whose suites stand on what this step makes (servers boot from the image, on the network) */
  neededBy?: string[];
  name: string;
  run: (s: Session, d: SeedData) => Promise<void>;
}

const STEPS: Step[] = [
  {
    service: 'object',
    // DevStack creates it with Swift; Tempest's object storage tests grant it to a dynamic user.
    name: 'create role ResellerAdmin',
    async run(s) {
      const res = await call(s, IDENTITY, 'POST', '/roles', { role: { name: 'ResellerAdmin' } });
      expectStatus(res, [201, 409], 'POST /v3/roles');
    },
  },
  {
    service: 'identity',
    name: 'create alt project conf-alt',
    async run(s, d) {
      const res = await call(s, IDENTITY, 'POST', '/projects', { project: { name: d.altProjectName, domain_id: 'default', description: 'conformance isolation' } });
      expectStatus(res, [201], 'POST /v3/projects');
      d.altProjectId = (res.body as any).project.id;
    },
  },
  {
    service: 'identity',
    name: 'create alt user conf-alt-user',
    async run(s, d) {
      const res = await call(s, IDENTITY, 'POST', '/users', {
        user: { name: d.altUserName, domain_id: 'default', password: d.altPassword, default_project_id: d.altProjectId },
      });
      expectStatus(res, [201], 'POST /v3/users');
      d.altUserId = (res.body as any).user.id;
    },
  },
  {
    service: 'identity',
    name: 'grant member role to alt user on alt project',
    async run(s, d) {
      if (!d.altProjectId || !d.altUserId) throw new Error('alt project or user missing (earlier seed step failed)');
      const roles = await call(s, IDENTITY, 'GET', '/roles?name=member');
      expectStatus(roles, [200], 'GET /v3/roles?name=member');
      const role = (roles.body as any).roles?.[0];
      if (!role) throw new Error('no role named member');
      const res = await call(s, IDENTITY, 'PUT', `/projects/${d.altProjectId}/users/${d.altUserId}/roles/${role.id}`);
      expectStatus(res, [204], 'PUT role assignment');
    },
  },
  {
    service: 'identity',
    name: 'alt user can get a token scoped to alt project',
    async run(s, d) {
      const authUrl = s.catalog.find((e) => e.type === 'identity')?.endpoints.find((e) => e.interface === 'public')?.url;
      if (!authUrl) throw new Error('identity not in catalog');
      await passwordSession(authUrl.replace(/\/+$/, ''), d.altUserName, d.altPassword, d.altProjectName);
    },
  },
  {
    service: 'image',
    neededBy: ['compute', 'volume'],
    name: 'upload images conf-image and conf-image-alt through Glance',
    async run(s, d) {
      // two images: Tempest's rebuild tests want image_ref_alt to differ from image_ref
      for (const [name, key] of [['conf-image', 'imageId'], ['conf-image-alt', 'imageAltId']] as const) {
        const res = await call(s, IMAGE, 'POST', '/v2/images', {
          // raw: Glance inspects uploads, and these bytes are no qcow2.
          name, disk_format: 'raw', container_format: 'bare', visibility: 'public',
        });
        expectStatus(res, [201], 'POST /v2/images');
        const id = (res.body as any).id;
        const bytes = new Uint8Array(1024 * 64).fill(7);
        const up = await call(s, IMAGE, 'PUT', `/v2/images/${id}/file`, bytes, { 'Content-Type': 'application/octet-stream' });
        expectStatus(up, [204], 'PUT /v2/images/{id}/file');
        d[key] = id;
      }
    },
  },
  {
    service: 'compute',
    neededBy: ['volume'],
    name: 'create flavors conf.tiny and conf.small',
    async run(s, d) {
      for (const [name, ram, key] of [['conf.tiny', 512, 'flavorId'], ['conf.small', 1024, 'flavorAltId']] as const) {
        const res = await call(s, COMPUTE, 'POST', '/flavors', { flavor: { name, ram, vcpus: 1, disk: 1 } });
        expectStatus(res, [200], `POST /flavors ${name}`);
        d[key] = (res.body as any).flavor.id;
      }
    },
  },
  {
    service: 'network',
    neededBy: ['compute', 'volume'],
    name: 'create external network public with subnet and floating IP pool',
    async run(s, d) {
      const net = await call(s, NETWORK, 'POST', '/v2.0/networks', { network: { name: 'public', 'router:external': true, shared: false } });
      expectStatus(net, [201], 'POST /v2.0/networks');
      d.publicNetworkId = (net.body as any).network.id;
      const sub = await call(s, NETWORK, 'POST', '/v2.0/subnets', {
        subnet: {
          network_id: d.publicNetworkId, name: 'public-subnet', ip_version: 4, cidr: '172.24.4.0/24', gateway_ip: '172.24.4.1',
          enable_dhcp: false, allocation_pools: [{ start: '172.24.4.10', end: '172.24.4.250' }],
        },
      });
      expectStatus(sub, [201], 'POST /v2.0/subnets');
      d.publicSubnetId = (sub.body as any).subnet.id;
    },
  },
];

export async function seed(sg: Stackgate, services: readonly string[] | 'all'): Promise<{ data: SeedData; results: TestResult[] }> {
  const data: SeedData = { altProjectName: 'conf-alt', altUserName: 'conf-alt-user', altPassword: 'conf-alt-Secret1' };
  const results: TestResult[] = [];
  let session: Session | undefined;
  let sessionError = '';
  try {
    session = await passwordSession(sg.authUrl, 'admin', sg.adminPassword, 'admin');
  } catch (error) {
    sessionError = error instanceof Error ? error.message : String(error);
  }
  for (const step of STEPS) {
    // identity steps make the admin's and the alt member's footing every other suite stands on
    if (services !== 'all' && step.service !== 'identity' && ![step.service, ...(step.neededBy ?? [])].some((name) => services.includes(name))) continue;
    if (!session) {
      results.push({ suite: 'seed', service: step.service, name: step.name, outcome: 'failed', error: firstLine(`admin token: ${sessionError}`) });
      continue;
    }
    try {
      await step.run(session, data);
      results.push({ suite: 'seed', service: step.service, name: step.name, outcome: 'passed' });
    } catch (error) {
      results.push({ suite: 'seed', service: step.service, name: step.name, outcome: 'failed', error: firstLine(error instanceof Error ? error.message : String(error)) });
    }
  }
  return { data, results };
}
