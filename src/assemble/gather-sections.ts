import type { ContextRead, Store } from '../spec/store.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { Memory, Scope } from '../types.js';
import { fitExcerpts } from './fit-excerpts.js';
import type { SectionCaps } from './plan-budget.js';
import type { DroppedItem } from './report.js';
import { runSource } from './run-source.js';
import type { SectionSources, SummarySourceResult } from './sources.js';
import { blockCost, memoryLine, renderMemories, renderRecall, renderSummary, type RecallExcerpt, type SystemBlock } from './system-blocks.js';

// Stage 3 of assembly: memories, summary and recalled excerpts, each under its cap.

export interface RecallOptions {
  /** Turns to include before and after each match. Default `{ before: 1, after: 1 }`. */
  readonly neighbours?: { readonly before: number; readonly after: number };
  /** Also recall from the user's other conversations. Default false. */
  readonly otherConversations?: boolean;
}

export interface GatherSectionsInput {
  readonly sources: SectionSources;
  readonly store: Store;
  readonly scope: Scope;
  readonly conversationId: string;
  readonly tokenizer: Tokenizer;
  readonly caps: SectionCaps;
  /** Text memories and recall are retrieved by ('' : no recall). */
  readonly query: string;
  /** Oldest seq the smallest window keeps verbatim: the summary covers and recall searches what lies before it. */
  readonly windowStartSeq: number;
  /** The whole history fits the smallest window: no summary or recall is needed. */
  readonly wholeHistoryFits: boolean;
  readonly prefetched?: ContextRead;
  readonly recall: RecallOptions;
  readonly signal?: AbortSignal;
  /** Longest one source may take, in ms. */
  readonly sourceTimeoutMs?: number;
}

export interface GatheredSections {
  /** The memories and summary blocks of the system message, in that order (recall is placed after the window is fitted). */
  readonly blocks: readonly SystemBlock[];
  /** Tokens the blocks and the recall block are planned to cost (for the window's share). */
  readonly optionalTokens: number;
  readonly memories: readonly Memory[];
  readonly summary: SummarySourceResult;
  /** Whether the summary block is among `blocks`. */
  readonly summaryUsed: boolean;
  /** Recalled excerpts under the cap, oldest first, not yet deduplicated against the window. */
  readonly excerpts: readonly RecallExcerpt[];
  /** The recall cap the excerpts were fitted to: `caps.recall`, plus what memories and summary left when `caps.recallReach` is set. */
  readonly recallCap: number;
  readonly notes: readonly string[];
  readonly dropped: readonly DroppedItem[];
  /** Why each empty section is empty (see `SectionReport.reason`); absent for sections with content. */
  readonly reasons: SectionReasons;
}

export type SectionReasons = Partial<Record<'memories' | 'summary' | 'recall', string>>;

/**
 * Runs the three section sources concurrently (each guarded: a failure or timeout leaves its section
 * empty with a note), then keeps what fits each cap: memories one by one (pinned first), the
 * summary whole or not at all, recalled excerpts whole, best first. With `caps.recallReach` recall's
 * cap grows by what memories and summary left, and recall is asked after them for exactly that cap. A section whose cap is 0 is not
 * asked; summary and recall are not asked when the whole history fits.
 */
export async function gatherSections(input: GatherSectionsInput): Promise<GatheredSections> {
  const { sources, store, scope, conversationId, tokenizer, caps, query, windowStartSeq, prefetched } = input;
  const notes: string[] = [];
  const dropped: DroppedItem[] = [];
  const signal = input.signal ? { signal: input.signal } : {};
  const sourceNotes = { memories: [] as string[], summary: [] as string[], recall: [] as string[] };
  const reasons: SectionReasons = {};
  const failed = (section: keyof SectionReasons) => (reason: 'timed out' | 'failed') => (reasons[section] = reason);
  const wantSummary = !input.wholeHistoryFits && caps.summary > 0;
  const wantRecall = !input.wholeHistoryFits && caps.recall > 0 && query.length > 0 && windowStartSeq > 1;
  const askRecall = (maxTokens: number) =>
    runSource(sourceNotes.recall, 'recall', () =>
      sources.recall({
        store,
        scope,
        conversationId,
        query,
        beforeSeq: windowStartSeq,
        maxTokens,
        tokenizer,
        neighbours: input.recall.neighbours ?? { before: 1, after: 1 },
        otherConversations: input.recall.otherConversations ?? false,
        ...signal,
      }), input.sourceTimeoutMs, failed('recall'));
  // With recallReach, recall's cap depends on what memories and summary leave, so it is asked after
  // them for exactly that many tokens: asked for more, its excerpts (merged runs of turns) could
  // exceed the cap and be dropped whole. Otherwise the three sources run concurrently.
  const recallAfter = caps.recallReach !== undefined;
  const [memoriesFound, summaryFound, recallConcurrent] = await Promise.all([
    caps.memories > 0
      ? runSource(sourceNotes.memories, 'memories', () =>
          sources.memories({ store, scope, query, maxTokens: caps.memories, tokenizer, ...(prefetched?.memories ? { prefetched: prefetched.memories } : {}), ...signal }), input.sourceTimeoutMs, failed('memories'))
      : undefined,
    wantSummary
      ? runSource(sourceNotes.summary, 'summary', () =>
          sources.summary({ store, scope, conversationId, windowStartSeq, maxTokens: caps.summary, tokenizer, ...(prefetched ? { storedSummary: prefetched.summary } : {}), ...signal }), input.sourceTimeoutMs, failed('summary'))
      : undefined,
    wantRecall && !recallAfter ? askRecall(caps.recall) : undefined,
  ]);

  const blocks: SystemBlock[] = [];
  let optionalTokens = 0;
  const memories: Memory[] = [];
  notes.push(...sourceNotes.memories);
  if (caps.memories > 0 && memoriesFound) {
    if (memoriesFound.note) notes.push(memoriesFound.note);
    let used = tokenizer.count(renderMemories([])) + 4;
    // "Shared" tells a user's prompt that a tenant-level memory is not theirs alone; read from a
    // tenant-level scope (no user: a single-user app) every memory is the reader's own.
    const ownedByReader = scope.userId === undefined;
    for (const found of [...memoriesFound.pinned, ...memoriesFound.relevant]) {
      const memory = ownedByReader && found.shared ? { ...found, shared: false } : found;
      const cost = tokenizer.count(memoryLine(memory)) + 1;
      if (used + cost > caps.memories) {
        dropped.push({ section: 'memories', reason: 'cap', memoryId: memory.id, tokens: cost });
        continue;
      }
      memories.push(memory);
      used += cost;
    }
    if (memories.length > 0) {
      const text = renderMemories(memories);
      blocks.push({ section: 'memories', text });
      optionalTokens += blockCost(tokenizer, text);
    }
  }

  let summary: SummarySourceResult = { summary: null, status: 'none' };
  let summaryUsed = false;
  notes.push(...sourceNotes.summary);
  if (wantSummary) {
    summary = summaryFound ?? { summary: null, status: 'failed', note: notes.at(-1) };
    if (summary.note && summaryFound) notes.push(summary.note);
    if (summary.summary) {
      const text = renderSummary(summary.summary);
      const cost = blockCost(tokenizer, text);
      if (cost > caps.summary) {
        dropped.push({ section: 'summary', reason: 'cap', tokens: cost });
        summary = { ...summary, summary: null, note: `summary (${cost} tokens) exceeds its cap (${caps.summary})` };
      } else {
        blocks.push({ section: 'summary', text });
        summaryUsed = true;
        optionalTokens += cost;
      }
    }
  } else if (input.wholeHistoryFits) {
    summary = { summary: null, status: 'skipped', note: 'the whole history fits the window' };
  }

  let excerpts: RecallExcerpt[] = [];
  // What memories and summary left of their caps goes to recall when the caps say so (recallReach).
  const recallCap = caps.recallReach === undefined ? caps.recall : Math.min(caps.recallReach, caps.recall + Math.max(0, caps.memories + caps.summary - optionalTokens));
  const recallFound = wantRecall && recallAfter ? await askRecall(recallCap) : recallConcurrent;
  notes.push(...sourceNotes.recall);
  if (wantRecall) {
    if (recallFound?.note) notes.push(recallFound.note);
    excerpts = fitExcerpts(tokenizer, recallFound?.excerpts ?? [], recallCap, conversationId, dropped);
    if (excerpts.length > 0) optionalTokens += blockCost(tokenizer, renderRecall(excerpts, conversationId));
  }
  if (memories.length === 0) {
    reasons.memories ??= caps.memories <= 0 ? 'disabled' : dropped.some((item) => item.section === 'memories') ? 'over its cap' : 'no memories';
  } else delete reasons.memories;
  if (!summaryUsed) reasons.summary ??= summaryReason(summary, caps.summary, input.wholeHistoryFits, dropped);
  if (excerpts.length === 0) reasons.recall ??= recallReason(input, recallFound !== undefined && recallFound.excerpts.length > 0);
  return { blocks, optionalTokens, memories, summary, summaryUsed, excerpts, recallCap, notes, dropped, reasons };
}

function summaryReason(summary: SummarySourceResult, cap: number, wholeHistoryFits: boolean, dropped: readonly DroppedItem[]): string {
  if (summary.reason) return summary.reason;
  if (cap <= 0) return 'disabled';
  if (wholeHistoryFits) return 'whole history fits';
  if (dropped.some((item) => item.section === 'summary')) return 'over its cap';
  switch (summary.status) {
    case 'timeout':
      return 'timed out';
    case 'failed':
      return 'failed';
    case 'deferred':
      return 'deferred';
    case 'skipped':
      return 'over its cap';
    default:
      return summary.summarizer ? 'nothing to summarize yet' : 'no summarizer';
  }
}

function recallReason(input: GatherSectionsInput, found: boolean): string {
  if (input.caps.recall <= 0) return 'disabled';
  if (input.wholeHistoryFits) return 'whole history fits';
  if (input.query.length === 0) return 'no query';
  if (input.windowStartSeq <= 1) return 'nothing before the window';
  return found ? 'over its cap' : 'no matches';
}
