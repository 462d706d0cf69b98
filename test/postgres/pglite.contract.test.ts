import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe } from 'vitest';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { describeStoreContract } from '../../src/testing/index.js';
import { describeMemoriesContract } from '../../src/testing/memories-contract.js';
import { loadPgvectorExtension } from '../../src/stores/embedded/pgvector.js';

// One in-process database for the file (PGlite start-up costs ~1 s); every test gets fresh tables
// under its own prefix. pgvector is loaded when its PGlite package is installed.
const vector = await loadPgvectorExtension();
const db = await PGlite.create(vector ? { extensions: { vector } } : {});
let counter = 0;

afterAll(async () => {
  await db.close();
});

const createStore = async ({ clock }: { clock: { now(): number } }) => {
  counter += 1;
  const store = await createPostgresStore({ client: db, tablePrefix: `t${counter}_`, clock });
  await store.migrate();
  return store;
};

describe('postgres store on PGlite', () => {
  describeStoreContract({ name: `pglite${vector ? ' + pgvector' : ''}`, createStore, scale: 0.5 });
  describeMemoriesContract({ name: 'pglite', createStore });
});
