import type { PGlite } from '@electric-sql/pglite';

/**
 * Makes the timers PGlite's engine arms while it runs a query `unref`'d, so a process that used the
 * store and did not call `close()` still exits as soon as its own work is done.
 *
 * Why: after each statement PostgreSQL arms its idle-statistics timeout (`IDLE_STATS_UPDATE_TIMEOUT`,
 * `PGSTAT_IDLE_INTERVAL` = 10 s in src/include/pgstat.h) through `setitimer`, which the WASM build
 * maps to a global `setTimeout`; that one pending timer kept Node alive ~10 s after the last call.
 * The timer only flushes in-memory statistics, which nothing here reads, so letting the process exit
 * before it fires loses nothing.
 *
 * How: PGlite runs every query through the synchronous `execProtocolRawSync`, and the engine reads
 * the global `setTimeout` when it arms a timer. For exactly the span of that synchronous call (no
 * other JavaScript can run inside it) the global is swapped for one that unrefs what it creates.
 */
export function unrefEngineTimers(db: PGlite): void {
  const target = db as unknown as { execProtocolRawSync?: (message: Uint8Array) => Uint8Array };
  const original = target.execProtocolRawSync;
  if (typeof original !== 'function') return;
  const bound = original.bind(db);
  target.execProtocolRawSync = (message: Uint8Array) => {
    const setTimeoutBefore = globalThis.setTimeout;
    const unrefTimeout = ((...args: Parameters<typeof setTimeout>) => {
      const timer = setTimeoutBefore(...args);
      (timer as { unref?: () => void }).unref?.();
      return timer;
    }) as typeof setTimeout;
    globalThis.setTimeout = unrefTimeout;
    try {
      return bound(message);
    } finally {
      globalThis.setTimeout = setTimeoutBefore;
    }
  };
}
