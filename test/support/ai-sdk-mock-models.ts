import * as ai7 from 'ai';
import * as ai7Test from 'ai/test';
import * as ai6 from 'ai-v6';
import * as ai6Test from 'ai-v6/test';
import { contextMiddleware, contextMiddlewareV3, type ContextMiddlewareOptions } from '../../integrations/ai-sdk/context-middleware.js';

// Test-only: the two SDK majors behind one shape, so each middleware test runs against both.

export interface UsageCounts {
  input: number;
  output?: number;
}

export function usage({ input, output = 5 }: UsageCounts) {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  };
}

/** One generated step: text and/or tool calls. */
export interface Step {
  reasoning?: { text: string; providerMetadata?: Record<string, Record<string, unknown>> };
  text?: string;
  toolCalls?: Array<{ toolCallId: string; toolName: string; input: unknown }>;
  inputTokens?: number | ((prompt: unknown[]) => number);
}

export function generateResult(step: Step, prompt: unknown[]) {
  const content: Array<Record<string, unknown>> = [];
  if (step.reasoning !== undefined) content.push({ type: 'reasoning', ...step.reasoning });
  if (step.text !== undefined) content.push({ type: 'text', text: step.text });
  for (const call of step.toolCalls ?? []) content.push({ type: 'tool-call', toolCallId: call.toolCallId, toolName: call.toolName, input: JSON.stringify(call.input) });
  const input = typeof step.inputTokens === 'function' ? step.inputTokens(prompt) : (step.inputTokens ?? 10);
  return {
    content,
    finishReason: { unified: step.toolCalls?.length ? 'tool-calls' : 'stop', raw: undefined },
    usage: usage({ input }),
    warnings: [],
  };
}

export function streamParts(step: Step, prompt: unknown[]) {
  const parts: Array<Record<string, unknown>> = [{ type: 'stream-start', warnings: [] }];
  if (step.reasoning !== undefined) {
    parts.push({ type: 'reasoning-start', id: 'r' }, { type: 'reasoning-delta', id: 'r', delta: step.reasoning.text });
    parts.push(step.reasoning.providerMetadata === undefined ? { type: 'reasoning-end', id: 'r' } : { type: 'reasoning-end', id: 'r', providerMetadata: step.reasoning.providerMetadata });
  }
  if (step.text !== undefined) {
    const words = step.text.split(/(?<= )/);
    parts.push({ type: 'text-start', id: 't' });
    for (const word of words) parts.push({ type: 'text-delta', id: 't', delta: word });
    parts.push({ type: 'text-end', id: 't' });
  }
  for (const call of step.toolCalls ?? []) {
    parts.push({ type: 'tool-input-start', id: call.toolCallId, toolName: call.toolName });
    parts.push({ type: 'tool-input-delta', id: call.toolCallId, delta: JSON.stringify(call.input) });
    parts.push({ type: 'tool-input-end', id: call.toolCallId });
    parts.push({ type: 'tool-call', toolCallId: call.toolCallId, toolName: call.toolName, input: JSON.stringify(call.input) });
  }
  const result = generateResult(step, prompt);
  parts.push({ type: 'finish', finishReason: result.finishReason, usage: result.usage });
  return parts;
}

/** A scripted model: step `i` of every call sequence answers `steps[i]` (cycling), via doGenerate and doStream. */
export interface Sdk {
  name: string;
  generateText: (options: Record<string, unknown>) => Promise<{ text: string }>;
  streamText: (options: Record<string, unknown>) => { text: PromiseLike<string>; consumeStream: () => PromiseLike<void> };
  wrap: (model: unknown, options: ContextMiddlewareOptions) => unknown;
  tool: (definition: Record<string, unknown>) => unknown;
  stepCountIs: (count: number) => unknown;
  /** Creates the mock; `calls` holds the prompt of every doGenerate/doStream call. */
  mockModel: (steps: Step[], modelId?: string) => { model: unknown; generatePrompts: () => unknown[][]; streamPrompts: () => unknown[][] };
}

function mockFor(Mock: typeof ai7Test.MockLanguageModelV4 | typeof ai6Test.MockLanguageModelV3, simulate: typeof ai7.simulateReadableStream) {
  return (steps: Step[], modelId = 'mock-model-id') => {
    let index = 0;
    const next = () => steps[index++ % steps.length]!;
    const model = new (Mock as typeof ai7Test.MockLanguageModelV4)({
      modelId,
      doGenerate: async (options) => generateResult(next(), options.prompt) as never,
      doStream: async (options) => ({ stream: simulate({ chunks: streamParts(next(), options.prompt), initialDelayInMs: null, chunkDelayInMs: null }) as never }),
    });
    return { model, generatePrompts: () => model.doGenerateCalls.map((call) => call.prompt), streamPrompts: () => model.doStreamCalls.map((call) => call.prompt) };
  };
}

export const SDKS: Sdk[] = [
  {
    name: 'ai@7 (spec v4)',
    generateText: (options) => ai7.generateText(options as never) as never,
    streamText: (options) => ai7.streamText(options as never) as never,
    wrap: (model, options) => ai7.wrapLanguageModel({ model: model as ai7Test.MockLanguageModelV4, middleware: contextMiddleware(options) }),
    tool: (definition) => ai7.tool(definition as never),
    stepCountIs: (count) => ai7.isStepCount(count),
    mockModel: mockFor(ai7Test.MockLanguageModelV4, ai7.simulateReadableStream),
  },
  {
    name: 'ai@6 (spec v3)',
    generateText: (options) => ai6.generateText(options as never) as never,
    streamText: (options) => ai6.streamText(options as never) as never,
    wrap: (model, options) => ai6.wrapLanguageModel({ model: model as ai6Test.MockLanguageModelV3, middleware: contextMiddlewareV3(options) }),
    tool: (definition) => ai6.tool(definition as never),
    stepCountIs: (count) => ai6.stepCountIs(count),
    mockModel: mockFor(ai6Test.MockLanguageModelV3, ai6.simulateReadableStream as never),
  },
];

/** Every tool result in a prompt follows an assistant tool call with its id, and every tool call is answered. */
export function orphanToolParts(prompt: unknown[]): string[] {
  const problems: string[] = [];
  const called = new Set<string>();
  const answered = new Set<string>();
  for (const message of prompt as Array<{ role: string; content: unknown }>) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content as Array<{ type: string; toolCallId?: string }>) {
      if (part.type === 'tool-call') called.add(part.toolCallId!);
      if (part.type === 'tool-result') {
        if (!called.has(part.toolCallId!)) problems.push(`orphan result ${part.toolCallId}`);
        answered.add(part.toolCallId!);
      }
    }
  }
  for (const id of called) if (!answered.has(id)) problems.push(`unanswered call ${id}`);
  return problems;
}
