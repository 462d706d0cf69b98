import { describe, expect, it } from 'vitest';
import { assistantMessageFromContent, StreamContentCollector } from './generated-content.js';

describe('assistantMessageFromContent', () => {
  it('should turn text, reasoning and tool calls into one assistant message with parsed tool input', () => {
    const message = assistantMessageFromContent([
      { type: 'reasoning', text: 'thinking', providerMetadata: { anthropic: { signature: 'sig' } } },
      { type: 'text', text: 'Checking.' },
      { type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: '{"city":"Paris"}' },
      { type: 'source', sourceType: 'url', id: 's1', url: 'https://example.com' },
    ]);
    expect(message).toEqual({
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'thinking' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: { city: 'Paris' } },
      ],
      metadata: {
        aiSdk: {
          parts: [{ providerOptions: { anthropic: { signature: 'sig' } } }, null, null],
          extraParts: [{ index: 3, part: { type: 'source', sourceType: 'url', id: 's1', url: 'https://example.com' } }],
        },
      },
    });
  });

  it('should keep an unparsable tool input as its string and return undefined for empty output', () => {
    expect(assistantMessageFromContent([{ type: 'tool-call', toolCallId: '1', toolName: 't', input: '{oops' }])?.content).toEqual([
      { type: 'tool-call', toolCallId: '1', toolName: 't', input: '{oops' },
    ]);
    expect(assistantMessageFromContent([])).toBeUndefined();
  });
});

describe('StreamContentCollector', () => {
  it('should join deltas per id in start order and keep the finish usage', () => {
    const collector = new StreamContentCollector();
    const parts = [
      { type: 'stream-start', warnings: [] },
      { type: 'reasoning-start', id: 'r' },
      { type: 'text-start', id: 't' },
      { type: 'reasoning-delta', id: 'r', delta: 'hm' },
      { type: 'text-delta', id: 't', delta: 'Hel' },
      { type: 'text-delta', id: 't', delta: 'lo' },
      { type: 'reasoning-end', id: 'r', providerMetadata: { x: { y: 1 } } },
      { type: 'text-end', id: 't' },
      { type: 'tool-call', toolCallId: 'c', toolName: 'n', input: '{}' },
      { type: 'finish', usage: { inputTokens: { total: 7 } }, finishReason: { unified: 'stop', raw: undefined } },
    ];
    for (const part of parts) collector.add(part);
    expect(collector.content()).toEqual([
      { type: 'reasoning', text: 'hm', providerMetadata: { x: { y: 1 } } },
      { type: 'text', text: 'Hello' },
      { type: 'tool-call', toolCallId: 'c', toolName: 'n', input: '{}' },
    ]);
    expect(collector.usage).toEqual({ inputTokens: { total: 7 } });
  });
});
