import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoizeCount } from './count-memo.js';

function counting() {
  const counter = { calls: 0 };
  const count = memoizeCount((text) => {
    counter.calls += 1;
    // Not a function of the length alone, so a fingerprint collision would show.
    let sum = 0;
    for (const char of text) sum += char.codePointAt(0)!;
    return sum;
  });
  return { count, counter };
}

const exact = (text: string) => [...text].reduce((sum, char) => sum + char.codePointAt(0)!, 0);

describe('memoizeCount', () => {
  it('counts a long text once and returns the same count for an equal text built anew', () => {
    const { count, counter } = counting();
    const long = 'word — '.repeat(200);
    expect(count(long)).toBe(exact(long));
    expect(count(`${'word — '.repeat(199)}word — `)).toBe(exact(long));
    expect(counter.calls).toBe(1);
  });

  it('counts a short text once while it is used', () => {
    const { count, counter } = counting();
    expect(count('Summary of earlier turns:')).toBe(exact('Summary of earlier turns:'));
    expect(count('Summary of earlier turns:')).toBe(exact('Summary of earlier turns:'));
    expect(counter.calls).toBe(1);
  });

  it('tells apart long texts with the same length, start and end', () => {
    const { count, counter } = counting();
    const head = 'h'.repeat(100);
    const tail = 't'.repeat(100);
    const a = `${head}${'a'.repeat(300)}${tail}`;
    const b = `${head}${'a'.repeat(150)}b${'a'.repeat(149)}${tail}`;
    expect(count(a)).toBe(exact(a));
    expect(count(b)).toBe(exact(b));
    expect(count(a)).toBe(exact(a));
    expect(count(b)).toBe(exact(b));
    expect(counter.calls).toBe(2);
  });

  it('always returns the exact count, whatever was counted before', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ minLength: 250, maxLength: 600 }), fc.constantFrom('x'.repeat(300), `${'x'.repeat(299)}y`)), { maxLength: 60 }), (texts) => {
        const { count } = counting();
        for (const text of [...texts, ...texts]) expect(count(text)).toBe(exact(text));
      }),
    );
  });

  it('forgets the least recently used long texts past its bound, and keeps those in use', () => {
    const { count, counter } = counting();
    const first = 'a'.repeat(100_000);
    const kept = 'k'.repeat(100_000);
    count(first);
    for (let index = 0; index < 25; index += 1) {
      count(kept);
      count(String(index).padEnd(100_000, 'b'));
    }
    counter.calls = 0;
    expect(count(kept)).toBe(exact(kept));
    expect(counter.calls).toBe(0);
    expect(count(first)).toBe(exact(first));
    expect(counter.calls).toBe(1);
  });

  it('forgets the least recently used short texts past its bound', () => {
    const { count, counter } = counting();
    count('first text');
    for (let index = 0; index < 5000; index += 1) count(`text ${index}`);
    counter.calls = 0;
    count('first text');
    expect(counter.calls).toBe(1);
  });

  it('keeps a short text in use while thousands of others come and go', () => {
    const { count, counter } = counting();
    for (let index = 0; index < 10_000; index += 1) {
      count('\n\n');
      count(`text ${index}`);
    }
    expect(counter.calls).toBe(10_001);
  });
});
