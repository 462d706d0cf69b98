import type { ContentPart, MessageContent, Role } from '../../src/types.js';

/** The part of an assembled message the metric reads. */
export interface ContextLike {
  readonly role: Role;
  readonly content: MessageContent;
  readonly id?: string;
}

export interface EvidenceTurn {
  /** The turn's stored message id (its `dia_id`). */
  readonly id: string;
  /** The verbatim turn text. */
  readonly text: string;
}

/**
 * LoCoMo evidence recall of one assembled context (shared/data/README.md): the share of evidence
 * turns present verbatim — as a message of the window (matched by id) or as text anywhere in the
 * context (recalled excerpts live inside the system message). Evidence ids missing from the
 * conversation count as not recalled.
 */
export function evidenceRecall(options: { context: readonly ContextLike[]; evidence: readonly string[]; turns: ReadonlyMap<string, EvidenceTurn> }): number {
  if (options.evidence.length === 0) return 0;
  const ids = new Set(options.context.map((message) => message.id).filter((id): id is string => id !== undefined));
  const text = options.context.map((message) => contentText(message.content)).join('\n');
  let found = 0;
  for (const id of options.evidence) {
    const turn = options.turns.get(id);
    if (!turn) continue;
    if (ids.has(turn.id) || (turn.text.trim().length > 0 && text.includes(turn.text.trim()))) found++;
  }
  return found / options.evidence.length;
}

function contentText(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return content.map((part: ContentPart) => (part.type === 'text' || part.type === 'reasoning' ? part.text : '')).join('\n');
}

/** Mean recall overall and per category, accumulated question by question. */
export class RecallTally {
  private readonly sums = new Map<string, { total: number; count: number }>();

  add(category: number, recall: number): void {
    for (const key of ['overall', String(category)]) {
      const entry = this.sums.get(key) ?? { total: 0, count: 0 };
      entry.total += recall;
      entry.count += 1;
      this.sums.set(key, entry);
    }
  }

  /** Questions tallied. */
  get questions(): number {
    return this.sums.get('overall')?.count ?? 0;
  }

  /** `{ overall, byCategory: { "1": …, … } }`, means rounded to 3 decimals; a category without questions is absent. */
  summary(categories: readonly number[]): { overall: number; byCategory: Record<string, number> } {
    const mean = (key: string) => {
      const entry = this.sums.get(key);
      return entry && entry.count > 0 ? Math.round((entry.total / entry.count) * 1000) / 1000 : 0;
    };
    const byCategory: Record<string, number> = {};
    for (const category of categories) if (this.sums.has(String(category))) byCategory[String(category)] = mean(String(category));
    return { overall: mean('overall'), byCategory };
  }
}
