import { messageText } from '../messages/message-text.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { Memory, Message, Summary } from '../types.js';

/** One block of the leading system message. */
export interface SystemBlock {
  readonly section: 'system' | 'memories' | 'summary' | 'recall';
  readonly text: string;
}

const SEPARATOR = '\n\n';

export function renderMemories(memories: readonly Memory[]): string {
  return `Long-term memory (facts remembered about the user and earlier conversations):\n${memories.map(memoryLine).join('\n')}`;
}

/**
 * One memory's line in the memories block. A shared (tenant-level) memory is marked, so the model
 * can tell the organisation's facts from the user's own.
 */
export function memoryLine(memory: Pick<Memory, 'text' | 'shared'>): string {
  return memory.shared ? `- (shared) ${memory.text}` : `- ${memory.text}`;
}

export function renderSummary(summary: Summary): string {
  // A frozen summary (a store's cached decode of an unchanged stored summary) renders to the same
  // string object on every call, which the token-count memo then matches by identity instead of
  // comparing a few kilobytes.
  if (!Object.isFrozen(summary)) return renderSummaryText(summary);
  let text = renderedSummaries.get(summary);
  if (text === undefined) renderedSummaries.set(summary, (text = renderSummaryText(summary)));
  return text;
}

const renderedSummaries = new WeakMap<Summary, string>();

function renderSummaryText(summary: Summary): string {
  return `Summary of the earlier conversation (messages up to #${summary.coversThroughSeq}):\n${summary.text}`;
}

/** An excerpt: consecutive messages of one conversation, ascending. */
export interface RecallExcerpt {
  readonly conversationId: string;
  readonly messages: readonly Message[];
}

/**
 * Recalled excerpts, oldest first: each under a `[YYYY-MM-DD HH:MM]` header (repeated when the day
 * changes), one `speaker: text` line per message, the text verbatim — so the model can cite it and
 * date relative expressions ("last Saturday").
 */
export function renderRecall(excerpts: readonly RecallExcerpt[], currentConversationId: string): string {
  const lines = ['Relevant excerpts from earlier in the conversation (verbatim, oldest first):'];
  // One dated header per excerpt (and again where an excerpt crosses into another day) rather than
  // a date on every line: ~11 tokens per line saved, +0.02 evidence recall at 4k on LoCoMo (bench/eval).
  excerpts.forEach((excerpt) => {
    const from = excerpt.conversationId !== currentConversationId ? ` (from another conversation: ${excerpt.conversationId})` : '';
    let day = '';
    excerpt.messages.forEach((message, index) => {
      const when = formatWhen(message);
      if (index === 0 || when.slice(0, 10) !== day) lines.push(`[${when}]${index === 0 ? from : ''}`);
      day = when.slice(0, 10);
      lines.push(renderRecallLine(message));
    });
  });
  return lines.join('\n');
}

function formatWhen(message: Message): string {
  return message.createdAt.toISOString().slice(0, 16).replace('T', ' ');
}

export function renderRecallLine(message: Message): string {
  return `${message.name ?? message.role}: ${messageText(message)}`;
}

/** Cost of adding `text` as a block: its own tokens plus the separator and a boundary allowance of 2. */
export function blockCost(tokenizer: Tokenizer, text: string): number {
  return tokenizer.count(text) + tokenizer.count(SEPARATOR) + 2;
}

/**
 * Joins blocks into the system message content and attributes its tokens to sections exactly:
 * a block's tokens are count(content through this block) − count(content before it), so the
 * section counts sum to the count of the whole content even where BPE merges across a boundary.
 */
export function composeSystemContent(tokenizer: Tokenizer, blocks: readonly SystemBlock[]): { content: string; tokens: Map<SystemBlock['section'], number> } {
  const tokens = new Map<SystemBlock['section'], number>();
  let content = '';
  let previous = 0;
  for (const block of blocks) {
    content = content.length === 0 ? block.text : `${content}${SEPARATOR}${block.text}`;
    const total = tokenizer.count(content);
    tokens.set(block.section, (tokens.get(block.section) ?? 0) + total - previous);
    previous = total;
  }
  return { content, tokens };
}
