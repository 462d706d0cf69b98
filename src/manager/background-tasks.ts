/** What a manager runs off the hot path: after `append` returns, or a summary backlog `assemble` found. */
export type BackgroundTask = 'embeddings' | 'memories' | 'summary';

/**
 * Work started after a call returns (off the hot path): tracked so `settled()` can wait for it
 * (tests, serverless `after()`), and never failing the call — a failure goes to `onError`.
 */
export interface BackgroundTasks {
  run(task: BackgroundTask, work: () => Promise<unknown>): void;
  /** Resolves when every task started so far has finished (failed ones included). */
  settled(): Promise<void>;
}

export function createBackgroundTasks(onError: ((error: unknown, context: { task: BackgroundTask }) => void) | undefined): BackgroundTasks {
  const pending = new Set<Promise<unknown>>();
  return {
    run(task, work) {
      const running = work()
        .catch((error: unknown) => {
          try {
            onError?.(error, { task });
          } catch {
            // A throwing error handler must not become an unhandled rejection.
          }
        })
        .finally(() => pending.delete(running));
      pending.add(running);
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
