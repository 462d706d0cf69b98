import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { LLMContextError, ValidationError } from '../../src/errors.js';
import { createPostgresStore, type PostgresStore } from '../../src/stores/postgres/index.js';
import { newMessages } from '../../src/testing/index.js';
import { checkServer, createPool, dropSchema, uniqueSchema } from './server.js';

const reachable = await checkServer();
const scope = { tenantId: "t'1; DROP TABLE x; --", userId: 'u$1\\' };

/** Strings built from SQL metacharacters: quotes, `;`, `--`, `$1`, backslashes, comments, casts, NUL. */
const hostile = fc
  .array(fc.constantFrom("'", '"', ';', '--', '$1', '$$', '\\', '\\0', '/*', '*/', '::', ' OR 1=1', '%', '_', '{', '}', ',', 'DROP TABLE x', 'a', ' ', '\u0000', 'é', '🧪'), { minLength: 1, maxLength: 12 })
  .map((parts) => parts.join(''));

describe.skipIf(!reachable)('postgres store: SQL metacharacters are data, never SQL', () => {
  const schema = uniqueSchema('injection');
  let pool: pg.Pool;
  let store: PostgresStore;
  let counter = 0;

  beforeAll(async () => {
    pool = createPool(5);
    store = await createPostgresStore({ client: pool, schema });
    await store.migrate();
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  /** Either stored and read back literally, or rejected with a typed ValidationError (NUL bytes). */
  async function storedLiterallyOrRejected(text: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      expect(ValidationError.isInstance(error), `unexpected ${String(error)}`).toBe(true);
      expect(text.includes('\u0000')).toBe(true);
      expect((error as Error).message).not.toContain(text);
    }
  }

  it('should store titles, tags, metadata keys and message text literally', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, hostile, async (title, tag, key) => {
        counter += 1;
        const id = `c${counter}`;
        await storedLiterallyOrRejected(title + tag + key, async () => {
          await store.createConversation(scope, { id, title, tags: [tag], metadata: { [key]: title } });
          const read = await store.getConversation(scope, id);
          expect(read?.title).toBe(title);
          expect(read?.tags).toEqual([tag]);
          expect(read?.metadata).toEqual({ [key]: title });
          expect((await store.listConversations(scope, { tag })).items.map((item) => item.id)).toContain(id);
          const appended = await store.appendMessages(scope, id, await newMessages([{ role: 'user', content: `${title} says ${key}`, tags: [tag], metadata: { [key]: tag } }]));
          const [stored] = await store.listMessages(scope, id, { order: 'asc', limit: 10 });
          expect(stored?.content).toBe(`${title} says ${key}`);
          expect(stored?.metadata).toEqual({ [key]: tag });
          expect(appended.messages[0]?.seq).toBe(1);
        });
      }),
      { numRuns: 60 },
    );
    // The tables are all still there and nothing leaked into another scope.
    expect((await store.listConversations({ tenantId: 'other' })).items).toEqual([]);
  });

  it('should treat search queries as text: results or a typed error, never SQL', async () => {
    await store.createConversation(scope, { id: 'searchable' });
    await store.appendMessages(scope, 'searchable', await newMessages([{ role: 'user', content: "O'Reilly said -- drop; the $1 price is 5\\6" }]));
    await fc.assert(
      fc.asyncProperty(hostile, async (query) => {
        try {
          const hits = await store.searchMessages(scope, { query });
          expect(Array.isArray(hits)).toBe(true);
          const memories = await store.memories.search(scope, { query });
          expect(Array.isArray(memories)).toBe(true);
        } catch (error) {
          expect(LLMContextError.isInstance(error) && error.code === 'invalid_input', `unexpected ${String(error)}`).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
    const hits = await store.searchMessages(scope, { query: "O'Reilly" });
    expect(hits.map((hit) => hit.message.conversationId)).toEqual(['searchable']);
  });
});
