import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { MemorySaver } from '@langchain/langgraph';
import fc from 'fast-check';
import { createAgent, tool } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AssemblyReport } from '../../src/assemble/report.js';
import { ContextManager } from '../../src/context-manager.js';
import { BudgetTooSmallError } from '../../src/errors.js';
import { countPromptTokens, countToolTokens, getTokenizer } from '../../src/tokens/index.js';
import { contextMiddleware } from './context-middleware.js';
import type { ManagerLike } from './manager-like.js';
import { fromLangChainMessages } from './convert-messages.js';
import { toolDefinitionsOf } from './tool-definitions.js';

const scope = { tenantId: 'acme' };

const weather = tool(async ({ city }: { city: string }) => `Weather in ${city}: ${'mild and dry, '.repeat(6)}18°C.`, {
  name: 'get_weather',
  description: 'Current weather for a city.',
  schema: z.object({ city: z.string() }),
});

/** One user turn: the model calls tools in `steps` rounds (`calls` tools each), then answers. */
interface Turn {
  question: string;
  steps: number[];
  answer: string;
}

function scriptedModel(turns: readonly Turn[], prefix: string) {
  const model = fakeModel();
  let call = 0;
  turns.forEach((turn, turnIndex) => {
    turn.steps.forEach((calls, stepIndex) => {
      const id = `${prefix}-ai-${call++}`;
      model.respond(
        new AIMessage({
          content: '',
          id,
          tool_calls: Array.from({ length: calls }, (_, index) => ({ id: `${prefix}-call-${turnIndex}-${stepIndex}-${index}`, name: 'get_weather', args: { city: `City${index}` }, type: 'tool_call' as const })),
        }),
      );
    });
    model.respond(new AIMessage({ content: turn.answer, id: `${prefix}-ai-${call++}` }));
  });
  return model;
}

/** Problems with a provider-facing prompt: orphan tool results, unanswered tool calls. */
function toolPairingProblems(messages: readonly BaseMessage[]): string[] {
  const problems: string[] = [];
  const open = new Set<string>();
  messages.forEach((message, index) => {
    if (AIMessage.isInstance(message)) {
      if (open.size > 0) problems.push(`message ${index}: AI message while tool calls ${[...open].join(',')} are unanswered`);
      for (const call of message.tool_calls ?? []) open.add(call.id!);
    } else if (ToolMessage.isInstance(message)) {
      if (!open.delete(message.tool_call_id)) problems.push(`message ${index}: orphan tool result ${message.tool_call_id}`);
    } else if (open.size > 0) {
      problems.push(`message ${index}: ${message.type} message while tool calls ${[...open].join(',')} are unanswered`);
    }
  });
  return problems;
}

async function promptTokens(messages: readonly BaseMessage[]): Promise<number> {
  const tokenizer = await getTokenizer();
  return countPromptTokens(tokenizer, fromLangChainMessages(messages)) + countToolTokens(tokenizer, toolDefinitionsOf([weather]));
}

let modelRuns = 0;

async function runAgent(options: { turns: readonly Turn[]; maxTokens: number; threadId: string; checkpointer: boolean | MemorySaver; manager?: ManagerLike; reports?: AssemblyReport[] }) {
  const manager = options.manager ?? new ContextManager();
  const model = scriptedModel(options.turns, `${options.threadId}-${modelRuns++}`);
  const agent = createAgent({
    model,
    tools: [weather],
    systemPrompt: 'You are a weather assistant.',
    middleware: [contextMiddleware({ manager, scope, budget: { maxTokens: options.maxTokens }, onReport: (report) => options.reports?.push(report) })],
    ...(options.checkpointer === false ? {} : { checkpointer: options.checkpointer === true ? new MemorySaver() : options.checkpointer }),
  });
  let state: { messages: BaseMessage[] } = { messages: [] };
  for (const turn of options.turns) {
    state = await agent.invoke({ messages: [new HumanMessage(turn.question)] }, { configurable: { thread_id: options.threadId } });
  }
  return { manager, model, state };
}

const fourTurns: Turn[] = [
  { question: 'Weather in two cities, please.', steps: [2], answer: 'Both are mild at 18°C.' },
  { question: 'And tomorrow?', steps: [1, 1], answer: 'Tomorrow stays mild.' },
  { question: 'Should I take an umbrella?', steps: [1], answer: 'No umbrella needed.' },
  { question: 'Thanks! Summarize.', steps: [], answer: 'Mild, dry, 18°C everywhere.' },
];

describe('contextMiddleware', () => {
  it('should send budgeted prompts with whole tool-call groups over a multi-step agent run', async () => {
    const maxTokens = 300;
    const reports: AssemblyReport[] = [];
    const { manager, model, state } = await runAgent({ turns: fourTurns, maxTokens, threadId: 'thread-1', checkpointer: true, reports });

    expect(model.callCount).toBe(8);
    for (const [index, call] of model.calls.entries()) {
      // The report is exact: its total is our own count of the prompt the model received.
      expect(reports[index]!.totalTokens).toBe(await promptTokens(call.messages));
      expect(call.messages[0]).toBeInstanceOf(SystemMessage);
      expect(call.messages[0]!.text).toContain('You are a weather assistant.');
      expect(toolPairingProblems(call.messages.slice(1))).toEqual([]);
      expect(await promptTokens(call.messages)).toBeLessThanOrEqual(maxTokens);
      // Every prompt ends with the current turn: the new question or the tool results just returned.
      expect(['human', 'tool']).toContain(call.messages.at(-1)!.type);
    }
    // The budget forced trimming: the last prompt no longer holds the first question, though the state does.
    const lastPrompt = model.calls.at(-1)!.messages.map((message) => message.text);
    expect(lastPrompt).not.toContain('Weather in two cities, please.');
    expect(state.messages.map((message) => message.text)).toContain('Weather in two cities, please.');
    // The store mirrors the agent state, message for message.
    const stored = await manager.listMessages('thread-1', { scope });
    expect(stored.map((message) => message.id)).toEqual(state.messages.map((message) => message.id));
  });

  it('should never send an orphan tool result or an unanswered tool call, for any script and budget (property)', async () => {
    const turn = fc.record({
      question: fc.lorem({ maxCount: 12 }),
      steps: fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 2 }),
      answer: fc.lorem({ maxCount: 20 }),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(turn, { minLength: 1, maxLength: 4 }), fc.integer({ min: 420, max: 1200 }), fc.boolean(), async (turns, maxTokens, checkpointer) => {
        const { model } = await runAgent({ turns, maxTokens, threadId: `prop-${run++}`, checkpointer });
        for (const call of model.calls) {
          expect(toolPairingProblems(call.messages.slice(1))).toEqual([]);
          expect(await promptTokens(call.messages)).toBeLessThanOrEqual(maxTokens);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('should give an agent without a checkpointer the stored history of the thread', async () => {
    const { model, manager } = await runAgent({ turns: fourTurns.slice(0, 2), maxTokens: 4000, threadId: 'stateless', checkpointer: false });
    // Second turn: the agent state held only the new question, yet the model saw the first turn from the store.
    const secondTurnFirstCall = model.calls[2]!.messages.map((message) => message.text);
    expect(secondTurnFirstCall).toContain('Weather in two cities, please.');
    expect(secondTurnFirstCall).toContain('Both are mild at 18°C.');
    const stored = await manager.listMessages('stateless', { scope });
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant', 'user', 'assistant', 'tool', 'assistant', 'tool', 'assistant']);
  });

  it('should send turns that only the store holds with their LangChain-only fields restored', async () => {
    const manager = new ContextManager();
    const earlier = [
      new HumanMessage({ content: 'Think first: 2+2?', id: 'old-h' }),
      new AIMessage({ content: [{ type: 'thinking', thinking: 'add', signature: 'sig-7' }, { type: 'text', text: '4' }], id: 'old-a', response_metadata: { model_name: 'claude' } }),
    ];
    await manager.append('with-history', fromLangChainMessages(earlier), { scope });
    const model = fakeModel().respond(new AIMessage({ content: 'Still 4.', id: 'new-a' }));
    const agent = createAgent({ model, tools: [], middleware: [contextMiddleware({ manager, scope, budget: { maxTokens: 2000 } })] });
    await agent.invoke({ messages: [new HumanMessage('And now?')] }, { configurable: { thread_id: 'with-history' } });
    const sent = model.calls[0]!.messages;
    expect(sent.map((message) => message.id)).toEqual(['old-h', 'old-a', expect.any(String)]);
    expect(sent[1]!.content).toEqual(earlier[1]!.content);
    expect(sent[1]!.response_metadata).toEqual({ model_name: 'claude' });
  });

  it('should record each message once, and only the new ones, when a checkpointed thread resumes in a new process', async () => {
    const manager = new ContextManager();
    const appended: number[] = [];
    const counting = new Proxy(manager, {
      get(target, property, receiver) {
        if (property === 'append') return (...args: Parameters<ContextManager['append']>) => (appended.push(args[1].length), target.append(...args));
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const checkpointer = new MemorySaver();
    await runAgent({ manager: counting, turns: fourTurns.slice(0, 1), maxTokens: 4000, threadId: 'resumed', checkpointer });
    expect(appended).toEqual([1, 3, 1]);
    // A new middleware instance (a restarted process) gets the whole checkpointed state again.
    await runAgent({ manager: counting, turns: fourTurns.slice(1, 2), maxTokens: 4000, threadId: 'resumed', checkpointer });
    expect(appended.slice(3)).toEqual([1, 2, 2, 1]);
    const stored = await manager.listMessages('resumed', { scope });
    expect(new Set(stored.map((message) => message.id)).size).toBe(stored.length);
    expect(stored).toHaveLength(5 + 6);
  });

  it('should fail the model call with BudgetTooSmallError when the current turn cannot fit, without calling the model', async () => {
    const model = fakeModel().respond(new AIMessage('unreachable'));
    const agent = createAgent({ model, tools: [weather], middleware: [contextMiddleware({ manager: new ContextManager(), scope, budget: { maxTokens: 90 } })] });
    const failure = await agent.invoke({ messages: [new HumanMessage('word '.repeat(200))] }, { configurable: { thread_id: 'tiny' } }).catch((error: unknown) => error);
    const cause = (failure as Error).cause;
    expect(cause).toBeInstanceOf(BudgetTooSmallError);
    expect((cause as BudgetTooSmallError).code).toBe('budget_too_small');
    expect(model.callCount).toBe(0);
  });

  it('should fail the model call with a clear error when no conversation id is given', async () => {
    const agent = createAgent({ model: fakeModel().respond(new AIMessage('hi')), tools: [], middleware: [contextMiddleware({ manager: new ContextManager(), budget: { maxTokens: 1000 } })] });
    await expect(agent.invoke({ messages: [new HumanMessage('hello')] })).rejects.toThrow(/conversationId/);
  });

  it('should use an explicit conversation id and scope from the runtime context', async () => {
    const manager = new ContextManager();
    const agent = createAgent({
      model: fakeModel().respond(new AIMessage({ content: 'Hi Bob', id: 'r1' })),
      tools: [],
      middleware: [
        contextMiddleware({
          manager,
          budget: { maxTokens: 1000 },
          conversationId: () => 'support-42',
          scope: (runtime) => ({ tenantId: (runtime.context as { tenant: string }).tenant }),
          contextSchema: z.object({ tenant: z.string() }),
        }),
      ],
    });
    await agent.invoke({ messages: [new HumanMessage('hello')] }, { context: { tenant: 'globex' } });
    expect((await manager.listMessages('support-42', { scope: { tenantId: 'globex' } })).map((message) => message.content)).toEqual(['hello', 'Hi Bob']);
  });
});
