import { describe, expect, it } from 'vitest';
import { memoizeCount } from './count-memo.js';

describe('memoizeCount', () => {
  it('counts a long text once and returns the same count again', () => {
    let calls = 0;
    const count = memoizeCount((text) => {
      calls += 1;
      return text.length;
    });
    const long = 'word '.repeat(200);
    expect(count(long)).toBe(1000);
    expect(count(`${'word '.repeat(199)}word `)).toBe(1000);
    expect(calls).toBe(1);
  });

  it('counts short texts every time and forgets the oldest long texts past its bound', () => {
    let calls = 0;
    const count = memoizeCount((text) => {
      calls += 1;
      return text.length;
    });
    count('short');
    count('short');
    expect(calls).toBe(2);
    const first = 'a'.repeat(100_000);
    count(first);
    for (let index = 0; index < 25; index += 1) count(String(index).padEnd(100_000, 'b'));
    calls = 0;
    expect(count(first)).toBe(100_000);
    expect(calls).toBe(1);
  });
});
