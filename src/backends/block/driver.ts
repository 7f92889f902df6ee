// What a block storage backend does for the volume service. The file backend is the embedded
// default; LVM and Ceph RBD drivers implement the same interface.

export interface BackendStats {
  /** the backend name volume types select with `volume_backend_name` */
  backendName: string;
  totalCapacityGb: number;
  freeCapacityGb: number;
  storageProtocol: string;
  vendorName: string;
  driverVersion: string;
}

export interface BlockDriver {
  readonly name: string;
  /** a volume of `sizeGb` gibibytes, empty (reads as zeros) */
  createVolume(volumeId: string, sizeGb: number): Promise<void>;
  deleteVolume(volumeId: string): Promise<void>;
  /** grows a volume; the new space reads as zeros */
  extendVolume(volumeId: string, newSizeGb: number): Promise<void>;
  /** a new volume holding the bytes of another, grown to `sizeGb` */
  cloneVolume(sourceId: string, volumeId: string, sizeGb: number): Promise<void>;
  /** a point-in-time copy of a volume */
  createSnapshot(volumeId: string, snapshotId: string): Promise<void>;
  deleteSnapshot(snapshotId: string): Promise<void>;
  /** a new volume holding the bytes of a snapshot, grown to `sizeGb` */
  createVolumeFromSnapshot(snapshotId: string, volumeId: string, sizeGb: number): Promise<void>;
  /** reads `length` bytes at `offset` of a volume */
  readVolume(volumeId: string, offset: number, length: number): Promise<Buffer>;
  writeVolume(volumeId: string, offset: number, data: Buffer): Promise<void>;
  stats(): Promise<BackendStats>;
  /** where a host reaches the volume locally (a file or block device), for connection_info */
  localPath?(volumeId: string): string;
}

export const GiB = 1024 ** 3;
