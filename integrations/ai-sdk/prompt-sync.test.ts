import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveMessageId, findRecordedPrefix, messageKey } from './prompt-sync.js';

describe('findRecordedPrefix', () => {
  it('should find the stored tail at the start of a resent history', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 3 }), { maxLength: 10 }), fc.array(fc.string({ maxLength: 3 }), { maxLength: 5 }), fc.nat(10), (stored, fresh, resentFrom) => {
        // The app resends a suffix of what is stored, followed by new turns.
        const start = Math.min(resentFrom, stored.length);
        const prompt = [...stored.slice(start), ...fresh];
        const matched = findRecordedPrefix(prompt, stored);
        expect(matched.length).toBeGreaterThanOrEqual(stored.length - start);
        // Whatever it matched really is stored there.
        expect(prompt.slice(0, matched.length)).toEqual(stored.slice(matched.storedStart, matched.storedStart + matched.length));
      }),
      { numRuns: 300 },
    );
  });

  it('should treat a prompt of only new turns as new', () => {
    expect(findRecordedPrefix(['u:new'], ['u:old', 'a:reply'])).toEqual({ length: 0, storedStart: 0 });
  });

  it('should recognise a regenerate (history resent up to before the stored tail)', () => {
    expect(findRecordedPrefix(['u1', 'a1', 'u2'], ['u1', 'a1', 'u2', 'a2-old'])).toEqual({ length: 3, storedStart: 0 });
  });
});

describe('messageKey', () => {
  it('should read string content as one text part and ignore empty text and tool-call inputs', () => {
    expect(messageKey({ role: 'user', content: 'hi' })).toBe(messageKey({ role: 'user', content: [{ type: 'text', text: 'hi' }] }));
    expect(messageKey({ role: 'assistant', content: [{ type: 'text', text: '' }, { type: 'tool-call', toolCallId: '1', toolName: 't', input: { a: 1 } }] })).toBe(
      messageKey({ role: 'assistant', content: [{ type: 'tool-call', toolCallId: '1', toolName: 't', input: { a: 1, b: 'default' } }] }),
    );
    expect(messageKey({ role: 'user', content: 'hi' })).not.toBe(messageKey({ role: 'assistant', content: 'hi' }));
  });
});

describe('deriveMessageId', () => {
  it('should be deterministic and differ when the anchor, offset or content differ', async () => {
    const base = { conversationId: 'c', anchor: 'm1', offset: 0, key: 'k' };
    const id = await deriveMessageId(base);
    expect(id).toMatch(/^aisdk-[0-9a-f]{32}$/);
    expect(await deriveMessageId(base)).toBe(id);
    expect(await deriveMessageId({ ...base, anchor: 'm2' })).not.toBe(id);
    expect(await deriveMessageId({ ...base, offset: 1 })).not.toBe(id);
    expect(await deriveMessageId({ ...base, key: 'other' })).not.toBe(id);
  });
});
