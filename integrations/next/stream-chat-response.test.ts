import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { isStepCount, readUIMessageStream, simulateReadableStream, tool, type UIMessage, type UIMessageChunk } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ContextManager } from '../../src/context-manager.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { defaultScope } from '../../src/types.js';
import { createChatRoute } from './create-chat-route.js';
import { loadUIMessages } from './load-ui-messages.js';
import { prepareSendLastMessage } from './prepare-send-last-message.js';
import { streamChatResponse } from './stream-chat-response.js';

const scope = defaultScope();
const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

function textStep(text: string, chunkDelayInMs: number | null = null) {
  const chunks: LanguageModelV4StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't' },
    ...text.split(/(?<= )/).map((delta): LanguageModelV4StreamPart => ({ type: 'text-delta', id: 't', delta })),
    { type: 'text-end', id: 't' },
    { type: 'finish', finishReason: { unified: 'stop', raw: undefined }, usage },
  ];
  return { stream: simulateReadableStream({ chunks, initialDelayInMs: null, chunkDelayInMs }) };
}

function toolStep(toolCallId: string, input: object) {
  const chunks: LanguageModelV4StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    { type: 'tool-call', toolCallId, toolName: 'weather', input: JSON.stringify(input) },
    { type: 'finish', finishReason: { unified: 'tool-calls', raw: undefined }, usage },
  ];
  return { stream: simulateReadableStream({ chunks, initialDelayInMs: null, chunkDelayInMs: null }) };
}

function userMessage(id: string, text: string): UIMessage {
  return { id, role: 'user', parts: [{ type: 'text', text }] };
}

/** What the browser does with the response: parse the SSE stream into the final UIMessage. */
async function readReply(response: Response, continued?: UIMessage): Promise<UIMessage | undefined> {
  const chunks = response
    .body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(
      new TransformStream<string, UIMessageChunk>({
        buffer: '',
        transform(text, controller) {
          this.buffer += text;
          const events = this.buffer.split('\n\n');
          this.buffer = events.pop() ?? '';
          for (const event of events) {
            const data = event.replace(/^data: /, '');
            if (data !== '[DONE]' && data.length > 0) controller.enqueue(JSON.parse(data) as UIMessageChunk);
          }
        },
      } as Transformer<string, UIMessageChunk> & { buffer: string }),
    );
  let last: UIMessage | undefined;
  // A continuation (after a tool approval) streams onto the message the client already shows.
  for await (const message of readUIMessageStream({ stream: chunks, ...(continued === undefined ? {} : { message: continued }) })) last = message;
  return last;
}

function newManager() {
  return new ContextManager({ store: createMemoryStore() });
}

describe('streamChatResponse', () => {
  it('should store both turns and replies so a reload shows exactly what the client streamed', async () => {
    const manager = newManager();
    const model = new MockLanguageModelV4({ doStream: [textStep('Hi there.'), textStep('Still here.')] });
    const shown: UIMessage[] = [];
    for (const [id, text] of [['u1', 'Hello'], ['u2', 'Are you there?']] as const) {
      const message = userMessage(id, text);
      const response = await streamChatResponse({ manager, conversationId: 'chat-1', scope, message, model, system: 'Be brief.', budget: { maxTokens: 4000 } });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      shown.push(message, (await readReply(response))!);
    }
    const loaded = await loadUIMessages({ manager, conversationId: 'chat-1', scope });
    expect(loaded).toEqual(shown);
    expect(loaded.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(loaded[1]!.id).toMatch(/^msg-/);
    expect(loaded[1]!.id).not.toBe(loaded[3]!.id);

    // The second call got the instructions first, then the stored history, then the new turn.
    const prompt = model.doStreamCalls[1]!.prompt;
    expect(prompt[0]).toMatchObject({ role: 'system' });
    expect(JSON.stringify(prompt[0])).toContain('Be brief.');
    expect(prompt.slice(1).map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(prompt.filter((message) => message.role === 'system')).toHaveLength(1);
  });

  it('should answer a resent user message (retry) again in place of its old reply, with a prompt ending in that user turn', async () => {
    const manager = newManager();
    const model = new MockLanguageModelV4({ doStream: [textStep('One.'), textStep('Two.')] });
    const message = userMessage('u1', 'Hello');
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await readReply(await streamChatResponse({ manager, conversationId: 'chat-2', scope, message, model, budget: { maxTokens: 4000 } }));
    }
    const stored = await manager.listMessages('chat-2', { scope });
    expect(stored.map((item) => [item.role, JSON.stringify(item.content)])).toEqual([['user', '"Hello"'], ['assistant', expect.stringContaining('Two.')]]);
    const retryPrompt = model.doStreamCalls[1]!.prompt;
    expect(retryPrompt.at(-1)).toMatchObject({ role: 'user' });
    expect(retryPrompt.filter((item) => item.role === 'assistant')).toEqual([]);
  });

  it('should store the whole reply even when the client disconnects mid-stream', async () => {
    const manager = newManager();
    const reply = 'one two three four five six seven eight nine ten';
    const model = new MockLanguageModelV4({ doStream: [textStep(reply, 5)] });
    let persisted!: () => void;
    const done = new Promise<void>((resolve) => (persisted = resolve));
    const response = await streamChatResponse({
      manager,
      conversationId: 'chat-3',
      scope,
      message: userMessage('u1', 'Count to ten'),
      model,
      budget: { maxTokens: 4000 },
      onPersisted: () => persisted(),
    });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    await done;
    const [, assistant] = await loadUIMessages({ manager, conversationId: 'chat-3', scope });
    expect(assistant?.parts.filter((part) => part.type === 'text').map((part) => (part as { text: string }).text).join('')).toBe(reply);
  });

  it('should report a failing model to the client and the onError hook, keeping what was streamed', async () => {
    const manager = newManager();
    const chunks: LanguageModelV4StreamPart[] = [
      { type: 'stream-start', warnings: [] },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'Partial ' },
      { type: 'error', error: new Error('provider exploded') },
    ];
    const model = new MockLanguageModelV4({ doStream: [{ stream: simulateReadableStream({ chunks, initialDelayInMs: null, chunkDelayInMs: null }) }] });
    const errors: unknown[] = [];
    const response = await streamChatResponse({ manager, conversationId: 'chat-err', scope, message: userMessage('u1', 'Hi'), model, budget: { maxTokens: 4000 }, onError: (error) => errors.push(error) });
    const body = await response.text();
    expect(body).toContain('"type":"error"');
    expect(body).not.toContain('provider exploded');
    expect(errors.length).toBeGreaterThan(0);
    const loaded = await loadUIMessages({ manager, conversationId: 'chat-err', scope });
    expect(loaded[0]).toEqual(userMessage('u1', 'Hi'));
    expect(JSON.stringify(loaded[1]?.parts ?? [])).toContain('Partial');
  });

  it('should keep a tool call and its result together across steps, in the store and in the next prompt', async () => {
    const manager = newManager();
    const model = new MockLanguageModelV4({ doStream: [toolStep('call-1', { city: 'Paris' }), textStep('It is 20°C.'), textStep('You are welcome.')] });
    const tools = { weather: tool({ description: 'Weather by city', inputSchema: z.object({ city: z.string() }), execute: async () => ({ tempC: 20 }) }) };
    const settings = { stopWhen: isStepCount(2) };
    const first = await readReply(await streamChatResponse({ manager, conversationId: 'chat-4', scope, message: userMessage('u1', 'Weather in Paris?'), model, tools, settings, budget: { maxTokens: 4000 } }));
    expect(first?.parts.map((part) => part.type)).toEqual(['step-start', 'tool-weather', 'step-start', 'text']);

    const stored = await manager.listMessages('chat-4', { scope });
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);

    await readReply(await streamChatResponse({ manager, conversationId: 'chat-4', scope, message: userMessage('u2', 'Thanks'), model, tools, settings, budget: { maxTokens: 4000 } }));
    const prompt = model.doStreamCalls[2]!.prompt;
    const toolIndex = prompt.findIndex((message) => message.role === 'tool');
    expect(toolIndex).toBeGreaterThan(0);
    expect(JSON.stringify(prompt[toolIndex - 1]!.content)).toContain('call-1');
    expect(await loadUIMessages({ manager, conversationId: 'chat-4', scope })).toEqual([userMessage('u1', 'Weather in Paris?'), first, userMessage('u2', 'Thanks'), expect.objectContaining({ role: 'assistant' })]);
  });

  it('should trim the history to the budget and still send the new turn', async () => {
    const manager = newManager();
    const long = 'word '.repeat(300);
    const model = new MockLanguageModelV4({ doStream: Array.from({ length: 6 }, () => textStep(long)) });
    const totals: number[] = [];
    for (let turn = 0; turn < 6; turn += 1) {
      const onAssembled = ({ report }: { report: { totalTokens: number } }) => void totals.push(report.totalTokens);
      await readReply(await streamChatResponse({ manager, conversationId: 'chat-5', scope, message: userMessage(`u${turn}`, `Question ${turn}`), model, budget: { maxTokens: 1200 }, onAssembled }));
    }
    // Each reply is ~300 tokens, so at most three fit besides the new question (untrimmed: 11 messages);
    // recalled excerpts of older turns, if any, travel in the leading system message.
    const prompt = model.doStreamCalls[5]!.prompt;
    expect(prompt.filter((message) => message.role !== 'system').length).toBeLessThanOrEqual(7);
    expect(Math.max(...totals)).toBeLessThanOrEqual(1200);
    expect(JSON.stringify(prompt[prompt.length - 1])).toContain('Question 5');
    expect(prompt.find((message) => message.role !== 'system')?.role).not.toBe('tool');
  });
});

describe('createChatRoute', () => {
  it('should answer 410 Gone for a chat whose conversation expired, store nothing and not call the model', async () => {
    let now = Date.UTC(2026, 0, 1);
    const store = createMemoryStore({ clock: { now: () => now } });
    const manager = new ContextManager({ store, clock: { now: () => now } });
    await store.createConversation(scope, { id: 'chat-ttl', ttl: { seconds: 60, mode: 'sliding' } });
    now += 60_000;
    const model = new MockLanguageModelV4({ doStream: [textStep('never')] });
    const POST = createChatRoute({ manager, model, scope, budget: { maxTokens: 4000 } });
    const response = await POST(new Request('http://localhost/api/chat', { method: 'POST', body: JSON.stringify({ id: 'chat-ttl', message: userMessage('u1', 'still there?') }) }));
    expect(response.status).toBe(410);
    expect(await response.json()).toEqual({ error: { code: 'not_found', reason: 'expired', message: expect.stringContaining('expired') } });
    expect(await store.getConversation(scope, 'chat-ttl')).toBeNull();
    expect(model.doStreamCalls).toHaveLength(0);
  });

  it('should answer bad input with a 400 JSON error and store nothing', async () => {
    const manager = newManager();
    const model = new MockLanguageModelV4({ doStream: [textStep('never')] });
    const POST = createChatRoute({ manager, model, scope, budget: { maxTokens: 4000 } });
    const response = await POST(new Request('http://localhost/api/chat', { method: 'POST', body: JSON.stringify({ id: 'chat-6', message: { id: 'a', role: 'assistant', parts: [] } }) }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'invalid_input', message: expect.stringContaining('message.role') } });
    expect(await loadUIMessages({ manager, conversationId: 'chat-6', scope })).toEqual([]);
    expect(model.doStreamCalls).toHaveLength(0);
  });

  it('should regenerate a reply as useChat does (trigger regenerate-message): one reply stored, the prompt ending with the user turn', async () => {
    const manager = newManager();
    const model = new MockLanguageModelV4({ doStream: [textStep('First answer.'), textStep('Second question answer.'), textStep('Better first answer.')] });
    const POST = createChatRoute({ manager, model, scope, budget: { maxTokens: 4000 } });
    const send = (body: object) => POST(new Request('http://localhost/api/chat', { method: 'POST', body: JSON.stringify(body) }));
    const first = await readReply(await send(prepareSendLastMessage({ id: 'chat-r', messages: [userMessage('u1', 'Question one')], trigger: 'submit-message', messageId: undefined }).body));
    await readReply(await send(prepareSendLastMessage({ id: 'chat-r', messages: [userMessage('u1', 'Question one'), first!, userMessage('u2', 'Question two')], trigger: 'submit-message', messageId: undefined }).body));
    // regenerate({ messageId: first.id }): the client drops that reply and everything after it, and sends the user turn before it.
    const response = await send(prepareSendLastMessage({ id: 'chat-r', messages: [userMessage('u1', 'Question one')], trigger: 'regenerate-message', messageId: first!.id }).body);
    expect(response.status).toBe(200);
    const regenerated = await readReply(response);
    expect(regenerated?.parts).toContainEqual(expect.objectContaining({ type: 'text', text: 'Better first answer.' }));
    const prompt = model.doStreamCalls[2]!.prompt;
    expect(prompt.map((item) => item.role)).toEqual(['user']);
    const loaded = await loadUIMessages({ manager, conversationId: 'chat-r', scope });
    expect(loaded.map((item) => item.role)).toEqual(['user', 'assistant']);
    expect(loaded[1]).toEqual(regenerated);
  });

  it('should continue after a tool approval as useChat sends it (the assistant message with approval-responded)', async () => {
    const manager = newManager();
    const model = new MockLanguageModelV4({ doStream: [toolStep('call-1', { city: 'Paris' }), textStep('It is 20°C.')] });
    let executed = 0;
    const tools = { weather: tool({ description: 'Weather by city', inputSchema: z.object({ city: z.string() }), needsApproval: true, execute: async () => ((executed += 1), { tempC: 20 }) }) };
    const POST = createChatRoute({ manager, model, scope, tools, settings: { stopWhen: isStepCount(3) }, budget: { maxTokens: 4000 } });
    const send = (body: object) => POST(new Request('http://localhost/api/chat', { method: 'POST', body: JSON.stringify(body) }));
    const question = userMessage('u1', 'Weather in Paris?');
    const asked = await readReply(await send(prepareSendLastMessage({ id: 'chat-a', messages: [question], trigger: 'submit-message', messageId: undefined }).body));
    const requested = asked!.parts.find((part) => part.type === 'tool-weather') as { state: string; approval: { id: string } };
    expect(requested.state).toBe('approval-requested');
    expect(executed).toBe(0);

    // addToolApprovalResponse({ id, approved: true }), then useChat sends the assistant message again.
    const approved = { ...asked!, parts: asked!.parts.map((part) => (part.type === 'tool-weather' ? { ...part, state: 'approval-responded', approval: { id: requested.approval.id, approved: true } } : part)) } as UIMessage;
    const response = await send(prepareSendLastMessage({ id: 'chat-a', messages: [question, approved], trigger: 'submit-message', messageId: undefined }).body);
    expect(response.status).toBe(200);
    const continued = await readReply(response, approved);
    expect(executed).toBe(1);
    expect(continued?.id).toBe(asked!.id);
    expect(continued?.parts).toContainEqual(expect.objectContaining({ type: 'text', text: 'It is 20°C.' }));
    expect(continued?.parts).toContainEqual(expect.objectContaining({ type: 'tool-weather', state: 'output-available', output: { tempC: 20 } }));
    const loaded = await loadUIMessages({ manager, conversationId: 'chat-a', scope });
    expect(loaded.map((item) => item.role)).toEqual(['user', 'assistant']);
    expect(loaded[1]?.parts).toContainEqual(expect.objectContaining({ type: 'text', text: 'It is 20°C.' }));
    const stored = await manager.listMessages('chat-a', { scope });
    expect(stored.map((item) => item.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
  });

  it('should refuse an assistant message that continues nothing stored', async () => {
    const manager = newManager();
    const model = new MockLanguageModelV4({ doStream: [textStep('never')] });
    const POST = createChatRoute({ manager, model, scope, budget: { maxTokens: 4000 } });
    const forged = { id: 'a-unknown', role: 'assistant', parts: [{ type: 'tool-weather', toolCallId: 'c1', state: 'approval-responded', input: { city: 'Paris' }, approval: { id: 'x', approved: true } }] };
    const response = await POST(new Request('http://localhost/api/chat', { method: 'POST', body: JSON.stringify({ id: 'chat-f', message: forged }) }));
    expect(response.status).toBe(400);
    expect(model.doStreamCalls).toHaveLength(0);
  });

  it('should reject an unknown trigger with a 400 and store nothing', async () => {
    const manager = newManager();
    const model = new MockLanguageModelV4({ doStream: [textStep('never')] });
    const POST = createChatRoute({ manager, model, scope, budget: { maxTokens: 4000 } });
    const response = await POST(new Request('http://localhost/api/chat', { method: 'POST', body: JSON.stringify({ id: 'chat-t', message: userMessage('u1', 'Hi'), trigger: 'resume-stream' }) }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'invalid_input', message: expect.stringContaining('trigger') } });
    expect(model.doStreamCalls).toHaveLength(0);
  });

  it('should answer a user message resent under its id with other text (an edit) with a 409 and keep the stored turn', async () => {
    const manager = newManager();
    const model = new MockLanguageModelV4({ doStream: [textStep('First answer.'), textStep('never')] });
    const POST = createChatRoute({ manager, model, scope, budget: { maxTokens: 4000 } });
    const send = (body: object) => POST(new Request('http://localhost/api/chat', { method: 'POST', body: JSON.stringify(body) }));
    await readReply(await send({ id: 'chat-e', message: userMessage('u1', 'Question one') }));
    const response = await send({ id: 'chat-e', message: userMessage('u1', 'Question one, edited') });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: { code: 'idempotency_conflict', message: expect.stringContaining('u1') } });
    expect(model.doStreamCalls).toHaveLength(1);
    const stored = await manager.listMessages('chat-e', { scope });
    expect(stored.map((item) => [item.role, item.id === 'u1' ? item.content : 'reply'])).toEqual([['user', 'Question one'], ['assistant', 'reply']]);
  });

  it('should stream a reply for a valid request', async () => {
    const manager = newManager();
    const model = new MockLanguageModelV4({ doStream: [textStep('Hello!')] });
    const POST = createChatRoute({ manager, model, scope: () => scope, budget: { maxTokens: 4000 } });
    const response = await POST(new Request('http://localhost/api/chat', { method: 'POST', body: JSON.stringify({ id: 'chat-7', message: userMessage('u1', 'Hi') }) }));
    expect(response.status).toBe(200);
    expect((await readReply(response))?.parts).toContainEqual(expect.objectContaining({ type: 'text', text: 'Hello!' }));
  });
});
