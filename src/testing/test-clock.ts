/** A clock tests control: stores read `now()`; tests `advance()` it to cross TTLs. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
  set(ms: number): void;
}

/** @param start ms since epoch; default 2026-01-01T00:00:00Z */
export function createTestClock(start = Date.UTC(2026, 0, 1)): TestClock {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}
