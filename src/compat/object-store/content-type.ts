// Content-Type for uploads sent without one: guessed from the name's extension, as Swift's
// proxy does with Python's mimetypes (which reads the system's /etc/mime.types too).
import { existsSync, readFileSync } from 'node:fs';

const BUILT_IN: Record<string, string> = {
  txt: 'text/plain', html: 'text/html', htm: 'text/html', css: 'text/css', js: 'application/javascript', json: 'application/json',
  xml: 'application/xml', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml',
  pdf: 'application/pdf', zip: 'application/zip', gz: 'application/gzip', tar: 'application/x-tar', mp4: 'video/mp4',
  mp3: 'audio/mpeg', csv: 'text/csv', iso: 'application/x-iso9660-image', qcow2: 'application/octet-stream',
};

let table: Record<string, string> | undefined;

function load(): Record<string, string> {
  const out: Record<string, string> = { ...BUILT_IN };
  const file = '/etc/mime.types';
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const [type, ...exts] = line.trim().split(/\s+/);
      for (const ext of exts) out[ext.toLowerCase()] ??= type;
    }
  }
  return out;
}

export function guessContentType(name: string): string | undefined {
  table ??= load();
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot < 0) return undefined;
  return table[base.slice(dot + 1).toLowerCase()];
}
