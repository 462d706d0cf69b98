import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import type { Message, NewMessage } from '../../src/types.js';

const db = await PGlite.create();
afterAll(async () => {
  await db.close();
});
const scope = { tenantId: 't1' };
const ENCODING = 'o200k_base';

/** The tail as the spec defines it, computed from the full list: newest first until the total reaches maxTokens. */
function referenceTail(all: readonly Message[], options: { maxTokens: number; maxMessages: number; beforeSeq?: number }) {
  const candidates = all.filter((message) => options.beforeSeq === undefined || message.seq < options.beforeSeq).reverse();
  const picked: Message[] = [];
  let total = 0;
  let index = 0;
  while (index < candidates.length && picked.length < options.maxMessages && total < options.maxTokens) {
    picked.push(candidates[index]!);
    total += candidates[index]!.tokenCounts[ENCODING] ?? 0;
    index += 1;
  }
  return { seqs: picked.reverse().map((message) => message.seq), reachedStart: index >= candidates.length };
}

describe('postgres store: getTail against the spec on any mix of message sizes', () => {
  it('should return exactly the reference tail, also when the size estimate needs more pages', async () => {
    // Counts the follow-up page reads, to show the property runs cover them.
    let laterPages = 0;
    const client = {
      query: (text: string, params?: unknown[]) => {
        if (text.includes('least($8::bigint, $7::bigint)')) laterPages += 1;
        return db.query(text, params);
      },
      exec: (text: string) => db.exec(text),
      transaction: db.transaction.bind(db),
    };
    const store = await createPostgresStore({ client, tablePrefix: 'tail_' });
    await store.migrate();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        // token counts: large old messages then small recent ones make the size estimate fall short (more pages)
        fc
          .tuple(
            fc.array(fc.integer({ min: 200, max: 2000 }), { minLength: 1, maxLength: 40 }),
            fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 20, maxLength: 120 }),
          )
          .map(([old, recent]) => [...old, ...recent]),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 1, max: 150 }),
        fc.option(fc.integer({ min: 1, max: 170 }), { nil: undefined, freq: 2 }),
        async (sizes, maxTokens, maxMessages, beforeSeq) => {
          run += 1;
          const id = `c${run}`;
          await store.createConversation(scope, { id });
          const batch: NewMessage[] = sizes.map((tokens, index) => ({
            id: `m${index}`,
            role: 'user',
            content: `message ${index}`,
            createdAt: new Date(0),
            metadata: {},
            tags: [],
            tokenCounts: { [ENCODING]: tokens },
            contentHash: '0'.repeat(64),
          }));
          if (batch.length > 0) await store.appendMessages(scope, id, batch);
          const all = await store.listMessages(scope, id, { order: 'asc', limit: 1000 });
          const tail = await store.getTail(scope, id, { maxTokens, maxMessages, encoding: ENCODING, ...(beforeSeq === undefined ? {} : { beforeSeq }) });
          const expected = referenceTail(all, { maxTokens, maxMessages, ...(beforeSeq === undefined ? {} : { beforeSeq }) });
          expect({ seqs: tail.messages.map((message) => message.seq), reachedStart: tail.reachedStart }).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
    expect(laterPages).toBeGreaterThan(0);
  });
});
