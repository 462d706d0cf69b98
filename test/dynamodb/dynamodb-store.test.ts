import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchMessages } from '../../src/index.js';
import type { MessageSearchResult } from '../../src/spec/store.js';
import { encodeBatch } from '../../src/stores/dynamodb/codec.js';
import { createDynamoDBStore } from '../../src/stores/dynamodb/index.js';
import { CONVERSATION_SK, conversationPk } from '../../src/stores/dynamodb/keys.js';
import { createTableClient } from '../../src/stores/dynamodb/table-client.js';
import { newMessages, textTurns } from '../../src/testing/index.js';
import type { Message, MessageInput } from '../../src/types.js';
import { startDynalite, uniqueTableName, type DynaliteServer } from './dynalite.js';

/** DynamoDB-specific behaviour beyond the contract: crash recovery, request counts, bounded search. */
describe('DynamoDB store on dynalite', () => {
  let server: DynaliteServer;
  beforeAll(async () => {
    server = await startDynalite();
  });
  afterAll(async () => {
    await server?.close();
  });

  const scope = { tenantId: 't1', userId: 'u1' };
  const open = async (options: Partial<Parameters<typeof createDynamoDBStore>[0]> = {}) => {
    const client = server.client();
    let requests = 0;
    const counting = { send: (command: never) => ((requests += 1), client.send(command)) };
    const tableName = uniqueTableName('unit');
    const store = createDynamoDBStore({ client: counting, tableName, ...options });
    await store.ensureTable();
    // A second store on the same table stands for another process (its own cache, same items).
    const otherProcess = () => createDynamoDBStore({ client, tableName, ...options });
    return { store, table: createTableClient(client, tableName), requests: () => requests, otherProcess };
  };
  const prepare = (inputs: readonly MessageInput[]) => newMessages(inputs);

  it('should roll forward a batch committed by an appender that crashed before updating the counters', async () => {
    const { store, table } = await open();
    await store.createConversation(scope, { id: 'c1' });
    await store.appendMessages(scope, 'c1', await prepare(textTurns(2)));
    // A crashed appender: its commit item exists at seq 3–4, the conversation item still says lastSeq 2.
    const pk = conversationPk(scope.tenantId, 'c1');
    const conversationItem = await table.get({ pk, sk: CONVERSATION_SK });
    const crashed: Message[] = (await prepare(textTurns(2, 'crashed'))).map((message, index) => ({ ...message, conversationId: 'c1', seq: 3 + index }));
    const { item } = encodeBatch({ pk, gen: conversationItem!.gen as string, messages: crashed });
    expect(await table.put(item, { expression: 'attribute_not_exists(pk)' })).toBe(true);
    // Its messages are committed, so visible; the next append continues after them and fixes the counters.
    const next = await store.appendMessages(scope, 'c1', await prepare([{ id: 'after', role: 'user', content: 'after the crash' }]));
    expect(next.messages[0]!.seq).toBe(5);
    expect(next.conversation).toMatchObject({ lastSeq: 5, messageCount: 5 });
    const all = await store.listMessages(scope, 'c1', { order: 'asc', limit: 100 });
    expect(all.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5]);
    // The crashed batch's ids were indexed by the roll-forward: re-sending it is idempotent.
    const retried = await store.appendMessages(scope, 'c1', await prepare(textTurns(2, 'crashed')));
    expect(retried.inserted).toBe(0);
    expect(retried.messages.map((message) => message.seq)).toEqual([3, 4]);
  });

  it('should never show a chunk written by an appender that crashed before its commit', async () => {
    const { store, table } = await open();
    await store.createConversation(scope, { id: 'big' });
    const large = await prepare([{ id: 'large', role: 'user', content: 'x'.repeat(500_000) }]);
    const pk = conversationPk(scope.tenantId, 'big');
    const conversationItem = await table.get({ pk, sk: CONVERSATION_SK });
    const { chunks } = encodeBatch({ pk, gen: conversationItem!.gen as string, messages: [{ ...large[0]!, conversationId: 'big', seq: 1 }] });
    expect(chunks.length).toBeGreaterThan(1);
    await table.writeMany({ puts: chunks });
    expect(await store.listMessages(scope, 'big', { order: 'asc', limit: 10 })).toEqual([]);
    const appended = await store.appendMessages(scope, 'big', large);
    expect(appended.messages[0]!.seq).toBe(1);
    const [read] = await store.listMessages(scope, 'big', { order: 'asc', limit: 10 });
    expect(read!.content).toBe('x'.repeat(500_000));
    // Deleting the conversation removes every item of its partition, orphaned chunks included.
    await store.deleteConversation(scope, 'big');
    expect(await table.queryAll({ keyCondition: 'pk = :pk', values: { ':pk': pk } })).toEqual([]);
  });

  it('should read the conversation, summary and a 4,000-token tail with readContext in one request', async () => {
    const { store, requests } = await open();
    await store.createConversation(scope, { id: 'ctx' });
    for (let turn = 0; turn < 60; turn += 1) await store.appendMessages(scope, 'ctx', await prepare(textTurns(2, `t${turn}-`, (index) => `turn ${turn} message ${index} ${'with some words '.repeat(8)}`)));
    await store.putSummary(scope, 'ctx', { text: 'summary', coversThroughSeq: 10, tokenCount: 1, encoding: 'o200k_base', updatedAt: new Date() }, { expectedCoversThroughSeq: null });
    const before = requests();
    const read = await store.readContext!(scope, 'ctx', { maxTokens: 1500, encoding: 'o200k_base' });
    expect(requests() - before).toBe(1);
    expect(read.conversation?.messageCount).toBe(120);
    expect(read.summary?.text).toBe('summary');
    expect(read.tail.messages.length).toBeGreaterThan(10);
    expect(read.tail.reachedStart).toBe(false);
  });

  it('should append at its cached lastSeq + 1 without reading the conversation item: four requests', async () => {
    const { store, requests } = await open();
    await store.createConversation(scope, { id: 'fast' });
    await store.appendMessages(scope, 'fast', await prepare([{ id: 'first', role: 'user', content: 'one' }]));
    const before = requests();
    const second = await store.appendMessages(scope, 'fast', await prepare([{ id: 'second', role: 'assistant', content: 'two' }]));
    // BatchGetItem id items, PutItem commit, BatchWriteItem id items, UpdateItem counters.
    expect(requests() - before).toBe(4);
    expect(second.messages[0]!.seq).toBe(2);
    expect(second.conversation).toMatchObject({ lastSeq: 2, messageCount: 2 });
    // An idempotent retry answers from the id items only after re-reading the conversation.
    const retried = await store.appendMessages(scope, 'fast', await prepare([{ id: 'second', role: 'assistant', content: 'two' }]));
    expect(retried).toMatchObject({ inserted: 0, messages: [{ seq: 2 }] });
  });

  it('should read the conversation item with the id items in one BatchGetItem on a first append: four requests', async () => {
    const { store, requests, otherProcess } = await open();
    await otherProcess().createConversation(scope, { id: 'cold' });
    const before = requests();
    const appended = await store.appendMessages(scope, 'cold', await prepare([{ id: 'first', role: 'user', content: 'one' }]));
    expect(requests() - before).toBe(4);
    expect(appended.conversation).toMatchObject({ lastSeq: 1, messageCount: 1 });
    await expect(store.appendMessages(scope, 'absent', await prepare([{ id: 'x', role: 'user', content: 'one' }]))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('should let concurrent appends to different conversations share BatchGetItem and BatchWriteItem requests', async () => {
    const { store, requests } = await open();
    const ids = Array.from({ length: 16 }, (_, index) => `shared-${index}`);
    for (const id of ids) {
      await store.createConversation(scope, { id });
      await store.appendMessages(scope, id, await prepare([{ id: `${id}-warm`, role: 'user', content: 'warm' }]));
    }
    const batches = await Promise.all(ids.map((id) => prepare([{ id: `${id}-m`, role: 'user', content: `hello ${id}` }])));
    const before = requests();
    const results = await Promise.all(ids.map((id, index) => store.appendMessages(scope, id, batches[index]!)));
    // Alone, each append sends four requests (64). The commits and counters stay one per append (32);
    // the 16 id reads, all queued before any answer, leave in at most 5 BatchGetItem requests.
    expect(requests() - before).toBeLessThanOrEqual(32 + 5 + 16);
    expect(results.map((result) => result.messages[0]!.seq)).toEqual(ids.map(() => 2));
    for (const [index, id] of ids.entries()) {
      expect((await store.appendMessages(scope, id, batches[index]!)).inserted).toBe(0);
      expect((await store.listMessages(scope, id, { limit: 5, order: 'asc' })).map((message) => message.id)).toEqual([`${id}-warm`, `${id}-m`]);
    }
  });

  it('should not append into a conversation another process deleted and created again after this one cached it', async () => {
    const { store, table, otherProcess } = await open();
    const other = otherProcess();
    await store.createConversation(scope, { id: 'again' });
    await store.appendMessages(scope, 'again', await prepare(textTurns(2, 'old')));
    const pk = conversationPk(scope.tenantId, 'again');
    const oldItems = await table.queryAll({ keyCondition: 'pk = :pk AND sk BETWEEN :low AND :high', values: { ':pk': pk, ':low': 'B#', ':high': 'B#~' } });
    const oldIds = await table.queryAll({ keyCondition: 'pk = :pk AND begins_with(sk, :id)', values: { ':pk': pk, ':id': 'I#' } });
    expect(await other.deleteConversation(scope, 'again')).toBe(true);
    await other.createConversation(scope, { id: 'again' });
    // Leftovers of the old generation (an appender that raced the delete) hold the same slot and ids.
    await table.writeMany({ puts: [...oldItems, ...oldIds] });
    // This process still caches the old generation at lastSeq 2; re-sending an old id must insert it anew.
    const resent = await store.appendMessages(scope, 'again', await prepare(textTurns(2, 'old')));
    expect(resent.inserted).toBe(2);
    expect(resent.messages.map((message) => message.seq)).toEqual([1, 2]);
    const fresh = await store.appendMessages(scope, 'again', await prepare([{ id: 'new', role: 'user', content: 'new generation' }]));
    expect(fresh.messages[0]!.seq).toBe(3);
    expect(fresh.conversation).toMatchObject({ lastSeq: 3, messageCount: 3 });
    expect((await other.listMessages(scope, 'again', { order: 'asc', limit: 10 })).map((message) => [message.id, message.seq])).toEqual([
      [resent.messages[0]!.id, 1],
      [resent.messages[1]!.id, 2],
      ['new', 3],
    ]);
    // Again, with the id already stored in the new generation: a stale appender must neither
    // overwrite its id item nor store it twice.
    await other.deleteConversation(scope, 'again');
    await other.createConversation(scope, { id: 'again' });
    const stored = await other.appendMessages(scope, 'again', await prepare([{ id: 'x', role: 'user', content: 'x' }]));
    expect(stored.messages[0]!.seq).toBe(1);
    const stale = await store.appendMessages(scope, 'again', await prepare([{ id: 'x', role: 'user', content: 'x' }]));
    expect(stale).toMatchObject({ inserted: 0, messages: [{ id: 'x', seq: 1 }] });
    const twice = await store.appendMessages(scope, 'again', await prepare([{ id: 'x', role: 'user', content: 'x' }]));
    expect(twice).toMatchObject({ inserted: 0, messages: [{ id: 'x', seq: 1 }] });
    expect((await other.listMessages(scope, 'again', { order: 'asc', limit: 10 })).map((message) => message.id)).toEqual(['x']);
  });

  it('should not append with a cached TTL another process removed, nor into a conversation it deleted', async () => {
    const { store, otherProcess } = await open();
    const other = otherProcess();
    await store.createConversation(scope, { id: 'ttl', ttl: { seconds: 3600, mode: 'sliding' } });
    await store.appendMessages(scope, 'ttl', await prepare([{ id: 'a', role: 'user', content: 'a' }]));
    await other.updateConversation(scope, 'ttl', { ttl: null });
    const appended = await store.appendMessages(scope, 'ttl', await prepare([{ id: 'b', role: 'user', content: 'b' }]));
    expect(appended.conversation.expiresAt).toBeUndefined();
    expect((await other.getConversation(scope, 'ttl'))?.expiresAt).toBeUndefined();
    await other.deleteConversation(scope, 'ttl');
    await expect(store.appendMessages(scope, 'ttl', await prepare([{ id: 'c', role: 'user', content: 'c' }]))).rejects.toMatchObject({ code: 'not_found' });
    expect(await other.getConversation(scope, 'ttl')).toBeNull();
  });

  it('should say in the result when lexical search read a bounded window, and name the bound', async () => {
    const { store } = await open({ searchWindow: { conversationMessages: 5, conversations: 2, messagesPerConversation: 3 } });
    await store.createConversation(scope, { id: 'long' });
    await store.appendMessages(scope, 'long', await prepare(textTurns(10, 'w', (index) => `lighthouse number ${index}`)));
    const inConversation: MessageSearchResult = await store.searchMessages!(scope, { query: 'lighthouse', conversationId: 'long', limit: 100 });
    expect(inConversation.map((hit) => hit.message.seq).sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10]);
    expect(inConversation.coverage).toEqual({ complete: false, conversationsScanned: 1, messagesScanned: 5, bound: 'the newest 5 messages of the conversation' });
    // Before seq 5 only 4 messages exist: the window holds them all, so the search is complete.
    const complete = await store.searchMessages!(scope, { query: 'lighthouse', conversationId: 'long', beforeSeq: 5, limit: 100 });
    expect(complete).toHaveLength(4);
    expect(complete.coverage).toBeUndefined();
    await store.createConversation(scope, { id: 'short' });
    await store.appendMessages(scope, 'short', await prepare([{ role: 'user', content: 'lighthouse short' }]));
    await store.createConversation(scope, { id: 'third' });
    const everywhere = await store.searchMessages!(scope, { query: 'lighthouse', limit: 100 });
    expect(everywhere.coverage).toMatchObject({ complete: false, conversationsScanned: 2 });
    // The public search helper reports the bound in its notes.
    const viaHelper = await searchMessages({ store, scope, query: 'lighthouse', conversationId: 'long' });
    expect(viaHelper.notes.join(' ')).toContain('bounded window (the newest 5 messages of the conversation: 5 messages of 1 conversations)');
    // A search that read everything carries no coverage.
    const tiny = await store.searchMessages!(scope, { query: 'lighthouse', conversationId: 'short' });
    expect(tiny.map((hit) => hit.message.content)).toEqual(['lighthouse short']);
    expect(tiny.coverage).toBeUndefined();
  });

  it('should set the native TTL attribute in epoch seconds (expiry + grace) and move it with a sliding TTL', async () => {
    let now = Date.UTC(2026, 0, 1);
    const { store, table } = await open({ clock: { now: () => now }, ttlGraceSeconds: 3600 });
    await store.createConversation(scope, { id: 'slide', ttl: { seconds: 60, mode: 'sliding' } });
    const pk = conversationPk(scope.tenantId, 'slide');
    const ttlOf = async () => (await table.get({ pk, sk: CONVERSATION_SK }))!.ttl;
    expect(await ttlOf()).toBe((now + 60_000) / 1000 + 3600);
    now += 30_000;
    await store.appendMessages(scope, 'slide', await prepare(textTurns(1)));
    expect(await ttlOf()).toBe((now + 60_000) / 1000 + 3600);
    // Reads hide it at expiresAt already, without waiting for DynamoDB's deletion.
    now += 60_000;
    expect(await store.getConversation(scope, 'slide')).toBeNull();
    expect(await store.sweepExpired!({ limit: 10 })).toBe(1);
    expect(await table.queryAll({ keyCondition: 'pk = :pk', values: { ':pk': pk } })).toEqual([]);
  });

  it('should work the same with a DynamoDBDocumentClient as with a DynamoDBClient', async () => {
    const document = DynamoDBDocumentClient.from(server.client());
    const store = createDynamoDBStore({ client: document, tableName: uniqueTableName('doc') });
    expect(await store.ensureTable()).toBe(true);
    await store.createConversation(scope, { id: 'doc', tags: ['t'] });
    const large = 'é'.repeat(400_000);
    await store.appendMessages(scope, 'doc', await prepare([{ id: 'a', role: 'user', content: large }, { id: 'b', role: 'assistant', content: 'ok' }]));
    await store.deleteMessage(scope, 'doc', 'b');
    const messages = await store.listMessages(scope, 'doc', { order: 'asc', limit: 10 });
    expect(messages.map((message) => [message.id, message.content === large])).toEqual([['a', true]]);
    expect((await store.listConversations(scope, { tag: 't' })).items.map((conversation) => conversation.id)).toEqual(['doc']);
  });

  it('should fail with a typed error naming ensureTable when the table is missing', async () => {
    const store = createDynamoDBStore({ client: server.client(), tableName: uniqueTableName('missing') });
    await expect(store.getConversation(scope, 'x')).rejects.toMatchObject({ code: 'store_error', message: expect.stringContaining('ensureTable') });
  });
});
