/** Where the tokens of an assembled prompt went. */
export type SectionName = 'system' | 'tools' | 'memories' | 'summary' | 'recall' | 'recent' | 'current' | 'overhead';

export const SECTION_ORDER: readonly SectionName[] = ['system', 'tools', 'memories', 'summary', 'recall', 'recent', 'current', 'overhead'];

export interface SectionReport {
  /** Tokens this section contributes to `totalTokens`. */
  readonly tokens: number;
  /** Items kept: messages (recent, current, recall), memories, 1 for a summary or system prompt, tool definitions. */
  readonly items: number;
  /** The section's cap in tokens, for capped sections. */
  readonly cap?: number;
  /**
   * Why a capped section (memories, summary, recall) is empty: `disabled`, `whole history fits`,
   * `no summarizer`, `nothing to summarize yet`, `deferred`, `timed out`, `failed`, `over its cap`,
   * `no query`, `nothing before the window`, `no matches`, `already in the window`, `no memories`.
   */
  readonly reason?: string;
}

export type DropReason =
  | 'budget'
  | 'too-large'
  | 'orphan-tool-result'
  | 'unanswered-tool-call'
  | 'start-on-user'
  | 'cap'
  | 'already-in-window';

export interface DroppedItem {
  readonly section: SectionName;
  readonly reason: DropReason;
  readonly messageId?: string;
  readonly seq?: number;
  readonly memoryId?: string;
  /** Tokens the item would have cost (for a tool-call group, its share of the group). */
  readonly tokens: number;
}

export interface AssemblyReport {
  readonly budget: {
    readonly maxTokens: number;
    readonly reserveOutput: number;
    /** `maxTokens - reserveOutput`. */
    readonly available: number;
    readonly model?: string;
    readonly encoding: string;
    /** False when the model's tokenizer is approximated by `encoding`. */
    readonly exactTokenizer: boolean;
  };
  /**
   * Tokens of the returned messages counted in the chat format (framing and reply priming
   * included) plus the tool definitions: exactly the sum of `sections[*].tokens`.
   */
  readonly totalTokens: number;
  readonly sections: Readonly<Record<SectionName, SectionReport>>;
  readonly dropped: readonly DroppedItem[];
  readonly window: {
    readonly fromSeq: number | null;
    readonly toSeq: number | null;
    readonly messages: number;
    /** Messages older than the window that were neither sent nor read. */
    readonly olderMessages: number;
  };
  readonly summary: {
    readonly status: 'none' | 'used' | 'updated' | 'skipped' | 'failed' | 'timeout' | 'deferred';
    readonly coversThroughSeq?: number;
    readonly note?: string;
    /** What summarizes: the built-in `extractive` summarizer (the default, no model call) or a `custom` one; absent when summaries are off. */
    readonly summarizer?: 'extractive' | 'custom';
  };
  /** Memories included, with provenance (the messages each came from). */
  readonly memories: ReadonlyArray<{ readonly id: string; readonly key?: string; readonly pinned: boolean; /** A tenant-level memory every user of the tenant reads. */ readonly shared: boolean; readonly source?: { readonly conversationId: string; readonly messageIds: readonly string[] } }>;
  /** Recalled excerpts: where each came from. */
  readonly recall: ReadonlyArray<{ readonly conversationId: string; readonly seqs: readonly number[] }>;
  /** What assembly read from the store: the cost of this call. */
  readonly reads: { readonly messages: number; readonly roundTrips: number };
  /** Human-readable notes: fallbacks taken and why. */
  readonly notes: readonly string[];
  /**
   * The section shares (0–1 of what the current turn leaves) the caps came from, and their basis:
   * `given` (the manager's or the call's `shares`), or the kind of turn the defaults adapted to
   * (`question about earlier turns`, `follow-up`, `statement`; see `classifyTurn`).
   */
  readonly shares?: { readonly memories: number; readonly summary: number; readonly recall: number; readonly basis: string };
}
