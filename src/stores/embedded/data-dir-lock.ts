import lockfile from 'proper-lockfile';
import { StoreLockedError } from '../../errors.js';

/** A held data-directory lock: `release()` frees it (idempotent). */
export interface DataDirLock {
  release(): Promise<void>;
}

/**
 * How old (ms) a lock may get before another process may take it over. The holder refreshes the
 * lock's mtime every `STALE_MS / 2` on an `unref`'d timer; a crashed holder's lock is taken over after
 * this long. Long enough that a busy event loop (PGlite runs queries synchronously) does not lose it.
 */
const STALE_MS = 30_000;

/**
 * Takes the one-process lock on an embedded data directory (proper-lockfile: an atomic `mkdir` of
 * `<dataDir>.lock`, refreshed while held, released on `release()` or process exit). Fails at once,
 * never waits: a second process must not open the same directory (PGlite is single-process, two
 * writers lose data).
 * @throws {StoreLockedError} when another live process holds the directory.
 */
export async function lockDataDir(options: { dataDir: string }): Promise<DataDirLock> {
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(options.dataDir, {
      stale: STALE_MS,
      retries: 0,
      realpath: true,
      // The default throws from a timer (crashing the process) when the refresh fails; we keep
      // running and let the next opener see a stale lock instead.
      onCompromised: () => undefined,
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'ELOCKED') throw new StoreLockedError({ dataDir: options.dataDir, cause: error });
    throw error;
  }
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      await release().catch(() => undefined);
    },
  };
}
