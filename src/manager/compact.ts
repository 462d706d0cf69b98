import { ValidationError } from '../errors.js';
import type { Store } from '../spec/store.js';
import { validateConversationId, validateScope } from '../spec/validate.js';
import { compactConversation, type SummaryPolicyResult } from '../summarize/policy.js';
import type { Summarizer } from '../summarize/summarizer.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { Scope } from '../types.js';
import type { ContextManagerOptions } from './manager-options.js';

export interface CompactOptions {
  readonly scope: Scope;
  /** Tokens of the newest turns left out of the summary. @default 2000 */
  readonly keepRecentTokens?: number;
  /** Longest summary in tokens. @default 800 */
  readonly maxSummaryTokens?: number;
  readonly signal?: AbortSignal;
}

/**
 * Deferred summarization: folds the turns older than the newest `keepRecentTokens` into the stored
 * summary now, so later `assemble` calls find it ready.
 * @throws {ValidationError} when summaries are off (`summary: false`).
 */
export async function compact(options: {
  store: Store;
  summarizer: Summarizer | undefined;
  settings: Exclude<ContextManagerOptions['summary'], false>;
  clock: { now(): number } | undefined;
  tokenizer: () => Promise<Tokenizer>;
  conversationId: string;
  compact: CompactOptions;
}): Promise<SummaryPolicyResult> {
  const { summarizer, settings, clock, conversationId, compact: call } = options;
  if (!summarizer) throw new ValidationError({ field: 'summary', message: 'is off (summary: false); remove it to compact with the default summarizer' });
  validateScope(call.scope);
  validateConversationId(conversationId);
  return compactConversation({
    store: options.store,
    scope: call.scope,
    conversationId,
    tokenizer: await options.tokenizer(),
    summarizer,
    thresholdTokens: settings?.thresholdTokens ?? 1000,
    maxSummaryTokens: call.maxSummaryTokens ?? 800,
    timeoutMs: settings?.timeoutMs ?? 10_000,
    keepRecentTokens: call.keepRecentTokens ?? 2000,
    ...(clock ? { now: () => clock.now() } : {}),
    ...(call.signal ? { signal: call.signal } : {}),
  });
}
