import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ContextManager } from '../../src/context-manager.js';
import { ConversationExpiredError } from '../../src/errors.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import type { Message, Scope } from '../../src/types.js';
import { SDKS, orphanToolParts, type Step } from '../../test/support/ai-sdk-mock-models.js';

const scope: Scope = { tenantId: 'acme', userId: 'ada' };

function newManager() {
  return new ContextManager({ store: createMemoryStore() });
}

async function recorded(manager: ContextManager, conversationId: string): Promise<Array<Pick<Message, 'role' | 'content'>>> {
  const messages = await manager.listMessages(conversationId, { scope, order: 'asc', limit: 1000 });
  return messages.map(({ role, content }) => ({ role, content }));
}

const weatherSteps: Step[] = [
  { text: 'Checking.', toolCalls: [{ toolCallId: 'call-1', toolName: 'weather', input: { city: 'Paris' } }] },
  { text: 'It is 20°C in Paris.' },
];

const expectedWeatherTurn = [
  { role: 'user', content: 'Weather in Paris?' },
  {
    role: 'assistant',
    content: [
      { type: 'text', text: 'Checking.' },
      { type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: { city: 'Paris' } },
    ],
  },
  { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call-1', toolName: 'weather', output: { tempC: 20 } }] },
  { role: 'assistant', content: 'It is 20°C in Paris.' },
];

describe('contextMiddleware and an expired conversation', () => {
  it("should fail the call with ConversationExpiredError before the model runs, and start the conversation again with ifMissing 'create'", async () => {
    const sdk = SDKS[0]!;
    let now = Date.UTC(2026, 0, 1);
    const store = createMemoryStore({ clock: { now: () => now } });
    const manager = new ContextManager({ store, clock: { now: () => now } });
    const conversation = { ttl: { seconds: 60, mode: 'sliding' as const } };
    await store.createConversation(scope, { id: 'chat-ttl', ...conversation });
    now += 60_000;
    const call = (ifMissing?: 'create') => {
      const mock = sdk.mockModel([{ text: 'Hello again.' }]);
      const model = sdk.wrap(mock.model, { manager, scope, budget: { maxTokens: 4000 }, conversation, ...(ifMissing ? { ifMissing } : {}) });
      return { mock, result: sdk.generateText({ model, prompt: 'Still there?', providerOptions: { llmContext: { conversationId: 'chat-ttl' } } }) };
    };
    const refused = call();
    await expect(refused.result).rejects.toThrow(ConversationExpiredError);
    expect(refused.mock.generatePrompts()).toEqual([]);
    expect((await call('create').result).text).toBe('Hello again.');
    expect(await recorded(manager, 'chat-ttl')).toEqual([{ role: 'user', content: 'Still there?' }, { role: 'assistant', content: 'Hello again.' }]);
  });
});

for (const sdk of SDKS) {
  describe(`contextMiddleware with ${sdk.name}`, () => {
    const weather = () => sdk.tool({ description: 'Current weather', inputSchema: z.object({ city: z.string() }), execute: async () => ({ tempC: 20 }) });

    for (const mode of ['generateText', 'streamText'] as const) {
      it(`should record a ${mode} tool loop once and send the instructions first with whole tool groups`, async () => {
        const manager = newManager();
        const mock = sdk.mockModel(weatherSteps);
        const model = sdk.wrap(mock.model, { manager, scope, budget: { maxTokens: 4000 } });
        const options = {
          model,
          system: 'You are a weather bot.',
          prompt: 'Weather in Paris?',
          tools: { weather: weather() },
          stopWhen: sdk.stepCountIs(3),
          providerOptions: { llmContext: { conversationId: 'chat-1' } },
        };
        if (mode === 'generateText') {
          expect((await sdk.generateText(options)).text).toBe('It is 20°C in Paris.');
        } else {
          const result = sdk.streamText(options);
          expect(await result.text).toBe('It is 20°C in Paris.');
        }
        expect(await recorded(manager, 'chat-1')).toEqual(expectedWeatherTurn);

        const prompts = mode === 'generateText' ? mock.generatePrompts() : mock.streamPrompts();
        expect(prompts).toHaveLength(2);
        for (const prompt of prompts) {
          expect(prompt[0]).toMatchObject({ role: 'system' });
          expect((prompt[0] as { content: string }).content).toContain('You are a weather bot.');
          expect(prompt.filter((message) => (message as { role: string }).role === 'system')).toHaveLength(1);
          expect(orphanToolParts(prompt)).toEqual([]);
        }
        const last = prompts[1]!.at(-1) as { role: string; content: Array<{ type: string; toolCallId: string }> };
        expect(last.role).toBe('tool');
        expect(last.content[0]).toMatchObject({ type: 'tool-result', toolCallId: 'call-1' });
        // Our private per-call options do not reach the provider.
        const calls = (mock.model as { doGenerateCalls: Array<{ providerOptions?: object }>; doStreamCalls: Array<{ providerOptions?: object }> });
        for (const call of [...calls.doGenerateCalls, ...calls.doStreamCalls]) expect(call.providerOptions ?? {}).not.toHaveProperty('llmContext');
      });
    }

    it('should record nothing twice when the app resends the whole history each turn', async () => {
      const manager = newManager();
      const mock = sdk.mockModel([{ text: 'Hello Ada.' }, { text: 'You said your name is Ada.' }]);
      const model = sdk.wrap(mock.model, { manager, scope, conversationId: 'chat-2', budget: { maxTokens: 4000 } });
      const history: Array<{ role: string; content: string }> = [{ role: 'user', content: 'I am Ada.' }];
      const first = await sdk.generateText({ model, messages: history });
      history.push({ role: 'assistant', content: first.text }, { role: 'user', content: 'What is my name?' });
      await sdk.generateText({ model, messages: history });
      let stored = await recorded(manager, 'chat-2');
      expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      expect(stored[3]!.content).toBe('You said your name is Ada.');
      // A regenerate (same history again) records only the new answer, and its prompt ends with the
      // user's question, not with the answer it replaces.
      await sdk.generateText({ model, messages: history });
      stored = await recorded(manager, 'chat-2');
      expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'assistant']);
      const regeneratePrompt = mock.generatePrompts()[2]!;
      expect(regeneratePrompt.at(-1)).toEqual({ role: 'user', content: [{ type: 'text', text: 'What is my name?' }] });
    });

    it('should store a new turn once when two calls with the same history race (deterministic ids)', async () => {
      const manager = newManager();
      const mock = sdk.mockModel([{ text: 'One.' }, { text: 'Two.' }]);
      const model = sdk.wrap(mock.model, { manager, scope, conversationId: 'chat-race', budget: { maxTokens: 4000 }, calibration: false });
      const messages = [{ role: 'user', content: 'Count for me.' }];
      await Promise.all([sdk.generateText({ model, messages }), sdk.generateText({ model, messages })]);
      const stored = await recorded(manager, 'chat-race');
      expect(stored.filter((message) => message.role === 'user')).toEqual([{ role: 'user', content: 'Count for me.' }]);
      expect(stored.filter((message) => message.role === 'assistant')).toHaveLength(2);
    });

    it('should let the app send only the new turn and rebuild the history from the store', async () => {
      const manager = newManager();
      const mock = sdk.mockModel([{ text: 'Hello Ada.' }, { text: 'Your name is Ada.' }]);
      const model = sdk.wrap(mock.model, { manager, scope, conversationId: 'chat-3', budget: { maxTokens: 4000 } });
      await sdk.generateText({ model, prompt: 'I am Ada.' });
      await sdk.generateText({ model, prompt: 'What is my name?' });
      const second = mock.generatePrompts()[1]!;
      expect(JSON.stringify(second)).toContain('I am Ada.');
      expect(JSON.stringify(second)).toContain('Hello Ada.');
      expect((await recorded(manager, 'chat-3')).map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    });

    it('should put the stored summary in the leading system message after the instructions', async () => {
      const manager = newManager();
      const older = Array.from({ length: 40 }, (_, index) => ({
        role: index % 2 === 0 ? ('user' as const) : ('assistant' as const),
        content: `Turn ${index}: a long exchange about seeds, soil, watering schedules and the weather this spring.`,
      }));
      await manager.append('chat-4', older, { scope });
      await manager.store.putSummary(
        scope,
        'chat-4',
        { text: 'SUMMARY: the user grows tomatoes and likes tea.', coversThroughSeq: 30, tokenCount: 12, encoding: 'o200k_base', updatedAt: new Date() },
        { expectedCoversThroughSeq: null },
      );
      const mock = sdk.mockModel([{ text: 'ok' }]);
      const model = sdk.wrap(mock.model, { manager, scope, conversationId: 'chat-4', budget: { maxTokens: 600, reserveOutput: 100 }, calibration: false });
      await sdk.generateText({ model, system: 'Be brief.', prompt: 'What do I grow?' });
      const prompt = mock.generatePrompts()[0]!;
      const system = prompt[0] as { role: string; content: string };
      expect(system.role).toBe('system');
      expect(system.content.startsWith('Be brief.')).toBe(true);
      expect(system.content.indexOf('SUMMARY: the user grows tomatoes')).toBeGreaterThan(0);
      expect(JSON.stringify(prompt.slice(1))).not.toContain('SUMMARY');
      // The window was trimmed (the summary stands in for older turns) and ends with the question.
      expect(prompt.length).toBeLessThan(41);
      expect(prompt.at(-1)).toEqual({ role: 'user', content: [{ type: 'text', text: 'What do I grow?' }] });
    });

    it('should trim a long tool-using history to the budget without ever sending an orphan tool result', async () => {
      const manager = newManager();
      const steps: Step[] = [];
      for (let turn = 0; turn < 12; turn++) {
        steps.push({ text: `Looking up city ${turn}.`, toolCalls: [{ toolCallId: `call-${turn}`, toolName: 'weather', input: { city: `City ${turn} `.repeat(8) } }] });
        steps.push({ text: `City ${turn} is mild today, with light wind and a few clouds over the old town. `.repeat(3) });
      }
      const mock = sdk.mockModel(steps);
      const model = sdk.wrap(mock.model, { manager, scope, conversationId: 'chat-5', budget: { maxTokens: 700, reserveOutput: 100 }, calibration: false });
      for (let turn = 0; turn < 12; turn++) {
        const result = sdk.streamText({ model, prompt: `How is the weather in city ${turn}?`, tools: { weather: weather() }, stopWhen: sdk.stepCountIs(3) });
        await result.consumeStream();
      }
      const prompts = mock.streamPrompts();
      expect(prompts).toHaveLength(24);
      for (const prompt of prompts) expect(orphanToolParts(prompt)).toEqual([]);
      // Trimming happened: late prompts hold far fewer messages than the 48 stored.
      expect(prompts.at(-1)!.length).toBeLessThan(20);
      expect((await recorded(manager, 'chat-5')).length).toBe(48);
    });

    it('should give stored files that are not in the prompt the data form of the spec version', async () => {
      const manager = newManager();
      await manager.append(
        'chat-6',
        [
          { role: 'user', content: [{ type: 'text', text: 'Here is the plan.' }, { type: 'file', mediaType: 'image/png', url: 'data:image/png;base64,AAEC' }] },
          { role: 'assistant', content: 'Got it.' },
        ],
        { scope },
      );
      const mock = sdk.mockModel([{ text: 'ok' }]);
      const model = sdk.wrap(mock.model, { manager, scope, conversationId: 'chat-6', budget: { maxTokens: 4000 } });
      await sdk.generateText({ model, prompt: 'What did I send?' });
      const prompt = mock.generatePrompts()[0] as Array<{ role: string; content: Array<{ type: string; data?: unknown }> }>;
      const file = prompt.flatMap((message) => (Array.isArray(message.content) ? message.content : [])).find((part) => part.type === 'file');
      expect(file?.data).toEqual(sdk.name.includes('v4') ? { type: 'data', data: 'AAEC' } : 'AAEC');
    });

    for (const mode of ['generateText', 'streamText'] as const) {
      it(`should send recorded reasoning back with its provider options on the next turn (${mode})`, async () => {
        const manager = newManager();
        const reasoning = { text: 'The user wants a greeting.', providerMetadata: { anthropic: { signature: 'sig-123' } } };
        const mock = sdk.mockModel([{ reasoning, text: 'Hello!' }, { text: 'Bye!' }]);
        const model = sdk.wrap(mock.model, { manager, scope, conversationId: `chat-r-${mode}`, budget: { maxTokens: 4000 } });
        for (const prompt of ['Hi', 'Bye']) {
          if (mode === 'generateText') await sdk.generateText({ model, prompt });
          else await sdk.streamText({ model, prompt }).consumeStream();
        }
        const prompts = mode === 'generateText' ? mock.generatePrompts() : mock.streamPrompts();
        const assistant = prompts[1]!.find((message) => (message as { role: string }).role === 'assistant') as { content: unknown[] };
        expect(assistant.content).toEqual([
          { type: 'reasoning', text: 'The user wants a greeting.', providerOptions: { anthropic: { signature: 'sig-123' } } },
          { type: 'text', text: 'Hello!' },
        ]);
      });
    }

    it('should take the scope per call from providerOptions and keep tenants apart', async () => {
      const manager = newManager();
      const mock = sdk.mockModel([{ text: 'ok' }]);
      const reports: unknown[] = [];
      const model = sdk.wrap(mock.model, { manager, budget: { maxTokens: 2000 }, onAssemble: (event) => reports.push(event.report) });
      const call = (tenantId: string, prompt: string) =>
        sdk.generateText({ model, prompt, providerOptions: { llmContext: { conversationId: 'shared-id', scope: { tenantId } } } });
      await call('tenant-a', 'secret of A');
      await call('tenant-b', 'hello from B');
      const ofB = await manager.listMessages('shared-id', { scope: { tenantId: 'tenant-b' }, order: 'asc', limit: 10 });
      expect(ofB.map((message) => message.content)).toEqual(['hello from B', 'ok']);
      expect(JSON.stringify(mock.generatePrompts()[1])).not.toContain('secret of A');
      expect(reports).toHaveLength(2);
      expect(reports[1]).toMatchObject({ totalTokens: expect.any(Number), sections: { current: { items: 1 } } });
    });

    it('should answer and record even when a calibration sample cannot be stored', async () => {
      const manager = newManager();
      const errors: unknown[] = [];
      const failing = { factor: async () => 1, observe: async () => Promise.reject(new Error('contention')) };
      const mock = sdk.mockModel([{ text: 'fine' }]);
      const model = sdk.wrap(mock.model, {
        manager,
        scope,
        conversationId: 'chat-cal',
        budget: { maxTokens: 2000 },
        calibration: failing,
        onCalibrationError: (error) => errors.push(error),
      });
      expect((await sdk.generateText({ model, prompt: 'hi' })).text).toBe('fine');
      expect((await recorded(manager, 'chat-cal')).map((message) => message.role)).toEqual(['user', 'assistant']);
      expect(errors).toHaveLength(1);
    });

    it('should store nothing when the new user turn cannot fit the budget (BudgetTooSmallError before any write)', async () => {
      const manager = newManager();
      const mock = sdk.mockModel([{ text: 'never' }]);
      const model = sdk.wrap(mock.model, { manager, scope, conversationId: 'chat-small', budget: { maxTokens: 60 }, calibration: false });
      const longTurn = 'Please summarise the following paragraph about ferries, islands and timetables. '.repeat(10);
      await expect(sdk.generateText({ model, prompt: longTurn, maxRetries: 0 })).rejects.toMatchObject({ code: 'budget_too_small' });
      expect(await manager.getConversation('chat-small', { scope })).toBeNull();

      // The same with history: the stored turns stay as they were, the oversized turn is not added.
      const fits = sdk.wrap(sdk.mockModel([{ text: 'ok' }]).model, { manager, scope, conversationId: 'chat-small', budget: { maxTokens: 400 }, calibration: false });
      expect((await sdk.generateText({ model: fits, prompt: 'hi' })).text).toBe('ok');
      await expect(sdk.generateText({ model, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: longTurn }], maxRetries: 0 })).rejects.toMatchObject({ code: 'budget_too_small' });
      expect((await recorded(manager, 'chat-small')).map((message) => message.content)).toEqual(['hi', 'ok']);
      expect(mock.generatePrompts()).toHaveLength(0);
    });

    it('should fail with a typed error naming the fix when no conversation id is given', async () => {
      const manager = newManager();
      const mock = sdk.mockModel([{ text: 'x' }]);
      const model = sdk.wrap(mock.model, { manager, scope, budget: { maxTokens: 1000 } });
      await expect(sdk.generateText({ model, prompt: 'hi', maxRetries: 0 })).rejects.toThrow(/conversationId/);
    });
  });
}
