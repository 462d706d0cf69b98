import { DEFAULT_MAX_PINNED } from '../memories/select-memories.js';
import type { Store } from '../spec/store.js';
import { validateConversationId, validateQuery, validateScope } from '../spec/validate.js';
import type { ToolDefinition } from '../tokens/message-tokens.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { Scope } from '../types.js';
import { buildReport } from './build-report.js';
import { composePrompt } from './compose-prompt.js';
import type { ContextMessage } from './context-message.js';
import { findCurrentTurn } from './current-turn.js';
import { dedupeAgainstWindow } from './fit-excerpts.js';
import { fitWindow, provisionalWindow, storedSystemMessages } from './fit-window.js';
import { gatherSections, type RecallOptions } from './gather-sections.js';
import { createMessageCounter } from './message-counter.js';
import { QUESTION_NEIGHBOURS } from './turn-shares.js';
import { capSections, planBudget, type BudgetOptions, type SectionShares } from './plan-budget.js';
import { readHistory } from './read-history.js';
import type { AssemblyReport } from './report.js';
import type { SectionSources } from './sources.js';
import { messageText } from '../messages/message-text.js';
import { blockCost, renderRecall, type SystemBlock } from './system-blocks.js';
import type { Message } from '../types.js';
import { groupIntoUnits } from './tool-groups.js';

export interface AssembleOptions {
  readonly scope: Scope;
  readonly budget: BudgetOptions;
  /** The system prompt (instructions). Counted and always kept. */
  readonly system?: string;
  /** Tool definitions the call will pass to the model. Counted, not returned. */
  readonly tools?: readonly ToolDefinition[];
  /** Text to retrieve memories and recall by. Default: the current user turn's text. */
  readonly query?: string;
  readonly shares?: SectionShares;
  readonly recall?: RecallOptions;
  readonly signal?: AbortSignal;
}

export interface AssembleResult {
  readonly messages: readonly ContextMessage[];
  readonly report: AssemblyReport;
}

/** What assembly runs on: the store, the section sources, the tokenizer and the caller's defaults. */
export interface AssemblyContext {
  readonly store: Store;
  readonly sources: SectionSources;
  readonly tokenizer: Tokenizer;
  /** Shares and recall options the call's own override, key by key. */
  readonly defaults?: { readonly shares?: SectionShares; readonly recall?: RecallOptions };
  /** Longest one section source may take, in ms. */
  readonly sourceTimeoutMs?: number;
}

/**
 * Assembles the prompt for the next call, as a pipeline of named stages:
 * 1. {@link planBudget}: resolve the budget, subtract the fixed costs;
 * 2. {@link readHistory}: the tail that can fit (one round trip where the store has `readContext`);
 *    then {@link capSections} splits what the current turn leaves into section caps;
 * 3. {@link gatherSections}: memories, summary and recall under their caps;
 * 4. {@link fitWindow}: the recent turns in what is left (reading further back when all fit),
 *    recalled turns the window holds anyway removed ({@link dedupeAgainstWindow});
 * 5. {@link composePrompt} counts it exactly (overflow fix-up) and {@link buildReport} reports it.
 * @returns the messages and a report whose section tokens sum exactly to `report.totalTokens`.
 * @throws {ValidationError} (code `invalid_budget`) for a bad budget; `invalid_input` for bad options.
 * @throws {BudgetTooSmallError} when the system prompt, tools and current turn alone exceed the budget.
 * @throws {NotFoundError} when the conversation is absent in this scope.
 */
export async function assembleContext(context: AssemblyContext, conversationId: string, options: AssembleOptions): Promise<AssembleResult> {
  validateScope(options?.scope);
  validateConversationId(conversationId);
  const { store, tokenizer } = context;
  const plan = planBudget({ budget: options.budget, tokenizer, system: options.system, tools: options.tools, shares: { ...context.defaults?.shares, ...options.shares } });
  if (options.query !== undefined) validateQuery('query', options.query);
  const { scope } = options;
  const encoding = tokenizer.encoding;
  const target = { store, scope, conversationId, encoding };
  const counter = createMessageCounter(tokenizer);

  const wantPinned = plan.shares.memories > 0 && store.capabilities.memories.available;
  // With a summary section the window stops at the summary's coverage, so the first read does too.
  const read = await readHistory(target, { maxTokens: plan.windowMax, ...(wantPinned ? { pinnedMemories: DEFAULT_MAX_PINNED } : {}), stopAtSummary: plan.shares.summary > 0 });
  const units = groupIntoUnits(read.messages, counter.countChecked);
  const current = findCurrentTurn(units);
  const storedSystem = storedSystemMessages(read);
  const storedSystemTokens = storedSystem.length > 0 ? blockCost(tokenizer, renderStoredSystem(storedSystem)) : 0;
  const query = options.query ?? (current ? messageText(current.messages[0]!) : '');
  const caps = capSections(plan, { currentTokens: current?.tokens ?? 0, hasCurrent: current !== undefined, storedSystemTokens, turnText: query });
  const { windowStartSeq, wholeHistoryFits } = provisionalWindow({ units, current, read, budget: caps.rest - caps.memories - caps.summary - caps.recall });

  const sections = await gatherSections({
    sources: context.sources,
    store,
    scope,
    conversationId,
    tokenizer,
    caps,
    query,
    windowStartSeq,
    wholeHistoryFits,
    ...(read.prefetched ? { prefetched: read.prefetched } : {}),
    recall: { ...(caps.shares?.basis === 'question about earlier turns' ? { neighbours: QUESTION_NEIGHBOURS } : {}), ...context.defaults?.recall, ...options.recall },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(context.sourceTimeoutMs !== undefined ? { sourceTimeoutMs: context.sourceTimeoutMs } : {}),
  });
  const notes = [...sections.notes];
  const dropped = [...sections.dropped];

  // The window gets everything the sections left, but never reaches back over turns the summary covers.
  const summaryFloor = sections.summaryUsed ? (sections.summary.summary?.coversThroughSeq ?? 0) : 0;
  const fit = await fitWindow({ target, read, units, current, budget: caps.rest - sections.optionalTokens, summaryFloor, counter });
  if (counter.recounted > 0) notes.push(`${counter.recounted} messages had no stored ${encoding} count and were counted on read`);

  const windowStart = fit.window.units[0]?.messages[0]!.seq ?? current?.messages[0]!.seq ?? Number.MAX_SAFE_INTEGER;
  const excerpts = dedupeAgainstWindow(sections.excerpts, conversationId, windowStart, dropped, counter.tokensOf);
  dropped.push(...fit.window.dropped);
  // System messages found by continuation reads join too; the overflow fix-up below keeps the budget.
  const systemMessages = storedSystemMessages(fit.read);
  const blocks: SystemBlock[] = [
    ...(plan.systemText ? [{ section: 'system' as const, text: plan.systemText }] : []),
    ...(systemMessages.length > 0 ? [{ section: 'system' as const, text: renderStoredSystem(systemMessages) }] : []),
    ...sections.blocks,
    ...(excerpts.length > 0 ? [{ section: 'recall' as const, text: renderRecall(excerpts, conversationId) }] : []),
  ];

  const prompt = composePrompt({
    tokenizer,
    plan,
    caps: { ...caps, recall: sections.recallCap },
    blocks,
    units: fit.window.units,
    current,
    items: { memories: sections.memories.length, summary: sections.summaryUsed ? 1 : 0, recall: excerpts.reduce((sum, excerpt) => sum + excerpt.messages.length, 0), storedSystem: systemMessages.length },
    toolCount: options.tools?.length ?? 0,
  });
  dropped.push(...prompt.dropped);
  const report = buildReport({
    budget: plan.budget,
    encoding,
    prompt,
    current,
    conversation: read.conversation,
    historyLength: fit.read.messages.length,
    summary: sections.summary,
    summaryUsed: sections.summaryUsed,
    memories: sections.memories,
    excerpts,
    dropped,
    reads: fit.read.reads,
    notes,
    ...(caps.shares ? { shares: caps.shares } : {}),
    reasons: { ...sections.reasons, ...(sections.excerpts.length > 0 && excerpts.length === 0 ? { recall: 'already in the window' } : {}) },
  });
  return { messages: prompt.messages, report };
}

/** Stored system messages as one block of the leading system message: their text, in order. */
function renderStoredSystem(messages: readonly Message[]): string {
  return messages.map((message) => messageText(message)).join('\n\n');
}
