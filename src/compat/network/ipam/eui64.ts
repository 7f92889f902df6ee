// SLAAC addresses: the interface identifier is the modified EUI-64 of the port's MAC.
import { formatIp, type Cidr } from './ip-address.ts';

export function eui64Address(prefix: Cidr, mac: string): string {
  const octets = mac.split(':').map((o) => parseInt(o, 16));
  octets[0] ^= 0x02;
  const iid = [...octets.slice(0, 3), 0xff, 0xfe, ...octets.slice(3)].reduce((a, o) => (a << 8n) | BigInt(o), 0n);
  return formatIp(6, prefix.network | iid);
}
