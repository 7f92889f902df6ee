// Volumes and Glance images, in-process: a volume made from an image holds the image's bytes
// (converted to raw with qemu-img when the image is not raw), and upload-to-image streams a
// volume's bytes into a new Glance image through the image service's own status machine.
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { RequestContext } from '../../platform/http/service-api.ts';
import { ApiError } from '../../platform/http/api-error.ts';
import type { ImageService } from '../image/image-service.ts';
import type { ImageRecord } from '../image/model.ts';
import { GiB, type BlockDriver } from '../../backends/block/driver.ts';
import { badRequest, invalidInput, notFound } from './errors.ts';

/** how much of a volume moves per driver call */
const CHUNK = 8 * 1024 * 1024;

/** image attributes Cinder copies into `volume_image_metadata` besides the free-form properties */
const COPIED_ATTRIBUTES = ['checksum', 'container_format', 'disk_format', 'min_disk', 'min_ram', 'size'] as const;

/** image properties that stay with the image (Glance's own bookkeeping, signatures) */
const NOT_COPIED = new Set(['os_glance_importing_to_stores', 'os_glance_failed_import', 'os_glance_import_task', 'os_glance_stage_host']);

/** formats whose bytes qemu-img must turn into a raw disk */
const CONVERTED = new Set(['qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx', 'ploop', 'qed']);

/** The caller as Glance sees it: Glance's policy rules judge what it may do with images. */
export function asImageCaller(ctx: RequestContext): RequestContext {
  return { ...ctx, service: 'image' };
}

/** The active image the caller may read, or Cinder's errors for a bad `imageRef`. */
export async function imageForVolume(images: ImageService, ctx: RequestContext, ref: string): Promise<ImageRecord> {
  let image: ImageRecord;
  try {
    image = await images.show(asImageCaller(ctx), ref);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
      throw notFound(`Image ${ref} could not be found.`);
    }
    throw error;
  }
  if (image.status !== 'active') throw invalidInput(`Image ${image.id} is not active.`);
  return image;
}

/** Cinder's checks of a volume size against the image it is made from */
export function checkImageFits(image: ImageRecord, sizeGb: number): void {
  const bytes = Math.max(image.size ?? 0, image.virtual_size ?? 0);
  const needed = Math.ceil(bytes / GiB);
  if (needed > sizeGb) {
    throw invalidInput(`Size of specified image ${needed}GB is larger than volume size ${sizeGb}GB.`);
  }
  if (image.min_disk > sizeGb) {
    throw invalidInput(`Volume size ${sizeGb}GB cannot be smaller than the image minDisk size ${image.min_disk}GB.`);
  }
}

/** `volume_image_metadata`: the image's id and name, its disk attributes and its properties, all strings */
export function imageMetadataOf(image: ImageRecord): Record<string, string> {
  const out: Record<string, string> = { image_id: image.id, image_name: image.name ?? '' };
  for (const key of COPIED_ATTRIBUTES) {
    const value = image[key];
    if (value !== null && value !== undefined) out[key] = String(value);
  }
  for (const [key, value] of Object.entries(image.properties ?? {})) {
    if (!NOT_COPIED.has(key)) out[key] = String(value);
  }
  return out;
}

const run = promisify(execFile);

/** Writes the image's bytes (raw) at the start of an existing, empty volume. */
export async function copyImageToVolume(driver: BlockDriver, images: ImageService, image: ImageRecord, volumeId: string): Promise<void> {
  const format = image.disk_format ?? 'raw';
  if (!CONVERTED.has(format)) {
    await writeStream(driver, volumeId, await images.openData(image));
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'stackgate-image-'));
  try {
    const source = join(dir, 'source');
    const local = driver.localPath?.(volumeId);
    const raw = local ?? join(dir, 'raw');
    await pipeline(await images.openData(image), createWriteStream(source));
    try {
      // into the volume's own file when the backend has one (-n: it exists, keep it; holes stay holes)
      await run('qemu-img', ['convert', ...(local ? ['-n'] : []), '-f', format, '-O', 'raw', source, raw]);
    } catch (error) {
      throw new Error(`qemu-img could not convert the ${format} image ${image.id}: ${(error as Error).message}`);
    }
    if (local) return;
    const handle = await open(raw, 'r');
    try {
      await writeStream(driver, volumeId, handle.createReadStream());
    } finally {
      await handle.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Copies a stream into the volume in large chunks; chunks of zeros are skipped (a new volume reads as zeros). */
async function writeStream(driver: BlockDriver, volumeId: string, data: AsyncIterable<Buffer | Uint8Array>): Promise<void> {
  let offset = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (!pendingBytes) return;
    const chunk = Buffer.concat(pending, pendingBytes);
    if (!isZero(chunk)) await driver.writeVolume(volumeId, offset, chunk);
    offset += pendingBytes;
    pending = [];
    pendingBytes = 0;
  };
  for await (const piece of data) {
    const buffer = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
    pending.push(buffer);
    pendingBytes += buffer.length;
    if (pendingBytes >= CHUNK) await flush();
  }
  await flush();
}

const ZEROS = Buffer.alloc(CHUNK);

function isZero(buffer: Buffer): boolean {
  for (let at = 0; at < buffer.length; at += CHUNK) {
    const part = buffer.subarray(at, Math.min(buffer.length, at + CHUNK));
    if (!part.equals(ZEROS.subarray(0, part.length))) return false;
  }
  return true;
}

/** The volume's bytes from start to end, read through the driver in chunks. */
export async function* readWholeVolume(driver: BlockDriver, volumeId: string, sizeGb: number): AsyncGenerator<Buffer> {
  const total = sizeGb * GiB;
  for (let offset = 0; offset < total; offset += CHUNK) {
    const chunk = await driver.readVolume(volumeId, offset, Math.min(CHUNK, total - offset));
    if (!chunk.length) return;
    yield chunk;
  }
}

export interface UploadRequest {
  imageName: string;
  diskFormat: string;
  containerFormat: string;
  visibility: string;
  protected: boolean;
}

const DISK_FORMATS = new Set(['raw', 'vmdk', 'vdi', 'qcow2', 'vhd', 'vhdx', 'ploop']);

/** The body of os-volume_upload_image, with Cinder's checks. */
export function parseUploadRequest(args: Record<string, unknown>): UploadRequest {
  const name = args.image_name;
  if (typeof name !== 'string' || !name.trim()) throw badRequest("Invalid input for field/attribute image_name. Value: None. 'image_name' is a required property");
  const diskFormat = args.disk_format === undefined ? 'raw' : String(args.disk_format).toLowerCase();
  if (!DISK_FORMATS.has(diskFormat)) {
    throw invalidInput(`Invalid disk-format '${String(args.disk_format)}' is specified. Allowed disk-formats are ${[...DISK_FORMATS].join(', ')}.`);
  }
  const containerFormat = args.container_format === undefined ? 'bare' : String(args.container_format);
  if (containerFormat !== 'bare' && !(containerFormat === 'compressed' && diskFormat === 'raw')) {
    throw invalidInput(`Invalid container format '${containerFormat}' is specified.`);
  }
  let visibility = 'private';
  if (args.visibility !== undefined) visibility = String(args.visibility);
  else if (args['os-volume_upload_image:is_public'] === true || args.is_public === true || args.is_public === 'true') visibility = 'public';
  if (!['public', 'private', 'shared', 'community'].includes(visibility)) throw invalidInput(`Invalid visibility '${visibility}' is specified.`);
  const isProtected = args.protected === true || args.protected === 'true' || args.protected === 'True';
  return { imageName: name, diskFormat, containerFormat, visibility, protected: isProtected };
}

/**
 * The raw volume bytes converted for the image: raw passes through, other formats are
 * written by qemu-img from a temporary raw copy.
 */
export async function volumeImageData(driver: BlockDriver, volumeId: string, sizeGb: number, diskFormat: string): Promise<{ data: AsyncIterable<Buffer>; cleanup: () => Promise<void> }> {
  const local = driver.localPath?.(volumeId);
  if (diskFormat === 'raw') {
    if (!local) return { data: readWholeVolume(driver, volumeId, sizeGb), cleanup: async () => undefined };
    const file = await open(local, 'r');
    return {
      data: file.createReadStream({ highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>,
      cleanup: async () => void (await file.close().catch(() => undefined)),
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'stackgate-upload-'));
  const raw = local ?? join(dir, 'raw');
  const converted = join(dir, `out.${diskFormat}`);
  try {
    if (!local) {
      const handle = await open(raw, 'w');
      try {
        await handle.truncate(sizeGb * GiB);
        let offset = 0;
        for await (const chunk of readWholeVolume(driver, volumeId, sizeGb)) {
          if (!isZero(chunk)) await handle.write(chunk, 0, chunk.length, offset);
          offset += chunk.length;
        }
      } finally {
        await handle.close();
      }
    }
    await run('qemu-img', ['convert', '-f', 'raw', '-O', diskFormat === 'vhd' ? 'vpc' : diskFormat, raw, converted]);
    const out = await open(converted, 'r');
    return {
      data: out.createReadStream() as AsyncIterable<Buffer>,
      cleanup: async () => {
        await out.close().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
