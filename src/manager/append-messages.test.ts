import { describe, expect, it } from 'vitest';
import { ContextManager } from '../context-manager.js';
import { ConversationExpiredError, NotFoundError, ValidationError } from '../errors.js';
import { createMemoryStore } from '../stores/memory/index.js';
import type { Scope } from '../types.js';

const scope: Scope = { tenantId: 't', userId: 'u' };

describe('ContextManager.append input checks', () => {
  it('should throw a typed ValidationError, not a TypeError, when options are missing', async () => {
    const manager = new ContextManager();
    const call = manager.append('c', [{ role: 'user', content: 'hi' }], undefined as never);
    await expect(call).rejects.toThrow(ValidationError);
    await expect(manager.append('c', [{ role: 'user', content: 'hi' }], undefined as never)).rejects.toThrow(/scope/);
  });

  it('should refuse a user or system message with empty or whitespace-only content with a ValidationError and store nothing', async () => {
    const manager = new ContextManager();
    await manager.append('c', [{ role: 'user', content: 'first' }], { scope });
    for (const role of ['user', 'system'] as const) {
      for (const content of ['', '   \n\t', [], [{ type: 'text' as const, text: '  ' }]]) {
        const error = await manager.append('c', [{ role: 'assistant', content: 'fine' }, { role, content }], { scope }).catch((caught: unknown) => caught);
        expect(ValidationError.isInstance(error), `${role} ${JSON.stringify(content)}`).toBe(true);
        expect((error as ValidationError).field).toBe('messages[1].content');
      }
    }
    expect((await manager.listMessages('c', { scope })).map((message) => message.content)).toEqual(['first']);
  });

  it('should leave no conversation behind when the first append of a new conversation is rejected', async () => {
    const store = createMemoryStore();
    const manager = new ContextManager({ store });
    // A tool message needs tool-result parts: the store layer rejects the batch before the conversation is created.
    await expect(manager.append('fresh', [{ role: 'tool', content: 'not a tool result' } as never], { scope })).rejects.toThrow(ValidationError);
    expect(await store.getConversation(scope, 'fresh')).toBeNull();
  });

  it('should record an empty model reply as produced (adapters record output losslessly)', async () => {
    const manager = new ContextManager();
    const result = await manager.append('c', [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '' }], { scope });
    expect(result.inserted).toBe(2);
  });

  it('should still store tool calls, tool results and files with no text', async () => {
    const manager = new ContextManager();
    const result = await manager.append('c', [
      { role: 'user', content: 'look it up' },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: '1', toolName: 'lookup', input: {} }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: '1', toolName: 'lookup', output: '' }] },
    ], { scope });
    expect(result.inserted).toBe(3);
  });
});

describe('ContextManager.append ifMissing', () => {
  it("should create a missing conversation by default and with ifMissing 'create'", async () => {
    const manager = new ContextManager();
    await manager.append('a', [{ role: 'user', content: 'hi' }], { scope });
    await manager.append('b', [{ role: 'user', content: 'hi' }], { scope, ifMissing: 'create' });
    expect(await manager.getConversation('a', { scope })).not.toBeNull();
    expect(await manager.getConversation('b', { scope })).not.toBeNull();
  });

  it("should throw NotFoundError and create nothing with ifMissing 'error'", async () => {
    const manager = new ContextManager();
    await expect(manager.append('gone', [{ role: 'user', content: 'hi' }], { scope, ifMissing: 'error' })).rejects.toThrow(NotFoundError);
    expect(await manager.getConversation('gone', { scope })).toBeNull();
  });

  it("should refuse an expired conversation with ifMissing 'error', and recreate it with its settings with 'create'", async () => {
    let now = Date.UTC(2026, 0, 1);
    const manager = new ContextManager({ clock: { now: () => now } });
    await manager.append('c', [{ role: 'user', content: 'hi' }], { scope, conversation: { ttl: { seconds: 60, mode: 'fixed' } } });
    now += 120_000;
    await expect(manager.append('c', [{ role: 'user', content: 'again' }], { scope, ifMissing: 'error' })).rejects.toThrow(NotFoundError);
    expect(await manager.getConversation('c', { scope })).toBeNull();
    await manager.append('c', [{ role: 'user', content: 'again' }], { scope, ifMissing: 'create', conversation: { ttl: { seconds: 60, mode: 'fixed' } } });
    expect((await manager.getConversation('c', { scope }))?.ttl).toEqual({ seconds: 60, mode: 'fixed' });
  });

  it('should throw ConversationExpiredError for an expired conversation by default, write nothing, and say how to start it again', async () => {
    let now = Date.UTC(2026, 0, 1);
    const manager = new ContextManager({ clock: { now: () => now } });
    await manager.append('c', [{ role: 'user', content: 'hi' }], { scope, conversation: { ttl: { seconds: 60, mode: 'sliding' } } });
    const expiredAt = now + 60_000;
    now += 61_000;
    const error = await manager.append('c', [{ role: 'user', content: 'late' }], { scope, conversation: { ttl: { seconds: 60, mode: 'sliding' } } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConversationExpiredError);
    expect(error).toMatchObject({ code: 'not_found', reason: 'expired', id: 'c' });
    expect((error as ConversationExpiredError).expiredAt.getTime()).toBe(expiredAt);
    expect((error as Error).message).toContain("ifMissing: 'create'");
    expect(await manager.getConversation('c', { scope })).toBeNull();
    const restarted = await manager.append('c', [{ role: 'user', content: 'again' }], { scope, ifMissing: 'create', conversation: { ttl: { seconds: 30, mode: 'fixed' } } });
    expect(restarted.messages.map((message) => message.seq)).toEqual([1]);
    expect((await manager.getConversation('c', { scope }))?.ttl).toEqual({ seconds: 30, mode: 'fixed' });
  });

  it('should create a deleted conversation, or an expired one already swept, again by default (neither leaves a trace)', async () => {
    let now = Date.UTC(2026, 0, 1);
    const store = createMemoryStore({ clock: { now: () => now } });
    const manager = new ContextManager({ store, clock: { now: () => now } });
    await manager.append('deleted', [{ role: 'user', content: 'hi' }], { scope });
    await store.deleteConversation(scope, 'deleted');
    expect((await manager.append('deleted', [{ role: 'user', content: 'new' }], { scope })).messages[0]?.seq).toBe(1);
    await manager.append('swept', [{ role: 'user', content: 'hi' }], { scope, conversation: { ttl: { seconds: 60, mode: 'fixed' } } });
    now += 60_000;
    await expect(manager.append('swept', [{ role: 'user', content: 'late' }], { scope })).rejects.toThrow(ConversationExpiredError);
    expect(await store.sweepExpired!()).toBe(1);
    expect((await manager.append('swept', [{ role: 'user', content: 'new' }], { scope })).conversation).not.toHaveProperty('ttl');
  });

  it('should refuse an unknown ifMissing value', async () => {
    const manager = new ContextManager();
    await expect(manager.append('c', [{ role: 'user', content: 'hi' }], { scope, ifMissing: 'maybe' as never })).rejects.toThrow(ValidationError);
  });
});
