import { PGlite } from '@electric-sql/pglite';
import { ContextManager } from '../../src/context-manager.js';
import type { Store } from '../../src/spec/store.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createRecallSource } from '../../src/assemble/sections/recall-source.js';
import { countMessageTokens, getTokenizer, REPLY_PRIMING_TOKENS } from '../../src/tokens/index.js';
import type { MessageInput, Scope } from '../../src/types.js';
import { createBm25Baseline, recentTurnsContext, type BaselineTurn } from './baselines.js';
import { evidenceRecall, type EvidenceTurn, type RecallTally } from './evidence-recall.js';
import { locomoToMessages, type LocomoSample } from '../../src/importers/locomo.js';

/** What the harness tunes, passed to the manager as a user would. */
export interface EvalSettings {
  /**
   * `tuned`: the manager gets `recallShare`, `neighbours` and no memories or summary section;
   * `default`: `new ContextManager({ store, encoding })` and nothing else — the manager's own
   * defaults (adaptive shares, extractive summary, recall neighbours 1/1); `recallShare` and
   * `neighbours` are then unused.
   */
  readonly preset: 'tuned' | 'default';
  /** `memory`: the in-memory store with the in-process BM25 index; `pglite`: the Postgres store (full-text search) on PGlite. */
  readonly store: 'memory' | 'pglite';
  /** Share of the budget the recall section may take (the rest, and whatever recall leaves, goes to recent turns). */
  readonly recallShare: number;
  readonly neighbours: { readonly before: number; readonly after: number };
}

export type SampleTallies = Record<'assembled' | 'recent-turns' | 'bm25', Record<number, RecallTally>>;

const APPEND_BATCH = 200;

let pglite: PGlite | undefined;
let storeCount = 0;

async function createEvalStore(kind: EvalSettings['store']): Promise<Store> {
  if (kind === 'memory') return createMemoryStore();
  pglite ??= await PGlite.create();
  // One table set per conversation (prefixes are short SQL identifiers).
  storeCount += 1;
  const store = await createPostgresStore({ client: pglite, tablePrefix: `eval${storeCount}_` });
  await store.migrate();
  return store;
}

/** Closes the PGlite database the `pglite` store setting opened, if any. */
export async function closeEvalStores(): Promise<void> {
  await pglite?.close();
  pglite = undefined;
}

/**
 * Replays one conversation into a fresh in-memory `ContextManager` and scores every question of
 * `categories` at every budget, for the manager and both baselines. Returns the questions scored.
 */
export async function evaluateSample(options: { sample: LocomoSample; budgets: readonly number[]; categories: readonly number[]; settings: EvalSettings; tallies: SampleTallies }): Promise<number> {
  const { sample, settings, tallies } = options;
  const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
  const store = await createEvalStore(settings.store);
  const manager = settings.preset === 'default'
    ? new ContextManager({ store, encoding: 'o200k_base' })
    : new ContextManager({
      store,
      encoding: 'o200k_base',
      shares: { recall: settings.recallShare, memories: 0, summary: 0 },
      recall: { neighbours: settings.neighbours },
      sources: { recall: createRecallSource() },
    });
  const scope: Scope = { tenantId: 'locomo-eval', userId: sample.sampleId };
  const conversationId = sample.sampleId;

  // The replay mapping the CLI importer uses too (speaker A as user, B as assistant, dia_id as id).
  const inputs: MessageInput[] = locomoToMessages(sample);
  for (let start = 0; start < inputs.length; start += APPEND_BATCH) {
    await manager.append(conversationId, inputs.slice(start, start + APPEND_BATCH), { scope });
  }

  const evidenceTurns = new Map<string, EvidenceTurn>(sample.turns.map((turn) => [turn.diaId, { id: turn.diaId, text: turn.rawText }]));
  const baselineTurns: BaselineTurn[] = inputs.map((input, index) => ({
    id: input.id!,
    speaker: input.name!,
    text: input.content as string,
    tokens: countMessageTokens(tokenizer, input),
  }));
  const bm25 = createBm25Baseline(baselineTurns);

  let scored = 0;
  for (const question of sample.questions) {
    if (!options.categories.includes(question.category)) continue;
    scored++;
    const appended = await manager.append(conversationId, [{ role: 'user', content: question.question }], { scope });
    const questionTokens = countMessageTokens(tokenizer, { role: 'user', content: question.question }) + REPLY_PRIMING_TOKENS;
    for (const budget of options.budgets) {
      const { messages } = await manager.assemble(conversationId, { scope, budget: { maxTokens: budget, reserveOutput: 0 } });
      tallies.assembled[budget]!.add(question.category, evidenceRecall({ context: messages, evidence: question.evidence, turns: evidenceTurns }));
      const available = budget - questionTokens;
      tallies['recent-turns'][budget]!.add(question.category, evidenceRecall({ context: recentTurnsContext({ turns: baselineTurns, availableTokens: available }), evidence: question.evidence, turns: evidenceTurns }));
      tallies.bm25[budget]!.add(question.category, evidenceRecall({ context: bm25({ query: question.question, availableTokens: available }), evidence: question.evidence, turns: evidenceTurns }));
    }
    await manager.store.deleteMessage(scope, conversationId, appended.messages[0]!.id);
  }
  return scored;
}
