import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';

/**
 * An offline stand-in for a real model such as `openai('gpt-4o')`, so the examples run without a
 * key or network: it calls the `weather` tool when the latest user turn asks about weather, and
 * answers from the tool result once it is in the prompt.
 */
export function createOfflineModel(): MockLanguageModelV4 {
  const usage = (input: number) => ({
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: 12, text: 12, reasoning: undefined },
  });
  const reply = (prompt: Array<{ role: string; content: unknown }>) => {
    const last = prompt.at(-1)!;
    const size = Math.ceil(JSON.stringify(prompt).length / 4);
    if (last.role === 'tool') {
      const [result] = last.content as Array<{ output: { value: { city: string; tempC: number } } }>;
      const { city, tempC } = result!.output.value;
      return { text: `It is ${tempC}°C in ${city}.`, usage: usage(size) };
    }
    const question = JSON.stringify(last.content);
    const city = /weather in ([A-Z][a-z]+)/.exec(question)?.[1];
    if (city !== undefined) return { toolCall: { toolCallId: `call-${city}`, toolName: 'weather', input: JSON.stringify({ city }) }, usage: usage(size) };
    return { text: 'Noted.', usage: usage(size) };
  };
  return new MockLanguageModelV4({
    modelId: 'gpt-4o',
    doGenerate: async ({ prompt }) => {
      const answer = reply(prompt as never);
      return {
        content: answer.toolCall ? [{ type: 'tool-call', ...answer.toolCall }] : [{ type: 'text', text: answer.text! }],
        finishReason: { unified: answer.toolCall ? 'tool-calls' : 'stop', raw: undefined },
        usage: answer.usage,
        warnings: [],
      };
    },
    doStream: async ({ prompt }) => {
      const answer = reply(prompt as never);
      const chunks = answer.toolCall
        ? [{ type: 'tool-call' as const, ...answer.toolCall }]
        : [{ type: 'text-start' as const, id: 't' }, ...answer.text!.split(' ').map((word, index) => ({ type: 'text-delta' as const, id: 't', delta: index === 0 ? word : ` ${word}` })), { type: 'text-end' as const, id: 't' }];
      return {
        stream: simulateReadableStream({
          chunks: [...chunks, { type: 'finish' as const, finishReason: { unified: answer.toolCall ? ('tool-calls' as const) : ('stop' as const), raw: undefined }, usage: answer.usage }],
          initialDelayInMs: null,
          chunkDelayInMs: null,
        }),
      };
    },
  });
}
