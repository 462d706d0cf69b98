/** Longest a section source may take by default, in ms (see `ContextManagerOptions.sourceTimeoutMs`). */
export const DEFAULT_SOURCE_TIMEOUT_MS = 15_000;

/**
 * Runs a section source; a failure or a timeout becomes a line in `notes` and `undefined` (an empty
 * section), never a failed call — a hung summarizer, embedder or search backend must not hang or
 * fail assembly.
 */
export async function runSource<T>(
  notes: string[],
  section: string,
  run: () => Promise<T>,
  timeoutMs = DEFAULT_SOURCE_TIMEOUT_MS,
  onFail?: (reason: 'timed out' | 'failed') => void,
): Promise<T | undefined> {
  const timedOut = Symbol('timed out');
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // A source that never settles is abandoned, not awaited forever.
    const result = await Promise.race([run(), new Promise<typeof timedOut>((resolve) => (timer = setTimeout(() => resolve(timedOut), timeoutMs)))]);
    if (result === timedOut) {
      notes.push(`${section} source timed out after ${timeoutMs} ms; the section was left empty`);
      onFail?.('timed out');
      return undefined;
    }
    return result;
  } catch (error) {
    const kind = error instanceof Error ? error.name : typeof error;
    notes.push(`${section} source failed (${kind}); the section was left empty`);
    onFail?.('failed');
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
