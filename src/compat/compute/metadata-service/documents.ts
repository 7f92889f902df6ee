// The documents a guest reads: the OpenStack tree (/openstack/<version>/meta_data.json,
// network_data.json, vendor data, user_data) and the EC2 tree (/<version>/meta-data/...,
// user-data). A listing shows a folder's entries one per line, sub-folders with a slash.
import { createHash, randomBytes } from 'node:crypto';
import type { Neutron } from '../../network/context.ts';
import type { Nova } from '../support.ts';
import type { ServerRecord } from '../servers/record.ts';

export const OPENSTACK_VERSIONS = ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', '2019-04-04', '2020-10-14'];
export const EC2_VERSIONS = ['1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01', '2008-09-01', '2009-04-04'];

/** Nova's default dhcp_domain, appended to hostnames */
const DOMAIN = 'novalocal';

/** a folder (object), a text leaf (string) or a JSON document */
export type Node = { [name: string]: Node } | string | { json: unknown } | { raw: Buffer };

const ec2Id = (prefix: string, uuid: string) => `${prefix}-${createHash('sha1').update(uuid).digest('hex').slice(0, 8)}`;

function netmaskOf(prefixlen: number, version: number): string {
  if (version === 4) {
    const bits = prefixlen === 0 ? 0 : (0xffffffff << (32 - prefixlen)) >>> 0;
    return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
  }
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) {
    const left = Math.max(0, Math.min(16, prefixlen - i * 16));
    groups.push(((0xffff << (16 - left)) & 0xffff).toString(16));
  }
  return groups.join(':').replace(/(:0)+$/, '::').replace(/^0::$/, '::');
}

async function keyOf(nova: Nova, server: ServerRecord): Promise<{ name: string; type: string; data: string } | undefined> {
  if (!server.key_name || !server.key_data) return undefined;
  const stored = await nova.db.collection<{ id: string; user_id: string; name: string; type: string }>('keypairs').findOne({ user_id: server.user_id, name: server.key_name });
  return { name: server.key_name, type: stored?.type ?? 'ssh', data: server.key_data };
}

function userData(server: ServerRecord): Buffer | undefined {
  if (!server.user_data) return undefined;
  return Buffer.from(server.user_data, 'base64');
}

const atLeast = (version: string, since: string) => version >= since;

export async function openstackMetadata(nova: Nova, server: ServerRecord, version: string): Promise<Record<string, unknown>> {
  const key = await keyOf(nova, server);
  const doc: Record<string, unknown> = {
    uuid: server.id,
    meta: server.metadata ?? {},
    hostname: `${server.hostname}.${DOMAIN}`,
    name: server.name,
    launch_index: server.launch_index ?? 0,
    availability_zone: server.availability_zone,
  };
  if (key) doc.public_keys = { [key.name]: key.data };
  if (atLeast(version, '2013-04-04')) doc.random_seed = randomBytes(512).toString('base64');
  if (key && atLeast(version, '2015-10-15')) doc.keys = [key];
  if (atLeast(version, '2016-06-30')) doc.devices = [];
  if (atLeast(version, '2016-10-06')) doc.project_id = server.project_id;
  if (atLeast(version, '2020-10-14')) doc.dedicated_cpus = [];
  return doc;
}

export async function networkData(neutron: Neutron, server: ServerRecord): Promise<Record<string, unknown>> {
  const db = await neutron.db();
  const ports = await db.ports.find({ device_id: server.id }, { sort: [['created_at', 'asc']] });
  const links: unknown[] = [];
  const networks: unknown[] = [];
  const dns = new Set<string>();
  for (const port of ports) {
    const network = await db.networks.get(port.network_id);
    const link = `tap${String(port.id).slice(0, 11)}`;
    links.push({ id: link, vif_id: port.id, type: port['binding:vif_type'] && port['binding:vif_type'] !== 'unbound' ? port['binding:vif_type'] : 'ovs', mtu: network?.mtu ?? null, ethernet_mac_address: port.mac_address });
    for (const fixed of (port.fixed_ips ?? []) as Array<{ subnet_id: string; ip_address: string }>) {
      const subnet = await db.subnets.get(fixed.subnet_id);
      if (!subnet) continue;
      const version = subnet.ip_version === 6 ? 6 : 4;
      const id = `network${networks.length}`;
      for (const ns of (subnet.dns_nameservers ?? []) as string[]) dns.add(ns);
      if (subnet.enable_dhcp) {
        networks.push({ id, type: `ipv${version}_dhcp`, link, network_id: port.network_id });
        continue;
      }
      const prefixlen = Number(String(subnet.cidr).split('/')[1]);
      const routes = [
        ...(subnet.gateway_ip ? [{ network: version === 4 ? '0.0.0.0' : '::', netmask: version === 4 ? '0.0.0.0' : '::', gateway: subnet.gateway_ip }] : []),
        ...((subnet.host_routes ?? []) as Array<{ destination: string; nexthop: string }>).map((r) => {
          const [net, len] = r.destination.split('/');
          return { network: net, netmask: netmaskOf(Number(len), version), gateway: r.nexthop };
        }),
      ];
      networks.push({
        id, type: `ipv${version}`, link, ip_address: fixed.ip_address, netmask: netmaskOf(prefixlen, version), routes, network_id: port.network_id,
        services: ((subnet.dns_nameservers ?? []) as string[]).map((address) => ({ type: 'dns', address })),
      });
    }
  }
  return { links, networks, services: [...dns].map((address) => ({ type: 'dns', address })) };
}

/** the OpenStack folder of one version: its files as Nova lists them */
export async function openstackTree(nova: Nova, neutron: Neutron, server: ServerRecord, version: string): Promise<Record<string, Node>> {
  const tree: Record<string, Node> = { 'meta_data.json': { json: await openstackMetadata(nova, server, version) } };
  if (atLeast(version, '2013-04-04')) tree.password = '';
  if (atLeast(version, '2013-10-17')) tree['vendor_data.json'] = { json: {} };
  if (atLeast(version, '2015-10-15')) tree['network_data.json'] = { json: await networkData(neutron, server) };
  if (atLeast(version, '2016-10-06')) tree['vendor_data2.json'] = { json: {} };
  const data = userData(server);
  if (data) tree.user_data = { raw: data };
  return tree;
}

/** the EC2 folder of one version: meta-data/ and, when given, user-data */
export async function ec2Tree(nova: Nova, server: ServerRecord): Promise<Record<string, Node>> {
  const addresses = Object.values(server.addresses ?? {}).flat();
  const fixed4 = addresses.find((a) => a.type === 'fixed' && a.version === 4)?.addr ?? '';
  const floating4 = addresses.find((a) => a.type === 'floating' && a.version === 4)?.addr ?? '';
  const host = `${server.hostname}.${DOMAIN}`;
  const devices: Record<string, Node> = { ami: 'vda', root: '/dev/vda' };
  (server.volumes_attached ?? []).forEach((v, i) => {
    devices[`ebs${i}`] = v.device;
  });
  const meta: Record<string, Node> = {
    'ami-id': server.image_ref ? ec2Id('ami', server.image_ref) : '',
    'ami-launch-index': String(server.launch_index ?? 0),
    'ami-manifest-path': 'FIXME',
    'block-device-mapping': devices,
    hostname: host,
    'instance-action': 'none',
    'instance-id': ec2Id('i', server.id),
    'instance-type': server.flavor?.name ?? '',
    'local-hostname': host,
    'local-ipv4': fixed4,
    placement: { 'availability-zone': server.availability_zone ?? '' },
    'public-hostname': host,
    'public-ipv4': floating4,
    'reservation-id': server.reservation_id,
    'security-groups': (server.security_groups?.length ? server.security_groups : ['default']).join('\n'),
  };
  const key = await keyOf(nova, server);
  if (key) meta['public-keys'] = { [`0=${key.name}`]: { 'openssh-key': key.data } };
  const tree: Record<string, Node> = { 'meta-data': meta };
  const data = userData(server);
  if (data) tree['user-data'] = { raw: data };
  return tree;
}

/** walks a tree by path segments; the EC2 public-keys folder answers to `0` as well as `0=name` */
export function walk(tree: Record<string, Node>, segments: string[]): Node | undefined {
  let node: Node = tree;
  for (const segment of segments) {
    if (typeof node !== 'object' || 'json' in node || 'raw' in node) return undefined;
    const folder = node as Record<string, Node>;
    const key = segment in folder ? segment : Object.keys(folder).find((k) => k.startsWith(`${segment}=`));
    if (key === undefined) return undefined;
    node = folder[key];
  }
  return node;
}

/** a folder's listing, one entry per line, folders with a trailing slash */
export function listing(folder: Record<string, Node>): string {
  return Object.keys(folder)
    .sort()
    .map((k) => {
      const v = folder[k];
      return typeof v === 'object' && !('json' in v) && !('raw' in v) && !k.includes('=') ? `${k}/` : k;
    })
    .join('\n');
}
