import { afterAll, beforeAll, describe } from 'vitest';
import type pg from 'pg';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { describeStoreContract } from '../../src/testing/index.js';
import { describeMemoriesContract } from '../../src/testing/memories-contract.js';
import { checkServer, createPool, dropSchema, uniqueSchema } from './server.js';

const reachable = await checkServer();

describe.skipIf(!reachable)('postgres store on the server (node-postgres)', () => {
  const schema = uniqueSchema('contract');
  let pool: pg.Pool;
  let counter = 0;

  beforeAll(() => {
    pool = createPool(10);
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  // A fresh, empty store per test: its own table prefix inside this file's schema.
  const createStore = async ({ clock }: { clock: { now(): number } }) => {
    counter += 1;
    const store = await createPostgresStore({ client: pool, schema, tablePrefix: `t${counter}_`, clock });
    await store.migrate();
    return store;
  };

  describeStoreContract({ name: 'postgres (pg.Pool)', createStore });
  describeMemoriesContract({ name: 'postgres (pg.Pool)', createStore });
});
