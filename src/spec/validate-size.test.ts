import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateNewMessages } from './validate.js';

const message = (content: string, metadata: Record<string, string>) => ({
  id: 'm1',
  role: 'user',
  content,
  createdAt: new Date(0),
  metadata,
  tags: [],
  tokenCounts: { o200k_base: 1 },
  contentHash: '0'.repeat(64),
});

describe('validateNewMessages size limit', () => {
  it('should reject exactly the messages whose UTF-8 JSON of content and metadata exceeds maxMessageBytes', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', '"', '\n', '日', '😀', '\\'), maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(text, fc.dictionary(fc.string({ maxLength: 4 }).filter((key) => key !== '__proto__'), text, { maxKeys: 3 }), fc.integer({ min: 8, max: 400 }), async (content, metadata, maxMessageBytes) => {
        const exact = new TextEncoder().encode(JSON.stringify([content, metadata])).length;
        const accepted = await validateNewMessages([message(content, metadata)], { maxMessageBytes }).then(
          () => true,
          () => false,
        );
        expect(accepted).toBe(exact <= maxMessageBytes);
      }),
    );
  });
});
