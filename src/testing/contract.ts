import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConversationExpiredError, LLMContextError } from '../errors.js';
import type { Store } from '../spec/store.js';
import type { Message, MessageInput, Scope } from '../types.js';
import { ENCODING, newMessages, textTurns, toolExchange } from './fixtures.js';
import { createTestClock, type TestClock } from './test-clock.js';

/** Options of {@link describeStoreContract}. */
export interface StoreContractOptions {
  /** Shown in the test names, e.g. `postgres`. */
  readonly name: string;
  /** Returns a fresh, empty store that reads time from `clock`. Called before every test. */
  readonly createStore: (context: { clock: TestClock }) => Promise<Store>;
  /** Releases what `createStore` made (drop schema, unlink keys, close clients). */
  readonly destroyStore?: (store: Store) => Promise<void>;
  /** Scales the heavy cases (concurrency, large messages) for slow backends. Default 1. */
  readonly scale?: number;
}

const A: Scope = { tenantId: 'tenant-a', userId: 'alice' };
const A_OTHER_USER: Scope = { tenantId: 'tenant-a', userId: 'bob' };
const A_NO_USER: Scope = { tenantId: 'tenant-a' };
const B: Scope = { tenantId: 'tenant-b', userId: 'alice' };

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(LLMContextError.isInstance(caught), `expected an LLMContextError with code ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as LLMContextError).code).toBe(code);
}

/** The error `promise` rejects with (the test fails if it resolves). */
async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  expect.fail('expected the call to throw');
}

/**
 * The store contract: the behaviour every `Store` must have. Call it from a vitest file:
 *
 * @example
 * ```ts
 * import { describeStoreContract } from 'llm-context/testing';
 * describeStoreContract({ name: 'my-store', createStore: async ({ clock }) => createMyStore({ clock }) });
 * ```
 * Covers ordering under concurrent appends, idempotency, every isolation boundary, TTL with an
 * injected clock, cursor pagination across inserts, state conflicts, forks, export → import,
 * erasure, Unicode and large messages, and bad input (typed error, nothing written).
 */
export function describeStoreContract(options: StoreContractOptions): void {
  const scale = options.scale ?? 1;

  describe(`store contract: ${options.name}`, () => {
    let store: Store;
    let clock: TestClock;

    beforeEach(async () => {
      clock = createTestClock();
      store = await options.createStore({ clock });
    });
    afterEach(async () => {
      await options.destroyStore?.(store);
    });

    const prepare = (inputs: readonly MessageInput[]) => newMessages(inputs, () => clock.now());
    const append = async (scope: Scope, conversationId: string, inputs: readonly MessageInput[]) =>
      store.appendMessages(scope, conversationId, await prepare(inputs));
    const allMessages = (scope: Scope, conversationId: string) => store.listMessages(scope, conversationId, { order: 'asc', limit: 1000 });

    describe('spec', () => {
      it('should declare version v1 and every capability with a reason when absent', () => {
        expect(store.specificationVersion).toBe('v1');
        for (const capability of Object.values(store.capabilities)) {
          if (!capability.available) expect(capability.reason.length).toBeGreaterThan(10);
        }
        expect(typeof store.searchMessages === 'function').toBe(store.capabilities.lexicalSearch.available);
        expect(store.vectors !== undefined).toBe(store.capabilities.vectorSearch.available);
        expect(store.memories !== undefined).toBe(store.capabilities.memories.available);
        expect(typeof store.sweepExpired === 'function').toBe(store.capabilities.ttlSweep.available);
      });
    });

    describe('conversations', () => {
      it('should create and read back a conversation with its fields', async () => {
        const created = await store.createConversation(A, { id: 'c1', title: 'Hello', tags: ['x', 'y'], state: { step: 1 }, metadata: { source: 'test' } });
        expect(created).toMatchObject({ id: 'c1', tenantId: 'tenant-a', userId: 'alice', title: 'Hello', tags: ['x', 'y'], state: { step: 1 }, stateVersion: 0, messageCount: 0, tokenCount: 0, lastSeq: 0 });
        const read = await store.getConversation(A, 'c1');
        expect(read).toEqual(created);
        expect(read?.createdAt.getTime()).toBe(clock.now());
      });

      it('should generate an id when none is given', async () => {
        const created = await store.createConversation(A, {});
        expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      });

      it('should reject a duplicate id, or return the existing one with ifExists "return"', async () => {
        await store.createConversation(A, { id: 'dup', title: 'first' });
        await expectCode(store.createConversation(A, { id: 'dup', title: 'second' }), 'conversation_exists');
        const again = await store.createConversation(A, { id: 'dup', title: 'second' }, { ifExists: 'return' });
        expect(again.title).toBe('first');
      });

      it('should update title, tags and metadata', async () => {
        await store.createConversation(A, { id: 'c1', title: 'old', tags: ['a'] });
        clock.advance(1000);
        const updated = await store.updateConversation(A, 'c1', { title: 'new', tags: ['b'], metadata: { k: 'v' } });
        expect(updated).toMatchObject({ title: 'new', tags: ['b'], metadata: { k: 'v' } });
        expect(updated.updatedAt.getTime()).toBe(clock.now());
        const cleared = await store.updateConversation(A, 'c1', { title: null });
        expect(cleared.title).toBeUndefined();
      });

      it('should apply state updates with optimistic concurrency', async () => {
        await store.createConversation(A, { id: 'c1' });
        const first = await store.updateState(A, 'c1', { n: 1 }, { expectedVersion: 0 });
        expect(first.stateVersion).toBe(1);
        await expectCode(store.updateState(A, 'c1', { n: 2 }, { expectedVersion: 0 }), 'state_conflict');
        expect((await store.getConversation(A, 'c1'))?.state).toEqual({ n: 1 });
        const second = await store.updateState(A, 'c1', { n: 3 });
        expect(second).toMatchObject({ state: { n: 3 }, stateVersion: 2 });
      });

      it('should delete a conversation with its messages and summary', async () => {
        await store.createConversation(A, { id: 'c1' });
        await append(A, 'c1', textTurns(3));
        expect(await store.deleteConversation(A, 'c1')).toBe(true);
        expect(await store.getConversation(A, 'c1')).toBeNull();
        expect(await allMessages(A, 'c1')).toEqual([]);
        expect(await store.deleteConversation(A, 'c1')).toBe(false);
        // The id is free again and the new conversation starts empty.
        await store.createConversation(A, { id: 'c1' });
        expect(await allMessages(A, 'c1')).toEqual([]);
      });

      it('should list newest first and filter by tag and parent', async () => {
        for (const [index, tags] of [['red'], ['blue'], ['red', 'blue']].entries()) {
          await store.createConversation(A, { id: `c${index}`, tags });
          clock.advance(10);
        }
        const all = await store.listConversations(A);
        expect(all.items.map((conversation) => conversation.id)).toEqual(['c2', 'c1', 'c0']);
        const red = await store.listConversations(A, { tag: 'red' });
        expect(red.items.map((conversation) => conversation.id)).toEqual(['c2', 'c0']);
        await append(A, 'c0', textTurns(2));
        await store.forkConversation(A, 'c0', { atSeq: 1, input: { id: 'child' } });
        const children = await store.listConversations(A, { parentId: 'c0' });
        expect(children.items.map((conversation) => conversation.id)).toEqual(['child']);
      });

      it('should paginate with cursors without duplicates or gaps while new conversations arrive', async () => {
        for (let index = 0; index < 7; index += 1) {
          await store.createConversation(A, { id: `p${index}` });
          clock.advance(5);
        }
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listConversations(A, { limit: 3, ...(cursor ? { cursor } : {}) });
          seen.push(...page.items.map((conversation) => conversation.id));
          cursor = page.nextCursor;
          pages += 1;
          // A newer conversation arriving mid-listing must not shift later pages.
          await store.createConversation(A, { id: `new${pages}` });
          clock.advance(5);
        } while (cursor);
        expect(seen).toEqual(['p6', 'p5', 'p4', 'p3', 'p2', 'p1', 'p0']);
        expect(pages).toBe(3);
      });

      it('should reject a cursor it did not produce', async () => {
        await expectCode(store.listConversations(A, { cursor: 'not-a-cursor' }), 'invalid_input');
      });
    });

    describe('messages', () => {
      it('should assign consecutive seqs and keep content, ids, timestamps and token counts', async () => {
        await store.createConversation(A, { id: 'c1' });
        const inputs: MessageInput[] = [
          { id: 'u1', role: 'user', name: 'ann', content: 'Hi', metadata: { lang: 'en' }, tags: ['greeting'] },
          ...toolExchange('call-1'),
          { id: 'a1', role: 'assistant', content: [{ type: 'reasoning', text: 'think' }, { type: 'text', text: 'Hello' }] },
          { id: 'f1', role: 'user', content: [{ type: 'file', mediaType: 'image/png', url: 'https://example.com/x.png', filename: 'x.png' }] },
        ];
        const prepared = await prepare(inputs);
        const result = await store.appendMessages(A, 'c1', prepared);
        expect(result.inserted).toBe(5);
        expect(result.messages.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5]);
        const stored = await allMessages(A, 'c1');
        expect(stored).toEqual(prepared.map((message, index) => ({ ...message, conversationId: 'c1', seq: index + 1 })));
        const conversation = await store.getConversation(A, 'c1');
        expect(conversation).toMatchObject({ messageCount: 5, lastSeq: 5 });
        expect(conversation?.tokenCount).toBe(prepared.reduce((sum, message) => sum + message.tokenCounts[ENCODING]!, 0));
      });

      it('should be idempotent by message id', async () => {
        await store.createConversation(A, { id: 'c1' });
        const first = await append(A, 'c1', textTurns(3));
        const again = await store.appendMessages(A, 'c1', await prepare([...textTurns(3), { id: 'new', role: 'user', content: 'next' }]));
        expect(again.inserted).toBe(1);
        expect(again.messages.slice(0, 3)).toEqual(first.messages);
        expect(again.messages[3]?.seq).toBe(4);
        expect((await allMessages(A, 'c1')).map((message) => message.id)).toEqual(['m-0', 'm-1', 'm-2', 'new']);
      });

      it('should reject a stored id reused with another role or content, writing nothing of the batch', async () => {
        await store.createConversation(A, { id: 'c1' });
        await append(A, 'c1', textTurns(2));
        const reused = await prepare([{ id: 'fresh', role: 'user', content: 'new turn' }, { id: 'm-0', role: 'user', content: 'different text' }]);
        await expect(store.appendMessages(A, 'c1', reused)).rejects.toMatchObject({ code: 'idempotency_conflict' });
        const roleChanged = await prepare([{ id: 'm-1', role: 'user', content: (await allMessages(A, 'c1'))[1]!.content as string }]);
        await expect(store.appendMessages(A, 'c1', roleChanged)).rejects.toMatchObject({ code: 'idempotency_conflict' });
        expect((await allMessages(A, 'c1')).map((message) => message.id)).toEqual(['m-0', 'm-1']);
        expect(await store.getConversation(A, 'c1')).toMatchObject({ lastSeq: 2, messageCount: 2 });
      });

      it('should drop a retried identical batch without ids when dedupeByContentHash is set', async () => {
        await store.createConversation(A, { id: 'c1' });
        const batch: MessageInput[] = [{ role: 'user', content: 'same' }, { role: 'assistant', content: 'reply' }];
        await store.appendMessages(A, 'c1', await prepare(batch), { dedupeByContentHash: true });
        const retry = await store.appendMessages(A, 'c1', await prepare(batch), { dedupeByContentHash: true });
        expect(retry.inserted).toBe(0);
        expect(retry.messages.map((message) => message.seq)).toEqual([1, 2]);
        const plain = await store.appendMessages(A, 'c1', await prepare(batch));
        expect(plain.inserted).toBe(2);
      });

      it('should keep batches contiguous and seqs gapless under hundreds of concurrent appends', async () => {
        await store.createConversation(A, { id: 'c1' });
        const batches = Math.max(20, Math.round(200 * scale));
        const prepared = await Promise.all(
          Array.from({ length: batches }, (_, batch) =>
            prepare(Array.from({ length: (batch % 3) + 1 }, (_, index) => ({ id: `b${batch}-${index}`, role: 'user' as const, content: `batch ${batch} item ${index}` }))),
          ),
        );
        await Promise.all(prepared.map((batch) => store.appendMessages(A, 'c1', batch)));
        const stored: Message[] = [];
        let afterSeq = 0;
        for (;;) {
          const page = await store.listMessages(A, 'c1', { order: 'asc', afterSeq, limit: 500 });
          if (page.length === 0) break;
          stored.push(...page);
          afterSeq = page.at(-1)!.seq;
        }
        const total = prepared.reduce((sum, batch) => sum + batch.length, 0);
        expect(stored.map((message) => message.seq)).toEqual(Array.from({ length: total }, (_, index) => index + 1));
        expect(new Set(stored.map((message) => message.id)).size).toBe(total);
        // Each batch occupies a contiguous run of seqs, in its own order.
        for (const batch of prepared) {
          const seqs = batch.map((message) => stored.find((candidate) => candidate.id === message.id)!.seq);
          seqs.forEach((seq, index) => expect(seq).toBe(seqs[0]! + index));
        }
        expect((await store.getConversation(A, 'c1'))?.messageCount).toBe(total);
      });

      it('should page by seq in both directions', async () => {
        await store.createConversation(A, { id: 'c1' });
        await append(A, 'c1', textTurns(10));
        const seqs = (messages: Message[]) => messages.map((message) => message.seq);
        expect(seqs(await store.listMessages(A, 'c1', { order: 'asc', limit: 3 }))).toEqual([1, 2, 3]);
        expect(seqs(await store.listMessages(A, 'c1', { order: 'asc', afterSeq: 3, limit: 3 }))).toEqual([4, 5, 6]);
        expect(seqs(await store.listMessages(A, 'c1', { order: 'desc', limit: 3 }))).toEqual([10, 9, 8]);
        expect(seqs(await store.listMessages(A, 'c1', { order: 'desc', beforeSeq: 8, limit: 3 }))).toEqual([7, 6, 5]);
        expect(seqs(await store.listMessages(A, 'c1', { order: 'asc', afterSeq: 2, beforeSeq: 6, limit: 100 }))).toEqual([3, 4, 5]);
      });

      it('should read the tail until the token total is reached', async () => {
        await store.createConversation(A, { id: 'c1' });
        const { messages } = await append(A, 'c1', textTurns(20));
        const perMessage = messages[19]!.tokenCounts[ENCODING]!;
        const tail = await store.getTail(A, 'c1', { maxTokens: perMessage * 3, encoding: ENCODING });
        expect(tail.messages.map((message) => message.seq)).toEqual([18, 19, 20]);
        expect(tail.reachedStart).toBe(false);
        const crossing = await store.getTail(A, 'c1', { maxTokens: perMessage * 3 - 1, encoding: ENCODING });
        expect(crossing.messages.map((message) => message.seq)).toEqual([18, 19, 20]);
        const before = await store.getTail(A, 'c1', { maxTokens: 1, encoding: ENCODING, beforeSeq: 5 });
        expect(before.messages.map((message) => message.seq)).toEqual([4]);
        const all = await store.getTail(A, 'c1', { maxTokens: 1_000_000, encoding: ENCODING });
        expect(all.messages).toHaveLength(20);
        expect(all.reachedStart).toBe(true);
        const capped = await store.getTail(A, 'c1', { maxTokens: 1_000_000, encoding: ENCODING, maxMessages: 5 });
        expect(capped.messages.map((message) => message.seq)).toEqual([16, 17, 18, 19, 20]);
      });

      it('should read the conversation, tail and summary with readContext exactly as the separate reads do', async (context) => {
        if (!store.readContext) return context.skip();
        await store.createConversation(A, { id: 'c1' });
        // Many short turns, then long ones and a tool exchange: the newest messages are far above the
        // average, so a tail read sized from the average must continue past its first page.
        await append(A, 'c1', textTurns(60, 'short', (index) => `hi ${index}`));
        await append(A, 'c1', [...textTurns(12, 'long', (index) => `${'a long turn with many words '.repeat(40)}${index}`), ...toolExchange('t1')]);
        await store.putSummary(A, 'c1', { text: 'earlier turns', coversThroughSeq: 10, tokenCount: 2, encoding: ENCODING, updatedAt: new Date(clock.now()) }, { expectedCoversThroughSeq: null });
        const conversation = await store.getConversation(A, 'c1');
        const summary = await store.getSummary(A, 'c1');
        const cases = [
          { maxTokens: 1, encoding: ENCODING },
          { maxTokens: 500, encoding: ENCODING },
          { maxTokens: 3000, encoding: ENCODING },
          { maxTokens: 1_000_000, encoding: ENCODING },
          { maxTokens: 1_000_000, encoding: ENCODING, maxMessages: 7 },
          { maxTokens: 2000, encoding: ENCODING, beforeSeq: 70 },
          { maxTokens: 0, encoding: ENCODING },
          { maxTokens: 100, encoding: 'cl100k_base' },
        ];
        for (const tailOptions of cases) {
          const read = await store.readContext(A, 'c1', tailOptions);
          expect(read.conversation, JSON.stringify(tailOptions)).toEqual(conversation);
          expect(read.tail, JSON.stringify(tailOptions)).toEqual(await store.getTail(A, 'c1', tailOptions));
          expect(read.summary).toEqual(summary);
        }
        // Only tiny messages: a read sized for typical chat turns falls short of the budget.
        await store.createConversation(A, { id: 'tiny' });
        await append(A, 'tiny', textTurns(150, 'tiny', () => 'ok'));
        for (const maxTokens of [300, 10]) {
          const read = await store.readContext(A, 'tiny', { maxTokens, encoding: ENCODING });
          expect(read.tail).toEqual(await store.getTail(A, 'tiny', { maxTokens, encoding: ENCODING }));
        }
        const empty = await store.createConversation(A, { id: 'empty' });
        expect(await store.readContext(A, 'empty', { maxTokens: 100, encoding: ENCODING })).toEqual({ conversation: empty, tail: { messages: [], reachedStart: true }, summary: null });
        expect(await store.readContext(A, 'absent', { maxTokens: 100, encoding: ENCODING })).toEqual({ conversation: null, tail: { messages: [], reachedStart: true }, summary: null });
        await expectCode(store.readContext(A, 'c1', { maxTokens: Number.NaN, encoding: ENCODING }), 'invalid_input');
      });

      it('should stop the readContext tail at the stored summary with stopAtSummary', async (context) => {
        if (!store.readContext) return context.skip();
        await store.createConversation(A, { id: 'c1' });
        await append(A, 'c1', textTurns(60, 'short', (index) => `hi ${index}`));
        await append(A, 'c1', [...textTurns(12, 'long', (index) => `${'a long turn with many words '.repeat(40)}${index}`), ...toolExchange('t1')]);
        const lastSeq = (await store.getConversation(A, 'c1'))!.lastSeq;
        const cases = [
          { maxTokens: 1, encoding: ENCODING },
          { maxTokens: 500, encoding: ENCODING },
          { maxTokens: 3000, encoding: ENCODING },
          { maxTokens: 1_000_000, encoding: ENCODING },
          { maxTokens: 1_000_000, encoding: ENCODING, maxMessages: 7 },
          { maxTokens: 2000, encoding: ENCODING, beforeSeq: 70 },
          { maxTokens: 2000, encoding: ENCODING, beforeSeq: 30 },
        ];
        // What the option promises, from the plain tail read: the part above the coverage, and
        // reachedStart only when nothing was cut.
        const expectStopped = async (coversThroughSeq: number | null) => {
          for (const tailOptions of cases) {
            const label = `covers ${coversThroughSeq} ${JSON.stringify(tailOptions)}`;
            const full = await store.getTail(A, 'c1', tailOptions);
            const read = await store.readContext!(A, 'c1', { ...tailOptions, stopAtSummary: true });
            const kept = coversThroughSeq === null ? full.messages : full.messages.filter((message) => message.seq > coversThroughSeq);
            expect(read.tail.messages.map((message) => message.seq), label).toEqual(kept.map((message) => message.seq));
            expect(read.tail.messages, label).toEqual(kept);
            expect(read.tail.reachedStart, label).toBe(full.reachedStart && kept.length === full.messages.length);
            expect(read.summary?.coversThroughSeq ?? null, label).toBe(coversThroughSeq);
            // Without the option the tail is the plain one.
            expect((await store.readContext!(A, 'c1', tailOptions)).tail, label).toEqual(full);
          }
        };
        await expectStopped(null);
        let previous: number | null = null;
        // Coverage moving forward, back (a store may cache the last coverage it saw) and over everything.
        for (const coversThroughSeq of [40, 66, 20, lastSeq, 66]) {
          const summary = { text: `covers ${coversThroughSeq}`, coversThroughSeq, tokenCount: 2, encoding: ENCODING, updatedAt: new Date(clock.now()) };
          expect((await store.putSummary(A, 'c1', summary, { expectedCoversThroughSeq: previous })).applied).toBe(true);
          previous = coversThroughSeq;
          await expectStopped(coversThroughSeq);
        }
        const all = await store.readContext(A, 'c1', { maxTokens: 1_000_000, encoding: ENCODING, stopAtSummary: true });
        expect(all.tail.messages.map((message) => message.seq)).toEqual(Array.from({ length: lastSeq - 66 }, (_, index) => 67 + index));
        expect(all.tail.reachedStart).toBe(false);
        await expectCode(store.readContext(A, 'c1', { maxTokens: 100, encoding: ENCODING, stopAtSummary: 'yes' as unknown as boolean }), 'invalid_input');
      });

      it('should prefetch pinned memories with readContext when asked', async (context) => {
        if (!store.readContext || !store.memories) return context.skip();
        await store.createConversation(A, { id: 'c1' });
        const memory = (id: string, pinned: boolean) => ({ id, text: `memory ${id}`, tags: [], pinned, metadata: {}, tokenCounts: { [ENCODING]: 3 }, contentHash: id.padEnd(64, '0') });
        const ask = { maxTokens: 100, encoding: ENCODING, pinnedMemories: 2 };
        expect((await store.readContext(A, 'c1', ask)).memories).toEqual({ pinned: [], morePinned: false, unpinned: false });
        for (const id of ['p1', 'p2', 'p3']) {
          await store.memories.put(A, memory(id, true));
          clock.advance(1000);
        }
        await store.memories.put(B, memory('other-tenant', false));
        const pinned = (await store.memories.list(A, { pinned: true, limit: 2 })).items;
        expect(pinned.map((item) => item.id)).toEqual(['p3', 'p2']);
        expect((await store.readContext(A, 'c1', ask)).memories).toEqual({ pinned, morePinned: true, unpinned: false });
        await store.memories.put(A, memory('u1', false));
        expect((await store.readContext(A, 'c1', { ...ask, pinnedMemories: 10 })).memories).toMatchObject({ morePinned: false, unpinned: true });
        expect((await store.readContext(A, 'c1', { maxTokens: 100, encoding: ENCODING })).memories).toBeUndefined();
      });

      it('should delete a message without reusing its seq', async () => {
        await store.createConversation(A, { id: 'c1' });
        await append(A, 'c1', textTurns(3));
        expect(await store.deleteMessage(A, 'c1', 'm-2')).toBe(true);
        expect(await store.deleteMessage(A, 'c1', 'm-2')).toBe(false);
        const next = await append(A, 'c1', [{ id: 'm-3', role: 'user', content: 'after delete' }]);
        expect(next.messages[0]?.seq).toBe(4);
        expect((await allMessages(A, 'c1')).map((message) => message.seq)).toEqual([1, 2, 4]);
        expect((await store.getConversation(A, 'c1'))?.messageCount).toBe(3);
      });

      it('should store Unicode and large messages byte-identically', async () => {
        await store.createConversation(A, { id: 'c1' });
        const unicode = 'Zürich — 東京 — 🧑‍🚀 — עברית — \u200b — "quotes" \'single\' \\ back\nslash; -- DROP TABLE x; $1 %s {{}}';
        const large = 'x'.repeat(Math.round(900_000 * Math.min(1, scale)));
        await append(A, 'c1', [
          { id: 'u', role: 'user', content: unicode, metadata: { 'key with spaces': unicode, nested: { deep: [1, 2.5, -3e10, true, null] } } },
          { id: 'l', role: 'assistant', content: large },
        ]);
        const [first, second] = await allMessages(A, 'c1');
        expect(first?.content).toBe(unicode);
        expect(first?.metadata).toEqual({ 'key with spaces': unicode, nested: { deep: [1, 2.5, -3e10, true, null] } });
        expect(second?.content).toBe(large);
      });
    });

    describe('summaries', () => {
      it('should compare-and-set on coversThroughSeq', async () => {
        await store.createConversation(A, { id: 'c1' });
        const summary = (seq: number) => ({ text: `through ${seq}`, coversThroughSeq: seq, tokenCount: 3, encoding: ENCODING, updatedAt: new Date(clock.now()) });
        expect(await store.getSummary(A, 'c1')).toBeNull();
        expect((await store.putSummary(A, 'c1', summary(4), { expectedCoversThroughSeq: null })).applied).toBe(true);
        const lost = await store.putSummary(A, 'c1', summary(6), { expectedCoversThroughSeq: null });
        expect(lost.applied).toBe(false);
        expect(lost.current?.coversThroughSeq).toBe(4);
        expect((await store.putSummary(A, 'c1', summary(8), { expectedCoversThroughSeq: 4 })).applied).toBe(true);
        expect(await store.getSummary(A, 'c1')).toEqual(summary(8));
      });

      it('should let exactly one of two concurrent summary writers win', async () => {
        await store.createConversation(A, { id: 'c1' });
        const write = (text: string) =>
          store.putSummary(A, 'c1', { text, coversThroughSeq: 10, tokenCount: 1, encoding: ENCODING, updatedAt: new Date(clock.now()) }, { expectedCoversThroughSeq: null });
        const results = await Promise.all([write('one'), write('two'), write('three')]);
        expect(results.filter((result) => result.applied)).toHaveLength(1);
      });
    });

    describe('lifecycle', () => {
      it('should hide expired conversations from every read and sweep them', async () => {
        await store.createConversation(A, { id: 'ttl', ttl: { seconds: 60, mode: 'fixed' } });
        await store.createConversation(A, { id: 'keep' });
        await append(A, 'ttl', textTurns(2));
        clock.advance(59_000);
        expect(await store.getConversation(A, 'ttl')).not.toBeNull();
        clock.advance(1_000);
        expect(await store.getConversation(A, 'ttl')).toBeNull();
        expect(await allMessages(A, 'ttl')).toEqual([]);
        expect((await store.getTail(A, 'ttl', { maxTokens: 1000, encoding: ENCODING })).messages).toEqual([]);
        if (store.readContext) expect((await store.readContext(A, 'ttl', { maxTokens: 1000, encoding: ENCODING })).conversation).toBeNull();
        expect((await store.listConversations(A)).items.map((conversation) => conversation.id)).toEqual(['keep']);
        await expectCode(append(A, 'ttl', textTurns(1, 'late')), 'not_found');
        if (store.sweepExpired) {
          expect(await store.sweepExpired({ limit: 10 })).toBeGreaterThanOrEqual(1);
          expect(await store.sweepExpired({ limit: 10 })).toBe(0);
        }
        // An expired id can be created again, empty.
        await store.createConversation(A, { id: 'ttl' });
        expect(await allMessages(A, 'ttl')).toEqual([]);
      });

      it('should report an expired conversation as expired, not as never created, until it is swept or created again', async () => {
        await store.createConversation(A, { id: 'gone', ttl: { seconds: 60, mode: 'sliding' } });
        await store.createConversation(A, { id: 'deleted' });
        await append(A, 'gone', textTurns(2));
        clock.advance(30_000);
        await append(A, 'gone', textTurns(1, 'slid'));
        const expiresAt = clock.now() + 60_000;
        await store.deleteConversation(A, 'deleted');
        clock.advance(60_000);
        const late = await caught(append(A, 'gone', textTurns(1, 'late')));
        expect(ConversationExpiredError.isInstance(late), String(late)).toBe(true);
        expect(late).toMatchObject({ code: 'not_found', reason: 'expired', kind: 'conversation', id: 'gone' });
        expect((late as ConversationExpiredError).expiredAt.getTime()).toBe(expiresAt);
        expect(await caught(store.exportConversation(A, 'gone'))).toMatchObject({ code: 'not_found', reason: 'expired' });
        expect(await caught(store.updateState(A, 'gone', { s: 1 }))).toMatchObject({ code: 'not_found', reason: 'expired' });
        expect(await store.getConversation(A, 'gone')).toBeNull();
        // Never created, deleted (deletion leaves no trace), or another scope's: absent, not expired.
        for (const [scope, id] of [[A, 'never'], [A, 'deleted'], [A_OTHER_USER, 'gone'], [A_NO_USER, 'gone'], [B, 'gone']] as const) {
          expect(await caught(append(scope, id, textTurns(1))), `${JSON.stringify(scope)} ${id}`).toMatchObject({ code: 'not_found', reason: 'absent' });
        }
        if (store.sweepExpired) {
          await store.sweepExpired({ limit: 10 });
          expect(await caught(append(A, 'gone', textTurns(1)))).toMatchObject({ code: 'not_found', reason: 'absent' });
        }
        // Created again under the same id: a new, live conversation.
        await store.createConversation(A, { id: 'gone', ttl: { seconds: 60, mode: 'fixed' } });
        expect((await append(A, 'gone', textTurns(1, 'again'))).messages[0]?.seq).toBe(1);
      });

      it('should push a sliding expiry forward on every append', async () => {
        await store.createConversation(A, { id: 'slide', ttl: { seconds: 60, mode: 'sliding' } });
        for (let step = 0; step < 3; step += 1) {
          clock.advance(45_000);
          await append(A, 'slide', textTurns(1, `s${step}`));
        }
        clock.advance(45_000);
        expect(await store.getConversation(A, 'slide')).not.toBeNull();
        clock.advance(16_000);
        expect(await store.getConversation(A, 'slide')).toBeNull();
      });

      it('should set and remove a TTL with updateConversation', async () => {
        await store.createConversation(A, { id: 'c1' });
        await store.updateConversation(A, 'c1', { ttl: { seconds: 10, mode: 'fixed' } });
        await store.updateConversation(A, 'c1', { ttl: null });
        clock.advance(20_000);
        expect(await store.getConversation(A, 'c1')).not.toBeNull();
      });

      it('should fork a conversation at a message', async () => {
        await store.createConversation(A, { id: 'parent' });
        await append(A, 'parent', textTurns(6));
        const child = await store.forkConversation(A, 'parent', { atSeq: 4, input: { id: 'child', title: 'branch' } });
        expect(child).toMatchObject({ id: 'child', parentId: 'parent', forkedFromSeq: 4, messageCount: 4, lastSeq: 4, title: 'branch' });
        const next = await append(A, 'child', [{ id: 'x', role: 'user', content: 'branching' }]);
        expect(next.messages[0]?.seq).toBe(5);
        expect((await allMessages(A, 'child')).map((message) => message.id)).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'x']);
        expect(await allMessages(A, 'parent')).toHaveLength(6);
        await expectCode(store.forkConversation(B, 'parent', { atSeq: 2 }), 'not_found');
      });

      it('should export and import losslessly into another scope', async () => {
        await store.createConversation(A, { id: 'c1', title: 'T', tags: ['t'], state: { s: 1 }, metadata: { m: [1] } });
        await append(A, 'c1', [...textTurns(3), ...toolExchange('call-9')]);
        await store.deleteMessage(A, 'c1', 'm-1');
        await store.putSummary(A, 'c1', { text: 'sum', coversThroughSeq: 2, tokenCount: 1, encoding: ENCODING, updatedAt: new Date(clock.now()) }, { expectedCoversThroughSeq: null });
        const exported = await store.exportConversation(A, 'c1');
        const json = JSON.parse(JSON.stringify(exported));
        const imported = await store.importConversation(B, json);
        expect(imported).toMatchObject({ id: 'c1', tenantId: 'tenant-b', title: 'T', tags: ['t'], state: { s: 1 }, messageCount: 4, lastSeq: 5 });
        const original = await allMessages(A, 'c1');
        expect(await allMessages(B, 'c1')).toEqual(original);
        expect(await store.getSummary(B, 'c1')).toEqual(await store.getSummary(A, 'c1'));
        expect(JSON.parse(JSON.stringify(await store.exportConversation(B, 'c1')))).toEqual(json);
        // Appending continues after the imported seqs.
        expect((await append(B, 'c1', textTurns(1, 'after'))).messages[0]?.seq).toBe(6);
        await expectCode(store.importConversation(B, json), 'conversation_exists');
        await expectCode(store.importConversation(B, { ...json, format: 'nope' }), 'invalid_input');
      });

      it("should erase everything of one user and nothing of anyone else's", async () => {
        await store.createConversation(A, { id: 'a1' });
        await store.createConversation(A, { id: 'a2' });
        await store.createConversation(A_OTHER_USER, { id: 'b1' });
        await store.createConversation(B, { id: 'other-tenant' });
        await append(A, 'a1', textTurns(3));
        await append(A_OTHER_USER, 'b1', textTurns(2));
        await append(B, 'other-tenant', textTurns(2));
        const result = await store.eraseUser(A as Scope & { userId: string });
        expect(result).toMatchObject({ conversations: 2, messages: 3 });
        expect((await store.listConversations(A)).items).toEqual([]);
        expect(await allMessages(A, 'a1')).toEqual([]);
        expect(await allMessages(A_OTHER_USER, 'b1')).toHaveLength(2);
        expect(await allMessages(B, 'other-tenant')).toHaveLength(2);
        await expectCode(store.eraseUser({ tenantId: 'tenant-a' } as Scope & { userId: string }), 'invalid_input');
      });
    });

    describe('isolation', () => {
      const strangers: Array<[string, Scope]> = [
        ['another tenant', B],
        ['another user of the same tenant', A_OTHER_USER],
        ['the tenant without a user', A_NO_USER],
      ];

      it.each(strangers)('should never let %s read, list, change or delete the data', async (_label, stranger) => {
        await store.createConversation(A, { id: 'secret', tags: ['private'] });
        await append(A, 'secret', [{ id: 's1', role: 'user', content: 'the secret launch code is zebra' }]);
        await store.putSummary(A, 'secret', { text: 'secret summary', coversThroughSeq: 1, tokenCount: 2, encoding: ENCODING, updatedAt: new Date(clock.now()) }, { expectedCoversThroughSeq: null });

        expect(await store.getConversation(stranger, 'secret')).toBeNull();
        expect((await store.listConversations(stranger)).items).toEqual([]);
        expect((await store.listConversations(stranger, { tag: 'private' })).items).toEqual([]);
        expect(await store.listMessages(stranger, 'secret', { order: 'asc', limit: 10 })).toEqual([]);
        expect((await store.getTail(stranger, 'secret', { maxTokens: 1000, encoding: ENCODING })).messages).toEqual([]);
        expect(await store.getSummary(stranger, 'secret')).toBeNull();
        if (store.readContext) {
          const read = await store.readContext(stranger, 'secret', { maxTokens: 1000, encoding: ENCODING, pinnedMemories: 10 });
          expect({ ...read, memories: undefined }).toEqual({ conversation: null, tail: { messages: [], reachedStart: true }, summary: null, memories: undefined });
        }
        await expectCode(store.updateConversation(stranger, 'secret', { title: 'pwned' }), 'not_found');
        await expectCode(store.updateState(stranger, 'secret', { pwned: true }), 'not_found');
        await expectCode(append(stranger, 'secret', [{ role: 'user', content: 'injected' }]), 'not_found');
        await expectCode(store.exportConversation(stranger, 'secret'), 'not_found');
        await expectCode(store.putSummary(stranger, 'secret', { text: 'x', coversThroughSeq: 1, tokenCount: 1, encoding: ENCODING, updatedAt: new Date() }, { expectedCoversThroughSeq: 1 }), 'not_found');
        expect(await store.deleteMessage(stranger, 'secret', 's1')).toBe(false);
        expect(await store.deleteConversation(stranger, 'secret')).toBe(false);
        if (store.searchMessages) expect(await store.searchMessages(stranger, { query: 'secret launch code zebra' })).toEqual([]);
        if (stranger.userId !== undefined) await store.eraseUser(stranger as Scope & { userId: string });

        const owner = await store.getConversation(A, 'secret');
        expect(owner?.title).toBeUndefined();
        expect(owner?.state).toEqual({});
        expect(owner?.messageCount).toBe(1);
        expect((await allMessages(A, 'secret')).map((message) => message.content)).toEqual(['the secret launch code is zebra']);
        expect((await store.getSummary(A, 'secret'))?.text).toBe('secret summary');
      });

      it('should search only within the scope', async () => {
        if (!store.searchMessages) return;
        await store.createConversation(A, { id: 'mine' });
        await store.createConversation(B, { id: 'theirs' });
        await append(A, 'mine', [{ id: 'x1', role: 'user', content: 'my favourite colour is turquoise' }]);
        await append(B, 'theirs', [{ id: 'y1', role: 'user', content: 'my favourite colour is turquoise too' }]);
        const hits = await store.searchMessages(A, { query: 'turquoise colour' });
        expect(hits.map((hit) => hit.message.id)).toEqual(['x1']);
        expect(hits[0]?.message.conversationId).toBe('mine');
      });

      it('should search vectors only within the scope and model', async () => {
        if (!store.vectors) return;
        await store.createConversation(A, { id: 'mine' });
        await store.createConversation(B, { id: 'theirs' });
        const [mine] = (await append(A, 'mine', [{ id: 'v1', role: 'user', content: 'vector me' }])).messages;
        const [theirs] = (await append(B, 'theirs', [{ id: 'v2', role: 'user', content: 'vector them' }])).messages;
        const record = (message: Message, model: string) => ({ kind: 'message' as const, targetId: message.id, conversationId: message.conversationId, seq: message.seq, model, vector: [1, 0, 0], contentHash: message.contentHash });
        await store.vectors.upsert(A, [record(mine!, 'model-1')]);
        await store.vectors.upsert(B, [record(theirs!, 'model-1')]);
        const hits = await store.vectors.search(A, { kind: 'message', model: 'model-1', vector: [1, 0, 0], limit: 10 });
        expect(hits.map((hit) => hit.targetId)).toEqual(['v1']);
        expect(hits[0]?.score).toBeCloseTo(1, 5);
        expect(await store.vectors.search(A, { kind: 'message', model: 'model-2', vector: [1, 0, 0] })).toEqual([]);
        expect([...(await store.vectors.has(A, { kind: 'message', model: 'model-1', targetIds: ['v1', 'v2'] }))]).toEqual(['v1']);
      });
    });

    describe('bad input', () => {
      const badMessages: Array<[string, unknown]> = [
        ['an unknown role', { role: 'wizard', content: 'hi' }],
        ['a tool result without toolCallId', { role: 'tool', content: [{ type: 'tool-result', toolName: 't', output: 1 }] }],
        ['a tool message with string content', { role: 'tool', content: 'plain' }],
        ['a tool call in a user message', { role: 'user', content: [{ type: 'tool-call', toolCallId: 'c', toolName: 't', input: {} }] }],
        ['non-JSON metadata (a function)', { role: 'user', content: 'x', metadata: { f: () => 1 } }],
        ['non-JSON metadata (NaN)', { role: 'user', content: 'x', metadata: { n: Number.NaN } }],
        ['non-JSON metadata (a Date)', { role: 'user', content: 'x', metadata: { d: new Date() } }],
        ['a __proto__ key', { role: 'user', content: 'x', metadata: JSON.parse('{"__proto__": {"polluted": true}}') }],
        ['a NUL character', { role: 'user', content: 'a\u0000b' }],
        ['a lone surrogate', { role: 'user', content: 'a\ud800b' }],
        ['an oversized message', { role: 'user', content: 'y'.repeat(1024 * 1024 + 1) }],
      ];

      it.each(badMessages)('should reject %s with a typed error and write nothing', async (_label, bad) => {
        await store.createConversation(A, { id: 'c1' });
        await append(A, 'c1', textTurns(1));
        const good = (await prepare([{ id: 'good', role: 'user', content: 'sentinel-zebra' }]))[0]!;
        const badPrepared = { ...good, id: 'bad', ...(bad as object) };
        let caught: unknown;
        try {
          await store.appendMessages(A, 'c1', [good, badPrepared as never]);
        } catch (error) {
          caught = error;
        }
        expect(LLMContextError.isInstance(caught)).toBe(true);
        expect((caught as LLMContextError).code).toBe('invalid_input');
        expect((caught as Error).message).not.toContain('sentinel-zebra');
        expect((await allMessages(A, 'c1')).map((message) => message.id)).toEqual(['m-0']);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });

      it('should reject an empty batch, a bad scope, bad ids and bad limits', async () => {
        await store.createConversation(A, { id: 'c1' });
        await expectCode(store.appendMessages(A, 'c1', []), 'invalid_input');
        await expectCode(store.getConversation({ tenantId: '' }, 'c1'), 'invalid_input');
        await expectCode(store.getConversation(null as unknown as Scope, 'c1'), 'invalid_input');
        await expectCode(store.createConversation(A, { id: 'x'.repeat(300) }), 'invalid_input');
        await expectCode(store.createConversation(A, { id: 'c2', tags: ['ok', 7 as unknown as string] }), 'invalid_input');
        await expectCode(store.createConversation(A, { id: 'c3', ttl: { seconds: -1, mode: 'fixed' } }), 'invalid_input');
        await expectCode(store.listMessages(A, 'c1', { order: 'asc', limit: 0 }), 'invalid_input');
        await expectCode(store.listConversations(A, { limit: 5000 }), 'invalid_input');
        expect((await store.listConversations(A)).items.map((conversation) => conversation.id)).toEqual(['c1']);
      });

      it('should reject appends to a missing conversation', async () => {
        await expectCode(append(A, 'missing', textTurns(1)), 'not_found');
      });
    });
  });
}
