// Key material for keypairs: generating an RSA pair in OpenSSH form, and the
// fingerprints Nova computes (MD5 of the SSH key blob, SHA-1 of an x509 cert).
import { X509Certificate, createHash, generateKeyPairSync } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SSH_TYPES = new Set([
  'ssh-rsa', 'ssh-dss', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com',
]);

function sshString(data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

/** an mpint: big-endian, with a zero byte in front when the high bit is set */
function sshMpint(data: Buffer): Buffer {
  let i = 0;
  while (i < data.length - 1 && data[i] === 0) i++;
  const trimmed = data.subarray(i);
  return sshString(trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

const colonHex = (digest: Buffer) => digest.toString('hex').match(/../g)!.join(':');

export function generateSshKeypair(): { publicKey: string; privateKey: string; fingerprint: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    sshMpint(Buffer.from(jwk.e, 'base64url')),
    sshMpint(Buffer.from(jwk.n, 'base64url')),
  ]);
  return {
    publicKey: `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`,
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    fingerprint: colonHex(createHash('md5').update(blob).digest()),
  };
}

/** the fingerprint of an OpenSSH public key line, or undefined when it is not one */
export function sshFingerprint(publicKey: string): string | undefined {
  const parts = publicKey.trim().split(/\s+/);
  if (parts.length < 2 || !SSH_TYPES.has(parts[0]) || !/^[A-Za-z0-9+/]+={0,2}$/.test(parts[1])) return undefined;
  const blob = Buffer.from(parts[1], 'base64');
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len + 4 > blob.length || blob.subarray(4, 4 + len).toString() !== parts[0]) return undefined;
  return colonHex(createHash('md5').update(blob).digest());
}

export function x509Fingerprint(pem: string): string | undefined {
  try {
    return colonHex(createHash('sha1').update(new X509Certificate(pem).raw).digest());
  } catch {
    return undefined;
  }
}

/**
 * A generated x509 keypair as Nova makes one for WinRM: a self-signed certificate for
 * CN=<user id> with a client-auth usage and the user's UPN (<user>@localhost) as a subject
 * alternative name, valid ten years; the private key is returned as a base64 PKCS#12 bundle
 * with an empty password, which is what Windows guests import.
 */
export async function generateX509Keypair(userId: string): Promise<{ publicKey: string; privateKey: string; fingerprint: string }> {
  // user ids are uuids or hex, but an admin may name any string (2.10): keep it from adding
  // subject fields or config lines
  const safe = userId.replace(/[\r\n]/g, '').replace(/[\\/+,=]/g, (c) => `\\${c}`);
  const dir = await mkdtemp(join(tmpdir(), 'stackgate-x509-'));
  try {
    const conf = join(dir, 'req.conf');
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    await writeFile(conf, [
      'distinguished_name = req_distinguished_name',
      '[req_distinguished_name]',
      '[v3_req_client]',
      'extendedKeyUsage = clientAuth',
      `subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:${userId.replace(/[^A-Za-z0-9._@-]/g, '_')}@localhost`,
      '',
    ].join('\n'), { mode: 0o600 });
    await run('openssl', ['req', '-x509', '-nodes', '-days', '3650', '-config', conf, '-newkey', 'rsa:2048',
      '-outform', 'PEM', '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${safe}`, '-extensions', 'v3_req_client']);
    const bundle = join(dir, 'bundle.p12');
    await run('openssl', ['pkcs12', '-export', '-inkey', keyFile, '-in', certFile, '-password', 'pass:', '-out', bundle]);
    const certificate = await readFile(certFile, 'utf8');
    return { publicKey: certificate, privateKey: (await readFile(bundle)).toString('base64'), fingerprint: x509Fingerprint(certificate)! };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args[0]} failed: ${stderr || error.message}`));
      else resolve();
    });
  });
}
