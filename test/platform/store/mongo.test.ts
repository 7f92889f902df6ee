// Runs the store contract against a real MongoDB when STACKGATE_TEST_MONGODB_URL points at one.
import { after, test } from 'node:test';
import { MongoClient } from 'mongodb';
import { openMongoStore } from '../../../src/platform/store/mongo.ts';
import { runStoreContract } from './contract.ts';

const url = process.env.STACKGATE_TEST_MONGODB_URL;

if (!url) {
  test('mongodb store contract', (t) => {
    console.log('# skipped: STACKGATE_TEST_MONGODB_URL is not set');
    t.skip('skipped: STACKGATE_TEST_MONGODB_URL is not set');
  });
} else {
  const run = `sgtest${process.pid}x${Date.now().toString(36)}`;
  let stores = 0;
  runStoreContract('mongodb', () => openMongoStore(url, { dbPrefix: `${run}s${++stores}` }));

  after(async () => {
    const client = await new MongoClient(url).connect();
    try {
      const { databases } = await client.db().admin().listDatabases({ nameOnly: true });
      for (const { name } of databases) if (name.startsWith(run)) await client.db(name).dropDatabase();
    } finally {
      await client.close();
    }
  });
}
