// Cinder v3 as a ServiceApi: handlers by operationId over the block storage records and a
// block driver (the embedded file backend by default), Cinder's fault bodies and policy.
// Every path is served with and without the project id (the 3.67 form): the project-less
// form is rewritten before routing, and handlers always scope by the token's project.
import { join } from 'node:path';
import type { Request } from 'express';
import type { OperationHandler, ServiceApi } from '../../platform/http/service-api.ts';
import type { Store } from '../../platform/store/store.ts';
import { systemClock, type Clock } from '../../platform/clock.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { BlockDriver } from '../../backends/block/driver.ts';
import type { ImageService } from '../image/image-service.ts';
import { FileBlockDriver } from '../../backends/block/file/file-driver.ts';
import { MultiBlockDriver, fileBackends, parseBackendSpecs, type BackendSpec } from '../../backends/block/multi-backend.ts';
import { openBlockStorage, type BlockStorage } from './model.ts';
import { renderCinderError } from './errors.ts';
import { registerCinderPolicy } from './policies.ts';
import { MAX_VERSION, MIN_VERSION, listVersions, showVersionV3 } from './versions.ts';
import { volumeHandlers } from './volumes.ts';
import { snapshotHandlers } from './snapshots.ts';
import { volumeTypeHandlers } from './volume-types.ts';
import { quotaHandlers } from './quotas.ts';
import { infrastructureHandlers } from './infrastructure.ts';
import { extensionHandlers } from './extensions.ts';
import { attachmentHandlers } from './attachments.ts';
import { backupHandlers } from './backups.ts';
import { transferHandlers } from './transfers.ts';
import { messageHandlers } from './messages.ts';
import { qosSpecsHandlers } from './qos-specs.ts';
import { capabilitiesHandlers } from './capabilities.ts';

export interface CinderOptions {
  identity: IdentityEngine;
  store: Store;
  /** where the file backend keeps its volumes (`<dataDir>/block-storage`) */
  dataDir: string;
  clock?: Clock;
  driver?: BlockDriver;
  /**
   * several `file` backends, each its own pool for the scheduler: a list, or the form of
   * STACKGATE_BLOCK_STORAGE_BACKENDS (`fast:/path,slow:/path:500`); default the one `file` backend
   */
  backends?: BackendSpec[] | string;
  /** how long backend work waits before it runs; STACKGATE_BLOCK_STORAGE_DELAY_MS, default 100 */
  settleDelayMs?: number;
  /** Glance's service logic in this process (volumes from images, upload-to-image) */
  images?: ImageService;
}

/** first path segments after /v3/ that name a resource, not a project */
const RESOURCES = new Set([
  'volumes', 'snapshots', 'types', 'os-quota-sets', 'os-quota-class-sets', 'limits', 'os-availability-zone', 'os-services',
  'scheduler-stats', 'attachments', 'backups', 'qos-specs', 'messages', 'groups', 'group_types', 'group_snapshots',
  'os-volume-transfer', 'volume-transfers', 'extensions', 'os-hosts', 'manageable_volumes', 'manageable_snapshots',
  'workers', 'resource_filters', 'default-types', 'clusters', 'os-snapshot-manage', 'os-volume-manage', 'capabilities',
]);
/** stands in for the project id in rewritten project-less paths; never a real project id */
const NO_PROJECT = '-';

/** a path no route matches: Cinder's router answers 404 for a resource path with a trailing slash */
const UNROUTED = `/v3/${NO_PROJECT}/-`;

/** `/v3/volumes/...` -> `/v3/-/volumes/...`; `/v3/<project>/volumes/` -> a path that is 404 */
export function withProjectSegment(url: string): string {
  const m = /^\/v3\/([^/?]+)(.*)$/s.exec(url);
  if (!m) return url;
  const rewritten = RESOURCES.has(m[1]) ? `/v3/${NO_PROJECT}/${m[1]}${m[2]}` : url;
  const path = rewritten.split('?')[0];
  // `/v3/<project>/<resource>.../` (the version document `/v3/` keeps its slash)
  if (/^\/v3\/[^/]+\/.+\/$/.test(path)) return UNROUTED;
  return rewritten;
}

/**
 * STACKGATE_BLOCK_STORAGE_BACKENDS, else `blockStorage: {backends: [{name, path, capacity_gb}]}`
 * in stackgate.yaml; empty: the one embedded `file` backend.
 */
export function blockBackendsSetting(config: object, env: Record<string, string | undefined> = process.env): BackendSpec[] {
  if (env.STACKGATE_BLOCK_STORAGE_BACKENDS) return parseBackendSpecs(env.STACKGATE_BLOCK_STORAGE_BACKENDS);
  const section = ((config as Record<string, unknown>).blockStorage ?? {}) as { backends?: unknown };
  return parseBackendSpecs(section.backends);
}

/** the configured backends behind one driver, or the embedded `file` backend alone */
function configuredDriver(options: CinderOptions): BlockDriver {
  const root = join(options.dataDir, 'block-storage');
  const specs = parseBackendSpecs(options.backends ?? process.env.STACKGATE_BLOCK_STORAGE_BACKENDS);
  if (!specs.length) return new FileBlockDriver({ root: join(root, 'file') });
  return new MultiBlockDriver(fileBackends(specs, root));
}

export interface CinderService extends ServiceApi {
  storage: Promise<BlockStorage>;
  close(): Promise<void>;
}

export function cinderService(options: CinderOptions): CinderService {
  const { identity } = options;
  registerCinderPolicy(identity);
  const clock = options.clock ?? systemClock;
  const driver = options.driver ?? configuredDriver(options);
  const envDelay = Number(process.env.STACKGATE_BLOCK_STORAGE_DELAY_MS);
  const delay = options.settleDelayMs ?? (Number.isFinite(envDelay) && process.env.STACKGATE_BLOCK_STORAGE_DELAY_MS ? envDelay : 100);
  const storage = openBlockStorage(options.store, driver, clock, delay, join(options.dataDir, 'backups'));
  const built = storage.then((s) => {
    const deps = { identity, storage: s, images: options.images };
    return {
      ...volumeHandlers(deps),
      ...snapshotHandlers(deps),
      ...volumeTypeHandlers(deps),
      ...quotaHandlers(deps),
      ...infrastructureHandlers(deps),
      ...extensionHandlers(),
      ...attachmentHandlers(deps),
      ...backupHandlers(deps),
      ...transferHandlers(deps),
      ...messageHandlers(deps),
      ...qosSpecsHandlers(deps),
      ...capabilitiesHandlers(deps),
    } as Record<string, OperationHandler>;
  });
  const NAMES = [
    'showVolumeSummary', 'listVolumes', 'createVolume', 'listVolumesDetail', 'showVolume', 'updateVolume', 'deleteVolume', 'volumeAction',
    'listVolumeMetadata', 'createVolumeMetadata', 'replaceVolumeMetadata', 'showVolumeMetadataItem', 'updateVolumeMetadataItem', 'deleteVolumeMetadataItem',
    'listSnapshots', 'createSnapshot', 'listSnapshotsDetail', 'showSnapshot', 'updateSnapshot', 'deleteSnapshot', 'snapshotAction',
    'listSnapshotMetadata', 'createSnapshotMetadata', 'replaceSnapshotMetadata', 'showSnapshotMetadataItem', 'updateSnapshotMetadataItem', 'deleteSnapshotMetadataItem',
    'listVolumeTypes', 'createVolumeType', 'showVolumeType', 'updateVolumeType', 'deleteVolumeType', 'volumeTypeAction', 'listVolumeTypeAccess',
    'listTypeExtraSpecs', 'createTypeExtraSpecs', 'showTypeExtraSpec', 'updateTypeExtraSpec', 'deleteTypeExtraSpec',
    'showQuotaSet', 'updateQuotaSet', 'deleteQuotaSet', 'showDefaultQuotaSet', 'showLimits',
    'listAvailabilityZones', 'listServices', 'listPools', 'listExtensions',
    'listMessages', 'showMessage', 'deleteMessage',
    'listTransfers', 'listTransfersDetail', 'createTransfer', 'showTransfer', 'deleteTransfer', 'acceptTransfer',
    'listVolumeTransfers', 'listVolumeTransfersDetail', 'createVolumeTransfer', 'showVolumeTransfer', 'deleteVolumeTransfer', 'acceptVolumeTransfer',
    'listBackups', 'listBackupsDetail', 'createBackup', 'showBackup', 'updateBackup', 'deleteBackup', 'restoreBackup', 'backupAction',
    'listAttachments', 'listAttachmentsDetail', 'createAttachment', 'showAttachment', 'updateAttachment', 'deleteAttachment', 'attachmentAction',
    'listQosSpecs', 'createQosSpecs', 'showQosSpecs', 'updateQosSpecs', 'deleteQosSpecs', 'deleteQosSpecsKeys',
    'listQosAssociations', 'associateQosSpecs', 'disassociateQosSpecs', 'disassociateAllQosSpecs', 'showBackendCapabilities',
  ];
  const handlers: Record<string, OperationHandler> = { listVersions, showVersionV3 };
  for (const name of NAMES) handlers[name] = async (ctx) => (await built)[name](ctx);
  return {
    type: 'block-storage',
    name: 'cinderv3',
    prefix: '/volume',
    port: 8776,
    apiRef: 'block-storage',
    catalogSuffix: '/v3/$(project_id)s',
    catalogAliases: [{ type: 'volumev3', name: 'cinderv3' }],
    handlers,
    renderError: renderCinderError,
    microversions: { headerService: 'volume', legacyHeaders: [], min: MIN_VERSION, max: MAX_VERSION },
    prepareRequest(req: Request) {
      req.url = withProjectSegment(req.url);
    },
    storage,
    async close() {
      const s = await storage;
      s.closed = true;
      await Promise.allSettled([...s.pending]);
    },
  };
}
