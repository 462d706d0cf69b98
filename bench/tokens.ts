/**
 * Token counting: js-tiktoken vs gpt-tokenizer vs tiktoken (WASM) on the same corpus (o200k_base),
 * counts checked equal text by text. Times are per pass over the whole corpus.
 */
import { encode as gptEncode } from 'gpt-tokenizer/encoding/o200k_base';
import { getEncoding } from 'js-tiktoken';
import { get_encoding } from 'tiktoken';
import { corpusInputs, plainText } from './lib/dataset.js';
import { formatMs, formatRatio, summarize, timeRuns } from './lib/stats.js';
import { markdownTable } from './lib/table.js';

const EXTRA = [
  'Grüße aus München — naïve café, 東京の天気は晴れです。 Привет, как дела? 🙂👍🏽 مرحبا بالعالم',
  'function add(a: number, b: number): number { return a + b; } // TypeScript\n\tconsole.log(add(1, 2));',
  '   leading and trailing whitespace   \n\n\n',
  '',
];

export async function runTokensBench(options: { quick: boolean }): Promise<string> {
  const texts = [...corpusInputs(options.quick ? 2000 : 20_000).map(plainText), ...EXTRA];
  const jsTiktoken = getEncoding('o200k_base');
  const wasm = get_encoding('o200k_base');
  const counters: Record<string, (text: string) => number> = {
    'js-tiktoken 1.0.21': (text) => jsTiktoken.encode(text).length,
    'gpt-tokenizer 4.0.0': (text) => gptEncode(text).length,
    'tiktoken 1.0.22 (WASM)': (text) => wasm.encode(text).length,
  };
  const reference = texts.map(counters['js-tiktoken 1.0.21']!);
  const totalTokens = reference.reduce((sum, count) => sum + count, 0);
  const rows: string[][] = [];
  let baseline = 0;
  for (const [name, count] of Object.entries(counters)) {
    const mismatches = texts.filter((text, index) => count(text) !== reference[index]).length;
    const passes = summarize(await timeRuns(options.quick ? 3 : 7, async () => {
      for (const text of texts) count(text);
    }));
    if (baseline === 0) baseline = passes.median;
    rows.push([name, `${formatMs(passes.median)} / ${formatMs(passes.p95)}`, `${Math.round(totalTokens / (passes.median / 1000)).toLocaleString('en-US')}`, formatRatio(baseline / passes.median), mismatches === 0 ? 'equal' : `${mismatches} differ`]);
  }
  wasm.free();
  return [
    `### Token counting (o200k_base, ${texts.length.toLocaleString('en-US')} texts, ${totalTokens.toLocaleString('en-US')} tokens per pass; ms per pass, median / p95)`,
    '',
    markdownTable(['library', 'ms per pass', 'tokens/s', 'speed vs js-tiktoken', 'counts vs js-tiktoken'], rows),
  ].join('\n');
}
