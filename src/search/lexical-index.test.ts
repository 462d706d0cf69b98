import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LexicalIndex, MAX_POSTINGS_SCANNED } from './lexical-index.js';

const words = (text: string) => text.split(' ').filter((word) => word.length > 0);

/** Textbook BM25 computed from scratch over the documents, as the oracle. */
function bruteForce(documents: ReadonlyMap<string, string>, query: string, k1 = 1.2, b = 0.75): Map<string, number> {
  const terms = [...documents].map(([id, text]) => [id, words(text)] as const);
  const average = terms.reduce((sum, [, list]) => sum + list.length, 0) / terms.length || 1;
  const scores = new Map<string, number>();
  for (const term of new Set(words(query))) {
    const containing = terms.filter(([, list]) => list.includes(term)).length;
    if (containing === 0) continue;
    const idf = Math.log(1 + (terms.length - containing + 0.5) / (containing + 0.5));
    for (const [id, list] of terms) {
      const frequency = list.filter((word) => word === term).length;
      if (frequency === 0) continue;
      const score = (idf * frequency * (k1 + 1)) / (frequency + k1 * (1 - b + (b * list.length) / average));
      scores.set(id, (scores.get(id) ?? 0) + score);
    }
  }
  return scores;
}

describe('LexicalIndex', () => {
  it('should rank the document that matches the rarer and more frequent terms first', () => {
    const index = new LexicalIndex();
    index.add('1', 'I adopted a dog from the shelter last week', 'p');
    index.add('2', 'We went hiking with the dogs and the kids', 'p');
    index.add('3', 'The weather was lovely', 'p');
    const hits = index.search('Where did she adopt her dog?', { partitionKey: 'p' });
    expect(hits.map((hit) => hit.id)).toEqual(['1', '2']);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
  });

  it('should keep partitions apart in results and statistics', () => {
    const index = new LexicalIndex();
    index.add('a1', 'secret launch plan', 'tenant-a');
    index.add('b1', 'launch party', 'tenant-b');
    expect(index.search('launch', { partitionKey: 'tenant-b' }).map((hit) => hit.id)).toEqual(['b1']);
    const before = index.search('launch', { partitionKey: 'tenant-b' })[0]!.score;
    index.add('a2', 'launch launch launch', 'tenant-a');
    expect(index.search('launch', { partitionKey: 'tenant-b' })[0]!.score).toBe(before);
    expect(index.search('launch', { partitionKey: 'tenant-c' })).toEqual([]);
  });

  it('should replace a document on re-add and forget it on remove', () => {
    const index = new LexicalIndex();
    index.add('1', 'apples', 'p');
    index.add('1', 'pears', 'p');
    expect(index.search('apples', { partitionKey: 'p' })).toEqual([]);
    expect(index.search('pears', { partitionKey: 'p' }).map((hit) => hit.id)).toEqual(['1']);
    expect(index.remove('1')).toBe(true);
    expect(index.remove('1')).toBe(false);
    expect(index.size).toBe(0);
    expect(index.search('pears', { partitionKey: 'p' })).toEqual([]);
  });

  it('should apply the filter before the limit', () => {
    const index = new LexicalIndex();
    for (let id = 0; id < 20; id++) index.add(String(id), `topic ${'topic '.repeat(id % 3)}`, 'p');
    const hits = index.search('topic', { partitionKey: 'p', filter: (id) => Number(id) >= 15, limit: 3 });
    expect(hits).toHaveLength(3);
    for (const hit of hits) expect(Number(hit.id)).toBeGreaterThanOrEqual(15);
  });

  it('should clear a partition without touching others', () => {
    const index = new LexicalIndex();
    index.add('a', 'alpha', 'p1');
    index.add('b', 'alpha', 'p2');
    expect(index.clearPartition('p1')).toBe(1);
    expect(index.has('a')).toBe(false);
    expect(index.search('alpha', { partitionKey: 'p2' })).toHaveLength(1);
  });

  it('should score exactly like textbook BM25 after any sequence of adds and removes', () => {
    const vocabulary = fc.constantFrom('red', 'green', 'blue', 'cyan', 'plum', 'teal');
    const text = fc.array(vocabulary, { maxLength: 8 }).map((list) => list.join(' '));
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), id: fc.integer({ min: 0, max: 6 }), text }),
      fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 6 }) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 30 }), text, (operations, query) => {
        const index = new LexicalIndex({ analyze: words });
        const documents = new Map<string, string>();
        for (const step of operations) {
          if (step.kind === 'add') {
            index.add(String(step.id), step.text, 'p');
            documents.set(String(step.id), step.text);
          } else {
            expect(index.remove(String(step.id))).toBe(documents.delete(String(step.id)));
          }
        }
        const expected = bruteForce(documents, query);
        const hits = index.search(query, { partitionKey: 'p', limit: 100 });
        expect(new Set(hits.map((hit) => hit.id))).toEqual(new Set(expected.keys()));
        for (const hit of hits) expect(hit.score).toBeCloseTo(expected.get(hit.id)!, 9);
        for (let position = 1; position < hits.length; position++) expect(hits[position - 1]!.score).toBeGreaterThanOrEqual(hits[position]!.score);
      }),
    );
  });
});

describe('LexicalIndex on a large history', () => {
  it('should rank a rare term first while a near-stop-word term only re-scores its candidates', () => {
    const index = new LexicalIndex();
    for (let doc = 0; doc < MAX_POSTINGS_SCANNED * 2; doc += 1) index.add(`d${doc}`, `weather update number ${doc}`, 'p');
    index.add('needle', 'weather update about the zeppelin', 'p');
    const hits = index.search('zeppelin weather', { partitionKey: 'p', limit: 3 });
    expect(hits[0]?.id).toBe('needle');
    // Only documents reached through the rare term are scored: the common term added no new ones.
    expect(hits).toHaveLength(1);
    // A query of common terms alone still answers, from a bounded scan.
    expect(index.search('weather update', { partitionKey: 'p', limit: 5 })).toHaveLength(5);
  });
});
