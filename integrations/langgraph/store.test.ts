import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { InMemoryStore, InvalidNamespaceError, type BaseStore, type Item } from '@langchain/langgraph-checkpoint';
import fc from 'fast-check';
import { getStore } from '@langchain/langgraph';
import { createAgent, tool } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ContextManager, type Scope } from '../../src/index.js';
import { LLMContextStore } from './store.js';

const alice: Scope = { tenantId: 'acme', userId: 'alice' };
const bob: Scope = { tenantId: 'acme', userId: 'bob' };

const labels = ['users', 'prefs', 'notes', 'v1', 'a'];
const namespaceArbitrary = fc.array(fc.constantFrom(...labels), { minLength: 1, maxLength: 3 });
const valueArbitrary = fc.record({ color: fc.constantFrom('red', 'blue', 'green'), score: fc.integer({ min: 0, max: 5 }), note: fc.constantFrom('likes tea', 'likes coffee', 'prefers trains') });

type Op =
  | { kind: 'put'; namespace: string[]; key: string; value: Record<string, unknown> | null }
  | { kind: 'get'; namespace: string[]; key: string }
  | { kind: 'search'; prefix: string[]; filter?: Record<string, unknown> }
  | { kind: 'list'; prefix?: string[]; suffix?: string[]; maxDepth?: number; limit: number; offset: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), namespace: namespaceArbitrary, key: fc.constantFrom('k1', 'k2', 'k3'), value: fc.option(valueArbitrary, { nil: null, freq: 5 }) }),
  fc.record({ kind: fc.constant('get' as const), namespace: namespaceArbitrary, key: fc.constantFrom('k1', 'k2', 'k3') }),
  fc.record(
    {
      kind: fc.constant('search' as const),
      prefix: fc.array(fc.constantFrom(...labels), { maxLength: 2 }),
      filter: fc.oneof(
        fc.record({ color: fc.constantFrom('red', 'blue') }),
        fc.record({ score: fc.record({ $gte: fc.integer({ min: 0, max: 5 }) }) }),
        fc.record({ color: fc.record({ $in: fc.constant(['red', 'green']) }), score: fc.record({ $ne: fc.integer({ min: 0, max: 5 }) }) }),
      ),
    },
    { requiredKeys: ['kind', 'prefix'] },
  ),
  fc.record(
    {
      kind: fc.constant('list' as const),
      prefix: fc.array(fc.constantFrom(...labels, '*'), { minLength: 1, maxLength: 2 }),
      suffix: fc.array(fc.constantFrom(...labels, '*'), { minLength: 1, maxLength: 2 }),
      maxDepth: fc.integer({ min: 1, max: 3 }),
      limit: fc.integer({ min: 1, max: 20 }),
      offset: fc.integer({ min: 0, max: 3 }),
    },
    { requiredKeys: ['kind', 'limit', 'offset'] },
  ),
);

const plain = (item: Item | null) => (item ? { namespace: item.namespace, key: item.key, value: item.value } : null);
const sortedPlain = (items: Item[]) => items.map(plain).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function apply(store: BaseStore, op: Op): Promise<unknown> {
  switch (op.kind) {
    case 'put':
      return op.value === null ? store.delete(op.namespace, op.key) : store.put(op.namespace, op.key, op.value);
    case 'get':
      return plain(await store.get(op.namespace, op.key));
    case 'search':
      // A limit above the item count: both stores return every match; order differs by design (ours: newest first).
      return sortedPlain(await store.search(op.prefix, { ...(op.filter ? { filter: op.filter } : {}), limit: 1000 }));
    case 'list': {
      const conditions = { ...(op.prefix ? { prefix: op.prefix } : {}), ...(op.suffix ? { suffix: op.suffix } : {}) };
      if (!(store instanceof InMemoryStore)) return store.listNamespaces({ ...conditions, ...(op.maxDepth ? { maxDepth: op.maxDepth } : {}), limit: op.limit, offset: op.offset });
      // InMemoryStore also lists namespaces whose items were all deleted (its per-namespace map stays);
      // ours lists namespaces holding items. Take its list without depth or paging, keep namespaces
      // with items, then apply maxDepth and paging as it does.
      const all = await store.listNamespaces({ ...conditions, limit: 100_000 });
      const items = await store.search([], { limit: 100_000 });
      const held = all.filter((namespace) => items.some((item) => JSON.stringify(item.namespace) === JSON.stringify(namespace)));
      const truncated = op.maxDepth === undefined ? held : held.map((namespace) => namespace.slice(0, op.maxDepth));
      const cut = [...new Map(truncated.map((namespace) => [namespace.join(':'), namespace] as const)).values()];
      return cut.sort((a, b) => a.join(':').localeCompare(b.join(':'))).slice(op.offset, op.offset + op.limit);
    }
  }
}

describe('LLMContextStore (LangGraph BaseStore)', () => {
  it('should answer every operation as LangGraph InMemoryStore does (differential, random operations)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArbitrary, { minLength: 1, maxLength: 30 }), async (ops) => {
        const reference = new InMemoryStore();
        const ours = new LLMContextStore({ manager: new ContextManager(), scope: alice });
        for (const op of ops) expect(await apply(ours, op)).toEqual(await apply(reference, op));
      }),
      { numRuns: 60 },
    );
  });

  it('should run a batch like InMemoryStore: reads before writes, the last write to an item wins', async () => {
    const reference = new InMemoryStore();
    const ours = new LLMContextStore({ manager: new ContextManager(), scope: alice });
    for (const store of [reference, ours]) await store.put(['users', 'alice'], 'prefs', { units: 'metric' });
    const operations = [
      { namespace: ['users', 'alice'], key: 'prefs', value: { units: 'imperial' } },
      { namespace: ['users', 'alice'], key: 'prefs' },
      { namespace: ['users', 'alice'], key: 'prefs', value: { units: 'kelvin' } },
      { namespacePrefix: ['users'], limit: 10, offset: 0 },
      { matchConditions: [{ matchType: 'prefix' as const, path: ['users'] }], limit: 10, offset: 0 },
    ];
    const [theirs, mine] = [await reference.batch(operations), await ours.batch(operations)];
    expect(mine[0]).toBeUndefined();
    // InMemoryStore returns its live item objects, which the batch's own writes then mutate; ours are snapshots.
    expect(plain(mine[1] as unknown as Item)).toEqual({ namespace: ['users', 'alice'], key: 'prefs', value: { units: 'metric' } });
    expect((mine[3] as unknown as Item[]).map((item) => [item.namespace, item.key])).toEqual((theirs[3] as unknown as Item[]).map((item) => [item.namespace, item.key]));
    expect(mine[4]).toEqual(theirs[4]);
    expect(plain(await ours.get(['users', 'alice'], 'prefs'))).toEqual({ namespace: ['users', 'alice'], key: 'prefs', value: { units: 'kelvin' } });
  });

  it('should keep the item as a memory of the fixed scope, keep createdAt on update and rank query matches first', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const manager = new ContextManager({ clock: { now: () => now } });
    const store = new LLMContextStore({ manager, scope: alice });
    await store.put(['memories'], 'm1', { text: 'Alice prefers window seats on trains.' });
    now += 1000;
    await store.put(['memories'], 'm2', { text: 'Alice is allergic to peanuts.' });
    now += 1000;
    await store.put(['memories'], 'm1', { text: 'Alice prefers aisle seats on trains.' });
    const item = await store.get(['memories'], 'm1');
    expect(item!.createdAt.getTime()).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(item!.updatedAt.getTime()).toBe(Date.parse('2026-01-01T00:00:02Z'));
    const memories = (await manager.memories.list({ scope: alice })).items;
    expect(memories.map((memory) => memory.text).sort()).toEqual(['Alice is allergic to peanuts.', 'Alice prefers aisle seats on trains.']);
    const results = await store.search(['memories'], { query: 'peanuts allergy' });
    expect(results[0]).toMatchObject({ key: 'm2', score: expect.any(Number) });
    expect(results.map((result) => result.key)).toEqual(['m2', 'm1']);
    expect(results[1]!.score).toBeUndefined();
    expect(await store.search(['memories'], { query: 'peanuts', limit: 1, offset: 1 })).toMatchObject([{ key: 'm1' }]);
  });

  it('should never let one scope read, list, overwrite or delete another scope\'s items under the same namespace', async () => {
    const manager = new ContextManager();
    const aliceStore = new LLMContextStore({ manager, scope: alice });
    const bobStore = new LLMContextStore({ manager, scope: bob });
    await aliceStore.put(['users', 'alice'], 'secret', { text: 'alice secret' });
    await bobStore.put(['users', 'alice'], 'secret', { text: 'bob wrote here' });
    await bobStore.delete(['users', 'alice'], 'secret');
    expect(await bobStore.get(['users', 'alice'], 'secret')).toBeNull();
    expect(await bobStore.search(['users'], { query: 'secret' })).toEqual([]);
    expect(await bobStore.listNamespaces()).toEqual([]);
    expect(await aliceStore.get(['users', 'alice'], 'secret')).toMatchObject({ value: { text: 'alice secret' } });
  });

  it('should reject the namespaces LangGraph rejects, writing nothing', async () => {
    const manager = new ContextManager();
    const store = new LLMContextStore({ manager, scope: alice });
    for (const namespace of [[], ['a.b'], ['langgraph', 'x'], [''], Array.from({ length: 61 }, () => 'n')]) {
      await expect(store.put(namespace, 'k', { a: 1 })).rejects.toBeInstanceOf(InvalidNamespaceError);
    }
    expect((await manager.memories.list({ scope: alice })).items).toEqual([]);
  });

  it('should be the long-term memory of a createAgent agent (getStore() in its tools)', async () => {
    const manager = new ContextManager();
    const store = new LLMContextStore({ manager, scope: alice });
    const saveNote = tool(
      async ({ note }: { note: string }) => {
        await getStore()!.put(['notes'], 'latest', { note });
        return 'saved';
      },
      { name: 'save_note', description: 'Save a note.', schema: z.object({ note: z.string() }) },
    );
    const readNote = tool(async () => JSON.stringify((await getStore()!.get(['notes'], 'latest'))?.value ?? null), {
      name: 'read_note',
      description: 'Read the saved note.',
      schema: z.object({}),
    });
    const model = fakeModel()
      .respond(new AIMessage({ content: '', tool_calls: [{ id: 'c1', name: 'save_note', args: { note: 'Buy oat milk.' }, type: 'tool_call' }] }))
      .respond(new AIMessage('Saved.'))
      .respond(new AIMessage({ content: '', tool_calls: [{ id: 'c2', name: 'read_note', args: {}, type: 'tool_call' }] }))
      .respond(new AIMessage('Your note: Buy oat milk.'));
    const agent = createAgent({ model, tools: [saveNote, readNote], store });
    await agent.invoke({ messages: [new HumanMessage('Remember: buy oat milk.')] });
    const second = await agent.invoke({ messages: [new HumanMessage('What was my note?')] });
    const toolMessage = second.messages.find((message) => ToolMessage.isInstance(message)) as ToolMessage;
    expect(JSON.parse(toolMessage.content as string)).toEqual({ note: 'Buy oat milk.' });
    expect((await manager.memories.list({ scope: alice })).items).toMatchObject([{ text: 'Buy oat milk.' }]);
  });
});
