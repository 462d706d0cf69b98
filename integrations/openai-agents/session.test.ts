import { Agent, MemorySession, run, setTracingDisabled, tool, type AgentInputItem, type Session } from '@openai/agents-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ContextManager, ConversationExpiredError, createExtractiveSummarizer, getTokenizer, type Scope } from '../../src/index.js';
import { FakeModel, type ScriptedTurn } from '../../test/support/openai-agents-fake-model.js';
import { itemFingerprint } from './items.js';
import { LLMContextSession } from './session.js';

const scope: Scope = { tenantId: 'acme', userId: 'alice' };

beforeAll(() => setTracingDisabled(true));

const getWeather = tool({
  name: 'get_weather',
  description: 'Current weather for a city.',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => `It is 21°C and sunny in ${city}.`,
});

const transferMoney = tool({
  name: 'transfer_money',
  description: 'Transfers money; needs approval.',
  parameters: z.object({ amount: z.number() }),
  needsApproval: true,
  execute: async ({ amount }) => `Transferred ${amount} EUR.`,
});

function agentWith(model: FakeModel) {
  return new Agent({ name: 'assistant', instructions: 'Be brief.', model, tools: [getWeather, transferMoney] });
}

/** The same scripted run against the SDK's own MemorySession and against ours. */
async function runBoth(script: ScriptedTurn[], inputs: string[], manager = new ContextManager(), budget = 100_000) {
  const ours = new LLMContextSession({ manager, sessionId: 'chat-1', scope, budget: { maxTokens: budget } });
  const theirs = new MemorySession({ sessionId: 'chat-1' });
  const models: FakeModel[] = [];
  for (const session of [theirs, ours] as Session[]) {
    const model = new FakeModel(script, 'same');
    models.push(model);
    for (const input of inputs) await run(agentWith(model), input, { session });
  }
  return { ours, theirs, manager, models };
}

const problems = (items: readonly AgentInputItem[]) => {
  const found: string[] = [];
  const open = new Set<string>();
  const seen = new Set<string>();
  for (const item of items as unknown as Array<Record<string, unknown>>) {
    const fingerprint = itemFingerprint(item as AgentInputItem);
    if (seen.has(fingerprint)) found.push(`duplicate ${String(item.id ?? item.callId ?? item.content)}`);
    seen.add(fingerprint);
    if (item.type === 'function_call') open.add(item.callId as string);
    else if (item.type === 'function_call_result') {
      if (!open.delete(item.callId as string)) found.push(`orphan result ${String(item.callId)}`);
    } else if (open.size > 0 && item.role !== 'assistant' && item.type !== 'reasoning') found.push(`unanswered ${[...open].join(',')}`);
  }
  if (open.size > 0) found.push(`unanswered ${[...open].join(',')}`);
  return found;
};

describe('LLMContextSession with the OpenAI Agents runner', () => {
  it("should throw ConversationExpiredError when adding items to an expired session, and start it again with ifMissing 'create'", async () => {
    let now = Date.UTC(2026, 0, 1);
    const manager = new ContextManager({ clock: { now: () => now } });
    const options = { manager, sessionId: 'ttl-1', scope, budget: { maxTokens: 10_000 }, conversation: { ttl: { seconds: 60, mode: 'sliding' as const } } };
    await new LLMContextSession(options).addItems([{ role: 'user', content: 'hi' }]);
    now += 60_000;
    await expect(new LLMContextSession(options).addItems([{ role: 'user', content: 'late' }])).rejects.toThrow(ConversationExpiredError);
    expect(await new LLMContextSession(options).getItems()).toEqual([]);
    const restarted = new LLMContextSession({ ...options, ifMissing: 'create' });
    await restarted.addItems([{ role: 'user', content: 'again' }]);
    expect(await restarted.getItems()).toMatchObject([{ role: 'user', content: 'again' }]);
  });

  it('should store exactly the items the SDK MemorySession stores, and return them unchanged', async () => {
    const script: ScriptedTurn[] = [
      { reasoning: 'The user wants weather; call the tool.', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }, { name: 'get_weather', arguments: { city: 'Rome' } }] },
      { text: 'Paris and Rome are both sunny, 21°C.' },
      { text: 'You are welcome!' },
    ];
    const { ours, theirs, models } = await runBoth(script, ['Weather in Paris and Rome?', 'Thanks!']);
    const expected = await theirs.getItems();
    expect(expected.map((item) => (item as { type?: string }).type ?? 'message')).toEqual(['message', 'reasoning', 'function_call', 'function_call', 'function_call_result', 'function_call_result', 'message', 'message', 'message']);
    expect(await ours.getItems()).toEqual(expected);
    // The model saw the same history through both sessions.
    expect(models[1]!.requests).toEqual(models[0]!.requests);
  });

  it('should store a streamed run as the SDK MemorySession does', async () => {
    const script: ScriptedTurn[] = [{ calls: [{ name: 'get_weather', arguments: { city: 'Bern' } }] }, { text: 'Bern: 21°C.' }];
    const stored: AgentInputItem[][] = [];
    for (const session of [new MemorySession(), new LLMContextSession({ manager: new ContextManager(), sessionId: 'stream-1', scope, budget: { maxTokens: 10_000 } })] as Session[]) {
      const result = await run(agentWith(new FakeModel(script, 'stream')), 'Weather in Bern?', { session, stream: true });
      await result.completed;
      expect(result.finalOutput).toBe('Bern: 21°C.');
      stored.push(await session.getItems());
    }
    expect(stored[1]).toEqual(stored[0]);
    expect(stored[1]!.length).toBe(4);
  });

  it('should resume a run interrupted for approval without storing any item twice', async () => {
    const manager = new ContextManager();
    const session = new LLMContextSession({ manager, sessionId: 'pay-1', scope, budget: { maxTokens: 100_000 } });
    const reference = new MemorySession();
    const stored: AgentInputItem[][] = [];
    for (const current of [reference, session] as Session[]) {
      const model = new FakeModel([{ calls: [{ name: 'transfer_money', arguments: { amount: 50 } }] }, { text: 'Done: 50 EUR sent.' }], 'pay');
      const agent = agentWith(model);
      const first = await run(agent, 'Send 50 EUR to Bob.', { session: current });
      expect(first.interruptions).toHaveLength(1);
      first.state.approve(first.interruptions[0]!);
      const resumed = await run(agent, first.state, { session: current });
      expect(resumed.finalOutput).toBe('Done: 50 EUR sent.');
      stored.push(await current.getItems());
    }
    const [theirs, ours] = stored as [AgentInputItem[], AgentInputItem[]];
    expect(problems(ours)).toEqual([]);
    expect(ours).toEqual(theirs);
    const messages = await manager.listMessages('pay-1', { scope });
    expect(new Set(messages.map((message) => message.id)).size).toBe(messages.length);
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
  });

  it('should resume an approval when the budget window has already slid past older turns', async () => {
    const manager = new ContextManager();
    const session = new LLMContextSession({ manager, sessionId: 'pay-2', scope, budget: { maxTokens: 200 } });
    const script: ScriptedTurn[] = [
      ...Array.from({ length: 5 }, (_, index) => ({ text: `Earlier answer ${index}: ${'details about the account '.repeat(6)}` })),
      { calls: [{ name: 'transfer_money', arguments: { amount: 75 } }] },
      { text: 'Done: 75 EUR sent.' },
    ];
    const model = new FakeModel(script, 'pay2');
    const agent = agentWith(model);
    for (let index = 0; index < 5; index++) await run(agent, `Earlier question ${index}?`, { session });
    const first = await run(agent, 'Send 75 EUR to Carol.', { session });
    expect(first.interruptions).toHaveLength(1);
    first.state.approve(first.interruptions[0]!);
    const resumed = await run(agent, first.state, { session });
    expect(resumed.finalOutput).toBe('Done: 75 EUR sent.');
    const messages = await manager.listMessages('pay-2', { scope, limit: 1000 });
    expect(new Set(messages.map((message) => message.id)).size).toBe(messages.length);
    expect(messages.map((message) => message.role).slice(-4)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(messages).toHaveLength(14);
    const items = await session.getItems();
    expect(problems(items)).toEqual([]);
    expect(items.slice(-3).map((item) => (item as { type?: string }).type)).toEqual(['function_call', 'function_call_result', 'message']);
  });

  it('should not store an item twice when the same items are written again (retry, resumed write)', async () => {
    const manager = new ContextManager();
    const session = new LLMContextSession({ manager, sessionId: 'retry-1', scope, budget: { maxTokens: 100_000 } });
    const model = new FakeModel([{ calls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] }, { text: 'Cold.' }], 'retry');
    await run(agentWith(model), 'Weather in Oslo?', { session });
    const items = await session.getItems();
    await session.addItems(items);
    await session.addItems(items.slice(1));
    await session.addItems(items.slice(2, 3));
    expect(await session.getItems()).toEqual(items);
    expect(await manager.listMessages('retry-1', { scope })).toHaveLength(items.length);
    // A retried write of id-less input that is already the newest stored item.
    await session.addItems([{ role: 'user', content: 'And tomorrow?' }]);
    await session.addItems([{ role: 'user', content: 'And tomorrow?' }]);
    expect(await manager.listMessages('retry-1', { scope })).toHaveLength(items.length + 1);
  });

  it('should send the model only whole turns and tool groups that fit the budget', async () => {
    const manager = new ContextManager();
    const budget = 300;
    const session = new LLMContextSession({ manager, sessionId: 'long-1', scope, budget: { maxTokens: budget } });
    const turns: ScriptedTurn[] = [];
    for (let index = 0; index < 8; index++) turns.push({ calls: [{ name: 'get_weather', arguments: { city: `City${index}` } }] }, { text: `Turn ${index}: ${'sunny and warm '.repeat(8)}` });
    const model = new FakeModel(turns, 'long');
    for (let index = 0; index < 8; index++) await run(agentWith(model), `Weather number ${index}?`, { session });
    const messages = await manager.listMessages('long-1', { scope, limit: 1000 });
    const tokens = new Map(messages.map((message) => [itemFingerprint(message.metadata.openaiAgentsItem as unknown as AgentInputItem), message.tokenCounts.o200k_base!]));
    const items = await session.getItems();
    expect(items.length).toBeLessThan(messages.length);
    expect(items.reduce((sum, item) => sum + tokens.get(itemFingerprint(item))!, 0)).toBeLessThanOrEqual(budget);
    expect(problems(items)).toEqual([]);
    expect((items[0] as { role?: string }).role).toBe('user');
    // Each model request was built from such a window: no orphan result, no unanswered call.
    for (const request of model.requests) expect(problems(request)).toEqual([]);
    expect(await session.getItems(3)).toEqual(items.slice(-3));
    expect(await session.getItems(2)).toEqual(items.slice(-1));
  });

  it('should start with the rolling summary when older items are left out', async () => {
    const manager = new ContextManager({ summarizer: createExtractiveSummarizer({ tokenizer: await getTokenizer() }), summary: { thresholdTokens: 50 } });
    const session = new LLMContextSession({ manager, sessionId: 'sum-1', scope, budget: { maxTokens: 400 } });
    const turns: ScriptedTurn[] = Array.from({ length: 10 }, (_, index) => ({ text: `Answer ${index}: ${'the museum opens at nine and closes at six '.repeat(4)}` }));
    const model = new FakeModel(turns, 'sum');
    for (let index = 0; index < 10; index++) await run(agentWith(model), `Question ${index} about the museum hours?`, { session });
    expect((await session.getItems())[0]).toMatchObject({ role: 'user' });
    const compacted = await manager.compact('sum-1', { scope, keepRecentTokens: 200, maxSummaryTokens: 100 });
    expect(compacted.status).toBe('updated');
    const items = await session.getItems();
    expect(items[0]).toMatchObject({ type: 'message', role: 'system', content: expect.any(String) });
    expect(problems(items.slice(1))).toEqual([]);
    const withoutSummary = new LLMContextSession({ manager, sessionId: 'sum-1', scope, budget: { maxTokens: 400 }, summary: false });
    expect((await withoutSummary.getItems())[0]).toMatchObject({ role: 'user' });
  });

  it("should fold the items that fall out of the budget into the summary with summary: 'compact'", async () => {
    const tokenizer = await getTokenizer();
    const manager = new ContextManager({ summarizer: createExtractiveSummarizer({ tokenizer }), summary: { thresholdTokens: 50 } });
    const budget = 400;
    const session = new LLMContextSession({ manager, sessionId: 'compact-1', scope, budget: { maxTokens: budget }, summary: 'compact' });
    const model = new FakeModel(Array.from({ length: 10 }, (_, index) => ({ text: `Answer ${index}: ${'the ferry leaves at noon from pier four '.repeat(4)}` })), 'compact');
    for (let index = 0; index < 10; index++) await run(agentWith(model), `Question ${index} about the ferry?`, { session });
    const items = await session.getItems();
    const summary = await manager.store.getSummary(scope, 'compact-1');
    expect(summary).not.toBeNull();
    expect(summary!.tokenCount).toBeLessThanOrEqual(80);
    expect(items[0]).toEqual({ type: 'message', role: 'system', content: summary!.text });
    const messages = await manager.listMessages('compact-1', { scope, limit: 1000 });
    const tokens = new Map(messages.map((message) => [itemFingerprint(message.metadata.openaiAgentsItem as unknown as AgentInputItem), message.tokenCounts.o200k_base!]));
    const itemTokens = items.slice(1).reduce((sum, item) => sum + tokens.get(itemFingerprint(item))!, 0);
    expect(itemTokens + 3 + tokenizer.count('system') + tokenizer.count(summary!.text)).toBeLessThanOrEqual(budget);
    // The last model request already started with the summary.
    expect(model.requests.at(-1)![0]).toMatchObject({ role: 'system' });
  });

  it('should pop the newest item and clear the session in its own scope only', async () => {
    const manager = new ContextManager();
    const session = new LLMContextSession({ manager, sessionId: 'pop-1', scope, budget: { maxTokens: 10_000 } });
    const other = new LLMContextSession({ manager, sessionId: 'pop-1', scope: { tenantId: 'acme', userId: 'bob' }, budget: { maxTokens: 10_000 } });
    await session.addItems([{ role: 'user', content: 'one' }, { role: 'user', content: 'two' }]);
    expect(await other.getItems()).toEqual([]);
    expect(await other.popItem()).toBeUndefined();
    expect(await session.popItem()).toEqual({ role: 'user', content: 'two' });
    expect(await session.getItems()).toEqual([{ role: 'user', content: 'one' }]);
    await other.clearSession();
    expect(await session.getItems()).toEqual([{ role: 'user', content: 'one' }]);
    await session.clearSession();
    expect(await session.getItems()).toEqual([]);
    expect(await session.getSessionId()).toBe('pop-1');
  });
});
