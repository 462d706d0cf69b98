import { LLMContextError, StoreError, StoreUnavailableError } from '../../errors.js';

/**
 * The structural subset of an `ioredis` `Redis` or `Cluster` instance this store uses. The core
 * never imports `ioredis`: the caller passes in the client, and owns (and closes) it.
 *
 * Multi-key reads go out as individual commands issued together (ioredis writes them to the
 * socket without waiting, and a `Cluster` routes each by its own slot), never as one pipeline,
 * because an ioredis pipeline on a `Cluster` must stay within one node.
 */
export interface RedisClientLike {
  evalsha(sha: string, numKeys: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
  hget(key: string, field: string): Promise<string | null>;
  hmget(key: string, ...fields: string[]): Promise<Array<string | null>>;
  zcard(key: string): Promise<number>;
  hgetall(key: string): Promise<Record<string, string>>;
  zrevrange(key: string, start: number, stop: number): Promise<string[]>;
  zrangebyscore(key: string, min: string | number, max: string | number, limit: 'LIMIT', offset: number, count: number): Promise<string[]>;
  zrem(key: string, ...members: string[]): Promise<number>;
  zscore(key: string, member: string): Promise<string | null>;
  zscan(key: string, cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', size: number): Promise<[cursor: string, elements: string[]]>;
  smembers(key: string): Promise<string[]>;
  unlink(...keys: string[]): Promise<number>;
  /** `MULTI … EXEC` in one round trip (every key of one transaction shares a hash tag). */
  multi(): RedisTransactionLike;
  /**
   * `true` for an ioredis `Cluster` (ioredis sets it on both classes). Commands to different slots
   * then travel over different connections, so their order is not the order they were sent in.
   */
  readonly isCluster?: boolean;
}

/** The commands this store queues in a `MULTI` (see {@link RedisClientLike.multi}). */
export interface RedisTransactionLike {
  hmget(key: string, ...fields: string[]): RedisTransactionLike;
  hgetall(key: string): RedisTransactionLike;
  hget(key: string, field: string): RedisTransactionLike;
  zrevrangebyscore(key: string, max: string, min: string, limit: 'LIMIT', offset: number, count: number): RedisTransactionLike;
  zrangebyscore(key: string, min: string, max: string, limit: 'LIMIT', offset: number, count: number): RedisTransactionLike;
  zrangebylex(key: string, min: string, max: string, limit: 'LIMIT', offset: number, count: number): RedisTransactionLike;
  zcard(key: string): RedisTransactionLike;
  zrevrange(key: string, start: number, stop: number): RedisTransactionLike;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

/** A Lua script with its SHA-1, computed lazily with Web Crypto (the core imports no `node:` module). */
export interface RedisScript {
  readonly name: string;
  readonly source: string;
  sha?: Promise<string>;
  /** The SHA-1 once computed, so a call needs no await for it. */
  shaHex?: string;
}

export function defineScript(name: string, source: string): RedisScript {
  return { name, source };
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Runs a script by SHA (`EVALSHA`), loading it with `EVAL` when the server answers `NOSCRIPT`
 * (after a restart, or on a cluster node that has not seen it yet).
 */
export function runScript(client: RedisClientLike, script: RedisScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
  if (script.shaHex !== undefined) return sendScript(client, script, script.shaHex, keys, args);
  return scriptSha(script).then((sha) => sendScript(client, script, sha, keys, args));
}

/** The script's SHA-1 (computed once). */
export function scriptSha(script: RedisScript): Promise<string> {
  script.sha ??= sha1Hex(script.source).then((sha) => (script.shaHex = sha));
  return script.sha;
}

/**
 * {@link runScript} with the SHA already at hand: the `EVALSHA` is written before this returns, so
 * scripts sent one after another on one connection run in that order (a `NOSCRIPT` retry excepted).
 */
export async function sendScript(client: RedisClientLike, script: RedisScript, sha: string, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return client.eval(script.source, keys.length, ...keys, ...args);
    throw error;
  }
}

const UNREACHABLE = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
  'Connection is closed',
  'max retries per request',
  "Stream isn't writeable",
  'Failed to refresh slots cache',
  'None of startup nodes is available',
  'CLUSTERDOWN',
  'TRYAGAIN',
  'LOADING',
];

/** True when the driver error means the server could not be reached or the connection dropped. */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const text = `${error.name} ${(error as { code?: string }).code ?? ''} ${error.message}`.toLowerCase();
  if (error.name === 'MaxRetriesPerRequestError' || error.name === 'ClusterAllFailedError') return true;
  return UNREACHABLE.some((marker) => text.includes(marker.toLowerCase()));
}

/**
 * Converts a driver error into a typed error naming the store and operation: our own typed errors
 * pass through; unreachable servers become a retryable `StoreUnavailableError`; anything else a
 * `StoreError` (the driver error is kept as `cause`; its text is not copied, as it may echo arguments).
 */
export function toStoreError(store: string, operation: string, error: unknown): LLMContextError {
  if (LLMContextError.isInstance(error)) return error;
  if (isUnreachable(error)) return new StoreUnavailableError({ store, operation, cause: error });
  const name = error instanceof Error ? error.name : typeof error;
  return new StoreError({ store, operation, detail: `the Redis server returned an error (${name}); see error.cause`, cause: error });
}
