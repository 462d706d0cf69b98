import { describe, expect, it } from 'vitest';
import { storedMessages } from '../../test/support/stored-messages.js';
import { createMemoryStore } from '../stores/memory/memory-store.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import type { Memory, Summary } from '../types.js';
import { gatherSections, type GatherSectionsInput } from './gather-sections.js';
import { blockCost, renderRecall, type RecallExcerpt } from './system-blocks.js';
import type { SectionSources } from './sources.js';

const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
const store = createMemoryStore();
const scope = { tenantId: 't', userId: 'u' };

function memory(id: string, text: string, pinned: boolean): Memory {
  return { id, text, pinned, tenantId: 't', userId: 'u', tags: [], metadata: {}, createdAt: new Date(0), updatedAt: new Date(0) } as unknown as Memory;
}

const summary: Summary = { text: 'The user ordered a blue bike.', coversThroughSeq: 10 } as Summary;

function input(sources: Partial<SectionSources>, overrides: Partial<GatherSectionsInput> = {}): GatherSectionsInput {
  return {
    sources: {
      memories: async () => ({ pinned: [], relevant: [] }),
      summary: async () => ({ summary: null, status: 'none' }),
      recall: async () => ({ excerpts: [] }),
      ...sources,
    },
    store,
    scope,
    conversationId: 'c',
    tokenizer,
    caps: { rest: 1000, memories: 150, summary: 200, recall: 250 },
    query: 'bike',
    windowStartSeq: 11,
    wholeHistoryFits: false,
    recall: {},
    ...overrides,
  };
}

describe('gatherSections', () => {
  it('should place memories (pinned first) and the summary as blocks, each under its cap', async () => {
    const result = await gatherSections(
      input({
        memories: async () => ({ pinned: [memory('m1', 'Prefers email', true)], relevant: [memory('m2', 'Lives in Porto', false), memory('m3', 'word '.repeat(200), false)] }),
        summary: async () => ({ summary, status: 'used' }),
      }),
    );
    expect(result.memories.map((item) => item.id)).toEqual(['m1', 'm2']);
    expect(result.dropped).toEqual([expect.objectContaining({ section: 'memories', reason: 'cap', memoryId: 'm3' })]);
    expect(result.blocks.map((block) => block.section)).toEqual(['memories', 'summary']);
    expect(result.summaryUsed).toBe(true);
    expect(result.summary.status).toBe('used');
    expect(result.optionalTokens).toBeGreaterThan(0);
  });

  it('should not ask summary or recall when the whole history fits, and say so', async () => {
    const asked: string[] = [];
    const result = await gatherSections(
      input({ summary: async () => (asked.push('summary'), { summary, status: 'used' }), recall: async () => (asked.push('recall'), { excerpts: [] }) }, { wholeHistoryFits: true }),
    );
    expect(asked).toEqual([]);
    expect(result.summary).toEqual({ summary: null, status: 'skipped', note: 'the whole history fits the window' });
  });

  it('should leave a failed source empty with a note, and drop a summary over its cap', async () => {
    const failed = await gatherSections(input({ summary: async () => Promise.reject(new Error('down')) }));
    expect(failed.summary.status).toBe('failed');
    expect(failed.notes).toEqual(['summary source failed (Error); the section was left empty']);
    const big = await gatherSections(input({ summary: async () => ({ summary: { ...summary, text: 'long '.repeat(400) }, status: 'used' }) }));
    expect(big.summaryUsed).toBe(false);
    expect(big.dropped).toEqual([expect.objectContaining({ section: 'summary', reason: 'cap' })]);
    expect(big.summary.note).toMatch(/exceeds its cap \(200\)/);
  });

  it('should not ask recall without a query or before the first message, nor a source whose cap is 0', async () => {
    const asked: string[] = [];
    const sources = { recall: async () => (asked.push('recall'), { excerpts: [] }), memories: async () => (asked.push('memories'), { pinned: [], relevant: [] }) };
    await gatherSections(input(sources, { query: '' }));
    await gatherSections(input(sources, { windowStartSeq: 1 }));
    expect(asked).toEqual(['memories', 'memories']);
    await gatherSections(input(sources, { caps: { rest: 1000, memories: 0, summary: 0, recall: 0 } }));
    expect(asked).toEqual(['memories', 'memories']);
  });

  it('should let recall take what memories and summary leave when the caps give it a reach, and only then', async () => {
    const turns = await storedMessages(
      Array.from({ length: 12 }, (_, index) => ({ role: index % 2 === 0 ? ('user' as const) : ('assistant' as const), content: `turn ${index + 1}: the bike was blue and had a basket on the front` })),
      { tokenizer },
    );
    // Six excerpts of two turns, best first; together well over 250 tokens and under 600.
    const excerpts: RecallExcerpt[] = Array.from({ length: 6 }, (_, index) => ({ conversationId: 'c', messages: turns.slice(2 * index, 2 * index + 2) }));
    const asked: number[] = [];
    const recall = async (args: { maxTokens: number }) => (asked.push(args.maxTokens), { excerpts });
    const memoriesText = 'Prefers email';
    const sources = { recall, memories: async () => ({ pinned: [memory('m1', memoriesText, true)], relevant: [] }) };
    const whole = blockCost(tokenizer, renderRecall(excerpts, 'c'));
    expect(whole).toBeGreaterThan(250);
    expect(whole).toBeLessThan(600 - 60);

    const own = await gatherSections(input(sources));
    expect(own.recallCap).toBe(250);
    expect(blockCost(tokenizer, renderRecall(own.excerpts, 'c'))).toBeLessThanOrEqual(250);

    const reach = await gatherSections(input(sources, { caps: { rest: 1000, memories: 150, summary: 200, recall: 250, recallReach: 600 } }));
    // The summary left all of its 200, the memories block all but its own cost; recall is asked
    // after them for exactly its grown cap (asked for more, a merged run could overflow and be dropped whole).
    const memoriesCost = reach.optionalTokens - blockCost(tokenizer, renderRecall(reach.excerpts, 'c'));
    expect(reach.recallCap).toBe(600 - memoriesCost);
    expect(asked).toEqual([250, reach.recallCap]);
    expect(reach.excerpts).toHaveLength(6);
  });
});
