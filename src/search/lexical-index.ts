import { analyzeText } from './analyze-text.js';

/** One result of {@link LexicalIndex.search}. */
export interface LexicalHit {
  readonly id: string;
  /** BM25 score; higher is better, comparable only within one result list. */
  readonly score: number;
}

export interface LexicalIndexOptions {
  /** Term-frequency saturation. @default 1.2 */
  readonly k1?: number;
  /** Document-length normalisation, 0–1. @default 0.75 */
  readonly b?: number;
  /** Text → terms; the same function analyzes documents and queries. @default analyzeText */
  readonly analyze?: (text: string) => string[];
}

interface Partition {
  /** term → (document id → term frequency) */
  readonly postings: Map<string, Map<string, number>>;
  /** document id → length in terms */
  readonly lengths: Map<string, number>;
  totalLength: number;
}

/**
 * An in-process BM25 inverted index (Robertson & Zaragoza, "The Probabilistic Relevance
 * Framework: BM25 and Beyond", 2009), used by the in-memory store for message and memory search.
 *
 * Scoring: `Σ idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·|D|/avgdl))` over the distinct query terms,
 * with Lucene's non-negative `idf(t) = ln(1 + (N − n + 0.5)/(n + 0.5))`.
 *
 * Collection statistics (N, avgdl, document frequencies) are kept per partition (one partition
 * per scope), so one tenant's documents never influence — or reveal themselves through — another
 * tenant's scores. Ids are unique across the whole index: callers that index per-conversation
 * message ids should compose them with the conversation id.
 */
/**
 * Postings scanned per query term at most. A term in more documents than this (a near-stop-word in a
 * large history) only re-scores documents found through rarer terms, which keeps a search's cost
 * bounded however long the history grows; documents matching only such terms are then found among
 * the first postings scanned.
 */
export const MAX_POSTINGS_SCANNED = 5000;

export class LexicalIndex {
  private readonly k1: number;
  private readonly b: number;
  private readonly analyze: (text: string) => string[];
  private readonly partitions = new Map<string, Partition>();
  /** id → partition key and distinct terms, so `remove` touches only that document's postings. */
  private readonly documents = new Map<string, { partitionKey: string; terms: readonly string[] }>();

  constructor(options: LexicalIndexOptions = {}) {
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    this.analyze = options.analyze ?? analyzeText;
  }

  /** Number of indexed documents (all partitions). */
  get size(): number {
    return this.documents.size;
  }

  has(id: string): boolean {
    return this.documents.has(id);
  }

  /** Indexes `text` under `id` in `partitionKey`, replacing any earlier document with that id. */
  add(id: string, text: string, partitionKey: string): void {
    this.remove(id);
    const terms = this.analyze(text);
    const frequencies = new Map<string, number>();
    for (const term of terms) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
    const partition = this.partition(partitionKey);
    for (const [term, frequency] of frequencies) {
      let posting = partition.postings.get(term);
      if (!posting) partition.postings.set(term, (posting = new Map()));
      posting.set(id, frequency);
    }
    partition.lengths.set(id, terms.length);
    partition.totalLength += terms.length;
    this.documents.set(id, { partitionKey, terms: [...frequencies.keys()] });
  }

  /** Removes a document. Returns false when it was not indexed. */
  remove(id: string): boolean {
    const document = this.documents.get(id);
    if (!document) return false;
    const partition = this.partitions.get(document.partitionKey)!;
    for (const term of document.terms) {
      const posting = partition.postings.get(term);
      posting?.delete(id);
      if (posting?.size === 0) partition.postings.delete(term);
    }
    partition.totalLength -= partition.lengths.get(id) ?? 0;
    partition.lengths.delete(id);
    if (partition.lengths.size === 0) this.partitions.delete(document.partitionKey);
    this.documents.delete(id);
    return true;
  }

  /** Removes every document of a partition (e.g. erasing a user). Returns how many were removed. */
  clearPartition(partitionKey: string): number {
    const partition = this.partitions.get(partitionKey);
    if (!partition) return 0;
    const ids = [...partition.lengths.keys()];
    for (const id of ids) this.documents.delete(id);
    this.partitions.delete(partitionKey);
    return ids.length;
  }

  /**
   * Best-first BM25 matches of `query` within one partition. Documents sharing no term with the
   * query are never returned; ties are broken by id so results are deterministic.
   * @param options.filter keeps only ids for which it returns true (applied before `limit`).
   * @param options.limit maximum hits. @default 10
   */
  search(query: string, options: { partitionKey: string; filter?: (id: string) => boolean; limit?: number }): LexicalHit[] {
    const partition = this.partitions.get(options.partitionKey);
    const limit = options.limit ?? 10;
    if (!partition || limit <= 0) return [];
    const documentCount = partition.lengths.size;
    const averageLength = partition.totalLength / documentCount || 1;
    const scores = new Map<string, number>();
    const rejected = new Set<string>();
    const terms = [...new Set(this.analyze(query))]
      .map((term) => ({ term, posting: partition.postings.get(term) }))
      .filter((entry): entry is { term: string; posting: Map<string, number> } => entry.posting !== undefined)
      .sort((left, right) => left.posting.size - right.posting.size);
    const score = (id: string, frequency: number, idf: number) => {
      const length = partition.lengths.get(id)!;
      const norm = frequency + this.k1 * (1 - this.b + (this.b * length) / averageLength);
      scores.set(id, (scores.get(id) ?? 0) + (idf * frequency * (this.k1 + 1)) / norm);
    };
    for (const { posting } of terms) {
      const idf = Math.log(1 + (documentCount - posting.size + 0.5) / (posting.size + 0.5));
      if (posting.size > MAX_POSTINGS_SCANNED && scores.size > 0) {
        // A very common term (low IDF) only adds to documents a rarer term already found: the cost
        // stays bounded by the rarer terms' postings instead of growing with the history.
        for (const id of scores.keys()) {
          const frequency = posting.get(id);
          if (frequency !== undefined) score(id, frequency, idf);
        }
        continue;
      }
      let scanned = 0;
      for (const [id, frequency] of posting) {
        if (scanned >= MAX_POSTINGS_SCANNED) break;
        scanned += 1;
        if (rejected.has(id)) continue;
        if (options.filter && !scores.has(id) && !options.filter(id)) {
          rejected.add(id);
          continue;
        }
        score(id, frequency, idf);
      }
    }
    return [...scores]
      .map(([id, score]) => ({ id, score }))
      .sort((left, right) => right.score - left.score || (left.id < right.id ? -1 : left.id > right.id ? 1 : 0))
      .slice(0, limit);
  }

  private partition(key: string): Partition {
    let partition = this.partitions.get(key);
    if (!partition) this.partitions.set(key, (partition = { postings: new Map(), lengths: new Map(), totalLength: 0 }));
    return partition;
  }
}
