import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type TestCloud } from '../../support/stackgate.ts';
import { fixtures } from './role-fixtures.ts';

describe('identity: /v3/OS-OAUTH1/consumers', () => {
  let cloud: TestCloud;
  let memberToken: string;
  const r = (method: string, path: string, body?: unknown, token?: string) =>
    cloud.request(method, `/identity/v3${path}`, { body, ...(token ? { token } : {}) });

  before(async () => {
    cloud = await startCloud();
    const f = fixtures(cloud);
    memberToken = await f.memberToken();
  });
  after(() => cloud.stop());

  it('creates a consumer with a secret shown once, then shows, updates, lists and deletes it', async () => {
    const created = await r('POST', '/OS-OAUTH1/consumers', { consumer: { description: 'first' } });
    assert.equal(created.status, 201);
    const c = created.body.consumer;
    assert.equal(c.description, 'first');
    assert.equal(typeof c.secret, 'string');
    assert.match(c.links.self, new RegExp(`/v3/OS-OAUTH1/consumers/${c.id}$`));
    const shown = await r('GET', `/OS-OAUTH1/consumers/${c.id}`);
    assert.equal(shown.body.consumer.id, c.id);
    assert.equal(shown.body.consumer.description, 'first');
    assert.equal(shown.body.consumer.secret, undefined);
    const bare = await r('POST', '/OS-OAUTH1/consumers', { consumer: {} });
    assert.equal(bare.status, 201);
    assert.equal(bare.body.consumer.description, null);
    const updated = await r('PATCH', `/OS-OAUTH1/consumers/${c.id}`, { consumer: { description: 'second' } });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.consumer.description, 'second');
    assert.equal((await r('GET', `/OS-OAUTH1/consumers/${c.id}`)).body.consumer.description, 'second');
    const listed = await r('GET', '/OS-OAUTH1/consumers');
    assert.deepEqual(listed.body.consumers.map((x: any) => x.id).sort(), [c.id, bare.body.consumer.id].sort());
    assert.equal((await r('DELETE', `/OS-OAUTH1/consumers/${c.id}`)).status, 204);
    const gone = await r('GET', `/OS-OAUTH1/consumers/${c.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.message, 'Consumer not found');
  });

  it('refuses secret changes, bad descriptions and non-admins', async () => {
    const c = (await r('POST', '/OS-OAUTH1/consumers', { consumer: { description: 'x' } })).body.consumer;
    assert.equal((await r('PATCH', `/OS-OAUTH1/consumers/${c.id}`, { consumer: { secret: 'mine' } })).status, 400);
    assert.equal((await r('POST', '/OS-OAUTH1/consumers', { consumer: { description: 5 } })).status, 400);
    assert.equal((await r('GET', '/OS-OAUTH1/consumers', undefined, memberToken)).status, 403);
    assert.equal((await r('DELETE', `/OS-OAUTH1/consumers/${c.id}`, undefined, memberToken)).status, 403);
    assert.equal((await r('PATCH', '/OS-OAUTH1/consumers/nothing', { consumer: { description: 'y' } })).status, 404);
  });
});
