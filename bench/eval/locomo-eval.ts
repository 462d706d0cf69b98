/**
 * `npm run eval -- [--data <file>] [--json] [--conversations N] [--budgets 1000,2000,4000,8000]`
 *
 * LoCoMo evidence recall at token budgets (the metric of shared/data/README.md): every turn of
 * each conversation is replayed into a `ContextManager` (speaker A as `user`, speaker B as
 * `assistant`, names kept, `createdAt` from the session date, `dia_id` as the message id); then,
 * for each question of categories 1–4, the question is appended as the new user turn, the context
 * is assembled under each budget (o200k_base, no output reserve), and the share of evidence turns
 * present verbatim is averaged — overall and per category. The question turn is deleted again
 * before the next one, so questions never see each other.
 *
 * Two baselines are measured in the same run over the same turns and token counts: the most
 * recent turns that fit, and plain BM25 over single turns filling the budget.
 *
 * Nothing here knows the dataset's speakers, ids or wording: it reads the format, calls the public
 * API a user calls, and works on any file in this format.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { closeEvalStores, evaluateSample, type EvalSettings, type SampleTallies } from './evaluate-sample.js';
import { RecallTally } from './evidence-recall.js';
import { loadLocomo } from './locomo-data.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface EvalReport {
  readonly data: string;
  readonly conversations: readonly string[];
  readonly questions: number;
  readonly settings: EvalSettings;
  readonly budgets: Record<string, ReturnType<RecallTally['summary']>>;
  readonly baselines: Record<string, Record<string, ReturnType<RecallTally['summary']>>>;
  readonly seconds: number;
}

/** Runs the evaluation and returns the report (the CLI prints it). */
export async function runLocomoEval(options: { data: string; conversations?: number; budgets?: readonly number[]; categories?: readonly number[]; settings?: Partial<EvalSettings>; onProgress?: (line: string) => void }): Promise<EvalReport> {
  const started = performance.now();
  const budgets = options.budgets ?? [1000, 2000, 4000, 8000];
  const categories = options.categories ?? [1, 2, 3, 4];
  const settings: EvalSettings = { ...DEFAULT_SETTINGS, ...options.settings };
  const samples = (await loadLocomo({ path: options.data })).slice(0, options.conversations ?? Infinity);
  const methods = ['assembled', 'recent-turns', 'bm25'] as const;
  const tallies: SampleTallies = Object.fromEntries(methods.map((method) => [method, Object.fromEntries(budgets.map((budget) => [budget, new RecallTally()]))])) as SampleTallies;
  try {
    for (const sample of samples) {
      const count = await evaluateSample({ sample, budgets, categories, settings, tallies });
      options.onProgress?.(`${sample.sampleId}: ${sample.turns.length} turns, ${count} questions`);
    }
  } finally {
    await closeEvalStores();
  }
  const summarize = (method: (typeof methods)[number]) => Object.fromEntries(budgets.map((budget) => [String(budget), tallies[method][budget]!.summary(categories)]));
  return {
    data: options.data,
    conversations: samples.map((sample) => sample.sampleId),
    questions: tallies.assembled[budgets[0]!]!.questions,
    settings,
    budgets: summarize('assembled'),
    baselines: { 'recent-turns': summarize('recent-turns'), bm25: summarize('bm25') },
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

/** The retrieval settings the harness passes to the manager (tuned on the dev file; see README). */
export const DEFAULT_SETTINGS: EvalSettings = {
  preset: 'tuned',
  store: 'memory',
  recallShare: 0.9,
  neighbours: { before: 1, after: 2 },
};

/** A fixed-width table: one row per method and budget, columns overall and per category. */
export function formatReport(report: EvalReport): string {
  const budgets = Object.keys(report.budgets);
  const categories = Object.keys(report.budgets[budgets[0]!]?.byCategory ?? {});
  const names: Record<string, string> = { '1': 'multi-hop', '2': 'temporal', '3': 'open-dom', '4': 'single-hop' };
  const header = ['method', 'budget', 'overall', ...categories.map((category) => `${category} ${names[category] ?? ''}`.trim())];
  const rows: string[][] = [];
  const add = (method: string, results: EvalReport['budgets']) => {
    for (const budget of budgets) {
      const result = results[budget]!;
      rows.push([method, budget, result.overall.toFixed(3), ...categories.map((category) => (result.byCategory[category] ?? 0).toFixed(3))]);
    }
  };
  add('llm-context', report.budgets);
  for (const [name, results] of Object.entries(report.baselines)) add(name, results);
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [
    `LoCoMo evidence recall — ${report.conversations.length} conversation(s) (${report.conversations.join(', ')}), ${report.questions} questions, o200k_base, ${report.seconds}s`,
    report.settings.preset === 'default'
      ? `llm-context: ${report.settings.store} store, the manager's defaults (new ContextManager({ store }): shares and recall neighbours adapted to the turn, extractive summary)`
      : `llm-context: ${report.settings.store} store, tuned: recall share ${report.settings.recallShare}, neighbours ${report.settings.neighbours.before}/${report.settings.neighbours.after}, no summary or memories`,
    line(header),
    ...rows.map(line),
  ].join('\n');
}

async function main(): Promise<void> {
  const program = new Command()
    .name('locomo-eval')
    .description('LoCoMo evidence recall of the assembled context at token budgets, with baselines')
    .option('--data <file>', 'LoCoMo-format JSON file', resolve(root, '../shared/data/locomo-dev.json'))
    .option('--json', 'print one JSON object instead of a table')
    .option('--conversations <n>', 'only the first N conversations', (value) => Number.parseInt(value, 10))
    .option('--budgets <list>', 'comma-separated token budgets', (value) => value.split(',').map((item) => Number.parseInt(item, 10)), [1000, 2000, 4000, 8000])
    .option('--defaults', "run the manager at its own defaults (new ContextManager({ store })) instead of the tuned settings")
    .option('--store <kind>', 'memory (in-process BM25) or pglite (Postgres full-text search)', 'memory')
    .option('--recall-share <share>', `share of the budget recall may use (default ${DEFAULT_SETTINGS.recallShare})`, Number.parseFloat)
    .option('--neighbours <before,after>', `turns around each recalled match (default ${DEFAULT_SETTINGS.neighbours.before},${DEFAULT_SETTINGS.neighbours.after})`, (value) => {
      const [before, after] = value.split(',').map((item) => Number.parseInt(item, 10));
      return { before: before ?? 1, after: after ?? 1 };
    })
    .parse();
  const options = program.opts<{ defaults?: boolean; data: string; json?: boolean; conversations?: number; budgets: number[]; recallShare?: number; neighbours?: { before: number; after: number }; store: string }>();
  if (options.store !== 'memory' && options.store !== 'pglite') throw new Error('--store must be memory or pglite');
  const report = await runLocomoEval({
    data: resolve(options.data),
    budgets: options.budgets,
    settings: {
      preset: options.defaults ? 'default' : 'tuned',
      store: options.store,
      ...(options.recallShare !== undefined ? { recallShare: options.recallShare } : {}),
      ...(options.neighbours !== undefined ? { neighbours: options.neighbours } : {}),
    },
    ...(options.conversations !== undefined ? { conversations: options.conversations } : {}),
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${options.json ? JSON.stringify({ budgets: report.budgets, baselines: report.baselines, conversations: report.conversations, questions: report.questions, settings: report.settings }) : formatReport(report)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
