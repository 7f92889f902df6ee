// /v2.0/metering/metering-labels and /metering-label-rules (the metering extension): labels that
// count traffic of a project's routers, and the address rules under each label. The logical driver
// forwards no traffic, so the counters themselves are the Open vSwitch driver's business later.
import type { OperationHandler } from '../../platform/http/service-api.ts';
import { uuid } from '../../platform/ids.ts';
import { boolean, memberBody, oneOf, prepareCreate, STANDARD_ATTRIBUTES, uuid as uuidCheck, type AttributeMap } from './attributes.ts';
import type { Neutron, Resource } from './context.ts';
import { conflictKind, invalidAttribute, notFoundKind } from './errors.ts';
import { enforce } from './policy.ts';
import { listResponse, selectedFields, selectFields } from './resource-collection.ts';
import { owningProject, ownerView } from './standard-attrs.ts';
import { cidrsOverlap, formatCidr, parseCidr } from './ipam/ip-address.ts';

const LABEL_ATTRIBUTES: AttributeMap = {
  id: STANDARD_ATTRIBUTES.id,
  name: STANDARD_ATTRIBUTES.name,
  description: STANDARD_ATTRIBUTES.description,
  tenant_id: STANDARD_ATTRIBUTES.tenant_id,
  project_id: STANDARD_ATTRIBUTES.project_id,
  shared: { allowPost: true, allowPut: false, default: false, convert: boolean, filter: 'boolean', sortable: true },
};

const cidrOrNull = (value: unknown, name: string) => {
  if (value === null) return null;
  const cidr = parseCidr(value);
  if (!cidr) throw invalidAttribute(name, `'${String(value)}' is not a valid IP subnet`);
  return formatCidr(cidr);
};

const RULE_ATTRIBUTES: AttributeMap = {
  id: STANDARD_ATTRIBUTES.id,
  tenant_id: STANDARD_ATTRIBUTES.tenant_id,
  project_id: STANDARD_ATTRIBUTES.project_id,
  metering_label_id: { allowPost: true, allowPut: false, required: true, convert: uuidCheck, filter: 'string', sortable: true },
  direction: { allowPost: true, allowPut: false, required: true, convert: oneOf(['ingress', 'egress']), filter: 'string', sortable: true },
  excluded: { allowPost: true, allowPut: false, default: false, convert: boolean, filter: 'boolean', sortable: true },
  remote_ip_prefix: { allowPost: true, allowPut: false, default: null, convert: cidrOrNull, filter: 'string', sortable: true },
  source_ip_prefix: { allowPost: true, allowPut: false, default: null, convert: cidrOrNull, filter: 'string', sortable: true },
  destination_ip_prefix: { allowPost: true, allowPut: false, default: null, convert: cidrOrNull, filter: 'string', sortable: true },
};

const labelNotFound = (id: string) => notFoundKind('MeteringLabelNotFound', `Metering label ${id} does not exist`);
const ruleNotFound = (id: string) => notFoundKind('MeteringLabelRuleNotFound', `Metering label rule ${id} does not exist`);

const labelView = (doc: Resource) => ({ id: doc.id, name: doc.name, description: doc.description, shared: doc.shared, ...ownerView(doc) });
const ruleView = (doc: Resource) => ({
  id: doc.id, metering_label_id: doc.metering_label_id, direction: doc.direction, excluded: doc.excluded,
  remote_ip_prefix: doc.remote_ip_prefix, source_ip_prefix: doc.source_ip_prefix, destination_ip_prefix: doc.destination_ip_prefix, ...ownerView(doc),
});

export function meteringHandlers(neutron: Neutron): Record<string, OperationHandler> {
  const collections = async () => {
    const raw = (await neutron.db()).raw;
    return {
      labels: raw.collection<Resource>('metering_labels'),
      rules: raw.collection<Resource>('metering_label_rules', { indexes: [['metering_label_id']] }),
    };
  };
  const target = (doc: Resource) => ({ ...doc, project_id: doc.tenant_id });

  return {
    listMeteringLabels: async (ctx) => {
      const { labels } = await collections();
      const docs = (await labels.find({}, { sort: [['name', 'asc']] })).filter((d) => neutron.engine.allows(ctx, 'get_metering_label', target(d)));
      return listResponse(ctx, { plural: 'metering_labels', attributes: LABEL_ATTRIBUTES }, docs.map(labelView));
    },
    showMeteringLabel: async (ctx) => {
      const { labels } = await collections();
      const doc = await labels.get(ctx.params.label_id);
      if (!doc || !neutron.engine.allows(ctx, 'get_metering_label', target(doc))) throw labelNotFound(ctx.params.label_id);
      return { status: 200, body: { metering_label: selectFields(labelView(doc), selectedFields(ctx)) } };
    },
    createMeteringLabel: async (ctx) => {
      const { values } = prepareCreate(memberBody(ctx.body, 'metering_label'), LABEL_ATTRIBUTES);
      const owner = owningProject(ctx, values);
      enforce(neutron, ctx, 'create_metering_label', { ...values, project_id: owner });
      const doc: Resource = { id: uuid(), name: values.name, description: values.description, shared: values.shared, tenant_id: owner };
      await (await collections()).labels.insert(doc);
      return { status: 201, body: { metering_label: labelView(doc) } };
    },
    deleteMeteringLabel: async (ctx) => {
      const { labels, rules } = await collections();
      const doc = await labels.get(ctx.params.label_id);
      if (!doc) throw labelNotFound(ctx.params.label_id);
      enforce(neutron, ctx, 'delete_metering_label', target(doc));
      await rules.deleteMany({ metering_label_id: doc.id });
      await labels.delete(doc.id);
      return { status: 204 };
    },

    listMeteringLabelRules: async (ctx) => {
      const { rules } = await collections();
      const docs = (await rules.find()).filter((d) => neutron.engine.allows(ctx, 'get_metering_label_rule', target(d)));
      return listResponse(ctx, { plural: 'metering_label_rules', attributes: RULE_ATTRIBUTES }, docs.map(ruleView));
    },
    showMeteringLabelRule: async (ctx) => {
      const { rules } = await collections();
      const doc = await rules.get(ctx.params.rule_id);
      if (!doc || !neutron.engine.allows(ctx, 'get_metering_label_rule', target(doc))) throw ruleNotFound(ctx.params.rule_id);
      return { status: 200, body: { metering_label_rule: selectFields(ruleView(doc), selectedFields(ctx)) } };
    },
    createMeteringLabelRule: async (ctx) => {
      const { values } = prepareCreate(memberBody(ctx.body, 'metering_label_rule'), RULE_ATTRIBUTES);
      const { labels, rules } = await collections();
      const label = await labels.get(values.metering_label_id);
      if (!label) throw labelNotFound(values.metering_label_id);
      const owner = owningProject(ctx, { tenant_id: label.tenant_id });
      enforce(neutron, ctx, 'create_metering_label_rule', { ...values, project_id: owner });
      if (values.remote_ip_prefix !== null && (values.source_ip_prefix !== null || values.destination_ip_prefix !== null)) {
        throw invalidAttribute('remote_ip_prefix', 'Cannot use remote-ip-prefix together with source-ip-prefix or destination-ip-prefix');
      }
      if (values.remote_ip_prefix === null && values.source_ip_prefix === null && values.destination_ip_prefix === null) {
        throw invalidAttribute('remote_ip_prefix', 'You must define at least one of the following parameters: remote-ip-prefix, source-ip-prefix or destination-ip-prefix');
      }
      if (values.remote_ip_prefix !== null) {
        const mine = parseCidr(values.remote_ip_prefix)!;
        for (const other of await rules.find({ metering_label_id: label.id, direction: values.direction })) {
          if (other.remote_ip_prefix && other.excluded === values.excluded && cidrsOverlap(parseCidr(other.remote_ip_prefix)!, mine)) {
            throw conflictKind('MeteringLabelRuleOverlaps', `Metering label rule with remote_ip_prefix ${values.remote_ip_prefix} overlaps another.`);
          }
        }
      }
      const doc: Resource = {
        id: uuid(), tenant_id: label.tenant_id, metering_label_id: label.id, direction: values.direction, excluded: values.excluded,
        remote_ip_prefix: values.remote_ip_prefix, source_ip_prefix: values.source_ip_prefix, destination_ip_prefix: values.destination_ip_prefix,
      };
      await rules.insert(doc);
      return { status: 201, body: { metering_label_rule: ruleView(doc) } };
    },
    deleteMeteringLabelRule: async (ctx) => {
      const { rules } = await collections();
      const doc = await rules.get(ctx.params.rule_id);
      if (!doc) throw ruleNotFound(ctx.params.rule_id);
      enforce(neutron, ctx, 'delete_metering_label_rule', target(doc));
      await rules.delete(doc.id);
      return { status: 204 };
    },
  };
}
