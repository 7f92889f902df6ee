// The behaviour every Store implementation must show. Each test gets a fresh, empty store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuplicateKeyError, MarkerNotFoundError, type Collection, type Doc, type Filter, type FindOptions, type Store } from '../../../src/platform/store/store.ts';

const ids = (docs: Doc[]): string[] => docs.map((d) => d.id);

const SAMPLE: Doc[] = [
  { id: 'a', n: 1, s: 'alpha', b: true, tags: ['x', 'y'], nested: { k: 'v1', deep: { z: 1 } }, opt: null, mixed: 5, p: 'a.c%_' },
  { id: 'b', n: 2, s: 'beta', b: false, tags: ['y'], nested: { k: 'v2' }, mixed: '7', p: 'abc' },
  { id: 'c', n: 3, s: 'alphabet', tags: [], nested: { k: 'v1' }, opt: 'set' },
  { id: 'd', n: 10, s: 'gamma', b: true },
  { id: 'e', n: 2.5, s: 'Alpha', b: 1, tags: ['x', 1, true, null] },
];

export function runStoreContract(name: string, makeStore: () => Promise<Store>): void {
  async function withCollection(fn: (c: Collection<Doc>, store: Store) => Promise<void>, spec?: Parameters<Awaited<ReturnType<Store['database']>>['collection']>[1]) {
    const store = await makeStore();
    try {
      const db = await store.database('testsvc');
      await fn(db.collection<Doc>('things', spec), store);
    } finally {
      await store.close();
    }
  }

  test(`${name}: insert and get with _rev`, () => withCollection(async (c) => {
    const input = { id: 'one', name: 'first', meta: { a: [1, 2] } };
    const inserted = await c.insert(input);
    assert.deepEqual(inserted, { id: 'one', name: 'first', meta: { a: [1, 2] }, _rev: 1 });
    assert.deepEqual(await c.get('one'), inserted);
    assert.equal(await c.get('missing'), undefined);
    assert.equal('_rev' in input, false, 'insert must not change its argument');
  }));

  test(`${name}: duplicate id`, () => withCollection(async (c) => {
    await c.insert({ id: 'one', v: 1 });
    await assert.rejects(c.insert({ id: 'one', v: 2 }), (e: unknown) => e instanceof DuplicateKeyError && e.collection === 'things');
    assert.equal((await c.get('one'))?.v, 1);
  }));

  test(`${name}: unique sets, single and compound, null taking part`, async () => {
    const store = await makeStore();
    try {
      const db = await store.database('testsvc');
      const c = db.collection<Doc>('users', { unique: [['email'], ['name', 'domain']] });
      await c.insert({ id: '1', email: 'a@x', name: 'bob', domain: 'd1' });
      await c.insert({ id: '2', email: 'b@x', name: 'bob', domain: 'd2' });
      await assert.rejects(c.insert({ id: '3', email: 'a@x', name: 'eve', domain: 'd1' }), DuplicateKeyError);
      await assert.rejects(c.insert({ id: '3', email: 'c@x', name: 'bob', domain: 'd1' }), DuplicateKeyError);
      // missing and null are one value in a unique set
      await c.insert({ id: '4', email: 'd@x', name: 'solo' });
      await assert.rejects(c.insert({ id: '5', email: 'e@x', name: 'solo', domain: null }), DuplicateKeyError);
      await c.insert({ id: '6', name: 'noemail', domain: 'd1' });
      await assert.rejects(c.insert({ id: '7', name: 'noemail2', domain: 'd1' }), DuplicateKeyError);
      // the update path
      await assert.rejects(c.update('2', { domain: 'd1' }), DuplicateKeyError);
      assert.equal((await c.get('2'))?.domain, 'd2');
      assert.equal((await c.get('2'))?._rev, 1);
      assert.equal((await c.update('2', { domain: 'd3' }))?.domain, 'd3');
      // a second handle on the same collection keeps the constraint
      await assert.rejects(db.collection<Doc>('users', { unique: [['email'], ['name', 'domain']] }).insert({ id: '8', email: 'a@x' }), DuplicateKeyError);
      assert.equal(await c.count(), 4);
    } finally {
      await store.close();
    }
  });

  test(`${name}: conditions`, () => withCollection(async (c) => {
    for (const doc of SAMPLE) await c.insert(doc);
    const q = async (filter: Filter) => ids(await c.find(filter, { sort: [['id', 'asc']] }));
    const cases: Array<[Filter, string[]]> = [
      [{}, ['a', 'b', 'c', 'd', 'e']],
      [{ id: 'c' }, ['c']],
      [{ s: 'alpha' }, ['a']],
      [{ n: 2 }, ['b']],
      [{ n: 2.5 }, ['e']],
      [{ b: true }, ['a', 'd']],
      [{ b: false }, ['b']],
      [{ b: 1 }, ['e']],
      [{ opt: null }, ['a', 'b', 'd', 'e']],
      [{ opt: 'set' }, ['c']],
      [{ b: { $ne: true } }, ['b', 'c', 'e']],
      [{ opt: { $ne: null } }, ['c']],
      [{ s: { $ne: 'alpha' } }, ['b', 'c', 'd', 'e']],
      [{ s: { $in: ['alpha', 'gamma'] } }, ['a', 'd']],
      [{ opt: { $in: [null, 'set'] } }, ['a', 'b', 'c', 'd', 'e']],
      [{ b: { $in: [true, 1] } }, ['a', 'd', 'e']],
      [{ n: { $in: [] } }, []],
      [{ s: { $nin: ['alpha', 'beta'] } }, ['c', 'd', 'e']],
      [{ opt: { $nin: [null] } }, ['c']],
      [{ b: { $nin: [true] } }, ['b', 'c', 'e']],
      [{ n: { $nin: [] } }, ['a', 'b', 'c', 'd', 'e']],
      [{ n: { $gt: 2 } }, ['c', 'd', 'e']],
      [{ n: { $gte: 2, $lt: 10 } }, ['b', 'c', 'e']],
      [{ n: { $lte: 2 } }, ['a', 'b']],
      [{ s: { $gte: 'b' } }, ['b', 'd']],
      [{ mixed: { $gt: 1 } }, ['a']],
      [{ mixed: { $gt: '1' } }, ['b']],
      [{ b: { $gt: false } }, ['a', 'd']],
      [{ s: { $prefix: 'alpha' } }, ['a', 'c']],
      [{ s: { $prefix: 'Al' } }, ['e']],
      [{ p: { $prefix: 'a.' } }, ['a']],
      [{ p: { $prefix: 'a%' } }, []],
      [{ 'nested.k': 'v1' }, ['a', 'c']],
      [{ 'nested.deep.z': 1 }, ['a']],
      [{ 'nested.k': null }, ['d', 'e']],
      [{ 'nested.k': { $in: ['v2'] } }, ['b']],
      [{ tags: { $contains: 'y' } }, ['a', 'b']],
      [{ tags: { $contains: true } }, ['e']],
      [{ tags: { $contains: 1 } }, ['e']],
      [{ tags: { $contains: null } }, ['e']],
      [{ s: { $contains: 'alpha' } }, []],
      [{ tags: { $containsAll: ['x', 'y'] } }, ['a']],
      [{ tags: { $containsAll: ['x'] } }, ['a', 'e']],
      [{ tags: { $containsAny: ['y', 1] } }, ['a', 'b', 'e']],
      [{ tags: { $containsAny: [] } }, []],
      [{ s: { $prefix: 'alpha' }, b: true }, ['a']],
    ];
    for (const [filter, expected] of cases) {
      assert.deepEqual(await q(filter), expected, JSON.stringify(filter));
      assert.equal(await c.count(filter), expected.length, `count ${JSON.stringify(filter)}`);
    }
    assert.equal((await c.findOne({ s: 'beta' }))?.id, 'b');
    assert.equal(await c.findOne({ s: 'nothing' }), undefined);
  }));

  test(`${name}: malformed conditions are rejected`, () => withCollection(async (c) => {
    await c.insert({ id: 'a', n: 1 });
    await assert.rejects(c.find({ n: { $regex: '.*' } as never }));
    await assert.rejects(c.find({ n: { $gt: null } }));
    await assert.rejects(c.find({ n: { $where: '1' } as never }));
    await assert.rejects(c.find({ n: { a: 1 } as never }));
    await assert.rejects(c.find({ n: { $in: [{ $gt: 0 }] } as never }));
    await assert.rejects(c.find({}, { limit: -1 }));
  }));

  test(`${name}: hostile field and collection names cannot inject`, () => withCollection(async (c, store) => {
    await c.insert({ id: 'a', n: 1 });
    const hostile = [`n') OR 1=1 --`, `n"`, `n'`, `a"."b`, `$where`, `n; DROP TABLE things`, `n..m`, `.n`, ''];
    for (const field of hostile) {
      await assert.rejects(c.find({ [field]: 1 }), /invalid field/, field);
      await assert.rejects(c.find({}, { sort: [[field, 'asc']] }), /invalid field/, field);
      await assert.rejects(c.insert({ id: 'x', [field]: 1 }), /invalid field/, field);
      await assert.rejects(c.update('a', { [field]: 2 }), /invalid field/, field);
    }
    await assert.rejects(c.update('a', { 'n.m': 2 }), /invalid field/);
    const db = await store.database('testsvc');
    assert.throws(() => db.collection('things', { unique: [[`n') ; DROP TABLE things; --`]] }), /invalid field/);
    assert.throws(() => db.collection('t"; DROP TABLE things; --'), /invalid collection/);
    await assert.rejects(store.database('../etc'), /invalid service/);
    assert.deepEqual(ids(await c.find()), ['a']);
    assert.equal((await c.get('a'))?.n, 1);
  }));

  test(`${name}: sort asc/desc on several keys, limit`, () => withCollection(async (c) => {
    const docs = [
      { id: 'p1', g: 2, name: 'm' }, { id: 'p2', g: 1, name: 'z' }, { id: 'p3', g: 2, name: 'a' },
      { id: 'p4', name: 'q' }, { id: 'p5', g: 1, name: 'z' }, { id: 'p6', g: null, name: 'b' },
    ];
    for (const d of docs) await c.insert(d);
    const order = async (options: FindOptions) => ids(await c.find({}, options));
    assert.deepEqual(await order({}), ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    assert.deepEqual(await order({ sort: [['g', 'asc'], ['name', 'desc']] }), ['p4', 'p6', 'p2', 'p5', 'p1', 'p3']);
    assert.deepEqual(await order({ sort: [['g', 'desc'], ['name', 'asc']] }), ['p3', 'p1', 'p2', 'p5', 'p6', 'p4']);
    assert.deepEqual(await order({ sort: [['name', 'desc']] }), ['p2', 'p5', 'p4', 'p1', 'p6', 'p3']);
    assert.deepEqual(await order({ sort: [['id', 'desc']] }), ['p6', 'p5', 'p4', 'p3', 'p2', 'p1']);
    assert.deepEqual(await order({ sort: [['g', 'asc']], limit: 3 }), ['p4', 'p6', 'p2']);
    assert.deepEqual(await order({ limit: 0 }), []);
  }));

  test(`${name}: marker pagination walks every document once, ties included`, () => withCollection(async (c) => {
    const all: Doc[] = [];
    for (let i = 0; i < 47; i++) {
      const doc: Doc = { id: `doc${String((i * 7919) % 47).padStart(2, '0')}`, name: `n${i % 5}`, flag: i % 2 === 0 };
      if (i % 6 !== 0) doc.grp = i % 3; // ties, and some documents without the key
      all.push(doc);
      await c.insert(doc);
    }
    const sorts: Array<FindOptions['sort']> = [
      undefined, [['grp', 'asc']], [['grp', 'desc']], [['grp', 'desc'], ['name', 'asc']], [['flag', 'asc'], ['grp', 'asc']], [['name', 'desc'], ['grp', 'desc']],
    ];
    for (const sort of sorts) {
      for (const filter of [{}, { name: { $ne: 'n2' } }] as Filter[]) {
        const expected = ids(await c.find(filter, { sort }));
        const seen: string[] = [];
        let marker: string | undefined;
        for (let pages = 0; pages < 100; pages++) {
          const page = await c.find(filter, { sort, limit: 4, marker });
          if (page.length === 0) break;
          seen.push(...ids(page));
          marker = page[page.length - 1].id;
        }
        assert.deepEqual(seen, expected, JSON.stringify({ sort, filter }));
        assert.equal(new Set(seen).size, seen.length);
      }
    }
    assert.equal((await c.find({}, { sort: [['grp', 'asc']] })).length, all.length);
  }));

  test(`${name}: unknown marker`, () => withCollection(async (c) => {
    await c.insert({ id: 'a' });
    await assert.rejects(c.find({}, { marker: 'nope' }), (e: unknown) => e instanceof MarkerNotFoundError && e.marker === 'nope');
  }));

  test(`${name}: update sets and unsets fields`, () => withCollection(async (c) => {
    await c.insert({ id: 'a', keep: 1, drop: 'x', change: 'old' });
    const updated = await c.update('a', { change: 'new', added: { deep: [1, 'two'] }, nulled: null, drop: undefined });
    assert.deepEqual(updated, { id: 'a', keep: 1, change: 'new', added: { deep: [1, 'two'] }, nulled: null, _rev: 2 });
    assert.deepEqual(await c.get('a'), updated);
    assert.equal((await c.update('a', {}))?._rev, 3);
    assert.equal(await c.update('missing', { keep: 2 }), undefined);
    assert.equal(await c.get('missing'), undefined);
    assert.deepEqual(ids(await c.find({ 'added.deep': { $contains: 'two' } })), ['a']);
  }));

  test(`${name}: compare-and-set with ifRev`, () => withCollection(async (c) => {
    await c.insert({ id: 'a', v: 0 });
    const first = await c.update('a', { v: 1 }, { ifRev: 1 });
    assert.equal(first?._rev, 2);
    assert.equal(await c.update('a', { v: 99 }, { ifRev: 1 }), undefined);
    assert.deepEqual(await c.get('a'), { id: 'a', v: 1, _rev: 2 });
    // concurrent writers holding the same revision: exactly one wins
    const results = await Promise.all([c.update('a', { v: 2 }, { ifRev: 2 }), c.update('a', { v: 3 }, { ifRev: 2 })]);
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal((await c.get('a'))?._rev, 3);
  }));

  test(`${name}: delete, deleteMany, count`, () => withCollection(async (c) => {
    for (const doc of SAMPLE) await c.insert(doc);
    assert.equal(await c.count(), 5);
    assert.equal(await c.delete('a'), true);
    assert.equal(await c.delete('a'), false);
    assert.equal(await c.get('a'), undefined);
    assert.equal(await c.deleteMany({ s: { $prefix: 'alpha' } }), 1);
    assert.equal(await c.deleteMany({ s: 'none' }), 0);
    assert.equal(await c.count(), 3);
    assert.equal(await c.count({ b: true }), 1);
    assert.equal(await c.deleteMany({}), 3);
    assert.equal(await c.count(), 0);
    await c.insert({ id: 'a' });
    assert.equal((await c.get('a'))?._rev, 1);
  }));

  test(`${name}: each service has its own database`, async () => {
    const store = await makeStore();
    try {
      const identity = await store.database('identity');
      const compute = await store.database('compute');
      assert.equal(identity.name, 'identity');
      await identity.collection<Doc>('items').insert({ id: 'x', from: 'identity' });
      assert.equal(await compute.collection<Doc>('items').get('x'), undefined);
      await compute.collection<Doc>('items').insert({ id: 'x', from: 'compute' });
      assert.equal((await identity.collection<Doc>('items').get('x'))?.from, 'identity');
      assert.equal((await (await store.database('identity')).collection<Doc>('items').get('x'))?.from, 'identity');
    } finally {
      await store.close();
    }
  });
}
