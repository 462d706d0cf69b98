import type { Conversation, Memory } from '../types.js';
import type { ComposedPrompt } from './compose-prompt.js';
import type { ResolvedBudget } from './plan-budget.js';
import type { SectionReasons } from './gather-sections.js';
import type { AssemblyReport, DroppedItem, SectionName, SectionReport } from './report.js';
import type { SummarySourceResult } from './sources.js';
import type { RecallExcerpt } from './system-blocks.js';
import type { MessageUnit } from './tool-groups.js';

// Stage 5b of assembly: the report of where every token went.

/**
 * The assembly report: the budget, tokens per section (summing to `totalTokens`), everything
 * dropped and why, the window's seq range, the summary's status, memories and recalled excerpts
 * with provenance, the reads made, and notes.
 */
export function buildReport(options: {
  budget: ResolvedBudget;
  encoding: string;
  prompt: ComposedPrompt;
  current: MessageUnit | undefined;
  conversation: Conversation;
  /** Messages read from the store in all. */
  historyLength: number;
  summary: SummarySourceResult;
  summaryUsed: boolean;
  memories: readonly Memory[];
  excerpts: readonly RecallExcerpt[];
  dropped: readonly DroppedItem[];
  reads: AssemblyReport['reads'];
  notes: readonly string[];
  /** Why each empty capped section is empty. */
  reasons?: SectionReasons;
  /** The shares the caps came from. */
  shares?: AssemblyReport['shares'];
}): AssemblyReport {
  const { budget, prompt, summary } = options;
  const windowMessages = prompt.units.flatMap((unit) => unit.messages).concat(options.current?.messages ?? []);
  return {
    budget: { maxTokens: budget.maxTokens, reserveOutput: budget.reserveOutput, available: budget.available, ...(budget.model ? { model: budget.model } : {}), encoding: options.encoding, exactTokenizer: budget.exactTokenizer },
    totalTokens: prompt.totalTokens,
    sections: withReasons(prompt.sections, options.reasons ?? {}),
    dropped: [...options.dropped],
    window: {
      fromSeq: windowMessages[0]?.seq ?? null,
      toSeq: windowMessages.at(-1)?.seq ?? null,
      messages: windowMessages.length,
      olderMessages: Math.max(0, options.conversation.messageCount - options.historyLength),
    },
    summary: {
      status: summary.status,
      ...(summary.summary && options.summaryUsed ? { coversThroughSeq: summary.summary.coversThroughSeq } : {}),
      ...(summary.note ? { note: summary.note } : {}),
      ...(summary.summarizer ? { summarizer: summary.summarizer } : {}),
    },
    memories: options.memories.map((memory) => ({ id: memory.id, ...(memory.key !== undefined ? { key: memory.key } : {}), pinned: memory.pinned, shared: memory.shared === true, ...(memory.source ? { source: memory.source } : {}) })),
    recall: options.excerpts.map((excerpt) => ({ conversationId: excerpt.conversationId, seqs: excerpt.messages.map((message) => message.seq) })),
    reads: options.reads,
    notes: [...options.notes],
    ...(options.shares ? { shares: options.shares } : {}),
  };
}

/** The sections with the reason of each empty capped section (a section with items has none). */
function withReasons(sections: Readonly<Record<SectionName, SectionReport>>, reasons: SectionReasons): Readonly<Record<SectionName, SectionReport>> {
  const result = { ...sections };
  for (const name of ['memories', 'summary', 'recall'] as const) {
    const reason = reasons[name];
    if (reason !== undefined && result[name].items === 0) result[name] = { ...result[name], reason };
  }
  return result;
}
