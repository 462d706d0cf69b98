import fc from 'fast-check';
import type { ContentPart, JsonValue, MessageInput, Role } from '../../src/types.js';

/**
 * Arbitraries for the bad-input fuzz: strings with NUL bytes, lone surrogates, SQL and Lua
 * metacharacters, key-path characters, prototype keys, huge and deeply nested values. Every
 * generated message carries `secret` in its text and metadata so the test can check that no
 * error message repeats caller data.
 */
const METACHARACTERS = [
  '',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDC00y',
  "'; DROP TABLE llmctx_messages; --",
  "') OR '1'='1",
  '$1 $2 %s %d',
  '\\\\x00 \\u0000',
  '{t:acme}:c:{x}',
  ']]--[[ redis.call("FLUSHALL") --',
  'cjson.null',
  '__proto__',
  'constructor',
  'prototype',
  '\r\n\t\u2028\u2029',
  '🙂👍🏽'.repeat(8),
  'ﬀ İ ß Ω',
  'null',
  'undefined',
];

export const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...METACHARACTERS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom('\uD800', '\uDC00', '\u0000', 'a', "'", '"', '\\', '{', '}', ':'), maxLength: 12 }) },
);

/** Strings every validator accepts: well-formed, no NUL. */
export const wellFormedString = nastyString.filter((text) => text.isWellFormed() && !text.includes('\u0000'));
// eslint-disable-next-line no-control-regex
const validId = wellFormedString.filter((text) => text.length > 0 && text.length <= 256 && !/[\u0000-\u001f\u007f]/.test(text));

/** A string that may be huge (≥ 1 MiB, over the per-message limit). */
export const maybeHugeString = fc.oneof(
  { weight: 20, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.constantFrom('y'.repeat(70_000), 'z'.repeat(1_100_000)) },
);

function nested(depth: number): JsonValue {
  let value: JsonValue = 'leaf';
  for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { nest: value };
  return value;
}

export const nastyJson: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue> },
  { weight: 2, arbitrary: fc.dictionary(nastyString, nastyString, { maxKeys: 4 }) as fc.Arbitrary<JsonValue> },
  { weight: 1, arbitrary: fc.constantFrom(nested(10), nested(80)) },
  { weight: 1, arbitrary: fc.constantFrom<JsonValue>(JSON.parse('{"__proto__": {"polluted": true}}') as JsonValue, { constructor: { prototype: 'x' } }, { toString: 'x', valueOf: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 5e-324, 1.7976931348623157e308, Number.MAX_SAFE_INTEGER + 2) as unknown as fc.Arbitrary<JsonValue> },
);

const part = (secret: string): fc.Arbitrary<ContentPart> =>
  fc.oneof(
    fc.record({ type: fc.constant('text' as const), text: maybeHugeString.map((text) => `${secret} ${text}`) }),
    fc.record({ type: fc.constant('reasoning' as const), text: nastyString }),
    fc.record({ type: fc.constant('file' as const), mediaType: fc.constantFrom('image/png', 'text/plain', ''), url: fc.oneof(fc.constant('https://example.com/a.png'), nastyString) }),
  );

const role = fc.constantFrom<Role>('user', 'assistant', 'system');

/**
 * A message; `clean` ones use only strings the validators accept (still full of metacharacters,
 * prototype keys and odd Unicode), so both outcomes (stored, rejected) are exercised.
 */
export function nastyMessage(secret: string, clean = false): fc.Arbitrary<MessageInput> {
  const text = clean ? wellFormedString : maybeHugeString;
  return fc.record(
    {
      id: fc.oneof(fc.uuid(), clean ? validId : nastyString),
      role,
      name: clean ? validId : nastyString,
      content: fc.oneof(text.map((value) => `${secret} ${value}`), clean ? fc.array(fc.record({ type: fc.constant('text' as const), text: wellFormedString.map((value) => `${secret} ${value}`) }), { minLength: 1, maxLength: 3 }) : fc.array(part(secret), { minLength: 1, maxLength: 3 })),
      metadata: fc.dictionary(clean ? wellFormedString.filter((key) => key !== '__proto__') : nastyString, clean ? (fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>) : nastyJson, { maxKeys: 4 }).map((metadata) => ({ ...metadata, secretValue: secret })),
      tags: fc.array(clean ? validId.filter((tag) => tag.length <= 128) : nastyString, { maxLength: 4 }),
    },
    { requiredKeys: ['role', 'content'] },
  ) as fc.Arbitrary<MessageInput>;
}

/** Budgets that are valid, absurd or not numbers at all. */
export const nastyBudget = fc.record(
  {
    maxTokens: fc.oneof(fc.integer({ min: -10, max: 10_000 }), fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1, 2 ** 60, '4000', null)),
    reserveOutput: fc.oneof(fc.integer({ min: -10, max: 5000 }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, '10')),
    model: fc.oneof(fc.constantFrom('gpt-4o', 'claude-sonnet-4-5', 'no-such-model'), nastyString),
  },
  { requiredKeys: [] },
);
