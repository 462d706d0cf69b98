import { REPLY_PRIMING_TOKENS } from '../tokens/message-tokens.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import { toContextMessage, type ContextMessage } from './context-message.js';
import type { BudgetPlan, SectionCaps } from './plan-budget.js';
import { SECTION_ORDER, type DroppedItem, type SectionName, type SectionReport } from './report.js';
import { composeSystemContent, type SystemBlock } from './system-blocks.js';
import type { MessageUnit } from './tool-groups.js';

// Stage 5a of assembly: the messages, counted exactly, with the overflow fix-up.

export interface ComposedPrompt {
  /** One leading system message (when there are blocks), the kept window, the current turn. */
  readonly messages: readonly ContextMessage[];
  /** Tokens per section; they sum to `totalTokens`. */
  readonly sections: Readonly<Record<SectionName, SectionReport>>;
  readonly totalTokens: number;
  /** The window units kept after the fix-up, ascending. */
  readonly units: readonly MessageUnit[];
  /** Window units given up because the exact count overflowed (reason `budget`), oldest first. */
  readonly dropped: readonly DroppedItem[];
}

/**
 * Composes the prompt and counts it exactly (system blocks attributed per section by
 * {@link composeSystemContent}). The planning slack makes an overflow here practically impossible,
 * but if BPE boundaries ever cost more than planned, the oldest window units give way until the
 * total fits `plan.budget.available`.
 */
export function composePrompt(options: {
  tokenizer: Tokenizer;
  plan: BudgetPlan;
  caps: SectionCaps;
  blocks: readonly SystemBlock[];
  units: readonly MessageUnit[];
  current: MessageUnit | undefined;
  /** Items of the capped sections, for the report. */
  items: { readonly memories: number; readonly summary: number; readonly recall: number; readonly storedSystem?: number };
  toolCount: number;
}): ComposedPrompt {
  const { tokenizer, plan, caps, blocks, current, items } = options;
  const dropped: DroppedItem[] = [];
  const keptUnits = [...options.units];
  const composed = blocks.length > 0 ? composeSystemContent(tokenizer, blocks) : undefined;
  const currentTokens = current?.tokens ?? 0;
  for (;;) {
    const messages: ContextMessage[] = [
      ...(composed ? [{ role: 'system' as const, content: composed.content }] : []),
      ...keptUnits.flatMap((unit) => unit.messages.map(toContextMessage)),
      ...(current ? current.messages.map(toContextMessage) : []),
    ];
    const recentTokens = keptUnits.reduce((sum, unit) => sum + unit.tokens, 0);
    const sections: Record<SectionName, SectionReport> = {
      system: { tokens: composed?.tokens.get('system') ?? 0, items: (plan.systemText ? 1 : 0) + (items.storedSystem ?? 0) },
      tools: { tokens: plan.toolsTokens, items: options.toolCount },
      memories: { tokens: composed?.tokens.get('memories') ?? 0, items: items.memories, cap: caps.memories },
      summary: { tokens: composed?.tokens.get('summary') ?? 0, items: items.summary, cap: caps.summary },
      recall: { tokens: composed?.tokens.get('recall') ?? 0, items: items.recall, cap: caps.recall },
      recent: { tokens: recentTokens, items: keptUnits.reduce((sum, unit) => sum + unit.messages.length, 0) },
      current: { tokens: currentTokens, items: current?.messages.length ?? 0 },
      overhead: { tokens: REPLY_PRIMING_TOKENS + (composed ? plan.systemFraming : 0), items: 0 },
    };
    const totalTokens = SECTION_ORDER.reduce((sum, name) => sum + sections[name].tokens, 0);
    if (totalTokens > plan.budget.available && keptUnits.length > 0) {
      const oldest = keptUnits.shift()!;
      dropped.push(...oldest.messages.map((message, index) => ({ section: 'recent' as const, reason: 'budget' as const, messageId: message.id, seq: message.seq, tokens: oldest.messageTokens[index]! })));
      continue;
    }
    return { messages, sections, totalTokens, units: keptUnits, dropped };
  }
}
