import { afterAll, beforeAll } from 'vitest';
import { createDynamoDBStore } from '../../src/stores/dynamodb/index.js';
import { describeMemoriesContract, describeStoreContract } from '../../src/testing/index.js';
import { startDynalite, uniqueTableName, type DynaliteServer } from './dynalite.js';

// dynalite runs in this process on 127.0.0.1, so this suite needs no external server and never skips.
let server: DynaliteServer;
beforeAll(async () => {
  server = await startDynalite();
});
afterAll(async () => {
  await server?.close();
});

const createStore = async ({ clock }: { clock: { now(): number } }) => {
  // A fresh table per test: every test starts empty, as the contract requires.
  const store = createDynamoDBStore({ client: server.client(), tableName: uniqueTableName('contract'), clock });
  await store.ensureTable();
  return store;
};

describeStoreContract({ name: 'dynamodb (dynalite)', createStore });
describeMemoriesContract({ name: 'dynamodb (dynalite)', createStore });
