import type { ContextRead } from './store.js';

/**
 * The tail of `read` cut at its summary's coverage (`seq > coversThroughSeq`), `reachedStart`
 * false when anything was cut: what `readContext` returns with `stopAtSummary`. Stores that stop
 * the read itself return the same; the store layer applies this to every store's answer, so the
 * rule has one definition.
 */
export function stopTailAtSummary(read: ContextRead): ContextRead {
  const floor = read.summary?.coversThroughSeq;
  if (floor === undefined || read.tail.messages.length === 0 || read.tail.messages[0]!.seq > floor) return read;
  const messages = read.tail.messages.filter((message) => message.seq > floor);
  return { ...read, tail: { messages, reachedStart: false } };
}
