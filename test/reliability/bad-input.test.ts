import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContextManager } from '../../src/context-manager.js';
import { LLMContextError } from '../../src/errors.js';
import { canonicalJson } from '../../src/messages/content-hash.js';
import type { JsonValue, Message, MessageInput } from '../../src/types.js';
import { nastyBudget, nastyMessage, nastyString } from './adversarial.js';
import { FULL, kindAvailable, openStore, STORE_KINDS, type StoreKind } from './stores.js';

/**
 * Bad-input fuzz through the public API of every store: adversarial messages, metadata, tags,
 * ids, budgets and queries are either stored and read back identical, or rejected with a typed
 * error and nothing written. No error message repeats caller data.
 */
const RUNS: Record<StoreKind, number> = FULL
  ? { memory: 2000, pglite: 500, postgres: 1000, redis: 1000, tiered: 500, dynamodb: 500 }
  : { memory: 300, pglite: 60, postgres: 120, redis: 120, tiered: 60, dynamodb: 120 };

/** What must survive a round trip: the caller's fields, compared as canonical JSON. */
function roundTripView(message: Pick<Message, 'role' | 'content'> & Partial<Pick<Message, 'name' | 'metadata' | 'tags' | 'id'>>): string {
  return canonicalJson(JSON.parse(JSON.stringify({ id: message.id, role: message.role, name: message.name, content: message.content, metadata: message.metadata ?? {}, tags: message.tags ?? [] })) as JsonValue);
}

function expectTypedWithoutSecrets(error: unknown, secret: string, context: string): void {
  expect(LLMContextError.isInstance(error), `${context}: untyped error ${String(error)}`).toBe(true);
  const text = `${(error as Error).message} ${String((error as Error & { field?: string }).field ?? '')}`;
  expect(text.includes(secret), `${context}: the error message repeats caller data: ${text.slice(0, 200)}`).toBe(false);
}

let conversationCounter = 0;

for (const kind of STORE_KINDS) {
  describe.skipIf(!kindAvailable(kind))(`bad input fuzz on ${kind}`, () => {
    it('should store adversarial messages byte-identical or reject them typed with nothing written', async () => {
      const handle = await openStore(kind, 'bad');
      const manager = new ContextManager({ store: handle.store });
      const scope = { tenantId: 'fuzz', userId: 'u1' };
      let stored = 0;
      let rejected = 0;
      try {
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 30 }).chain((salt) => fc.boolean().chain((clean) => fc.tuple(fc.constant(`SECRET${salt}X`), fc.array(nastyMessage(`SECRET${salt}X`, clean), { minLength: 1, maxLength: 3 })))), async ([secret, messages]) => {
            const conversationId = `conv-${kind}-${conversationCounter++}`;
            const outcome = await manager.append(conversationId, messages, { scope }).catch((error: unknown) => error);
            if (outcome instanceof Error || LLMContextError.isInstance(outcome)) {
              rejected += 1;
              expectTypedWithoutSecrets(outcome, secret, conversationId);
              const conversation = await handle.store.getConversation(scope, conversationId);
              expect(conversation?.messageCount ?? 0, `${conversationId}: a rejected batch wrote messages`).toBe(0);
              expect(conversation, `${conversationId}: a rejected first append left an empty conversation behind`).toBeNull();
              return;
            }
            stored += 1;
            const readBack = await manager.listMessages(conversationId, { scope, limit: 10 });
            expect(readBack.length).toBe(messages.length);
            readBack.forEach((message, index) => {
              const input: MessageInput = messages[index]!;
              expect(roundTripView(message), `${conversationId}[${index}]`).toBe(roundTripView({ ...input, id: input.id ?? message.id }));
            });
          }),
          { numRuns: RUNS[kind], seed: 7 },
        );
      } finally {
        await handle.cleanup();
      }
      console.log(`bad input fuzz on ${kind}: ${stored} batches stored identical, ${rejected} rejected typed`);
      expect(stored).toBeGreaterThan(0);
      expect(rejected).toBeGreaterThan(0);
    }, 240_000);

    it('should answer adversarial ids, budgets and queries with a result or a typed error', async () => {
      const handle = await openStore(kind, 'badids');
      const manager = new ContextManager({ store: handle.store });
      const scope = { tenantId: 'fuzz', userId: 'u1' };
      await manager.append('base', [{ role: 'user', content: 'hello there, general question about invoices' }], { scope });
      try {
        await fc.assert(
          fc.asyncProperty(nastyString, nastyString, nastyString, nastyBudget, nastyString, async (tenantId, userId, conversationId, budget, query) => {
            const odd = { tenantId, userId };
            const appended = await manager.append(conversationId, [{ role: 'user', content: 'SECRETID text' }], { scope: odd }).catch((error: unknown) => error);
            if (LLMContextError.isInstance(appended) || appended instanceof Error) {
              expectTypedWithoutSecrets(appended, 'SECRETID', 'append with odd ids');
              const present = await handle.store.getConversation(odd, conversationId).catch(() => null);
              expect(present, 'a rejected append with odd ids left a conversation').toBeNull();
            } else {
              const back = await manager.listMessages(conversationId, { scope: odd });
              expect(back.map((message) => message.content)).toEqual(['SECRETID text']);
              const other = await handle.store.getConversation(scope, conversationId);
              if (conversationId !== 'base') expect(other).toBeNull();
            }
            const assembled = await manager.assemble('base', { scope, budget: budget as never, query }).catch((error: unknown) => error);
            if (LLMContextError.isInstance(assembled) || assembled instanceof Error) {
              expect(LLMContextError.isInstance(assembled), `assemble: untyped ${String(assembled)}`).toBe(true);
              expect(['invalid_budget', 'invalid_input', 'budget_too_small']).toContain((assembled as LLMContextError).code);
            } else {
              const report = (assembled as Awaited<ReturnType<typeof manager.assemble>>).report;
              expect(report.totalTokens).toBeLessThanOrEqual(report.budget.available);
            }
            if (handle.store.readContext) {
              // Odd ids, an odd encoding name and odd token budgets straight into the store's read.
              const { maxTokens } = budget as { maxTokens?: unknown };
              const read = await handle.store.readContext(odd, conversationId, { maxTokens: maxTokens as number, encoding: query, pinnedMemories: 5 }).catch((error: unknown) => error);
              if (LLMContextError.isInstance(read) || read instanceof Error) expect(LLMContextError.isInstance(read), `readContext: untyped ${String(read)}`).toBe(true);
              else expect((read as { tail: { messages: unknown[] } }).tail.messages.every((message) => (message as { content: unknown }).content === 'SECRETID text')).toBe(true);
            }
            if (handle.store.searchMessages) {
              const found = await handle.store.searchMessages(scope, { query }).catch((error: unknown) => error);
              if (!Array.isArray(found)) expect(LLMContextError.isInstance(found), `search: untyped ${String(found)}`).toBe(true);
            }
          }),
          { numRuns: Math.max(30, Math.floor(RUNS[kind] / 2)), seed: 11 },
        );
      } finally {
        await handle.cleanup();
      }
    }, 240_000);
  });
}
