import type { Store } from '../spec/store.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { Message, Scope, Summary } from '../types.js';
import type { Summarizer } from './summarizer.js';

/** What {@link prepareSummary} did, for the assembly report. */
export type SummaryStatus =
  /** No usable summary and nothing (yet) worth summarizing. */
  | 'none'
  /** The stored summary was used as it is. */
  | 'used'
  /** New turns were folded into the summary now (inline mode) and stored. */
  | 'updated'
  /** Summarizing is due and deferred mode left it for `compactConversation` (the last stored summary, if valid, is used). */
  | 'deferred'
  /** Another request stored a summary first and it does not fit this window. */
  | 'skipped'
  /** The summarizer threw or returned an unusable text; nothing was written. */
  | 'failed'
  /** The summarizer did not finish within `timeoutMs`; nothing was written. */
  | 'timeout';

export interface SummaryPolicyOptions {
  readonly store: Store;
  readonly scope: Scope;
  readonly conversationId: string;
  /** Counts the summary text; its encoding is stored with the summary. */
  readonly tokenizer: Tokenizer;
  readonly summarizer: Summarizer;
  /** `inline` summarizes before returning (bounded by `timeoutMs`); `deferred` never waits (see {@link compactConversation}). */
  readonly mode: 'inline' | 'deferred';
  /** Oldest `seq` the recent window keeps verbatim; only turns before it are summarized. */
  readonly windowStartSeq: number;
  /** Summarize only when the uncovered turns before the window hold at least this many tokens (batching). */
  readonly thresholdTokens: number;
  /** Upper bound on the summary text's tokens; a longer result is rejected. */
  readonly maxSummaryTokens: number;
  /** Time limit of one summarizer call, in ms. */
  readonly timeoutMs: number;
  /** Tokens of uncovered turns given to the summarizer in one call. @default max(4 × thresholdTokens, 4000) */
  readonly maxInputTokens?: number;
  /** Clock for `updatedAt`, in ms since epoch. @default Date.now */
  readonly now?: () => number;
  /**
   * Runs work off the hot path (the manager's background tasks). When given and the uncovered
   * turns exceed one summarizer call (imported or long-unsummarized history), inline mode folds
   * the first step as usual and the rest of the backlog there, instead of one `maxInputTokens`
   * step on every later assembly. Absent: one step per call, inline.
   */
  readonly background?: (work: () => Promise<unknown>) => void;
  /** The stored summary (null: none) when the caller already read it; absent: read from the store. */
  readonly storedSummary?: Summary | null;
  readonly signal?: AbortSignal;
}

export interface SummaryPolicyResult {
  /** The summary to place in the context (it covers only turns before `windowStartSeq`), or null. */
  readonly summary: Summary | null;
  readonly status: SummaryStatus;
  /** Why, for the report. Never contains message text. */
  readonly note?: string;
}

/**
 * The rolling, incremental, non-destructive summary policy used by assembly.
 *
 * Turns older than the recent window (`seq < windowStartSeq`) and newer than the stored summary
 * (`seq > coversThroughSeq`) are "uncovered". When they reach `thresholdTokens`, inline mode
 * folds them (oldest first, at most `maxInputTokens` per call) into the summary and stores it
 * with a compare-and-set on `coversThroughSeq`, so two concurrent requests never both advance it;
 * within one process, concurrent calls for the same span share one summarizer call. Raw messages
 * are never touched.
 *
 * Failure-safe: when the summarizer throws, times out, or returns more than `maxSummaryTokens`,
 * nothing is written, and the result carries the last stored summary (when it still lies wholly
 * before the window) with status `failed`/`timeout` and a note, so assembly falls back to trimming.
 */
export async function prepareSummary(options: SummaryPolicyOptions): Promise<SummaryPolicyResult> {
  const stored = options.storedSummary !== undefined ? options.storedSummary : await options.store.getSummary(options.scope, options.conversationId);
  const usable = usableSummary(stored, options);
  const covered = stored?.coversThroughSeq ?? 0;
  if (covered + 1 >= options.windowStartSeq) return result(usable, usable ? 'used' : 'none');

  const maxInputTokens = options.maxInputTokens ?? Math.max(4 * options.thresholdTokens, 4000);
  const { span, more } = await readUncovered(options, covered, maxInputTokens);
  const spanTokens = span.reduce((sum, message) => sum + tokensOf(message, options.tokenizer), 0);
  if (span.length === 0 || spanTokens < options.thresholdTokens) return result(usable, usable ? 'used' : 'none');
  if (options.mode === 'deferred') {
    return result(usable, 'deferred', `${spanTokens}+ tokens of older turns are not summarized yet; call compact() to fold them in`);
  }

  const key = flightKey(options, covered);
  let flight = inFlight.get(options.store)?.get(key);
  if (!flight) {
    flight = summarizeSpan(options, stored, span);
    const flights = inFlight.get(options.store) ?? new Map<string, Promise<SummaryPolicyResult>>();
    inFlight.set(options.store, flights);
    flights.set(key, flight);
    void flight.finally(() => flights.delete(key)).catch(() => undefined);
  }
  const outcome = await flight;
  // A backlog longer than this step: the rest is folded off the hot path, not one step per call.
  if (more && outcome.status === 'updated' && options.background) foldBacklog(options, options.background);
  // The shared result may come from a call with another window; re-check validity for this one.
  if (outcome.summary && outcome.summary.coversThroughSeq >= options.windowStartSeq) {
    return result(usable, outcome.status === 'updated' ? 'used' : outcome.status, outcome.note);
  }
  return outcome;
}

/**
 * Deferred-mode compaction (what `manager.compact(conversationId)` runs, e.g. from Next.js
 * `after()`): folds every uncovered turn before the window into the summary, one summarizer
 * call per `maxInputTokens`, up to `maxSteps` calls, ignoring the threshold only for the tail end.
 *
 * The window start is `windowStartSeq` when given, else the first turn of the newest
 * `keepRecentTokens` tokens (the recent window a later assembly is expected to keep).
 * @returns the final result and how many summarizer calls were made.
 */
export async function compactConversation(
  options: Omit<SummaryPolicyOptions, 'mode' | 'windowStartSeq' | 'storedSummary'> & { windowStartSeq?: number; keepRecentTokens?: number; maxSteps?: number },
): Promise<SummaryPolicyResult & { steps: number }> {
  let windowStartSeq = options.windowStartSeq;
  if (windowStartSeq === undefined) {
    const tail = await options.store.getTail(options.scope, options.conversationId, { maxTokens: Math.max(1, options.keepRecentTokens ?? 0), encoding: options.tokenizer.encoding });
    // getTail includes the message that crosses the budget; the window starts after it.
    const messages = tail.messages;
    const crossing = messages.length > 1 && messages.reduce((sum, message) => sum + tokensOf(message, options.tokenizer), 0) > (options.keepRecentTokens ?? 0);
    windowStartSeq = messages.length === 0 ? 1 : crossing ? messages[1]!.seq : messages[0]!.seq;
  }
  const maxSteps = options.maxSteps ?? 10;
  let last: SummaryPolicyResult = { summary: null, status: 'none' };
  let steps = 0;
  while (steps < maxSteps) {
    const outcome = await prepareSummary({ ...options, mode: 'inline', windowStartSeq, thresholdTokens: steps === 0 ? options.thresholdTokens : 1 });
    if (outcome.status !== 'updated') return { ...(steps > 0 && outcome.status === 'used' ? { ...outcome, status: 'updated' as const } : outcome), steps };
    last = outcome;
    steps++;
  }
  return { ...last, steps };
}

const inFlight = new WeakMap<Store, Map<string, Promise<SummaryPolicyResult>>>();
/** Conversations whose backlog is being folded in the background, per store (one fold each at a time). */
const folding = new WeakMap<Store, Set<string>>();

/** Folds every uncovered turn before `windowStartSeq` into the summary in `background`, once per conversation at a time. */
function foldBacklog(options: SummaryPolicyOptions, background: (work: () => Promise<unknown>) => void): void {
  const key = JSON.stringify([options.scope.tenantId, options.scope.userId ?? null, options.conversationId]);
  const running = folding.get(options.store) ?? new Set<string>();
  folding.set(options.store, running);
  if (running.has(key)) return;
  running.add(key);
  const { background: _inline, storedSummary: _read, signal: _caller, ...rest } = options;
  background(async () => {
    try {
      // Each step re-reads the stored summary, so a concurrent writer's fold is built upon, not undone.
      for (;;) {
        const step = await prepareSummary({ ...rest, mode: 'inline', thresholdTokens: 1 });
        if (step.status !== 'updated') return step;
      }
    } finally {
      running.delete(key);
    }
  });
}

function flightKey(options: SummaryPolicyOptions, covered: number): string {
  return JSON.stringify([options.scope.tenantId, options.scope.userId ?? null, options.conversationId, covered]);
}

async function summarizeSpan(options: SummaryPolicyOptions, stored: Summary | null, span: readonly Message[]): Promise<SummaryPolicyResult> {
  const usable = usableSummary(stored, options);
  const controller = new AbortController();
  const abortFromCaller = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', abortFromCaller, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = Symbol('timeout');
  try {
    const timeout = new Promise<typeof timedOut>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new DOMException('summarizer timed out', 'TimeoutError'));
        resolve(timedOut);
      }, options.timeoutMs);
    });
    // Race as well as abort: a summarizer that ignores its signal must not hold assembly.
    const outcome = await Promise.race([
      options.summarizer.summarize({ previousSummary: stored?.text ?? null, messages: span, maxTokens: options.maxSummaryTokens, signal: controller.signal }),
      timeout,
    ]);
    if (outcome === timedOut) return result(usable, 'timeout', `summarizer did not finish within ${options.timeoutMs} ms; using plain trimming`);
    if (typeof outcome?.text !== 'string' || outcome.text.trim().length === 0) return result(usable, 'failed', 'summarizer returned no text; using plain trimming');
    const tokenCount = options.tokenizer.count(outcome.text);
    if (tokenCount > options.maxSummaryTokens) {
      return result(usable, 'failed', `summarizer returned ${tokenCount} tokens, over maxSummaryTokens (${options.maxSummaryTokens}); using plain trimming`);
    }
    const summary: Summary = {
      text: outcome.text,
      coversThroughSeq: span[span.length - 1]!.seq,
      tokenCount,
      encoding: options.tokenizer.encoding,
      updatedAt: new Date((options.now ?? Date.now)()),
    };
    const written = await options.store.putSummary(options.scope, options.conversationId, summary, { expectedCoversThroughSeq: stored?.coversThroughSeq ?? null });
    if (written.applied) return result(summary, 'updated', `folded ${span.length} turns (seq ${span[0]!.seq}–${summary.coversThroughSeq}) into the summary`);
    const current = usableSummary(written.current, options);
    return result(current, current ? 'used' : 'skipped', 'another request updated the summary first; using the stored one');
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    const kind = error instanceof Error ? error.name : typeof error;
    return result(usable, 'failed', `summarizer failed (${kind}); stored history and summary are unchanged; using plain trimming`);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', abortFromCaller);
  }
}

/**
 * Uncovered turns before the window, oldest first, up to `maxInputTokens` (at least one turn);
 * `more` when uncovered turns remain after them.
 */
async function readUncovered(options: SummaryPolicyOptions, covered: number, maxInputTokens: number): Promise<{ span: Message[]; more: boolean }> {
  const span: Message[] = [];
  let tokens = 0;
  let afterSeq = covered;
  for (;;) {
    const page = await options.store.listMessages(options.scope, options.conversationId, { order: 'asc', afterSeq, beforeSeq: options.windowStartSeq, limit: 200 });
    for (const message of page) {
      const cost = tokensOf(message, options.tokenizer);
      if (span.length > 0 && tokens + cost > maxInputTokens) return { span, more: true };
      span.push(message);
      tokens += cost;
    }
    if (page.length < 200) return { span, more: false };
    afterSeq = page[page.length - 1]!.seq;
  }
}

/** A stored summary is usable when it covers only turns before the window (else it would repeat the window). */
function usableSummary(summary: Summary | null, options: Pick<SummaryPolicyOptions, 'windowStartSeq' | 'tokenizer'>): Summary | null {
  if (!summary || summary.coversThroughSeq >= options.windowStartSeq) return null;
  if (summary.encoding === options.tokenizer.encoding) return summary;
  return { ...summary, tokenCount: options.tokenizer.count(summary.text), encoding: options.tokenizer.encoding };
}

function tokensOf(message: Message, tokenizer: Tokenizer): number {
  return message.tokenCounts[tokenizer.encoding] ?? tokenizer.count(JSON.stringify(message.content));
}

function result(summary: Summary | null, status: SummaryStatus, note?: string): SummaryPolicyResult {
  return note === undefined ? { summary, status } : { summary, status, note };
}
