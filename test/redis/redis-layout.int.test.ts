import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationKeys, scopeKeys } from '../../src/stores/redis/keys.js';
import type { ConversationExpiredError } from '../../src/index.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { newMemory, newMessages, textTurns } from '../../src/testing/index.js';
import type { Scope } from '../../src/types.js';
import { asClient, REDIS_URL, skipWithoutRedis, uniquePrefix, unlinkPrefix } from './redis-test-env.js';

const skip = await skipWithoutRedis();
const scope: Scope = { tenantId: 'acme', userId: 'u1' };

describe.skipIf(skip)('redis store key layout, index repair and command hygiene', () => {
  const prefix = uniquePrefix('layout');
  let client: Redis;
  let counter = 0;
  const newStore = () => {
    counter += 1;
    const keyPrefix = `${prefix}${counter}:`;
    return { keyPrefix, store: createRedisStore({ client: asClient(client), keyPrefix }) };
  };

  beforeAll(() => {
    client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await unlinkPrefix(client, prefix);
    client.disconnect();
  });

  it('should keep every key of a conversation in one hash tag, even for ids with braces and colons', async () => {
    const { keyPrefix, store } = newStore();
    const odd: Scope = { tenantId: 't{1}:x', userId: 'u}:{' };
    await store.createConversation(odd, { id: 'c:{2}' });
    await store.appendMessages(odd, 'c:{2}', await newMessages(textTurns(2)));
    const keys = Object.values(conversationKeys(keyPrefix, odd.tenantId, 'c:{2}'));
    const slots = await Promise.all(keys.map((key) => client.cluster('KEYSLOT', key).catch(() => null)));
    const tags = keys.map((key) => key.slice(key.indexOf('{'), key.indexOf('}') + 1));
    expect(new Set(tags).size).toBe(1);
    expect(tags[0]).toBe('{t:t%7B1%7D%3Ax:c:c%3A%7B2%7D}');
    if (slots[0] !== null) expect(new Set(slots).size).toBe(1);
    expect((await store.listMessages(odd, 'c:{2}', { order: 'asc', limit: 10 })).map((message) => message.id)).toEqual(['m-0', 'm-1']);
    // A lookalike scope cannot reach it.
    expect(await store.getConversation({ tenantId: 't{1}:x', userId: 'u}:' }, 'c:{2}')).toBeNull();
  });

  it('should report a conversation Redis expired natively as expired (from its expiry-bucket entry) until it is swept or erased', async () => {
    const { keyPrefix, store } = newStore();
    await store.createConversation(scope, { id: 'short', ttl: { seconds: 1, mode: 'sliding' } });
    await store.createConversation(scope, { id: 'erased', ttl: { seconds: 1, mode: 'fixed' } });
    const { messages } = await store.appendMessages(scope, 'short', await newMessages(textTurns(1)));
    const expiresAt = messages[0]!.createdAt.getTime() + 1000;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await client.exists(conversationKeys(keyPrefix, scope.tenantId, 'short').meta)).toBe(0);
    const late = await store.appendMessages(scope, 'short', await newMessages(textTurns(1))).catch((error: unknown) => error);
    expect(late).toMatchObject({ code: 'not_found', reason: 'expired' });
    expect(Math.abs((late as ConversationExpiredError).expiredAt.getTime() - expiresAt)).toBeLessThan(50);
    // A listing drops the natively expired ids from the scope index; erasure still finds their expiry entries.
    expect((await store.listConversations(scope)).items).toEqual([]);
    await store.eraseUser(scope as Scope & { userId: string });
    for (let bucket = 0; bucket < 16; bucket += 1) expect(await client.zcard(`${keyPrefix}{x:${bucket}}:expiry`)).toBe(0);
    await expect(store.appendMessages(scope, 'erased', await newMessages(textTurns(1)))).rejects.toMatchObject({ code: 'not_found', reason: 'absent' });
    await expect(store.appendMessages({ tenantId: scope.tenantId }, 'short', await newMessages(textTurns(1)))).rejects.toMatchObject({ code: 'not_found', reason: 'absent' });
  });

  it('should give every key of a conversation the native TTL, refresh it on append and drop it with the TTL', async () => {
    const { keyPrefix, store } = newStore();
    await store.createConversation(scope, { id: 'ttl', ttl: { seconds: 60, mode: 'sliding' } });
    await store.appendMessages(scope, 'ttl', await newMessages(textTurns(2)));
    await store.putSummary(scope, 'ttl', { text: 's', coversThroughSeq: 1, tokenCount: 1, encoding: 'o200k_base', updatedAt: new Date() }, { expectedCoversThroughSeq: null });
    // Appends write no `tok` hash (fork and import do): every other key exists.
    const keys = Object.values(conversationKeys(keyPrefix, scope.tenantId, 'ttl')).filter((key) => !key.endsWith(':tok'));
    expect(await client.exists(conversationKeys(keyPrefix, scope.tenantId, 'ttl').tok)).toBe(0);
    const ttls = await Promise.all(keys.map((key) => client.pttl(key)));
    for (const ttl of ttls) expect(ttl).toBeGreaterThan(55_000);
    for (const ttl of ttls) expect(ttl).toBeLessThanOrEqual(60_000);
    await store.updateConversation(scope, 'ttl', { ttl: null });
    expect(await Promise.all(keys.map((key) => client.pttl(key)))).toEqual([-1, -1, -1, -1]);
  });

  it('should repair index entries left by a crash between the conversation write and the index write', async () => {
    const { keyPrefix, store } = newStore();
    for (const id of ['a', 'b', 'c']) await store.createConversation(scope, { id, tags: ['t'] });
    const index = scopeKeys(keyPrefix, scope);
    // A create that crashed after its index step, and an update whose index step never ran.
    await client.zadd(index.all, 99_999_999_999_999, 'ghost');
    await client.zadd(index.tag('t'), 1, 'c');
    await client.zadd(index.tag('stale'), 5, 'a');
    const listed = await store.listConversations(scope);
    expect(listed.items.map((conversation) => conversation.id).sort()).toEqual(['a', 'b', 'c']);
    expect(await client.zscore(index.all, 'ghost')).toBeNull();
    const tagged = await store.listConversations(scope, { tag: 't' });
    expect(tagged.items.map((conversation) => conversation.id).sort()).toEqual(['a', 'b', 'c']);
    const cScore = Number(await client.zscore(index.tag('t'), 'c'));
    expect(cScore).toBe((await store.getConversation(scope, 'c'))!.updatedAt.getTime());
    expect((await store.listConversations(scope, { tag: 'stale' })).items).toEqual([]);
    expect(await client.zscore(index.tag('stale'), 'a')).toBeNull();
  });

  it('should never send KEYS or an unbounded range on the read path', async () => {
    const { store, keyPrefix } = newStore();
    await store.createConversation(scope, { id: 'c1', tags: ['x'] });
    await store.appendMessages(scope, 'c1', await newMessages(textTurns(30)));
    const monitor = await client.monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args.map((arg) => String(arg).toLowerCase()).join(' ')));
    await store.getTail(scope, 'c1', { maxTokens: 200, encoding: 'o200k_base' });
    await store.listMessages(scope, 'c1', { order: 'desc', limit: 5 });
    await store.listConversations(scope, { tag: 'x' });
    await store.getSummary(scope, 'c1');
    await store.searchMessages!(scope, { query: 'message number', conversationId: 'c1' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    monitor.disconnect();
    // MONITOR sees the whole server: keep this store's commands (other test files run concurrently).
    const ours = commands.filter((command) => !command.startsWith('monitor') && command.includes(keyPrefix.toLowerCase()));
    expect(ours.some((command) => command.startsWith('zrevrangebyscore'))).toBe(true);
    expect(ours.filter((command) => command.startsWith('keys '))).toEqual([]);
    expect(ours.filter((command) => /^(lrange|zrange|zrevrange) \S+ 0 -1$/.test(command))).toEqual([]);
    expect(ours.filter((command) => /^z(rev)?rangebyscore /.test(command) && !command.includes(' limit '))).toEqual([]);
    // The tail read is one round trip: a single EVALSHA.
    expect(ours.filter((command) => command.startsWith('evalsha')).length).toBeGreaterThan(0);
  });

  it('should search one conversation, with tags, best first', async () => {
    const { store } = newStore();
    await store.createConversation(scope, { id: 'c1' });
    await store.appendMessages(
      scope,
      'c1',
      await newMessages([
        { id: 'x1', role: 'user', content: 'my cat is called Miso', tags: ['pets'] },
        { id: 'x2', role: 'assistant', content: 'Miso is a lovely name for a cat, cat lovers agree' },
        { id: 'x3', role: 'user', content: 'the weather is grey today' },
      ]),
    );
    const hits = await store.searchMessages!(scope, { query: 'cat Miso', conversationId: 'c1' });
    expect(hits.map((hit) => hit.message.id).sort()).toEqual(['x1', 'x2']);
    expect(hits[0]!.score).toBeGreaterThanOrEqual(hits[1]!.score);
    expect((await store.searchMessages!(scope, { query: 'cat', conversationId: 'c1', tags: ['pets'] })).map((hit) => hit.message.id)).toEqual(['x1']);
    expect((await store.searchMessages!(scope, { query: 'cat', conversationId: 'c1', beforeSeq: 2 })).map((hit) => hit.message.id)).toEqual(['x1']);
  });

  it('should append with one EVALSHA on a plain client, and send two scripts after a CROSSSLOT answer', async () => {
    const keyPrefix = `${prefix}combined:`;
    const sent: number[] = [];
    let refuse = false;
    const evalsha = client.evalsha.bind(client) as (...args: unknown[]) => Promise<unknown>;
    // The same connection, with every EVALSHA's key count recorded; `refuse` answers keys of two
    // hash tags as a server in cluster mode does.
    const wrapped = new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'evalsha') return Reflect.get(target, property, receiver) as unknown;
        return (...args: unknown[]) => {
          sent.push(Number(args[1]));
          if (refuse && Number(args[1]) > 5) return Promise.reject(new Error("CROSSSLOT Keys in request don't hash to the same slot"));
          return evalsha(...args);
        };
      },
    });
    const store = createRedisStore({ client: asClient(wrapped), keyPrefix });
    await store.createConversation(scope, { id: 'one', tags: ['work'] });
    await store.appendMessages(scope, 'one', await newMessages(textTurns(2)));
    sent.length = 0;
    await store.appendMessages(scope, 'one', await newMessages(textTurns(2, 'second')));
    // The conversation's five keys and the scope's two index keys (all conversations, tag "work").
    expect(sent).toEqual([7]);
    refuse = true;
    sent.length = 0;
    await store.appendMessages(scope, 'one', await newMessages(textTurns(1, 'third')));
    expect(sent).toEqual([7, 5, 2]);
    sent.length = 0;
    await store.appendMessages(scope, 'one', await newMessages(textTurns(1, 'fourth')));
    expect(sent).toEqual([5, 2]);
    const listed = await store.listConversations(scope, { tag: 'work' });
    expect(listed.items.map((conversation) => [conversation.id, conversation.messageCount])).toEqual([['one', 6]]);
    expect((await store.listMessages(scope, 'one', { order: 'asc', limit: 10 })).map((message) => message.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('should store each member with its own seq when another process appended in between (the sent seqs are then stale)', async () => {
    const { keyPrefix } = newStore();
    // Two stores on one prefix: two processes, each remembering the lastSeq of its own appends.
    const first = createRedisStore({ client: asClient(client), keyPrefix });
    const second = createRedisStore({ client: asClient(client), keyPrefix });
    await first.createConversation(scope, { id: 'shared' });
    const batches = [
      [first, textTurns(3, 'a')],
      [second, textTurns(2, 'b')], // second expects lastSeq 0, finds 3
      [first, textTurns(1, 'c')], // first expects 3, finds 5
      [first, textTurns(2, 'd')], // as expected: stored as sent
      [second, [...textTurns(1, 'b'), ...textTurns(2, 'e')]], // b-0 stored: the batch's seqs shift
    ] as const;
    let tokens = 0;
    const seen = new Set<string>();
    for (const [store, inputs] of batches) {
      const prepared = await newMessages(inputs);
      await store.appendMessages(scope, 'shared', prepared);
      // The conversation counts the primary tokens of the messages inserted, not of b-0 sent again.
      for (const message of prepared) if (!seen.has(message.id)) tokens += Object.values(message.tokenCounts)[0]!;
      for (const message of prepared) seen.add(message.id);
    }
    const members = await client.zrange(conversationKeys(keyPrefix, scope.tenantId, 'shared').msgs, 0, -1, 'WITHSCORES');
    const seqs: number[] = [];
    for (let position = 0; position < members.length; position += 2) {
      const parsed = JSON.parse(members[position]!) as { seq: number };
      expect(parsed.seq).toBe(Number(members[position + 1]));
      seqs.push(parsed.seq);
    }
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const stored = await first.listMessages(scope, 'shared', { order: 'asc', limit: 20 });
    expect(stored.map((message) => message.id)).toEqual(['a-0', 'a-1', 'a-2', 'b-0', 'b-1', 'c-0', 'd-0', 'd-1', 'e-0', 'e-1']);
    expect(await first.getConversation(scope, 'shared')).toMatchObject({ lastSeq: 10, messageCount: 10, tokenCount: tokens });
  });

  it('should read the pinned memories in the context MULTI on a plain client, natively, and apart after a CROSSSLOT answer', async () => {
    const keyPrefix = `${prefix}context:`;
    let refuse = false;
    let transactions = 0;
    const scripts: string[] = [];
    const multi = client.multi.bind(client);
    const evalsha = client.evalsha.bind(client) as (...args: unknown[]) => Promise<unknown>;
    // The same connection; `refuse` makes a MULTI holding keys of two hash tags fail as a server in
    // cluster mode does (EXECABORT, the queued command's CROSSSLOT among its previous errors).
    const wrapped = new Proxy(client, {
      get(target, property, receiver) {
        if (property === 'evalsha') return (...args: unknown[]) => (scripts.push(String(args[2])), evalsha(...args));
        if (property !== 'multi') return Reflect.get(target, property, receiver) as unknown;
        return () => {
          transactions += 1;
          const transaction = multi();
          const keys = new Set<string>();
          return new Proxy(transaction, {
            get(inner, name, innerReceiver) {
              const value = Reflect.get(inner, name, innerReceiver) as unknown;
              if (typeof value !== 'function') return value;
              if (name === 'exec') {
                return () => {
                  const tags = new Set([...keys].map((key) => key.slice(key.indexOf('{'), key.indexOf('}') + 1)));
                  if (refuse && tags.size > 1) {
                    const aborted = Object.assign(new Error('EXECABORT Transaction discarded because of previous errors.'), { previousErrors: [new Error("CROSSSLOT Keys in request don't hash to the same slot")] });
                    // Nothing is sent: an ioredis transaction writes its commands on exec.
                    return Promise.reject(aborted);
                  }
                  return (value as () => unknown).call(inner);
                };
              }
              return (...args: unknown[]) => {
                if (typeof args[0] === 'string') keys.add(args[0]);
                (value as (...all: unknown[]) => unknown).apply(inner, args);
                return innerReceiver;
              };
            },
          });
        };
      },
    });
    const store = createRedisStore({ client: asClient(wrapped), keyPrefix });
    await store.createConversation(scope, { id: 'one' });
    await store.appendMessages(scope, 'one', await newMessages(textTurns(4)));
    await store.memories!.put(scope, await newMemory('The user prefers tea.', { pinned: true }));
    await store.memories!.put({ tenantId: scope.tenantId }, await newMemory('The office is in Lisbon.', { pinned: true }));
    const read = async () => {
      transactions = 0;
      scripts.length = 0;
      return store.readContext!(scope, 'one', { maxTokens: 1000, encoding: 'o200k_base', pinnedMemories: 10 });
    };
    const expected = await store.memories!.list(scope, { pinned: true, limit: 10 });
    for (const round of [1, 2]) {
      const context = await read();
      // Round 1 reads the documents with a second HMGET; round 2 guessed them in the MULTI.
      expect(transactions, `round ${round}`).toBe(1);
      expect(scripts, `round ${round}`).toEqual([]);
      expect(context.memories).toEqual({ pinned: expected.items, morePinned: false, unpinned: false });
      expect(context.tail.messages).toHaveLength(4);
    }
    refuse = true;
    const apart = await read();
    expect(apart.memories).toEqual({ pinned: expected.items, morePinned: false, unpinned: false });
    expect(scripts.length).toBeGreaterThan(0);
    transactions = 0;
    await read();
    // Once refused, the memories are read apart (LIST scripts) without trying the combined MULTI again.
    expect(transactions).toBe(1);
  });

  it('should declare vector search absent with a hint to pair Redis with Postgres, and memories present', () => {
    const { store } = newStore();
    const vectors = store.capabilities.vectorSearch;
    expect(vectors.available).toBe(false);
    expect(!vectors.available && vectors.reason).toMatch(/createTieredStore.*Postgres|Postgres.*createTieredStore/);
    expect(store.vectors).toBeUndefined();
    expect(store.capabilities.memories.available).toBe(true);
    expect(store.memories).toBeDefined();
  });
});
