import { expect } from 'vitest';
import { ContextManager } from '../../src/context-manager.js';
import { LLMContextError } from '../../src/errors.js';
import type { Store } from '../../src/spec/store.js';
import { newMemory, type TestClock } from '../../src/testing/index.js';
import type { Scope } from '../../src/types.js';
import { seededRandom } from './stores.js';

/**
 * Model-based tenant-isolation fuzz: random operations by 5 tenants × 3 users over conversation
 * ids that collide across tenants and users (`c0`…`c3`), TTL conversations, memories, search,
 * export and erasure. Every result is checked against an in-test model of who owns what, and
 * every 100 steps each scope's whole view (conversations and message counts) is compared with
 * the model, so an operation that *changed* another scope's data is caught too.
 */
export const TENANTS = ['t0', 't1', 't2', 't3', 't4'];
export const USERS = ['u0', 'u1', 'u2'];
const SHARED_IDS = ['c0', 'c1', 'c2', 'c3'];
const WORDS = ['apple', 'banana', 'cherry', 'delta', 'echo', 'falcon', 'garnet', 'harbor'];
const TTL_MS = 60_000;

interface ConversationModel {
  readonly tenant: string;
  readonly user: string;
  readonly id: string;
  readonly messageIds: string[];
  readonly expiresAt?: number;
}

export interface FuzzReport {
  readonly operations: number;
  readonly counts: Record<string, number>;
  readonly fullChecks: number;
}

const keyOf = (scope: Scope) => `${scope.tenantId}/${scope.userId}`;
const tag = (scope: Scope) => `${scope.tenantId}.${scope.userId}.`;

function isTyped(error: unknown, ...codes: string[]): boolean {
  return LLMContextError.isInstance(error) && codes.includes(error.code);
}

export async function runIsolationFuzz(options: { store: Store; clock: TestClock; operations: number; seed: number }): Promise<FuzzReport> {
  const { store, clock } = options;
  const random = seededRandom(options.seed);
  const manager = new ContextManager({ store, clock });
  const conversations = new Map<string, ConversationModel>(); // `${tenant}/${id}`
  const memories = new Map<string, Map<string, string>>(); // scope key → memory id → text
  const counts: Record<string, number> = {};
  let counter = 0;
  let fullChecks = 0;
  const scopes: Scope[] = TENANTS.flatMap((tenantId) => USERS.map((userId) => ({ tenantId, userId })));

  const live = (conversation: ConversationModel | undefined) => conversation !== undefined && (conversation.expiresAt === undefined || conversation.expiresAt > clock.now());
  const owned = (scope: Scope, conversation: ConversationModel | undefined): conversation is ConversationModel =>
    live(conversation) && conversation!.tenant === scope.tenantId && conversation!.user === scope.userId;
  const liveIdsOf = (scope: Scope) =>
    [...conversations.values()].filter((conversation) => owned(scope, conversation)).map((conversation) => conversation.id).sort();
  const allMessageIds = () => new Set([...conversations.values()].filter(live).flatMap((conversation) => conversation.messageIds));
  const candidateIds = (tenant: string) => [
    ...SHARED_IDS,
    ...[...conversations.values()].filter((conversation) => conversation.tenant === tenant && conversation.id.startsWith('ttl') && live(conversation)).map((conversation) => conversation.id),
  ];

  async function fullCheck(step: number): Promise<void> {
    fullChecks += 1;
    for (const scope of scopes) {
      const page = await store.listConversations(scope, { limit: 1000 });
      const seen = page.items.map((conversation) => conversation.id).sort();
      expect(seen, `step ${step} seed ${options.seed}: conversations of ${keyOf(scope)}`).toEqual(liveIdsOf(scope));
      for (const conversation of page.items) {
        expect(conversation.tenantId).toBe(scope.tenantId);
        expect(conversation.userId).toBe(scope.userId);
        expect(conversation.messageCount, `step ${step}: messageCount of ${keyOf(scope)}/${conversation.id}`).toBe(conversations.get(`${scope.tenantId}/${conversation.id}`)!.messageIds.length);
      }
    }
  }

  for (let step = 0; step < options.operations; step += 1) {
    const scope = random.pick(scopes);
    const roll = random.next();
    const context = `step ${step} seed ${options.seed} scope ${keyOf(scope)}`;
    let operation: string;
    if (roll < 0.3) {
      operation = 'append';
      const id = random.pick(candidateIds(scope.tenantId));
      const model = conversations.get(`${scope.tenantId}/${id}`);
      const batch = Array.from({ length: 1 + random.int(3) }, () => ({
        id: `${tag(scope)}${counter++}`,
        role: 'user' as const,
        content: `owner ${keyOf(scope)} ${random.pick(WORDS)} ${random.pick(WORDS)}`,
      }));
      if (model && live(model) && !owned(scope, model)) {
        const outcome = await manager.append(id, batch, { scope }).then(() => 'written', (error: unknown) => error);
        expect(isTyped(outcome, 'not_found', 'conversation_exists'), `${context}: append to another scope's ${id} must fail typed, got ${String(outcome)}`).toBe(true);
      } else {
        const result = await manager.append(id, batch, { scope });
        expect(result.messages.map((message) => message.id), context).toEqual(batch.map((message) => message.id));
        expect(result.conversation.tenantId).toBe(scope.tenantId);
        expect(result.conversation.userId).toBe(scope.userId);
        if (model && owned(scope, model)) model.messageIds.push(...batch.map((message) => message.id));
        else conversations.set(`${scope.tenantId}/${id}`, { tenant: scope.tenantId, user: scope.userId!, id, messageIds: batch.map((message) => message.id) });
      }
    } else if (roll < 0.4) {
      operation = 'getConversation';
      const id = random.pick(candidateIds(scope.tenantId));
      const model = conversations.get(`${scope.tenantId}/${id}`);
      const got = await store.getConversation(scope, id);
      if (owned(scope, model)) {
        expect(got?.messageCount, context).toBe(model.messageIds.length);
        expect(got?.userId).toBe(scope.userId);
      } else expect(got, `${context}: ${id} is not this scope's`).toBeNull();
    } else if (roll < 0.5) {
      operation = 'listMessages';
      const id = random.pick(candidateIds(scope.tenantId));
      const model = conversations.get(`${scope.tenantId}/${id}`);
      const outcome = await store.listMessages(scope, id, { order: 'asc', limit: 1000 }).catch((error: unknown) => error);
      if (owned(scope, model)) expect((outcome as { id: string }[]).map((message) => message.id), context).toEqual(model.messageIds);
      else expect(Array.isArray(outcome) ? outcome.length === 0 : isTyped(outcome, 'not_found'), `${context}: listMessages of another scope's ${id} returned data`).toBe(true);
    } else if (roll < 0.58) {
      operation = 'listConversations';
      const page = await store.listConversations(scope, { limit: 1000 });
      expect(page.items.map((conversation) => conversation.id).sort(), context).toEqual(liveIdsOf(scope));
    } else if (roll < 0.66) {
      operation = 'search';
      if (store.searchMessages) {
        const hits = await store.searchMessages(scope, { query: random.pick(WORDS), limit: 50 });
        const known = allMessageIds();
        for (const hit of hits) {
          expect(hit.message.id.startsWith(tag(scope)), `${context}: search returned ${hit.message.id}`).toBe(true);
          expect(known.has(hit.message.id), `${context}: search returned a deleted or expired message ${hit.message.id}`).toBe(true);
        }
      }
    } else if (roll < 0.74) {
      operation = 'memories';
      if (store.memories) {
        const modelOf = (owner: Scope) => {
          const model = memories.get(keyOf(owner)) ?? new Map<string, string>();
          memories.set(keyOf(owner), model);
          return model;
        };
        // What the user reads: its own memories and its tenant's shared (user-less) ones.
        const tenantScope: Scope = { tenantId: scope.tenantId };
        const visible = () => new Set([...modelOf(scope).keys(), ...modelOf(tenantScope).keys()]);
        const which = random.int(3);
        if (which === 0) {
          // One write in four is the tenant's, shared with its users.
          const owner = random.int(4) === 0 ? tenantScope : scope;
          const text = `owner ${keyOf(owner)} ${random.pick(WORDS)}`;
          const memory = await store.memories.put(owner, await newMemory(text, { id: `${tag(owner)}mem${counter++}` }));
          modelOf(owner).set(memory.id, text);
          expect(memory.tenantId).toBe(scope.tenantId);
          expect(memory.shared).toBe(owner === tenantScope);
        } else if (which === 1) {
          const page = await store.memories.list(scope, { limit: 1000 });
          expect(page.items.map((memory) => memory.id).sort(), context).toEqual([...visible()].sort());
          for (const memory of page.items) expect(memory.shared, context).toBe(memory.userId === undefined);
        } else {
          const hits = await store.memories.search(scope, { query: random.pick(WORDS), limit: 50 });
          const expected = visible();
          for (const hit of hits) expect(expected.has(hit.memory.id), `${context}: memory search returned ${hit.memory.id}`).toBe(true);
        }
      }
    } else if (roll < 0.8) {
      operation = 'export';
      const id = random.pick(candidateIds(scope.tenantId));
      const model = conversations.get(`${scope.tenantId}/${id}`);
      const outcome = await store.exportConversation(scope, id).catch((error: unknown) => error);
      if (owned(scope, model)) expect((outcome as { messages: { id: string }[] }).messages.map((message) => message.id), context).toEqual(model.messageIds);
      else expect(isTyped(outcome, 'not_found'), `${context}: export of another scope's ${id}: ${String(outcome)}`).toBe(true);
    } else if (roll < 0.82) {
      operation = 'eraseUser';
      const result = await store.eraseUser(scope as Scope & { userId: string });
      const mine = [...conversations.entries()].filter(([, conversation]) => conversation.tenant === scope.tenantId && conversation.user === scope.userId);
      const liveMine = mine.filter(([, conversation]) => live(conversation));
      expect(result.conversations, context).toBeGreaterThanOrEqual(liveMine.length);
      expect(result.conversations, context).toBeLessThanOrEqual(mine.length);
      for (const [key] of mine) conversations.delete(key);
      expect(result.memories, context).toBe(memories.get(keyOf(scope))?.size ?? 0);
      memories.delete(keyOf(scope));
    } else if (roll < 0.88) {
      operation = 'ttl';
      const id = `ttl${counter++}`;
      await manager.append(id, [{ id: `${tag(scope)}${counter++}`, role: 'user', content: `owner ${keyOf(scope)} ${random.pick(WORDS)}` }], { scope, conversation: { ttl: { seconds: TTL_MS / 1000, mode: 'fixed' } } });
      conversations.set(`${scope.tenantId}/${id}`, { tenant: scope.tenantId, user: scope.userId!, id, messageIds: [`${tag(scope)}${counter - 1}`], expiresAt: clock.now() + TTL_MS });
    } else if (roll < 0.91) {
      operation = 'tick';
      clock.advance(25_000);
    } else if (roll < 0.95) {
      operation = 'deleteConversation';
      const id = random.pick(candidateIds(scope.tenantId));
      const key = `${scope.tenantId}/${id}`;
      const model = conversations.get(key);
      const deleted = await store.deleteConversation(scope, id);
      expect(deleted, `${context}: delete ${id}`).toBe(owned(scope, model));
      if (owned(scope, model)) conversations.delete(key);
    } else {
      operation = 'updateConversation';
      const id = random.pick(candidateIds(scope.tenantId));
      const model = conversations.get(`${scope.tenantId}/${id}`);
      const outcome = await store.updateConversation(scope, id, { title: `title by ${keyOf(scope)}` }).catch((error: unknown) => error);
      if (owned(scope, model)) expect((outcome as { title?: string }).title, context).toBe(`title by ${keyOf(scope)}`);
      else expect(isTyped(outcome, 'not_found'), `${context}: update of another scope's ${id}: ${String(outcome)}`).toBe(true);
    }
    counts[operation] = (counts[operation] ?? 0) + 1;
    if ((step + 1) % 100 === 0) await fullCheck(step);
  }
  await fullCheck(options.operations);
  // Titles too: no conversation carries a title written by another scope.
  for (const scope of scopes) {
    for (const conversation of (await store.listConversations(scope, { limit: 1000 })).items) {
      if (conversation.title !== undefined) expect(conversation.title).toBe(`title by ${keyOf(scope)}`);
    }
  }
  return { operations: options.operations, counts, fullChecks };
}
