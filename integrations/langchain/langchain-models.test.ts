import { AIMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { FakeEmbeddings, FakeListChatModel, SyntheticEmbeddings } from '@langchain/core/utils/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Memory, Message } from '../../src/types.js';
import { langChainEmbedder } from './langchain-embedder.js';
import { langChainMemoryExtractor, parseProposals } from './langchain-memory-extractor.js';
import { langChainSummarizer } from './langchain-summarizer.js';

function message(seq: number, role: Message['role'], content: Message['content'], name?: string): Message {
  return {
    id: `m${seq}`,
    conversationId: 'c',
    seq,
    role,
    content,
    ...(name === undefined ? {} : { name }),
    createdAt: new Date(0),
    metadata: {},
    tags: [],
    tokenCounts: {},
    contentHash: '0'.repeat(64),
  };
}

const turns = [
  message(1, 'user', 'I moved to Lyon last month.', 'Ada'),
  message(2, 'assistant', [{ type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: { city: 'Lyon' } }]),
  message(3, 'tool', [{ type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output: 'sunny' }]),
  message(4, 'assistant', 'Welcome to Lyon! It is sunny.'),
];

describe('langChainSummarizer', () => {
  it('should send the previous summary, the transcript and the token limit, and return the trimmed reply', async () => {
    const model = fakeModel().respond(new AIMessage('  Ada moved to Lyon; weather sunny.  '));
    const summarizer = langChainSummarizer({ model });
    const result = await summarizer.summarize({ previousSummary: 'Ada is a developer.', messages: turns, maxTokens: 120, signal: new AbortController().signal });
    expect(result).toEqual({ text: 'Ada moved to Lyon; weather sunny.' });
    const [system, human] = model.calls[0]!.messages;
    expect(system!.text).toContain('at most 120 tokens');
    expect(human!.text).toContain('Previous summary:\nAda is a developer.');
    expect(human!.text).toContain('Ada: I moved to Lyon last month.');
    expect(human!.text).toContain('weather {"city":"Lyon"}');
  });

  it('should throw when the model returns no text, and before calling it when the signal is aborted', async () => {
    const summarizer = langChainSummarizer({ model: new FakeListChatModel({ responses: ['   '] }) });
    await expect(summarizer.summarize({ previousSummary: null, messages: turns, maxTokens: 50, signal: new AbortController().signal })).rejects.toThrow(/no text/);
    const model = fakeModel().respond(new AIMessage('never'));
    const controller = new AbortController();
    controller.abort(new Error('timeout'));
    await expect(langChainSummarizer({ model }).summarize({ previousSummary: null, messages: turns, maxTokens: 50, signal: controller.signal })).rejects.toThrow('timeout');
    expect(model.callCount).toBe(0);
  });
});

describe('langChainMemoryExtractor', () => {
  it('should list known facts in the prompt and parse a fenced JSON reply', async () => {
    const model = fakeModel().respond(new AIMessage('Here you go:\n```json\n[{"key":"user.home_city","text":"Ada lives in Lyon.","tags":["profile"]},{"text":""},{"nope":1}]\n```'));
    const existing = [{ id: 'x', key: 'user.job', text: 'Ada is a developer.' } as unknown as Memory];
    const proposals = await langChainMemoryExtractor({ model }).extract({ scope: { tenantId: 't' }, conversationId: 'c', messages: turns, existing });
    expect(proposals).toEqual([{ key: 'user.home_city', text: 'Ada lives in Lyon.', tags: ['profile'] }]);
    expect(model.calls[0]!.messages[1]!.text).toContain('- [user.job] Ada is a developer.');
  });

  it('should throw on a reply without a JSON array', () => {
    expect(() => parseProposals('I found nothing.')).toThrow(SyntaxError);
  });

  it('should return exactly the valid entries of any JSON array (property)', () => {
    const entry = fc.oneof(
      fc.record({ text: fc.string({ minLength: 1 }).filter((text) => text.trim() !== ''), key: fc.option(fc.stringMatching(/^[a-z.]{1,20}$/), { nil: undefined }) }),
      fc.record({ text: fc.constant('   ') }),
      fc.integer(),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
        const valid = entries.flatMap((item) => (typeof item === 'object' && item.text.trim() !== '' ? [item] : []));
        const parsed = parseProposals(`prose ${JSON.stringify(entries)} prose`);
        expect(parsed.map((proposal) => proposal.text)).toEqual(valid.map((item) => item.text.trim()));
      }),
    );
  });
});

describe('langChainEmbedder', () => {
  it('should return one vector of the declared size per text, in order', async () => {
    const embedder = langChainEmbedder({ embeddings: new SyntheticEmbeddings({ vectorSize: 8 }), modelId: 'synthetic', dimensions: 8 });
    const vectors = await embedder.embed(['alpha', 'beta', 'alpha'], {});
    expect(vectors).toHaveLength(3);
    expect(vectors.every((vector) => vector.length === 8)).toBe(true);
    expect(vectors[0]).toEqual(vectors[2]);
    expect(vectors[0]).not.toEqual(vectors[1]);
    expect(embedder.modelId).toBe('synthetic');
  });

  it('should reject when the signal aborts', async () => {
    const embedder = langChainEmbedder({ embeddings: new FakeEmbeddings(), modelId: 'fake', dimensions: 4 });
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(embedder.embed(['a'], { signal: controller.signal })).rejects.toThrow('cancelled');
    const slow = langChainEmbedder({ embeddings: { embedDocuments: () => new Promise(() => {}) }, modelId: 'slow', dimensions: 4 });
    const late = new AbortController();
    const pending = slow.embed(['a'], { signal: late.signal });
    late.abort(new Error('late cancel'));
    await expect(pending).rejects.toThrow('late cancel');
  });
});
