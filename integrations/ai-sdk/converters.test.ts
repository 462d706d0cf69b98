import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ModelMessage } from 'ai';
import { fromLanguageModelPrompt, toLanguageModelPrompt, type LanguageModelPromptMessage } from './language-model-prompt.js';
import { fromModelMessages, toModelMessages } from './model-message.js';
import { prepareMessages } from '../../src/messages/prepare.js';
import { validateNewMessages } from '../../src/spec/validate.js';
import { getTokenizer } from '../../src/tokens/index.js';
import { comparable, ourMessage, sdkModelMessage, sdkPromptMessage } from '../../test/support/ai-sdk-arbitraries.js';
import { deepFrozen } from '../../test/support/deep-frozen.js';

const asText = (content: unknown) => (typeof content === 'string' ? [{ type: 'text', text: content }] : content);

describe('ModelMessage converters', () => {
  it('should convert messages whose nested values are frozen (as the Redis store returns them) exactly as mutable ones', () => {
    fc.assert(
      fc.property(fc.array(ourMessage, { maxLength: 6 }), (messages) => {
        expect(toModelMessages(deepFrozen(messages))).toEqual(toModelMessages(messages));
        for (const specificationVersion of ['v3', 'v4'] as const) {
          expect(toLanguageModelPrompt(deepFrozen(messages), { specificationVersion })).toEqual(toLanguageModelPrompt(messages, { specificationVersion }));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('should round-trip our messages through ModelMessage unchanged', () => {
    fc.assert(
      fc.property(fc.array(ourMessage, { maxLength: 6 }), (messages) => {
        const back = fromModelMessages(toModelMessages(messages));
        expect(back.map(({ role, content }) => ({ role, content }))).toEqual(messages);
      }),
      { numRuns: 300 },
    );
  });

  it('should round-trip every AI SDK ModelMessage form losslessly through our format', () => {
    fc.assert(
      fc.property(fc.array(sdkModelMessage, { maxLength: 6 }), (messages) => {
        const ours = fromModelMessages(messages as ModelMessage[]);
        // Stored messages go through JSON: the metadata must survive it.
        const stored = JSON.parse(JSON.stringify(ours)) as typeof ours;
        expect(comparable(toModelMessages(stored))).toEqual(comparable(messages));
      }),
      { numRuns: 300 },
    );
  });

  it('should produce messages every store accepts (valid content and JSON metadata)', async () => {
    const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
    await fc.assert(
      fc.asyncProperty(fc.array(sdkModelMessage, { minLength: 1, maxLength: 6 }), async (messages) => {
        // A tool message holding only approval responses has no stored form (the middleware skips it too).
        const inputs = fromModelMessages(messages as ModelMessage[]).filter((message) => !(message.role === 'tool' && (message.content as unknown[]).length === 0));
        if (inputs.length === 0) return;
        const prepared = await prepareMessages(inputs, { tokenizer });
        expect(await validateNewMessages(prepared)).toHaveLength(inputs.length);
      }),
      { numRuns: 150 },
    );
  });

  it('should map tool outputs to plain values with isError, keeping the SDK type only where the value is ambiguous', () => {
    const [message] = fromModelMessages([
      {
        role: 'tool',
        content: [
          { type: 'tool-result', toolCallId: 'a', toolName: 'weather', output: { type: 'json', value: { tempC: 20 } } },
          { type: 'tool-result', toolCallId: 'b', toolName: 'weather', output: { type: 'error-text', value: 'timeout' } },
          { type: 'tool-result', toolCallId: 'c', toolName: 'weather', output: { type: 'json', value: 'a string' } },
        ],
      },
    ]);
    expect(message?.content).toEqual([
      { type: 'tool-result', toolCallId: 'a', toolName: 'weather', output: { tempC: 20 } },
      { type: 'tool-result', toolCallId: 'b', toolName: 'weather', output: 'timeout', isError: true },
      { type: 'tool-result', toolCallId: 'c', toolName: 'weather', output: 'a string' },
    ]);
    expect(message?.metadata).toEqual({ aiSdk: { parts: [null, null, { outputType: 'json' }] } });
  });

  it('should keep parts without a counterpart in metadata and drop nothing from content', () => {
    const [message] = fromModelMessages([
      { role: 'assistant', content: [{ type: 'custom', kind: 'openai.compaction' }, { type: 'text', text: 'hi' }] },
    ]);
    expect(message?.content).toEqual([{ type: 'text', text: 'hi' }]);
    expect(message?.metadata).toEqual({ aiSdk: { extraParts: [{ index: 0, part: { type: 'custom', kind: 'openai.compaction' } }] } });
  });
});

describe('provider-level prompt converters', () => {
  for (const version of ['v3', 'v4'] as const) {
    it(`should round-trip our messages through a ${version} prompt unchanged (content as parts)`, () => {
      fc.assert(
        fc.property(fc.array(ourMessage, { maxLength: 6 }), (messages) => {
          const back = fromLanguageModelPrompt(toLanguageModelPrompt(messages, { specificationVersion: version }));
          expect(back.map(({ role, content }) => ({ role, content: role === 'system' ? content : asText(content) }))).toEqual(
            messages.map(({ role, content }) => ({ role, content: role === 'system' ? content : asText(content) })),
          );
        }),
        { numRuns: 300 },
      );
    });

    it(`should round-trip every ${version} prompt form losslessly through our format`, () => {
      fc.assert(
        fc.property(fc.array(sdkPromptMessage(version), { maxLength: 6 }), (prompt) => {
          const stored = JSON.parse(JSON.stringify(fromLanguageModelPrompt(prompt as LanguageModelPromptMessage[]))) as ReturnType<typeof fromLanguageModelPrompt>;
          expect(comparable(toLanguageModelPrompt(stored, { specificationVersion: version }))).toEqual(comparable(prompt));
        }),
        { numRuns: 300 },
      );
    });
  }

  it('should give files the natural data form of each spec version', () => {
    const messages = [
      {
        role: 'user' as const,
        content: [
          { type: 'file' as const, mediaType: 'image/png', url: 'data:image/png;base64,AAEC' },
          { type: 'file' as const, mediaType: 'image/png', url: 'https://example.com/a.png' },
        ],
      },
    ];
    expect(comparable(toLanguageModelPrompt(messages, { specificationVersion: 'v4' })[0]?.content)).toEqual([
      { type: 'file', mediaType: 'image/png', data: { type: 'data', data: 'AAEC' } },
      { type: 'file', mediaType: 'image/png', data: { type: 'url', url: { __url: 'https://example.com/a.png' } } },
    ]);
    expect(comparable(toLanguageModelPrompt(messages, { specificationVersion: 'v3' })[0]?.content)).toEqual([
      { type: 'file', mediaType: 'image/png', data: 'AAEC' },
      { type: 'file', mediaType: 'image/png', data: { __url: 'https://example.com/a.png' } },
    ]);
  });
});
