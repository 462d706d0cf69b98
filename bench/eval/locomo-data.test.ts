import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evidenceRecall } from './evidence-recall.js';
import { loadLocomo, normaliseEvidenceId, parseSessionDate } from './locomo-data.js';
import { runLocomoEval } from './locomo-eval.js';

const directory = await mkdtemp(join(tmpdir(), 'locomo-'));
afterAll(() => rm(directory, { recursive: true, force: true }));

/** A made-up conversation in the LoCoMo format (no dataset content). */
async function syntheticFile(): Promise<string> {
  const filler = (session: number, count: number) =>
    Array.from({ length: count }, (_, index) => ({ speaker: index % 2 ? 'Bea' : 'Al', dia_id: `D${session}:${index + 1}`, text: `Chatting about errands, item ${session}-${index}.` }));
  const session1 = filler(1, 30);
  session1[2] = { speaker: 'Al', dia_id: 'D1:3', text: 'I finally repaired the old lighthouse lamp.', blip_caption: 'a photo of a lamp' } as (typeof session1)[number];
  const session2 = filler(2, 30);
  session2[4] = { speaker: 'Bea', dia_id: 'D2:5', text: 'My cousin Rafa moved to Valparaiso.' };
  const data = [{
    sample_id: 'synthetic-1',
    conversation: {
      speaker_a: 'Al', speaker_b: 'Bea',
      session_1_date_time: '9:05 am on 3 March, 2024', session_1: session1,
      session_2_date_time: '6:40 pm on 10 March, 2024', session_2: session2,
      session_3_date_time: '1:00 pm on 1 April, 2024',
    },
    qa: [
      { question: 'What did Al repair?', answer: 'a lamp', evidence: ['D:1:3'], category: 4 },
      { question: 'Where did the cousin move, and what did Al repair?', answer: 'Valparaiso; a lamp', evidence: ['D2:05; D1:3'], category: 1 },
      { question: 'Adversarial, not scored', answer: 'n/a', evidence: ['D1:1'], category: 5 },
    ],
  }];
  const path = join(directory, 'synthetic.json');
  await writeFile(path, JSON.stringify(data));
  return path;
}

describe('LoCoMo format handling', () => {
  it('should normalise evidence ids and parse session dates', () => {
    expect(normaliseEvidenceId('D:11:26')).toBe('D11:26');
    expect(normaliseEvidenceId('D30:05')).toBe('D30:5');
    expect(parseSessionDate('1:56 pm on 8 May, 2023')?.toISOString()).toBe('2023-05-08T13:56:00.000Z');
    expect(parseSessionDate('12:10 am on 1 January, 2024')?.toISOString()).toBe('2024-01-01T00:10:00.000Z');
    expect(parseSessionDate('soon')).toBeNull();
  });

  it('should read turns in session order, keep captions searchable and split multi-id evidence', async () => {
    const [sample] = await loadLocomo({ path: await syntheticFile() });
    expect(sample!.turns).toHaveLength(60);
    expect(sample!.turns[2]).toMatchObject({ diaId: 'D1:3', rawText: 'I finally repaired the old lighthouse lamp.', text: 'I finally repaired the old lighthouse lamp. [shares an image: a photo of a lamp]' });
    expect(sample!.turns[30]!.createdAt.toISOString()).toBe('2024-03-10T18:40:00.000Z');
    expect(sample!.questions[1]!.evidence).toEqual(['D2:5', 'D1:3']);
  });

  it('should count evidence by id in the window or verbatim text anywhere', () => {
    const turns = new Map([['D1:1', { id: 'D1:1', text: 'alpha beta' }], ['D1:2', { id: 'D1:2', text: 'gamma delta' }]]);
    expect(evidenceRecall({ context: [{ role: 'user', id: 'D1:1', content: 'alpha beta' }], evidence: ['D1:1', 'D1:2'], turns })).toBe(0.5);
    expect(evidenceRecall({ context: [{ role: 'system', content: '[2024-01-01 10:00]\nBea: gamma delta' }], evidence: ['D1:2'], turns })).toBe(1);
    expect(evidenceRecall({ context: [], evidence: ['D9:9'], turns })).toBe(0);
  });

  it('should evaluate any file in the format, scoring categories 1–4 only, with both baselines', async () => {
    const report = await runLocomoEval({ data: await syntheticFile(), budgets: [300] });
    expect(report.questions).toBe(2);
    expect(report.budgets['300']).toEqual({ overall: 1, byCategory: { '1': 1, '4': 1 } });
    expect(report.baselines['recent-turns']!['300']!.overall).toBeLessThan(1);
    expect(Object.keys(report.baselines)).toEqual(['recent-turns', 'bm25']);
  });
});
