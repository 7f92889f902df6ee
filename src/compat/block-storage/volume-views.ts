// The volume body per microversion and caller: fields appear at the version that added them,
// and the admin-only attributes only for callers the policy allows.
import type { RequestContext } from '../../platform/http/service-api.ts';
import { atLeast } from '../../platform/http/microversion.ts';
import type { VolumeRecord, VolumeTypeRecord } from './model.ts';
import { allows } from './policies.ts';
import { cinderTime } from './model.ts';
import { selfLinks, type CinderDeps } from './context.ts';

export interface ViewerRights {
  admin: boolean;
  tenantAttribute: boolean;
  imageMetadata: boolean;
}

export function viewerRights(deps: CinderDeps, ctx: RequestContext): ViewerRights {
  return {
    admin: allows(deps.identity, ctx, 'context_is_admin', {}),
    tenantAttribute: allows(deps.identity, ctx, 'volume_extension:volume_tenant_attribute', { project_id: ctx.auth?.projectId }),
    imageMetadata: allows(deps.identity, ctx, 'volume_extension:volume_image_metadata:show', { project_id: ctx.auth?.projectId }),
  };
}

export function volumeSummary(ctx: RequestContext, v: VolumeRecord): Record<string, unknown> {
  return { id: v.id, name: v.name, links: selfLinks(ctx, 'volumes', v.id) };
}

/** the user metadata plus the admin metadata Cinder folds into it (`readonly`, `attached_mode`) */
function shownMetadata(v: VolumeRecord): Record<string, string> {
  return { ...v.metadata, ...v.admin_metadata };
}

/**
 * `bare`: the body create and update return, which upstream builds without the controller
 * extensions (tenant, host and migration attributes, image metadata) that show and detail add.
 */
export function volumeDetail(
  ctx: RequestContext, v: VolumeRecord, type: VolumeTypeRecord | undefined, rights: ViewerRights, bare = false,
): Record<string, unknown> {
  const mv = ctx.microversion;
  const body: Record<string, unknown> = {
    id: v.id,
    name: v.name,
    description: v.description,
    status: v.status,
    size: v.size,
    availability_zone: v.availability_zone,
    created_at: cinderTime(v.created_at),
    updated_at: cinderTime(v.updated_at),
    // only attachments that completed show in the volume; reserved ones are in /attachments
    attachments: (v.attachments ?? []).filter((a) => (a.attach_status ?? 'attached') === 'attached').map((a) => ({
      id: v.id, attachment_id: a.attachment_id, volume_id: v.id, server_id: a.server_id, host_name: a.host_name,
      device: a.device, attached_at: cinderTime(a.attached_at),
    })),
    bootable: v.bootable ? 'true' : 'false',
    encrypted: false,
    multiattach: v.multiattach,
    metadata: shownMetadata(v),
    links: selfLinks(ctx, 'volumes', v.id),
    volume_type: type?.name ?? null,
    snapshot_id: v.snapshot_id,
    source_volid: v.source_volid,
    user_id: v.user_id,
    replication_status: null,
    consistencygroup_id: null,
  };
  if (!bare && rights.tenantAttribute) body['os-vol-tenant-attr:tenant_id'] = v.project_id;
  if (!bare && rights.imageMetadata && v.volume_image_metadata) body.volume_image_metadata = { ...v.volume_image_metadata };
  if (!bare && rights.admin) {
    body['os-vol-host-attr:host'] = v.host;
    body['os-vol-mig-status-attr:migstat'] = v.migration_status;
    body['os-vol-mig-status-attr:name_id'] = null;
  }
  if (atLeast(mv, '3.13')) body.group_id = null;
  if (atLeast(mv, '3.21') && rights.admin) body.provider_id = null;
  if (atLeast(mv, '3.48')) {
    body.service_uuid = v.service_uuid;
    body.shared_targets = false;
  }
  if (atLeast(mv, '3.61') && rights.admin) body.cluster_name = null;
  if (atLeast(mv, '3.63')) body.volume_type_id = v.volume_type_id;
  if (atLeast(mv, '3.64')) body.encryption_key_id = null;
  if (atLeast(mv, '3.65')) body.consumes_quota = true;
  return body;
}
