import { type JsonObject, type JsonValue } from '../../src/index.js';

/**
 * Converts an SDK value to JSON for storage: `undefined` object members are dropped (as
 * `JSON.stringify` does), bytes become base64 strings, `URL`s their `href`, `Date`s ISO strings.
 * Non-finite numbers become `null`, as in `JSON.stringify`.
 */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value instanceof Uint8Array) return bytesToBase64(value);
  if (value instanceof ArrayBuffer) return bytesToBase64(new Uint8Array(value));
  if (value instanceof URL) return value.href;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : toJsonValue(item)));
  if (typeof value === 'object') return toJsonObject(value as Record<string, unknown>);
  return null;
}

/** {@link toJsonValue} for an object; members whose value is `undefined` are left out. */
export function toJsonObject(value: Record<string, unknown>): JsonObject {
  const result: JsonObject = {};
  for (const [key, member] of Object.entries(value)) {
    // defineProperty, not assignment: a `__proto__` key in caller data must stay a plain member.
    if (member !== undefined) Object.defineProperty(result, key, { value: toJsonValue(member), enumerable: true, writable: true, configurable: true });
  }
  return result;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// btoa/atob instead of Buffer: the integration also runs on edge runtimes without `node:` modules.
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + chunk));
  }
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** Canonical JSON (object keys sorted), for comparing two values by content. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(toJsonValue(value)));
}

function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isJsonObject(value)) {
    const sorted: JsonObject = {};
    for (const key of Object.keys(value).sort()) {
      Object.defineProperty(sorted, key, { value: sortKeys(value[key] as JsonValue), enumerable: true, writable: true, configurable: true });
    }
    return sorted;
  }
  return value;
}
