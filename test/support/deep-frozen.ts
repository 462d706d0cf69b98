/**
 * A deep copy of `value` with every object and array frozen: the form in which a store that caches
 * decoded messages (the Redis store's tail reads) returns nested values.
 */
export function deepFrozen<T>(value: T): T {
  const copy = structuredClone(value);
  freeze(copy);
  return copy;
}

function freeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || value instanceof Date) return;
  Object.freeze(value);
  for (const nested of Object.values(value)) freeze(nested);
}
