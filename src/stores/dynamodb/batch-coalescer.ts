import type { Item } from './codec.js';

/**
 * Group commit for DynamoDB's batch APIs: `BatchWriteItem` / `BatchGetItem` requests of concurrent
 * callers in one process share requests (up to `maxItems` entries each). When nothing is
 * outstanding a request leaves at once, so a lone caller pays no delay; while one is outstanding,
 * callers queue up and leave together when it returns, unless a full request (`maxItems`) has
 * queued, which is sent in parallel, up to `maxInFlight` at once, or the oldest caller has waited
 * `holdMs` (a slow or retried request holds nobody up longer). A busy process thus sends fewer,
 * fuller requests (each request has a fixed cost: SigV4 signing, HTTP, the service's per-request
 * work; see README.md beside this file) and bulk writes still run in parallel.
 *
 * Each caller's promise settles once all of its entries are processed; entries the service leaves
 * unprocessed (throttling) are retried with full-jitter backoff. When a shared request fails, every
 * caller in it is retried alone, so one caller's bad item fails only that caller.
 */
export interface BatchCoalescer<P> {
  /** Queues `payloads`; @returns the items the requests returned for them (reads), once all are processed. */
  submit(payloads: readonly P[]): Promise<Item[]>;
}

export interface CoalescerOptions<P> {
  /** Entries per request (DynamoDB: 25 for BatchWriteItem, 100 keys for BatchGetItem). */
  readonly maxItems: number;
  /** Full requests outstanding at once. `Infinity` turns sharing off: every call sends its own requests at once. */
  readonly maxInFlight: number;
  /** Longest a partial request waits (ms) for an outstanding one to return: a slow or retried request holds others up no longer. */
  readonly holdMs: number;
  /** Attempts for entries left unprocessed before the caller's promise rejects. */
  readonly retries: number;
  /** What the request does, for the error after the retries. */
  readonly label: string;
  /** Identity of the item an entry touches: one request may hold each at most once (DynamoDB rejects duplicates). */
  keyOf(payload: P): string;
  /** Identity of an item a request returned (reads), matching {@link keyOf} of the entry that asked for it. */
  itemKeyOf?(item: Item): string;
  /** Sends one request. @returns the items returned and the entries left unprocessed. */
  send(payloads: P[]): Promise<{ items?: Item[]; unprocessed: P[] }>;
  /** Waits before retry `attempt` (1-based). */
  backoff(attempt: number): Promise<void>;
}

interface Owner {
  pending: number;
  failed: boolean;
  readonly items: Item[];
  resolve(items: Item[]): void;
  reject(error: unknown): void;
}

interface Entry<P> {
  readonly payload: P;
  readonly key: string;
  readonly owner: Owner;
  attempt: number;
  /** When it (re)joined the queue, ms since epoch. */
  queuedAt: number;
}

export function createBatchCoalescer<P>(options: CoalescerOptions<P>): BatchCoalescer<P> {
  const queue: Array<Entry<P>> = [];
  let head = 0;
  let inFlight = 0;
  let holdTimer: ReturnType<typeof setTimeout> | undefined;
  const enqueue = (entry: Entry<P>) => {
    entry.queuedAt = Date.now();
    queue.push(entry);
  };

  const fail = (owner: Owner, error: unknown) => {
    if (owner.failed) return;
    owner.failed = true;
    owner.reject(error);
  };
  const done = (entry: Entry<P>) => {
    entry.owner.pending -= 1;
    if (entry.owner.pending === 0 && !entry.owner.failed) entry.owner.resolve(entry.owner.items);
  };

  /** The next request's entries: queue order, each key once (a repeated key waits for a later request). */
  function take(): Array<Entry<P>> {
    const group: Array<Entry<P>> = [];
    const keys = new Set<string>();
    const deferred: Array<Entry<P>> = [];
    while (head < queue.length && group.length < options.maxItems) {
      const entry = queue[head]!;
      head += 1;
      if (entry.owner.failed) continue;
      if (keys.has(entry.key)) deferred.push(entry);
      else {
        keys.add(entry.key);
        group.push(entry);
      }
    }
    head -= deferred.length;
    deferred.forEach((entry, index) => (queue[head + index] = entry));
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    return group;
  }

  function pump(): void {
    while (inFlight < options.maxInFlight && head < queue.length) {
      // While a request is out, a partial one waits for it (and fills up), at most holdMs; full ones go in parallel.
      if (inFlight > 0 && queue.length - head < options.maxItems && Number.isFinite(options.maxInFlight)) {
        const waited = Date.now() - queue[head]!.queuedAt;
        if (waited < options.holdMs) {
          holdTimer ??= setTimeout(() => {
            holdTimer = undefined;
            pump();
          }, options.holdMs - waited);
          return;
        }
      }
      const group = take();
      if (group.length === 0) continue;
      inFlight += 1;
      void run(group).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  }

  function settle(group: Array<Entry<P>>, result: { items?: Item[]; unprocessed: P[] }): void {
    const byKey = new Map(group.map((entry) => [entry.key, entry]));
    for (const item of result.items ?? []) byKey.get(options.itemKeyOf!(item))?.owner.items.push(item);
    const unprocessed = new Set(result.unprocessed.map((payload) => options.keyOf(payload)));
    for (const entry of group) {
      if (!unprocessed.has(entry.key)) {
        done(entry);
        continue;
      }
      entry.attempt += 1;
      if (entry.attempt > options.retries) {
        fail(entry.owner, new Error(`${options.label} left items unprocessed after ${options.retries} retries (throttled)`));
        continue;
      }
      void options.backoff(entry.attempt).then(() => {
        enqueue(entry);
        pump();
      });
    }
  }

  async function run(group: Array<Entry<P>>): Promise<void> {
    try {
      settle(group, await options.send(group.map((entry) => entry.payload)));
    } catch (error) {
      const owners = [...new Set(group.map((entry) => entry.owner))];
      if (owners.length === 1) {
        fail(owners[0]!, error);
        return;
      }
      // A shared request failed: retry each caller's entries alone, so the error reaches only its cause.
      await Promise.all(
        owners.map(async (owner) => {
          const own = group.filter((entry) => entry.owner === owner);
          try {
            settle(own, await options.send(own.map((entry) => entry.payload)));
          } catch (ownError) {
            fail(owner, ownError);
          }
        }),
      );
    }
  }

  return {
    submit(payloads) {
      if (payloads.length === 0) return Promise.resolve([]);
      return new Promise<Item[]>((resolve, reject) => {
        const owner: Owner = { pending: payloads.length, failed: false, items: [], resolve, reject };
        for (const payload of payloads) enqueue({ payload, key: options.keyOf(payload), owner, attempt: 0, queuedAt: 0 });
        pump();
      });
    },
  };
}
