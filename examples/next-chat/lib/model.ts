import type { LanguageModelV4Prompt, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream, type LanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';

/**
 * The model: the AI Gateway when `AI_GATEWAY_API_KEY` is set (`CHAT_MODEL`, default `openai/gpt-5-mini`),
 * otherwise an offline mock, so the example (and its browser test) runs without a network.
 *
 * The mock says what it was sent: it echoes the last user message, how many messages the prompt
 * had and whose turn ended it (a prompt ending in its own reply would be a bug). A message
 * starting with "Remember" makes it call the `remember` tool (which asks for approval); after the
 * tool's result it reports whether the fact was saved.
 */
export function getModel(): LanguageModel {
  if (process.env.AI_GATEWAY_API_KEY) return process.env.CHAT_MODEL ?? 'openai/gpt-5-mini';
  return mockModel();
}

const REMEMBER = /^remember(?: that)?\s+(.+)$/is;

function mockModel(): LanguageModel {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'echo',
    doStream: async ({ prompt }) => {
      const last = prompt.at(-1);
      const fact = last?.role === 'user' ? REMEMBER.exec(textOf(last.content))?.[1] : undefined;
      if (fact !== undefined) return { stream: stream([{ type: 'tool-call', toolCallId: `call-${prompt.length}`, toolName: 'remember', input: JSON.stringify({ fact: fact.trim() }) }], 'tool-calls') };
      return { stream: stream(textChunks(last?.role === 'tool' ? toolReply(last.content) : echoReply(prompt)), 'stop') };
    },
  });
}

function echoReply(prompt: LanguageModelV4Prompt): string {
  const lastUser = [...prompt].reverse().find((message) => message.role === 'user');
  const said = lastUser === undefined ? '' : textOf(lastUser.content);
  return `You said "${said}". I was sent ${prompt.length} messages; the last was from the ${prompt.at(-1)?.role ?? 'nobody'}.`;
}

function toolReply(content: Extract<LanguageModelV4Prompt[number], { role: 'tool' }>['content']): string {
  const result = content.find((part) => part.type === 'tool-result');
  return result?.output.type === 'execution-denied' ? 'Understood, I did not save it.' : 'Saved to memory: later chats will know it.';
}

function textOf(content: LanguageModelV4Prompt[number]['content']): string {
  return typeof content === 'string' ? content : content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join(' ');
}

function textChunks(reply: string): LanguageModelV4StreamPart[] {
  const words = reply.split(/(?<= )/);
  return [{ type: 'text-start', id: 't' }, ...words.map((delta): LanguageModelV4StreamPart => ({ type: 'text-delta', id: 't', delta })), { type: 'text-end', id: 't' }];
}

function stream(parts: LanguageModelV4StreamPart[], finish: 'stop' | 'tool-calls') {
  const chunks: LanguageModelV4StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    ...parts,
    {
      type: 'finish',
      finishReason: { unified: finish, raw: undefined },
      usage: {
        inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: parts.length, text: parts.length, reasoning: undefined },
      },
    },
  ];
  return simulateReadableStream({ chunks, initialDelayInMs: 50, chunkDelayInMs: 15 });
}
