// GET /v3/{project_id}/extensions: the API extensions Cinder still lists, those whose
// behaviour this service has. Upstream gives each a name, an alias and a date; the descriptions
// here are our own words. No policy rule guards the list upstream: any token may read it.
import type { OperationHandler } from '../../platform/http/service-api.ts';

interface Extension { name: string; alias: string; updated: string; description: string }

const EXTENSIONS: Extension[] = [
  { name: 'AdminActions', alias: 'os-admin-actions', updated: '2012-08-25T00:00:00+00:00', description: 'Administrator actions: reset status, force delete, force detach.' },
  { name: 'AvailabilityZones', alias: 'os-availability-zone', updated: '2013-06-27T00:00:00+00:00', description: 'Lists the availability zones.' },
  { name: 'Backups', alias: 'backups', updated: '2012-12-12T00:00:00+00:00', description: 'Volume backups.' },
  { name: 'Capabilities', alias: 'capabilities', updated: '2015-08-31T00:00:00+00:00', description: 'Backend capabilities.' },
  { name: 'ExtendedServices', alias: 'os-extended-services', updated: '2014-01-10T00:00:00-00:00', description: 'Extended service attributes.' },
  { name: 'ExtendedSnapshotAttributes', alias: 'os-extended-snapshot-attributes', updated: '2012-06-19T00:00:00+00:00', description: 'Shows the project and progress of snapshots.' },
  { name: 'Hosts', alias: 'os-hosts', updated: '2011-06-29T00:00:00+00:00', description: 'Volume hosts administration.' },
  { name: 'QuotaClasses', alias: 'os-quota-class-sets', updated: '2012-03-12T00:00:00+00:00', description: 'Quota classes.' },
  { name: 'Quotas', alias: 'os-quota-sets', updated: '2011-08-08T00:00:00+00:00', description: 'Project quotas.' },
  { name: 'Qos_specs_manage', alias: 'qos-specs', updated: '2013-08-02T00:00:00+00:00', description: 'Quality of service specifications.' },
  { name: 'SchedulerHints', alias: 'OS-SCH-HNT', updated: '2013-04-18T00:00:00+00:00', description: 'Scheduler hints passed when a volume is created.' },
  { name: 'Scheduler_stats', alias: 'scheduler-stats', updated: '2014-09-07T00:00:00+00:00', description: 'Scheduler statistics: the backend pools.' },
  { name: 'Services', alias: 'os-services', updated: '2012-10-28T00:00:00-00:00', description: 'Lists and toggles the block storage services.' },
  { name: 'SnapshotActions', alias: 'os-snapshot-actions', updated: '2013-07-16T00:00:00+00:00', description: 'Snapshot actions.' },
  { name: 'TypesExtraSpecs', alias: 'os-types-extra-specs', updated: '2011-08-24T00:00:00+00:00', description: 'Extra specs of volume types.' },
  { name: 'TypesManage', alias: 'os-types-manage', updated: '2011-08-24T00:00:00+00:00', description: 'Creates and deletes volume types.' },
  { name: 'UsedLimits', alias: 'os-used-limits', updated: '2013-10-03T00:00:00+00:00', description: 'Shows the used quota in limits.' },
  { name: 'VolumeActions', alias: 'os-volume-actions', updated: '2012-05-31T00:00:00+00:00', description: 'Volume actions: attach, detach, extend, upload to image and more.' },
  { name: 'VolumeHostAttribute', alias: 'os-vol-host-attr', updated: '2011-11-03T00:00:00+00:00', description: 'Shows the host of a volume.' },
  { name: 'VolumeImageMetadata', alias: 'os-vol-image-meta', updated: '2012-12-07T00:00:00+00:00', description: 'Shows the image metadata of volumes made from images.' },
  { name: 'VolumeMigStatusAttribute', alias: 'os-vol-mig-status-attr', updated: '2013-08-08T00:00:00+00:00', description: 'Shows the migration status of a volume.' },
  { name: 'VolumeTenantAttribute', alias: 'os-vol-tenant-attr', updated: '2011-11-03T00:00:00+00:00', description: 'Shows the project of a volume.' },
  { name: 'VolumeTransfer', alias: 'os-volume-transfer', updated: '2013-05-29T00:00:00+00:00', description: 'Transfers volumes between projects.' },
  { name: 'VolumeTypeAccess', alias: 'os-volume-type-access', updated: '2014-06-26T00:00:00Z', description: 'Access of projects to private volume types.' },
];

export function extensionHandlers(): Record<string, OperationHandler> {
  return {
    listExtensions: () => ({
      status: 200,
      body: { extensions: EXTENSIONS.map((e) => ({ ...e, links: [] })) },
    }),
  };
}
