import { deepFreeze } from '../../src/stores/redis/decoded-tails.js';

/**
 * A deep copy of `value` with every object and array frozen: the form in which a store that caches
 * decoded messages (the Redis store's tail reads) returns nested values.
 */
export function deepFrozen<T>(value: T): T {
  const copy = structuredClone(value);
  deepFreeze(copy);
  return copy;
}
