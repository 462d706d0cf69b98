import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream, type LanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';

/**
 * The model: the AI Gateway when `AI_GATEWAY_API_KEY` is set (`CHAT_MODEL`, default `openai/gpt-5-mini`),
 * otherwise an offline mock that streams a reply naming the last user message and how many
 * messages it was sent, so the example (and its browser test) runs without a network.
 */
export function getModel(): LanguageModel {
  if (process.env.AI_GATEWAY_API_KEY) return process.env.CHAT_MODEL ?? 'openai/gpt-5-mini';
  return mockModel();
}

function mockModel(): LanguageModel {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'echo',
    doStream: async ({ prompt }) => {
      const lastUser = [...prompt].reverse().find((message) => message.role === 'user');
      const said = lastUser?.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join(' ') ?? '';
      const reply = `You said "${said}". I was sent ${prompt.length} messages.`;
      const words = reply.split(/(?<= )/);
      const chunks: LanguageModelV4StreamPart[] = [
        { type: 'stream-start', warnings: [] },
        { type: 'text-start', id: 't' },
        ...words.map((delta): LanguageModelV4StreamPart => ({ type: 'text-delta', id: 't', delta })),
        { type: 'text-end', id: 't' },
        {
          type: 'finish',
          finishReason: { unified: 'stop', raw: undefined },
          usage: {
            inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
            outputTokens: { total: words.length, text: words.length, reasoning: undefined },
          },
        },
      ];
      return { stream: simulateReadableStream({ chunks, initialDelayInMs: 50, chunkDelayInMs: 15 }) };
    },
  });
}
