import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { ChatPromptTemplate, MessagesPlaceholder } from '@langchain/core/prompts';
import { RunnableWithMessageHistory } from '@langchain/core/runnables';
import { fakeModel } from '@langchain/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContextManager } from '../../src/context-manager.js';
import { ConversationExpiredError, ValidationError } from '../../src/errors.js';
import { LLMContextChatMessageHistory } from './chat-message-history.js';
import { langChainMessage, storedForm } from '../../test/support/langchain-arbitraries.js';

const scope = { tenantId: 'acme', userId: 'ada' };

function historyOf(manager: ContextManager, conversationId: string, extra: Partial<ConstructorParameters<typeof LLMContextChatMessageHistory>[0]> = {}) {
  return new LLMContextChatMessageHistory({ manager, conversationId, scope, ...extra });
}

describe('LLMContextChatMessageHistory', () => {
  it("should raise ConversationExpiredError when adding to an expired conversation, and start it again with ifMissing 'create'", async () => {
    let now = Date.UTC(2026, 0, 1);
    const manager = new ContextManager({ clock: { now: () => now } });
    const conversation = { ttl: { seconds: 60, mode: 'sliding' as const } };
    await historyOf(manager, 'ttl', { conversation }).addMessages([new HumanMessage('hi')]);
    now += 60_000;
    await expect(historyOf(manager, 'ttl', { conversation }).addMessages([new HumanMessage('late')])).rejects.toThrow(ConversationExpiredError);
    expect(await historyOf(manager, 'ttl').getMessages()).toEqual([]);
    const restarted = historyOf(manager, 'ttl', { conversation, ifMissing: 'create' });
    await restarted.addMessages([new HumanMessage('again')]);
    expect((await restarted.getMessages()).map((message) => message.content)).toEqual(['again']);
  });

  it('should return what was added, losslessly, in order (property)', async () => {
    const manager = new ContextManager();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(langChainMessage, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }), async (batches) => {
        const all = batches.flat();
        const ids = all.flatMap((message) => (message.id === undefined ? [] : [message.id]));
        fc.pre(new Set(ids).size === ids.length);
        // Random batches may repeat the previous one verbatim, which the default treats as a retry.
        const history = historyOf(manager, `property-${run++}`, { dedupeByContentHash: false });
        for (const batch of batches) await history.addMessages(batch);
        const stored = await history.getMessages();
        expect(stored).toHaveLength(all.length);
        // A message added without an id comes back with the id it was stored under.
        const actual = stored.map((message, index) => {
          expect(typeof message.id).toBe('string');
          const form = storedForm(message) as { data: Record<string, unknown> };
          if (all[index]!.id === undefined) delete form.data.id;
          return form;
        });
        expect(actual).toEqual(all.map(storedForm));
      }),
      { numRuns: 60 },
    );
  });

  it('should write a batch all-or-nothing and skip a retried batch by id', async () => {
    const manager = new ContextManager();
    const history = historyOf(manager, 'atomic');
    const good = [new HumanMessage({ content: 'Hello', id: 'h1' }), new AIMessage({ content: 'Hi!', id: 'a1' })];
    await history.addMessages(good);
    await expect(history.addMessages([new HumanMessage({ content: 'fine', id: 'h2' }), new AIMessage({ content: 'bad\u0000byte', id: 'a2' })])).rejects.toThrow(ValidationError);
    await history.addMessages(good);
    expect((await history.getMessages()).map((message) => message.id)).toEqual(['h1', 'a1']);
  });

  it('should store a retried batch without ids once by default, and twice only when dedupe is turned off', async () => {
    const manager = new ContextManager();
    const turn = () => [new HumanMessage('What is the capital of Peru?'), new AIMessage('Lima.')];
    const history = historyOf(manager, 'retried');
    await history.addMessages(turn());
    await history.addMessages(turn()); // the same batch again, e.g. a retry after a timeout
    expect((await history.getMessages()).map((message) => message.text)).toEqual(['What is the capital of Peru?', 'Lima.']);
    // A different batch after it is stored as usual.
    await history.addMessages([new HumanMessage('And of Chile?'), new AIMessage('Santiago.')]);
    expect(await history.getMessages()).toHaveLength(4);

    const optedOut = historyOf(manager, 'repeated-on-purpose', { dedupeByContentHash: false });
    await optedOut.addMessages(turn());
    await optedOut.addMessages(turn());
    expect(await optedOut.getMessages()).toHaveLength(4);
  });

  it('should read an absent conversation as empty and clear a stored one', async () => {
    const manager = new ContextManager();
    const history = historyOf(manager, 'to-clear');
    expect(await history.getMessages()).toEqual([]);
    await history.addUserMessage('remember me');
    await history.addAIMessage('noted');
    expect(await history.getMessages()).toHaveLength(2);
    await history.clear();
    expect(await history.getMessages()).toEqual([]);
    // Another user's history under the same id is a different conversation.
    const other = new LLMContextChatMessageHistory({ manager, conversationId: 'to-clear', scope: { tenantId: 'acme', userId: 'bob' } });
    await other.addUserMessage('bob here');
    expect(await history.getMessages()).toEqual([]);
  });

  it('should page through histories longer than one store page', async () => {
    const manager = new ContextManager();
    const history = historyOf(manager, 'long');
    const messages: BaseMessage[] = Array.from({ length: 2300 }, (_, index) => (index % 2 === 0 ? new HumanMessage(`q${index}`) : new AIMessage(`a${index}`)));
    for (let start = 0; start < messages.length; start += 500) await history.addMessages(messages.slice(start, start + 500));
    const stored = await history.getMessages();
    expect(stored).toHaveLength(2300);
    expect(stored.map((message) => message.text)).toEqual(messages.map((message) => message.text));
  });

  it('should return the assembled context under the budget with view "context"', async () => {
    const manager = new ContextManager();
    const full = historyOf(manager, 'budgeted');
    for (let turn = 0; turn < 30; turn++) {
      await full.addMessages([new HumanMessage(`Question ${turn}: ${'word '.repeat(40)}`), new AIMessage(`Answer ${turn}: ${'word '.repeat(40)}`)]);
    }
    const budgeted = historyOf(manager, 'budgeted', { view: 'context', assemble: { budget: { maxTokens: 600 }, system: 'You are terse.' } });
    const context = await budgeted.getMessages();
    expect(context[0]).toBeInstanceOf(SystemMessage);
    expect(context[0]!.text).toContain('You are terse.');
    expect(context.length).toBeLessThan(60);
    expect(context.length).toBeGreaterThan(2);
    // The window is the newest turns, in order.
    expect(context.at(-1)!.text).toMatch(/^Answer 29:/);
  });

  it('should keep LangChain-only fields in the context view', async () => {
    const manager = new ContextManager();
    const history = historyOf(manager, 'context-lossless');
    const reply = new AIMessage({ content: [{ type: 'thinking', thinking: 'think', signature: 'sig-1' }, { type: 'text', text: 'Answer.' }], id: 'a1', response_metadata: { model_name: 'claude' } });
    await history.addMessages([new HumanMessage({ content: 'Question?', id: 'h1' }), reply]);
    const context = await historyOf(manager, 'context-lossless', { view: 'context', assemble: { budget: { maxTokens: 1000 } } }).getMessages();
    expect(context.map(storedForm)).toEqual([new HumanMessage({ content: 'Question?', id: 'h1' }), reply].map(storedForm));
  });

  it('should reject view "context" without a budget', () => {
    expect(() => historyOf(new ContextManager(), 'x', { view: 'context' })).toThrow(ValidationError);
  });

  it('should keep tool calls, tool results and content blocks through a store round trip', async () => {
    const manager = new ContextManager();
    const history = historyOf(manager, 'tools');
    const messages = [
      new HumanMessage({ content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image', url: 'https://example.com/cat.png', mimeType: 'image/png' }], id: 'h1' }),
      new AIMessage({ content: '', id: 'a1', tool_calls: [{ id: 'call_1', name: 'describe', args: { detail: 'high' }, type: 'tool_call' }], response_metadata: { model_name: 'fake' } }),
      new ToolMessage({ content: 'a cat', tool_call_id: 'call_1', name: 'describe', id: 't1', artifact: { boxes: [[1, 2, 3, 4]] } }),
      new AIMessage({ content: 'A cat.', id: 'a2', name: 'assistant-bot' }),
    ];
    await history.addMessages(messages);
    const stored = await history.getMessages();
    expect(stored.map(storedForm)).toEqual(messages.map(storedForm));
    expect((stored[1] as AIMessage).tool_calls).toEqual([{ id: 'call_1', name: 'describe', args: { detail: 'high' }, type: 'tool_call' }]);
    expect((stored[2] as ToolMessage).tool_call_id).toBe('call_1');
  });

  it('should give RunnableWithMessageHistory the stored turns and save each turn in one batch', async () => {
    const manager = new ContextManager();
    const model = fakeModel()
      .respond(new AIMessage('Hello Ada!'))
      .respond(new AIMessage('You are Ada, from Lyon.'))
      .respond(new AIMessage('Goodbye, Ada.'));
    const prompt = ChatPromptTemplate.fromMessages([['system', 'Be brief.'], new MessagesPlaceholder('history'), ['human', '{input}']]);
    const appendCalls: number[] = [];
    const counting = new Proxy(manager, {
      get(target, property, receiver) {
        if (property === 'append') return (...args: Parameters<ContextManager['append']>) => (appendCalls.push(args[1].length), target.append(...args));
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const chain = new RunnableWithMessageHistory({
      runnable: prompt.pipe(model),
      getMessageHistory: (sessionId: string) => new LLMContextChatMessageHistory({ manager: counting, conversationId: sessionId, scope }),
      inputMessagesKey: 'input',
      historyMessagesKey: 'history',
    });
    for (const input of ['Hi, I am Ada from Lyon.', 'Who am I?', 'Bye!']) await chain.invoke({ input }, { configurable: { sessionId: 'session-1' } });

    expect(model.calls.map((call) => call.messages.length)).toEqual([2, 4, 6]);
    expect(model.calls[2]!.messages.map((message) => message.text)).toEqual(['Be brief.', 'Hi, I am Ada from Lyon.', 'Hello Ada!', 'Who am I?', 'You are Ada, from Lyon.', 'Bye!']);
    expect(appendCalls).toEqual([2, 2, 2]);
    const stored = await manager.listMessages('session-1', { scope });
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
  });

  it('should give RunnableWithMessageHistory a budgeted context with view "context" and still store every turn', async () => {
    const manager = new ContextManager();
    const model = fakeModel();
    for (let turn = 0; turn < 10; turn++) model.respond(new AIMessage(`Reply ${turn}: ${'detail '.repeat(15)}`));
    // No historyMessagesKey: LangChain prepends the history and slices it off again by count before saving.
    const chain = new RunnableWithMessageHistory({
      runnable: model,
      getMessageHistory: (sessionId: string) =>
        new LLMContextChatMessageHistory({ manager, conversationId: sessionId, scope, view: 'context', assemble: { budget: { maxTokens: 300 }, system: 'Be brief.' } }),
    });
    for (let turn = 0; turn < 10; turn++) await chain.invoke([new HumanMessage(`Question ${turn}: ${'context '.repeat(15)}`)], { configurable: { sessionId: 'budgeted-chain' } });

    const stored = await manager.listMessages('budgeted-chain', { scope });
    expect(stored).toHaveLength(20);
    expect(stored.map((message) => message.role)).toEqual(Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? 'user' : 'assistant')));
    const lastCall = model.calls.at(-1)!.messages;
    expect(lastCall[0]).toBeInstanceOf(SystemMessage);
    expect(lastCall.length).toBeLessThan(20);
    expect(lastCall.at(-1)!.text).toMatch(/^Question 9:/);
  });
});
