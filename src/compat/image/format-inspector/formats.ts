// Recognisers for the disk formats Glance accepts: each looks at the first bytes
// (and, for VHD, the last 512) and says whether they are that format, and whether
// the image is safe to hand to a hypervisor. The safety rules follow Glance's
// format_inspector: a qcow2 that names a backing file or an external data file
// makes qemu open a host path of the uploader's choosing, so it is refused.

export interface Sample {
  /** the first bytes of the image (up to HEAD_BYTES) */
  head: Buffer;
  /** the last bytes of the image (up to TAIL_BYTES) */
  tail: Buffer;
  /** the whole size; undefined while data is still arriving */
  size?: number;
}

export const HEAD_BYTES = 64 * 1024;
export const TAIL_BYTES = 512;

export interface Recognition {
  /** the bytes are this format */
  matches: boolean;
  /** when they match: reasons the image is unsafe (empty when safe) */
  unsafe: string[];
}

export interface FormatRecogniser {
  name: string;
  /** bytes of head needed to decide; the decision may be made earlier at end of data */
  headNeeded: number;
  /** whether the decision needs the end of the data (VHD's footer) */
  needsTail: boolean;
  recognise(sample: Sample): Recognition;
}

const no: Recognition = { matches: false, unsafe: [] };
const safe: Recognition = { matches: true, unsafe: [] };

function has(buffer: Buffer, offset: number, text: string): boolean {
  return buffer.length >= offset + text.length && buffer.toString('latin1', offset, offset + text.length) === text;
}

/** qcow2 header: magic, version, backing file offset, and (v3) incompatible feature bits. */
const QCOW2_INCOMPAT_DATA_FILE = 1n << 2n;
const QCOW2_INCOMPAT_KNOWN = 0x1fn;

export const qcow2: FormatRecogniser = {
  name: 'qcow2',
  headNeeded: 104,
  needsTail: false,
  recognise({ head }) {
    if (head.length < 32 || !has(head, 0, 'QFI\xfb')) return no;
    const version = head.readUInt32BE(4);
    if (version !== 2 && version !== 3) return no;
    const unsafe: string[] = [];
    if (head.readBigUInt64BE(8) !== 0n) unsafe.push('Image has a backing file');
    if (version === 3) {
      if (head.length < 80) return { matches: true, unsafe: ['Image header is truncated'] };
      const incompatible = head.readBigUInt64BE(72);
      if (incompatible & QCOW2_INCOMPAT_DATA_FILE) unsafe.push('Image has an external data file');
      if (incompatible & ~QCOW2_INCOMPAT_KNOWN) unsafe.push('Image has unknown incompatible features');
    }
    return { matches: true, unsafe };
  },
};

/** VHD: the "conectix" footer, at the end of every VHD and copied at the start of dynamic ones. */
export const vhd: FormatRecogniser = {
  name: 'vhd',
  headNeeded: 8,
  needsTail: true,
  recognise({ head, tail }) {
    if (has(head, 0, 'conectix')) return safe;
    if (tail.length >= 512 && has(tail, tail.length - 512, 'conectix')) return safe;
    return no;
  },
};

export const vhdx: FormatRecogniser = {
  name: 'vhdx',
  headNeeded: 8,
  needsTail: false,
  recognise: ({ head }) => (has(head, 0, 'vhdxfile') ? safe : no),
};

/**
 * VMDK: a sparse extent ("KDMV") whose embedded descriptor names a single-file
 * subformat. Descriptor-only VMDKs and flat/split subformats point at other files.
 */
const VMDK_SAFE_SUBFORMATS = new Set(['monolithicSparse', 'streamOptimized']);

export const vmdk: FormatRecogniser = {
  name: 'vmdk',
  headNeeded: HEAD_BYTES,
  needsTail: false,
  recognise({ head }) {
    if (has(head, 0, '# Disk DescriptorFile')) return { matches: true, unsafe: ['Unsupported subformat: descriptor-only VMDK'] };
    if (head.length < 512 || !has(head, 0, 'KDMV')) return no;
    const descriptorSector = Number(head.readBigUInt64LE(0x1c));
    const descriptorSectors = Number(head.readBigUInt64LE(0x24));
    if (descriptorSector === 0 || descriptorSectors === 0) return safe; // stream-optimized images may carry it elsewhere
    const start = descriptorSector * 512;
    const end = Math.min(start + descriptorSectors * 512, head.length);
    if (start >= head.length) return { matches: true, unsafe: ['VMDK descriptor is beyond the inspected region'] };
    const descriptor = head.toString('latin1', start, end);
    const type = /createType\s*=\s*"([^"]*)"/.exec(descriptor)?.[1];
    if (type === undefined) return { matches: true, unsafe: ['VMDK descriptor has no createType'] };
    if (!VMDK_SAFE_SUBFORMATS.has(type)) return { matches: true, unsafe: [`Unsupported subformat: ${type}`] };
    return safe;
  },
};

/** VDI: VirtualBox's signature 0xbeda107f at offset 0x40. */
export const vdi: FormatRecogniser = {
  name: 'vdi',
  headNeeded: 0x44,
  needsTail: false,
  recognise: ({ head }) => (head.length >= 0x44 && head.readUInt32LE(0x40) === 0xbeda107f ? safe : no),
};

/** ISO 9660 (and UDF's volume recognition sequence), from sector 16 at 32 KiB. */
const ISO_OFFSETS = [0x8001, 0x8801, 0x9001];
export const iso: FormatRecogniser = {
  name: 'iso',
  headNeeded: 0x9001 + 5,
  needsTail: false,
  recognise({ head }) {
    return ISO_OFFSETS.some((o) => has(head, o, 'CD001') || has(head, o, 'BEA01') || has(head, o, 'NSR02') || has(head, o, 'NSR03'))
      ? safe
      : no;
  },
};

/** Formats whose content Glance does not check (raw is anything; ami/ari/aki are EC2 bundles of raw data). */
export const UNCHECKED_FORMATS = new Set(['raw', 'ami', 'ari', 'aki', 'ploop']);

export const RECOGNISERS: Record<string, FormatRecogniser> = { qcow2, vhd, vhdx, vmdk, vdi, iso };
