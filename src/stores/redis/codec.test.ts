import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../types.js';
import { decodeMessage, headCount, headSeq, messageJson } from './codec.js';
import { DecodedTails } from './decoded-tails.js';

/** The head as the tail script and the earlier client read it (the specification of headSeq/headCount). */
const HEAD = /^\{"seq":(\d+),"tc":"([^"]*)",/;

function byRegex(member: string, needle: string): { seq: number; count: number } {
  const head = HEAD.exec(member);
  if (!head) return { seq: Number.NaN, count: 0 };
  const at = head[2]!.indexOf(needle);
  return { seq: Number(head[1]), count: at < 0 ? 0 : Number.parseInt(head[2]!.slice(at + needle.length), 10) || 0 };
}

const encodingName = fc.oneof(fc.constantFrom('o200k_base', 'cl100k_base', 'claude'), fc.string({ minLength: 1, maxLength: 12 }));

const messageArbitrary = fc.record({
  seq: fc.integer({ min: 1, max: 2 ** 40 }),
  id: fc.string({ minLength: 1, maxLength: 20 }),
  role: fc.constantFrom('user' as const, 'assistant' as const, 'system' as const),
  content: fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.array(fc.record({ type: fc.constant('text' as const), text: fc.string({ maxLength: 40 }) }), { maxLength: 3 }),
  ),
  createdAt: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms)),
  // Metadata may hold a "tc" key of its own: only the head counts.
  metadata: fc.dictionary(fc.constantFrom('tc', 'seq', 'k'), fc.string({ maxLength: 10 })),
  tags: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  tokenCounts: fc.dictionary(encodingName, fc.integer({ min: 0, max: 1_000_000 }), { minKeys: 1, maxKeys: 3 }),
  contentHash: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
});

describe('stored message head', () => {
  it('reads the seq and every stored count of a stored message', () => {
    fc.assert(
      fc.property(messageArbitrary, (message) => {
        const json = messageJson(message);
        expect(headSeq(json)).toBe(message.seq);
        for (const [encoding, count] of Object.entries(message.tokenCounts)) expect(headCount(json, `;${encodeURIComponent(encoding)}=`)).toBe(count);
        expect(headCount(json, ';absent_encoding=')).toBe(0);
      }),
    );
  });

  it('agrees with the head pattern on any text', () => {
    const member = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 20 })).map(([seq, tc]) => `{"seq":${seq},"tc":"${tc}",…`),
      fc.tuple(fc.nat(), fc.nat()).map(([seq, count]) => `{"seq":${seq},"tc":";o200k_base=${count}"}`),
    );
    fc.assert(
      fc.property(member, fc.constantFrom(';o200k_base=', ';x='), (text, needle) => {
        const expected = byRegex(text, needle);
        expect(headSeq(text)).toBe(expected.seq);
        if (!Number.isNaN(expected.seq)) expect(headCount(text, needle)).toBe(expected.count);
      }),
    );
  });
});

describe('DecodedTails', () => {
  const stored = (seq: number, text: string): string =>
    messageJson({ seq, id: `m${seq}`, role: 'user', content: [{ type: 'text', text }], createdAt: new Date(seq * 1000), metadata: { k: 'v' }, tags: ['t'], tokenCounts: { o200k_base: 5 }, contentHash: 'h'.repeat(64) });

  it('returns what decodeMessage returns, with the nested values frozen and the top level fresh', () => {
    const tails = new DecodedTails();
    const members = [stored(1, 'one'), stored(2, 'two')];
    for (let read = 0; read < 2; read += 1) {
      const messages = tails.decode('t\u0000c', 'c', members, [1, 2]);
      expect(messages).toEqual(members.map((member) => decodeMessage(member, 'c')));
      expect(Object.isFrozen(messages[0]!.content)).toBe(true);
      expect(Object.isFrozen(messages[0]!.metadata)).toBe(true);
      expect(() => (messages[0]!.content as unknown as Array<unknown>).push('x')).toThrow(TypeError);
      // The caller may change its own copy without changing the next read.
      (messages[0] as { id: string }).id = 'changed';
      messages[0]!.createdAt.setTime(0);
    }
    expect(tails.decode('t\u0000c', 'c', members, [1, 2])[0]).toMatchObject({ id: 'm1', createdAt: new Date(1000) });
  });

  it('reuses a message only for the very same stored text', () => {
    const tails = new DecodedTails();
    const first = tails.decode('t\u0000c', 'c', [stored(1, 'one')], [1]);
    // The same seq with other text (the conversation was deleted and written again): decoded afresh.
    const second = tails.decode('t\u0000c', 'c', [stored(1, 'other')], [1]);
    expect(first[0]!.content).toEqual([{ type: 'text', text: 'one' }]);
    expect(second[0]!.content).toEqual([{ type: 'text', text: 'other' }]);
    const third = tails.decode('t\u0000c', 'c', [stored(1, 'other')], [1]);
    expect(third[0]!.content).toBe(second[0]!.content);
    // Another conversation's tail with the same seqs and text is its own.
    expect(tails.decode('t\u0000d', 'd', [stored(1, 'other')], [1])[0]).toMatchObject({ conversationId: 'd' });
  });

  it('keeps each conversation’s last tail only, within its character bound, least recently read dropped first', () => {
    const one = stored(1, 'x'.repeat(100));
    const tails = new DecodedTails(one.length * 3);
    const content = (key: string) => tails.decode(key, key, [one], [1])[0]!.content;
    const a = content('a');
    const b = content('b');
    const c = content('c');
    expect(tails.size()).toEqual({ conversations: 3, chars: one.length * 3 });
    expect(content('a')).toBe(a);
    content('d');
    expect(tails.size().conversations).toBe(3);
    // b was read least recently, so d took its place; a and c are still there.
    expect(content('c')).toBe(c);
    expect(content('a')).toBe(a);
    expect(content('b')).not.toBe(b);
    // A conversation's tail holds only the members of its last read.
    tails.decode('a', 'a', [stored(2, 'x'.repeat(100))], [2]);
    expect(content('a')).not.toBe(a);
    // A tail larger than the whole bound is not kept, and the conversation's previous tail is dropped.
    tails.decode('a', 'a', [one, stored(2, 'y'.repeat(2000))], [1, 2]);
    expect(tails.size().conversations).toBe(2);
  });
});
