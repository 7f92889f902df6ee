// Allocation candidates: for each provider tree, every way the request groups can be
// satisfied. The unsuffixed group may spread its classes over the tree's providers
// (one provider per class); each numbered group takes all its classes from one
// provider. Trees, traits, aggregates, group_policy, root_required and same_subtree
// then filter the combinations.
import { capacityOf, type StoredProvider } from './providers.ts';

export interface RequestGroup {
  suffix: string;
  resources: Record<string, number>;
  /** each inner list is "any of these"; all lists must hold */
  required: string[][];
  forbidden: string[];
  /** each inner list is "member of any of these aggregates" */
  memberOf: string[][];
  forbiddenAggs: string[];
  inTree?: string;
}

export interface CandidateQuery {
  groups: RequestGroup[];
  groupPolicy?: 'none' | 'isolate';
  rootRequired: string[][];
  rootForbidden: string[];
  sameSubtree: string[][];
  limit?: number;
  /** before 1.29 only trees of one provider take part */
  nested: boolean;
}

export interface Candidate {
  allocations: Record<string, Record<string, number>>;
  mappings: Record<string, string[]>;
}

const HARD_CAP = 10000;

function free(rp: StoredProvider, rc: string, used: Record<string, Record<string, number>>): number {
  const inv = rp.inventories[rc];
  if (!inv) return -1;
  return capacityOf(inv) - (rp.usages[rc] ?? 0) - (used[rp.id]?.[rc] ?? 0);
}

function fits(rp: StoredProvider, rc: string, n: number): boolean {
  const inv = rp.inventories[rc];
  return !!inv && n >= inv.min_unit && n <= inv.max_unit && n % inv.step_size === 0 && free(rp, rc, {}) >= n;
}

function hasTraits(traits: Set<string>, required: string[][], forbidden: string[]): boolean {
  return required.every((anyOf) => anyOf.some((t) => traits.has(t))) && !forbidden.some((t) => traits.has(t));
}

function inAggs(rp: StoredProvider, memberOf: string[][], forbiddenAggs: string[]): boolean {
  return memberOf.every((anyOf) => anyOf.some((a) => rp.aggregates.includes(a))) && !forbiddenAggs.some((a) => rp.aggregates.includes(a));
}

function* product<T>(lists: T[][]): Generator<T[]> {
  if (lists.length === 0) {
    yield [];
    return;
  }
  const [first, ...rest] = lists;
  for (const item of first) for (const tail of product(rest)) yield [item, ...tail];
}

interface GroupChoice {
  suffix: string;
  /** provider per class */
  picks: Array<[rc: string, rp: string, n: number]>;
  providers: string[];
}

function choicesFor(group: RequestGroup, tree: StoredProvider[], inTreeOk: (g: RequestGroup) => boolean): GroupChoice[] {
  if (!inTreeOk(group)) return [];
  const classes = Object.entries(group.resources);
  const eligible = tree.filter((rp) => inAggs(rp, group.memberOf, group.forbiddenAggs));
  if (group.suffix !== '') {
    if (classes.length === 0) {
      // a resourceless group (same_subtree, 1.36): any provider with the traits
      return eligible
        .filter((rp) => hasTraits(new Set(rp.traits), group.required, group.forbidden))
        .map((rp) => ({ suffix: group.suffix, picks: [], providers: [rp.id] }));
    }
    return eligible
      .filter((rp) => hasTraits(new Set(rp.traits), group.required, group.forbidden))
      .filter((rp) => classes.every(([rc, n]) => fits(rp, rc, n)))
      .map((rp) => ({ suffix: group.suffix, picks: classes.map(([rc, n]) => [rc, rp.id, n] as [string, string, number]), providers: [rp.id] }));
  }
  const perClass = classes.map(([rc, n]) => eligible.filter((rp) => fits(rp, rc, n)).map((rp) => [rc, rp.id, n] as [string, string, number]));
  const out: GroupChoice[] = [];
  for (const picks of product(perClass)) {
    const providers = [...new Set(picks.map((p) => p[1]))];
    const traits = new Set(providers.flatMap((id) => tree.find((p) => p.id === id)!.traits));
    if (!hasTraits(traits, group.required, group.forbidden)) continue;
    out.push({ suffix: '', picks, providers });
    if (out.length > HARD_CAP) break;
  }
  return out;
}

function ancestors(tree: Map<string, StoredProvider>, id: string): string[] {
  const out: string[] = [];
  let cur: string | null = id;
  while (cur) {
    out.push(cur);
    cur = tree.get(cur)?.parent_provider_uuid ?? null;
  }
  return out;
}

export function findCandidates(all: StoredProvider[], query: CandidateQuery): { candidates: Candidate[]; trees: Map<string, StoredProvider[]> } {
  const trees = new Map<string, StoredProvider[]>();
  for (const rp of all) trees.set(rp.root_provider_uuid, [...(trees.get(rp.root_provider_uuid) ?? []), rp]);
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  const usedTrees = new Map<string, StoredProvider[]>();
  const cap = Math.min(query.limit ?? HARD_CAP, HARD_CAP);
  for (const [rootId, tree] of trees) {
    if (candidates.length >= cap) break;
    if (!query.nested && tree.length > 1) continue;
    const root = tree.find((p) => p.id === rootId);
    if (!root || !hasTraits(new Set(root.traits), query.rootRequired, query.rootForbidden)) continue;
    const byId = new Map(tree.map((p) => [p.id, p]));
    const inTreeOk = (g: RequestGroup) => g.inTree === undefined || byId.get(g.inTree)?.root_provider_uuid === rootId;
    const perGroup = query.groups.map((g) => choicesFor(g, tree, inTreeOk));
    if (perGroup.some((c) => c.length === 0)) continue;
    for (const combo of product(perGroup)) {
      if (query.groupPolicy === 'isolate') {
        const numbered = combo.filter((c) => c.suffix !== '');
        const provs = numbered.map((c) => c.providers[0]);
        if (new Set(provs).size !== provs.length) continue;
      }
      const allocations: Record<string, Record<string, number>> = {};
      let ok = true;
      for (const choice of combo) {
        for (const [rc, rp, n] of choice.picks) {
          allocations[rp] ??= {};
          allocations[rp][rc] = (allocations[rp][rc] ?? 0) + n;
          if (free(byId.get(rp)!, rc, {}) < allocations[rp][rc]) ok = false;
        }
      }
      if (!ok) continue;
      for (const subtree of query.sameSubtree) {
        const members = combo.filter((c) => subtree.includes(c.suffix)).flatMap((c) => c.providers);
        if (!members.some((top) => members.every((m) => ancestors(byId, m).includes(top)))) ok = false;
      }
      if (!ok) continue;
      const mappings: Record<string, string[]> = {};
      for (const c of combo) mappings[c.suffix] = [...new Set([...(mappings[c.suffix] ?? []), ...c.providers])];
      // the same allocations reached through different group mappings are distinct requests (1.34)
      const key = JSON.stringify([Object.keys(allocations).sort().map((rp) => [rp, allocations[rp]]), mappings]);
      if (seen.has(key)) continue;
      seen.add(key);
      candidates.push({ allocations, mappings });
      usedTrees.set(rootId, tree);
      if (candidates.length >= cap) break;
    }
  }
  return { candidates, trees: usedTrees };
}
