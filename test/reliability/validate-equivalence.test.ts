import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateNewMessages } from '../../src/spec/validate.js';
import { messageBody, tokenHeader } from '../../src/stores/redis/codec.js';
import type { NewMessage } from '../../src/types.js';
import { validateNewMessages as referenceValidateNewMessages } from '../support/validate-reference.js';
import { nastyJson, nastyString, wellFormedString } from './adversarial.js';

/**
 * The append path's fast validators and message encoding against their former implementations:
 * `validateNewMessages` must accept and reject exactly the batches it did (same field, same
 * message), and the Redis `messageBody` must be byte-identical to the one-object JSON it replaced.
 */

const hash = fc.oneof(fc.constant('a'.repeat(64)), fc.stringMatching(/^[0-9a-f]{64}$/), fc.constantFrom('A'.repeat(64), 'a'.repeat(63), '', 'g'.repeat(64)), nastyString);
const anything = fc.oneof(nastyString, fc.integer(), fc.constantFrom(null, undefined, true, {}, [], new Date(0), new Date(Number.NaN), Number.NaN));
/** An array with holes, or one holding non-strings, or a plain array of (nasty) strings. */
const sparse = <T>(item: fc.Arbitrary<T>) =>
  fc.array(fc.option(item, { nil: undefined, freq: 4 }), { maxLength: 5 }).map((items) => {
    const out: T[] = [];
    items.forEach((value, index) => {
      if (value !== undefined) out[index] = value;
    });
    out.length = items.length;
    return out;
  });
const tags = fc.oneof(fc.array(fc.oneof(fc.constantFrom('a', 'tag', 'x'.repeat(128), 'x'.repeat(129), ''), nastyString), { maxLength: 4 }), sparse(fc.constant('t')), fc.array(anything, { maxLength: 2 }), anything, fc.constant(Array.from({ length: 65 }, (_, index) => `t${index}`)));
const tokenCounts = fc.oneof(
  fc.dictionary(fc.oneof(fc.constantFrom('o200k_base', 'cl100k_base', '0', '12', 'a b'), nastyString), fc.oneof(fc.nat(), fc.constantFrom(-1, 1.5, Number.NaN, 2 ** 60, '3', null)), { maxKeys: 3 }),
  fc.constant(Object.create({ inherited: 1 }) as object),
  fc.constant(Object.defineProperty({ o200k_base: 3 }, 'hidden', { value: -1, enumerable: false })),
  anything,
);
const part = fc.oneof(
  fc.record({ type: fc.constant('text'), text: nastyString }),
  fc.record({ type: fc.constant('tool-call'), toolCallId: fc.constantFrom('c1', ''), toolName: fc.constantFrom('lookup', ''), input: nastyJson }),
  fc.record({ type: fc.constant('tool-result'), toolCallId: fc.constant('c1'), toolName: fc.constant('lookup'), output: fc.oneof(nastyJson, fc.record({ type: fc.constant('json'), value: nastyJson })) }),
  fc.record({ type: fc.constantFrom('reasoning', 'file', 'image', 'nope'), text: nastyString, mediaType: fc.constant('image/png'), url: fc.constant('https://example.com/a.png') }),
  anything,
);
const content = fc.oneof(nastyString, fc.array(part, { maxLength: 3 }), sparse(fc.record({ type: fc.constant('text'), text: fc.constant('hi') })), anything);
/** Each field is usually valid, so batches get past the early checks to the later ones. */
const usually = <T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>) => fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: other });
const message = fc.record(
  {
    id: usually(fc.constantFrom('m1', 'm2', 'm3'), fc.oneof(nastyString, anything)),
    role: usually(fc.constantFrom('user', 'assistant', 'system', 'tool'), anything),
    name: usually(fc.constant('bob'), fc.oneof(nastyString, anything)),
    content: usually(fc.constantFrom('hello', ''), content),
    createdAt: usually(fc.constant(new Date(1_700_000_000_000)), anything),
    metadata: usually(fc.constant({}), fc.oneof(fc.dictionary(nastyString, nastyJson, { maxKeys: 3 }), nastyJson, anything)),
    tags: usually(fc.constant(['a']), tags),
    tokenCounts: usually(fc.constant({ o200k_base: 3 }), tokenCounts),
    contentHash: usually(fc.constant('a'.repeat(64)), hash),
  },
  { requiredKeys: ['id', 'role', 'content', 'createdAt', 'metadata', 'tags', 'tokenCounts', 'contentHash'] },
);
const batch = fc.oneof(fc.array(fc.oneof({ weight: 9, arbitrary: message }, { weight: 1, arbitrary: anything }), { maxLength: 4 }), sparse(message), anything);

async function outcome(validate: () => Promise<unknown>): Promise<string> {
  try {
    await validate();
    return 'accepted';
  } catch (error) {
    return error instanceof Error ? `${error.name} ${(error as { field?: string }).field} ${error.message}` : String(error);
  }
}

describe('append fast paths are equivalent to the former implementations', () => {
  it('should accept and reject exactly the batches the former validateNewMessages did, with the same error', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(batch, fc.oneof(fc.constant(undefined), fc.integer({ min: 8, max: 600 })), async (messages, maxMessageBytes) => {
        const options = maxMessageBytes === undefined ? {} : { maxMessageBytes };
        const expected = await outcome(() => referenceValidateNewMessages(messages, options));
        const actual = await outcome(() => validateNewMessages(messages, options));
        expect(actual).toBe(expected);
        seen.add(expected === 'accepted' ? 'accepted' : expected.split(' ')[1]!.replace(/\[\d+\]/g, '[]'));
      }),
      { numRuns: 3000 },
    );
    // The generator reaches acceptance and the rejections of every field checked.
    for (const field of ['accepted', 'messages', 'messages[]', 'messages[].id', 'messages[].role', 'messages[].content', 'messages[].createdAt', 'messages[].metadata', 'messages[].tags[]', 'messages[].tokenCounts', 'messages[].contentHash']) {
      expect(seen, [...seen].join(' | ')).toContain(field);
    }
  });

  it('should still accept valid messages (the generator reaches the accepting side)', async () => {
    const valid = { id: 'm1', role: 'user', content: 'hi', createdAt: new Date(0), metadata: {}, tags: ['a'], tokenCounts: { o200k_base: 2 }, contentHash: 'a'.repeat(64) };
    await expect(validateNewMessages([valid, { ...valid, id: 'm2', role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c', toolName: 't', input: {} }] }])).resolves.toHaveLength(2);
    await expect(validateNewMessages([valid, valid])).rejects.toThrow('messages[1].id: is repeated within the batch');
  });

  it('should encode a message body byte-identical to the one-object JSON', () => {
    const reference = (message: NewMessage) =>
      JSON.stringify({
        tc: tokenHeader(message.tokenCounts),
        id: message.id,
        role: message.role,
        contentHash: message.contentHash,
        ...(message.name !== undefined ? { name: message.name } : {}),
        content: message.content,
        createdAt: message.createdAt.getTime(),
        metadata: message.metadata,
        tags: message.tags,
        tokenCounts: message.tokenCounts,
      }).slice(1);
    const anyJson = fc.oneof(nastyJson, fc.constant(undefined), fc.constant(() => 1));
    const encoded = fc.record(
      {
        id: fc.oneof(wellFormedString, nastyString),
        role: fc.constantFrom('user', 'assistant', 'system', 'tool'),
        name: fc.oneof(wellFormedString, fc.constant(undefined)),
        content: fc.oneof(nastyString, fc.array(nastyJson, { maxLength: 3 }), anyJson),
        createdAt: fc.date({ noInvalidDate: true }),
        metadata: fc.oneof(fc.dictionary(nastyString, nastyJson, { maxKeys: 3 }), anyJson),
        tags: fc.oneof(fc.array(nastyString, { maxLength: 3 }), anyJson),
        tokenCounts: fc.dictionary(fc.oneof(fc.constantFrom('o200k_base', '0', 'a;b=c"d'), nastyString), fc.nat(), { maxKeys: 3 }),
        contentHash: hash,
      },
      { requiredKeys: ['id', 'role', 'content', 'createdAt', 'metadata', 'tags', 'tokenCounts', 'contentHash'] },
    );
    fc.assert(
      fc.property(encoded, (value) => {
        const message = value as unknown as NewMessage;
        const result = (encode: (message: NewMessage) => string) => {
          try {
            return encode(message);
          } catch (error) {
            return `threw ${(error as Error).name}`; // e.g. a lone surrogate in an encoding name (never validated)
          }
        };
        expect(result(messageBody)).toBe(result(reference));
      }),
      { numRuns: 3000 },
    );
  });
});
